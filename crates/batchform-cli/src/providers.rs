//! The providers batchform ships, and their schemas for validation.

use batchform_config::validate::SchemaSource;
use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::{Mode, ProviderSchema, Type};
use std::collections::BTreeMap;

/// Every provider available to configurations, by local name.
pub struct Registry {
    providers: BTreeMap<String, (String, ProviderSchema)>,
}

impl Registry {
    /// The built-in `terraform` provider (`terraform_data`).
    pub fn builtin() -> Registry {
        let mut providers = BTreeMap::new();
        providers.insert(
            "terraform".to_string(),
            ("terraform.io/builtin/terraform".to_string(), terraform_schema()),
        );
        Registry { providers }
    }

    /// A provider's source address (`terraform.io/builtin/terraform`).
    pub fn source(&self, name: &str) -> Option<String> {
        self.providers.get(name).map(|(src, _)| src.clone())
    }

    fn provider_for(&self, type_name: &str) -> Option<&ProviderSchema> {
        let name = type_name.split('_').next().unwrap_or(type_name);
        self.providers.get(name).map(|(_, s)| s)
    }
}

/// The schema of Terraform's built-in `terraform_data` resource.
fn terraform_schema() -> ProviderSchema {
    let mut attributes = BTreeMap::new();
    attributes.insert("id".to_string(), Attribute::computed(Type::String));
    attributes.insert("input".to_string(), Attribute::optional(Type::Dynamic));
    attributes.insert("output".to_string(), Attribute::computed(Type::Dynamic));
    attributes.insert("triggers_replace".to_string(), Attribute::optional(Type::Dynamic));
    let mut resources = BTreeMap::new();
    resources.insert(
        "terraform_data".to_string(),
        Schema { version: 0, block: Block { attributes, ..Block::default() } },
    );
    ProviderSchema { provider: Schema::default(), resources, data_sources: BTreeMap::new() }
}

impl SchemaSource for Registry {
    fn resource_schema(&self, mode: Mode, type_name: &str) -> Option<&Schema> {
        let p = self.provider_for(type_name)?;
        match mode {
            Mode::Managed => p.resources.get(type_name),
            Mode::Data => p.data_sources.get(type_name),
        }
    }

    fn provider_schema(&self, provider: &str) -> Option<&Schema> {
        self.providers.get(provider).map(|(_, s)| &s.provider)
    }

    fn type_names(&self, mode: Mode) -> Vec<String> {
        self.providers
            .values()
            .flat_map(|(_, s)| match mode {
                Mode::Managed => s.resources.keys().cloned().collect::<Vec<_>>(),
                Mode::Data => s.data_sources.keys().cloned().collect(),
            })
            .collect()
    }

    fn provider_source(&self, provider: &str) -> Option<String> {
        self.providers.get(provider).map(|(src, _)| src.clone())
    }
}

impl batchform_engine::providers::ProviderFactory for Registry {
    fn create(&self, name: &str) -> Option<std::sync::Arc<dyn batchform_core::Provider>> {
        match name {
            "terraform" => {
                Some(std::sync::Arc::new(batchform_engine::builtin::TerraformProvider::new()))
            }
            _ => None,
        }
    }

    fn source(&self, name: &str) -> Option<String> {
        Registry::source(self, name)
    }
}
