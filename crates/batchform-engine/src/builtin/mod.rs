//! Terraform's built-in provider, `terraform.io/builtin/terraform`, with its one managed
//! resource type, `terraform_data`.
//!
//! It runs in-process and needs no configuration. Configurations that use only
//! `terraform_data` can be run by both Terraform and batchform and their plans, states and
//! outputs compared (`fixtures/parity`), so every behaviour here follows Terraform 1.11's
//! `internal/builtin/providers/terraform` exactly, including its quirks.
//!
//! Values handed to the provider may carry sensitive marks; it works on the unmarked values
//! (Terraform core unmarks before calling a provider) and returns unmarked values. Re-marking
//! the result from the configuration's marks is the caller's job, as in Terraform, where only
//! `input` (not `output`) ends up in `sensitive_attributes`.

mod terraform_data;

use batchform_core::diagnostic::{Diagnostic, Diagnostics};
use batchform_core::provider::{
    ApplyResourceChangeRequest, ApplyResourceChangeResponse, ConfigureRequest,
    ImportResourceStateRequest, ImportResourceStateResponse, PlanResourceChangeRequest,
    PlanResourceChangeResponse, Provider, ReadDataSourceRequest, ReadDataSourceResponse,
    ReadResourceRequest, ReadResourceResponse,
};
use batchform_core::schema::{ProviderSchema, Schema};
use batchform_core::value::Value;
use std::collections::BTreeMap;

pub use terraform_data::{TERRAFORM_DATA, terraform_data_schema};

/// The provider's source address, as `required_providers` and state JSON's `provider_name`
/// spell it.
pub const PROVIDER_SOURCE: &str = "terraform.io/builtin/terraform";

/// The provider's local name: resource types `terraform_*` imply it.
pub const PROVIDER_LOCAL_NAME: &str = "terraform";

/// The provider configuration address that state records for its resources.
pub const STATE_PROVIDER: &str = "provider[\"terraform.io/builtin/terraform\"]";

/// The built-in `terraform` provider. Stateless: one value serves every configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerraformProvider;

impl TerraformProvider {
    pub fn new() -> TerraformProvider {
        TerraformProvider
    }
}

/// Terraform panics on an unknown type name here ("unimplemented"); a diagnostic is the
/// non-panicking equivalent.
fn unsupported(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(format!("Error: unsupported {kind} {type_name}"), "").into()
}

#[async_trait::async_trait]
impl Provider for TerraformProvider {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            provider: Schema::default(),
            resources: BTreeMap::from([(TERRAFORM_DATA.to_string(), terraform_data_schema())]),
            data_sources: BTreeMap::new(),
        }
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        if type_name != TERRAFORM_DATA {
            return unsupported("resource", type_name);
        }
        terraform_data::validate(config)
    }

    fn validate_data_source_config(&self, type_name: &str, _config: &Value) -> Diagnostics {
        unsupported("data source", type_name)
    }

    async fn configure(&self, _request: ConfigureRequest) -> Diagnostics {
        // Nothing to configure, as in Terraform.
        Diagnostics::new()
    }

    async fn read_resource(&self, request: ReadResourceRequest) -> ReadResourceResponse {
        if request.type_name != TERRAFORM_DATA {
            return ReadResourceResponse {
                diagnostics: unsupported("resource", &request.type_name),
                ..ReadResourceResponse::default()
            };
        }
        ReadResourceResponse {
            new_state: terraform_data::read(request.prior_state),
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn plan_resource_change(
        &self,
        request: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse {
        if request.type_name != TERRAFORM_DATA {
            return PlanResourceChangeResponse {
                diagnostics: unsupported("resource", &request.type_name),
                ..PlanResourceChangeResponse::default()
            };
        }
        let (planned_state, requires_replace) =
            terraform_data::plan(request.prior_state.as_ref(), &request.proposed_new_state);
        PlanResourceChangeResponse {
            planned_state,
            requires_replace,
            planned_private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply_resource_change(
        &self,
        request: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse {
        if request.type_name != TERRAFORM_DATA {
            return ApplyResourceChangeResponse {
                new_state: request.prior_state,
                diagnostics: unsupported("resource", &request.type_name),
                ..ApplyResourceChangeResponse::default()
            };
        }
        match terraform_data::apply(request.planned_state, terraform_data::random_id) {
            Ok(new_state) => ApplyResourceChangeResponse {
                new_state,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            },
            // Nothing was made; whatever existed before still does.
            Err(diagnostic) => ApplyResourceChangeResponse {
                new_state: request.prior_state,
                private: Vec::new(),
                diagnostics: diagnostic.into(),
            },
        }
    }

    async fn import_resource_state(
        &self,
        request: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse {
        if request.type_name != TERRAFORM_DATA {
            return ImportResourceStateResponse {
                diagnostics: unsupported("resource", &request.type_name),
                ..ImportResourceStateResponse::default()
            };
        }
        ImportResourceStateResponse {
            state: Some(terraform_data::import(&request.id)),
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_data_source(&self, request: ReadDataSourceRequest) -> ReadDataSourceResponse {
        // Terraform's `terraform_remote_state` reads other state files: not offered.
        ReadDataSourceResponse {
            state: None,
            diagnostics: unsupported("data source", &request.type_name),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod parity_tests;
