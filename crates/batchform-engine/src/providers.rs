//! The providers an operation uses: one `Provider` per provider configuration (default or
//! alias), created by a factory the caller supplies, with its schema and the address state
//! records it under.

use batchform_config::model::ProviderConfigAddr;
use batchform_core::schema::Schema;
use batchform_core::{Mode, Provider, ProviderSchema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Creates providers by local name (`openai`, `terraform`). The CLI knows them all.
pub trait ProviderFactory: Send + Sync {
    /// A fresh, unconfigured provider, or `None` if no provider has that name.
    fn create(&self, name: &str) -> Option<Arc<dyn Provider>>;
    /// The provider's source address (`terraform.io/builtin/terraform`).
    fn source(&self, name: &str) -> Option<String>;
}

/// One provider configuration, ready to use.
pub struct ProviderEntry {
    pub addr: ProviderConfigAddr,
    pub provider: Arc<dyn Provider>,
    pub schema: ProviderSchema,
    /// How state refers to it: `provider["SOURCE"]` or `provider["SOURCE"].alias`.
    pub state_addr: String,
}

/// The provider configurations of one operation.
#[derive(Default)]
pub struct ProviderSet {
    entries: BTreeMap<ProviderConfigAddr, ProviderEntry>,
}

/// The state address of a provider configuration.
pub fn state_address(source: &str, alias: Option<&str>) -> String {
    match alias {
        Some(a) => format!("provider[\"{source}\"].{a}"),
        None => format!("provider[\"{source}\"]"),
    }
}

/// The provider configuration a state provider address names (`provider["x/y/openai"].a`).
pub fn parse_state_address(text: &str) -> Option<ProviderConfigAddr> {
    let rest = text.strip_prefix("provider[\"")?;
    let (source, tail) = rest.split_once("\"]")?;
    let name = source.rsplit('/').next()?.to_string();
    let alias = tail.strip_prefix('.').map(str::to_string);
    Some(ProviderConfigAddr { name, alias })
}

impl ProviderSet {
    pub fn new() -> ProviderSet {
        ProviderSet::default()
    }

    /// Add (or return the existing) provider configuration `addr`.
    pub fn ensure(
        &mut self,
        addr: &ProviderConfigAddr,
        factory: &dyn ProviderFactory,
    ) -> Option<&ProviderEntry> {
        if !self.entries.contains_key(addr) {
            let provider = factory.create(&addr.name)?;
            let source = factory.source(&addr.name)?;
            let schema = provider.schema();
            let entry = ProviderEntry {
                addr: addr.clone(),
                provider,
                schema,
                state_addr: state_address(&source, addr.alias.as_deref()),
            };
            self.entries.insert(addr.clone(), entry);
        }
        self.entries.get(addr)
    }

    pub fn get(&self, addr: &ProviderConfigAddr) -> Option<&ProviderEntry> {
        self.entries.get(addr)
    }

    pub fn entries(&self) -> impl Iterator<Item = &ProviderEntry> {
        self.entries.values()
    }

    /// The schema of a resource type under a provider configuration.
    pub fn resource_schema(
        &self,
        addr: &ProviderConfigAddr,
        mode: Mode,
        type_name: &str,
    ) -> Option<&Schema> {
        let entry = self.entries.get(addr)?;
        match mode {
            Mode::Managed => entry.schema.resources.get(type_name),
            Mode::Data => entry.schema.data_sources.get(type_name),
        }
    }

    /// Ask every provider to stop (Ctrl-C).
    pub fn stop_all(&self) {
        for e in self.entries.values() {
            e.provider.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_addresses_round_trip() {
        let a = state_address("terraform.io/builtin/terraform", None);
        assert_eq!(a, "provider[\"terraform.io/builtin/terraform\"]");
        assert_eq!(parse_state_address(&a), Some(ProviderConfigAddr::default_for("terraform")));
        let b = state_address("batchform.dev/builtin/openai", Some("eu"));
        assert_eq!(
            parse_state_address(&b),
            Some(ProviderConfigAddr { name: "openai".into(), alias: Some("eu".into()) })
        );
    }
}
