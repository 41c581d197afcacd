//! The `Provider` trait: how the engine talks to a provider (the openai provider, the built-in
//! `terraform` provider), modelled on Terraform's plugin protocol so the same life cycle
//! applies: validate, configure, read (refresh), plan, apply, import, read data sources.
//!
//! Providers see only core values. Objects are `Value::Object`s conforming to the resource's
//! schema (`Block::implied_type`); unknowns in a planned state are "known after apply".

use crate::diagnostic::Diagnostics;
pub use crate::path::{AttrPath, PathStep};
use crate::schema::ProviderSchema;
use crate::value::Value;

/// Provider configuration handed to `configure`.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// The `provider` block's arguments (object of the provider schema; null attributes
    /// where not set).
    pub config: Value,
    /// The working directory (after `-chdir`), for providers that keep local data.
    pub working_dir: String,
}

#[derive(Debug, Clone)]
pub struct ReadResourceRequest {
    pub type_name: String,
    /// The instance address, for messages (`openai_batch.x`).
    pub address: String,
    pub prior_state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ReadResourceResponse {
    /// The refreshed object, or `None` when the remote object no longer exists.
    pub new_state: Option<Value>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct PlanResourceChangeRequest {
    pub type_name: String,
    pub address: String,
    /// `None` when the object is to be created.
    pub prior_state: Option<Value>,
    /// The configuration merged over the prior state by the engine: configured attributes
    /// from config, computed attributes from the prior state (or unknown on create).
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanResourceChangeResponse {
    pub planned_state: Option<Value>,
    /// Attributes whose change cannot be made in place.
    pub requires_replace: Vec<AttrPath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ApplyResourceChangeRequest {
    pub type_name: String,
    pub address: String,
    /// `None` when creating.
    pub prior_state: Option<Value>,
    /// `None` when destroying.
    pub planned_state: Option<Value>,
    pub config: Value,
    pub planned_private: Vec<u8>,
    /// On a create by a provider whose [`Provider::finds_created`] is true: the token the
    /// engine recorded durably (a create intent) before this call. The provider attaches it
    /// to the object (or otherwise makes the object findable by it) so that
    /// [`Provider::find_created`] can find the object if this call's answer is lost.
    pub create_token: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyResourceChangeResponse {
    /// The new object (`None` after a destroy). On a partial failure the provider returns
    /// whatever exists so that it is never lost from state.
    pub new_state: Option<Value>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// Find the object a create with this token made, if any (after a crash lost its answer).
#[derive(Debug, Clone)]
pub struct FindCreatedRequest {
    pub type_name: String,
    /// The instance address the create was for, for messages.
    pub address: String,
    pub token: String,
    /// Local Unix time (seconds) just before the create was sent; the object, if any, was
    /// created after it (allowing for clock skew).
    pub since: i64,
}

#[derive(Debug, Clone, Default)]
pub struct FindCreatedResponse {
    /// The object, as `read_resource` would return it; `None` when the create made none.
    /// Meaningful only without error diagnostics (after an error nothing is decided).
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ImportResourceStateRequest {
    pub type_name: String,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct ImportResourceStateResponse {
    pub state: Option<Value>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ReadDataSourceRequest {
    pub type_name: String,
    pub address: String,
    pub config: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ReadDataSourceResponse {
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
}

/// A provider. One value of this trait serves one `provider` block (one alias).
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// Schemas of the provider block, resources and data sources.
    fn schema(&self) -> ProviderSchema;

    /// Static checks of a resource's configuration (unknown values may appear).
    fn validate_resource_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Static checks of a data source's configuration (unknown values may appear).
    fn validate_data_source_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Configure with the provider block's values. Called once before any other async call.
    async fn configure(&self, request: ConfigureRequest) -> Diagnostics;

    /// Refresh one object from the remote API.
    async fn read_resource(&self, request: ReadResourceRequest) -> ReadResourceResponse;

    /// Decide the planned new state and which attribute changes force replacement.
    async fn plan_resource_change(
        &self,
        request: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse;

    /// Create, update or destroy one object.
    async fn apply_resource_change(
        &self,
        request: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse;

    /// Adopt an existing remote object by id.
    async fn import_resource_state(
        &self,
        request: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse;

    /// Read a data source.
    async fn read_data_source(&self, request: ReadDataSourceRequest) -> ReadDataSourceResponse;

    /// Whether creates of `type_name` can be found again by a token
    /// ([`ApplyResourceChangeRequest::create_token`], [`Provider::find_created`]). When true,
    /// the engine records a create intent durably before each create.
    fn finds_created(&self, _type_name: &str) -> bool {
        false
    }

    /// Find the object a create carrying `request.token` made. Only called when
    /// [`Provider::finds_created`] is true; the default finds nothing.
    async fn find_created(&self, _request: FindCreatedRequest) -> FindCreatedResponse {
        FindCreatedResponse::default()
    }

    /// Ctrl-C: finish the calls under way, start no new long waits.
    fn stop(&self) {}
}
