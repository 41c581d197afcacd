//! The providers batchform ships, and their schemas for validation.

use batchform_config::validate::SchemaSource;
use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::{Mode, ProviderSchema, Type};
use std::collections::BTreeMap;

/// Every provider available to configurations, by local name.
#[derive(Default)]
pub struct Registry {
    providers: BTreeMap<String, (String, ProviderSchema)>,
}

impl Registry {
    /// The providers batchform ships: the built-in `terraform` provider (`terraform_data`)
    /// and `openai` (`openai_file`, `openai_batch`, and the data sources).
    pub fn builtin() -> Registry {
        let mut providers = BTreeMap::new();
        providers.insert(
            "terraform".to_string(),
            ("terraform.io/builtin/terraform".to_string(), terraform_schema()),
        );
        providers.insert(
            "openai".to_string(),
            (batchform_openai::PROVIDER_SOURCE.to_string(), batchform_openai::provider_schema()),
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
            "openai" => Some(std::sync::Arc::new(batchform_openai::OpenAiProvider::new())),
            _ => None,
        }
    }

    fn source(&self, name: &str) -> Option<String> {
        Registry::source(self, name)
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;
    use batchform_core::Diagnostics;

    fn validate(text: &str) -> Diagnostics {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let ctx = crate::commands::Context {
            original_dir: dir.path().to_path_buf(),
            working_dir: dir.path().to_path_buf(),
            var_args: Vec::new(),
        };
        let loaded = crate::workdir::load(dir.path());
        assert!(!loaded.diagnostics.has_errors(), "{:#?}", loaded.diagnostics);
        let env = crate::functions::FunctionEnv::new(&ctx, true, false);
        let registry = Registry::builtin();
        batchform_config::validate::validate(&loaded.config, Some(&registry), &env.library())
    }

    /// The examples of both seed pages, with a provider block and the file they upload.
    const SEEDS: &str = r#"
provider "openai" {
  emulator = true
}

resource "openai_file" "embeddings_file" {
  file    = "embeddings.jsonl"
  purpose = "batch"
}

resource "openai_batch" "example_batch" {
  completion_window = "24h"
  endpoint = "/v1/responses"
  input_file_id = "input_file_id"
  metadata = {
    foo = "string"
  }
  output_expires_after = {
    anchor = "created_at"
    seconds = 3600
  }
}

data "openai_batch" "example_batch" {
  batch_id = "batch_id"
}

data "openai_batch" "existing_batch" {
  batch_id = "batch_abc123"
}

output "batch_status" {
  value = data.openai_batch.existing_batch.status
}

output "output_file_id" {
  value = data.openai_batch.existing_batch.output_file_id
}

data "openai_batch" "specific_batch" {
  batch_id = "batch_67dc4576e9cc8190b8a169f65a805996"
}

output "batch_details" {
  value = {
    status        = data.openai_batch.specific_batch.status
    input_file    = data.openai_batch.specific_batch.input_file_id
    output_file   = data.openai_batch.specific_batch.output_file_id
    created_at    = data.openai_batch.specific_batch.created_at
    endpoint      = data.openai_batch.specific_batch.endpoint
    request_count = data.openai_batch.specific_batch.request_counts
  }
}

resource "openai_batch" "embeddings_batch" {
  input_file_id     = openai_file.embeddings_file.id
  endpoint          = "/v1/embeddings"
  model             = "text-embedding-ada-002"
  completion_window = "24h"
}

data "openai_batch" "monitor_batch" {
  batch_id = openai_batch.embeddings_batch.id
  depends_on = [openai_batch.embeddings_batch]
}

locals {
  output_file_id = data.openai_batch.monitor_batch.status == "completed" ? data.openai_batch.monitor_batch.output_file_id : ""
}

output "batch_results_available" {
  value = data.openai_batch.monitor_batch.status == "completed"
}

output "batch_output_file_id" {
  value = local.output_file_id
}

data "openai_file" "batch_results" {
  file_id = data.openai_batch.monitor_batch.output_file_id
  count   = data.openai_batch.monitor_batch.status == "completed" ? 1 : 0
}

output "errors" {
  value = [data.openai_batch.monitor_batch.error, data.openai_batch.monitor_batch.errors, data.openai_batch.monitor_batch.metadata]
}
"#;

    #[test]
    fn the_seed_pages_validate_against_the_openai_schemas() {
        let diags = validate(SEEDS);
        assert!(diags.is_empty(), "{diags:#?}");
    }

    #[test]
    fn openai_arguments_are_checked_against_the_schemas() {
        let diags = validate(
            "resource \"openai_batch\" \"b\" {\n  input_file_id = \"f\"\n  endpointt = \"/v1/embeddings\"\n  completion_window = \"24h\"\n}\ndata \"openai_batches\" \"all\" {}\noutput \"o\" {\n  value = data.openai_batches.all.ids\n}\n",
        );
        let summaries: Vec<&str> = diags.errors().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            vec!["Missing required argument", "Unsupported argument"],
            "{diags:#?}"
        );
        assert!(diags.errors().nth(1).unwrap().detail.contains("Did you mean \"endpoint\"?"));
    }
}
