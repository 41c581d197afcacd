//! [`OpenAiProvider`]: the `Provider` implementation, dispatching each call to the resource
//! or data source it is for.

use crate::client::{Client, Ctx};
use crate::embedded::{self, Embedded};
use crate::settings::{self, EnvLookup};
use crate::{batch, data_sources, file, schema};
use batchform_core::provider::{
    ApplyResourceChangeRequest, ApplyResourceChangeResponse, ConfigureRequest, FindCreatedRequest,
    FindCreatedResponse, ImportResourceStateRequest, ImportResourceStateResponse,
    PlanResourceChangeRequest, PlanResourceChangeResponse, ReadDataSourceRequest,
    ReadDataSourceResponse, ReadResourceRequest, ReadResourceResponse,
};
use batchform_core::{Diagnostic, Diagnostics, Provider, ProviderSchema, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tokio_util::sync::CancellationToken;

/// Page sizes of the list calls (the API's maxima by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSizes {
    pub batches: u32,
    pub files: u32,
}

impl Default for PageSizes {
    fn default() -> Self {
        PageSizes { batches: 100, files: 10_000 }
    }
}

/// What the provider knows about a batch input file's lines, by file id: learned from the
/// `openai_file` resources it plans and creates, or by downloading small files at plan time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputFacts {
    pub purpose: Option<String>,
    pub url: Option<String>,
    pub model: Option<String>,
    /// The first problem of the file's lines, and how many there are.
    pub problem: Option<String>,
    pub problem_count: usize,
}

/// The `openai` provider. One value serves one `provider "openai"` block (one alias);
/// `Send + Sync`, and every method may be called from many tasks at once after
/// [`Provider::configure`].
pub struct OpenAiProvider {
    env: Arc<EnvLookup>,
    page_sizes: PageSizes,
    configured: OnceLock<Configured>,
    stop: CancellationToken,
    inputs: Mutex<HashMap<String, InputFacts>>,
}

/// The state after `configure`.
pub(crate) struct Configured {
    pub client: Client,
    pub working_dir: PathBuf,
    /// Kept alive while the provider lives.
    pub embedded: Option<Arc<Embedded>>,
}

impl Default for OpenAiProvider {
    fn default() -> Self {
        OpenAiProvider::new()
    }
}

impl OpenAiProvider {
    /// A provider reading `OPENAI_*` fallbacks from the process environment.
    pub fn new() -> OpenAiProvider {
        OpenAiProvider::with_env(|name| std::env::var(name).ok())
    }

    /// A provider reading environment fallbacks through `env` (tests pass a fixed map).
    pub fn with_env(
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> OpenAiProvider {
        OpenAiProvider {
            env: Arc::new(env),
            page_sizes: PageSizes::default(),
            configured: OnceLock::new(),
            stop: CancellationToken::new(),
            inputs: Mutex::new(HashMap::new()),
        }
    }

    /// Use other list page sizes (tests use small ones to exercise pagination).
    #[must_use]
    pub fn with_page_sizes(mut self, page_sizes: PageSizes) -> OpenAiProvider {
        self.page_sizes = page_sizes;
        self
    }

    /// The base URL requests go to, once configured (the embedded emulator's when it runs).
    pub fn base_url(&self) -> Option<&str> {
        self.configured.get().map(|c| c.client.base_url())
    }

    /// Where the embedded emulator keeps its data, when it runs.
    pub fn emulator_data_dir(&self) -> Option<&std::path::Path> {
        self.configured.get()?.embedded.as_deref().map(Embedded::data_dir)
    }

    pub(crate) fn page_sizes(&self) -> PageSizes {
        self.page_sizes
    }

    pub(crate) fn remember_input(&self, file_id: &str, facts: InputFacts) {
        self.inputs.lock().unwrap_or_else(|e| e.into_inner()).insert(file_id.to_string(), facts);
    }

    pub(crate) fn known_input(&self, file_id: &str) -> Option<InputFacts> {
        self.inputs.lock().unwrap_or_else(|e| e.into_inner()).get(file_id).cloned()
    }

    fn configured(&self) -> Result<&Configured, Diagnostics> {
        self.configured.get().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The openai provider was used before it was configured. This is a bug in batchform; please report it.",
            )
            .into()
        })
    }
}

/// A call's context for an address.
pub(crate) fn ctx(address: &str) -> Ctx<'_> {
    Ctx { address: Some(address), project: None }
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    fn schema(&self) -> ProviderSchema {
        schema::provider_schema()
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            schema::FILE => file::validate_config(config),
            schema::BATCH => batch::validate_config(config),
            other => unsupported("resource type", other),
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        data_sources::validate_config(type_name, config)
    }

    async fn configure(&self, request: ConfigureRequest) -> Diagnostics {
        let working_dir = PathBuf::from(&request.working_dir);
        let settings = match settings::from_config(&request.config, &*self.env, &working_dir) {
            Ok(s) => s,
            Err(diags) => return diags,
        };
        let mut diagnostics = Diagnostics::new();
        let base_url_set = request.config.get_attr("base_url").is_some_and(|v| !v.is_null());
        if settings.emulator.is_some() && base_url_set {
            diagnostics.push(
                Diagnostic::warning(
                    "base_url is ignored",
                    "emulator is on, so every request goes to the embedded emulator and base_url is not used. Remove one of the two settings.",
                )
                .with_attribute(batchform_core::AttrPath::attr("base_url")),
            );
        }
        let embedded = match &settings.emulator {
            None => None,
            Some(em) => match embedded::ensure(em).await {
                Ok(e) => Some(e),
                Err(err) => {
                    return Diagnostic::error(
                        "Cannot start the embedded OpenAI emulator",
                        format!("{err}. The emulator keeps its data in {}; check that the directory is writable.", em.data_dir.display()),
                    )
                    .with_attribute(batchform_core::AttrPath::attr("emulator"))
                    .into();
                }
            },
        };
        let base_url =
            embedded.as_ref().map_or(settings.base_url.as_str(), |e| e.base_url()).to_string();
        let client = match Client::new(&settings, &base_url, embedded.clone(), self.stop.clone()) {
            Ok(c) => c,
            Err(err) => {
                return Diagnostic::error(
                    "Cannot set up the HTTP client",
                    format!("The HTTP client could not be created: {err}."),
                )
                .into();
            }
        };
        tracing::debug!(target: "batchform_openai", base_url = %base_url, emulator = embedded.is_some(), "configured");
        if self.configured.set(Configured { client, working_dir, embedded }).is_err() {
            diagnostics.push(Diagnostic::error(
                "Provider configured twice",
                "The openai provider was configured more than once. This is a bug in batchform; please report it.",
            ));
        }
        diagnostics
    }

    async fn read_resource(&self, request: ReadResourceRequest) -> ReadResourceResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ReadResourceResponse {
                    new_state: Some(request.prior_state),
                    private: request.private,
                    diagnostics,
                };
            }
        };
        match request.type_name.as_str() {
            schema::FILE => file::read(configured, request).await,
            schema::BATCH => batch::read(configured, request).await,
            other => ReadResourceResponse {
                new_state: Some(request.prior_state),
                private: request.private,
                diagnostics: unsupported("resource type", other),
            },
        }
    }

    async fn plan_resource_change(
        &self,
        request: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => {
                return PlanResourceChangeResponse { diagnostics, ..Default::default() };
            }
        };
        if request.proposed_new_state.is_null() {
            // Destroy: nothing to decide.
            return PlanResourceChangeResponse {
                planned_state: Some(request.proposed_new_state),
                planned_private: request.prior_private,
                ..Default::default()
            };
        }
        match request.type_name.as_str() {
            schema::FILE => file::plan(self, configured, request).await,
            schema::BATCH => batch::plan(self, configured, request).await,
            other => PlanResourceChangeResponse {
                diagnostics: unsupported("resource type", other),
                ..Default::default()
            },
        }
    }

    async fn apply_resource_change(
        &self,
        request: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ApplyResourceChangeResponse {
                    new_state: request.prior_state,
                    diagnostics,
                    ..Default::default()
                };
            }
        };
        match request.type_name.as_str() {
            schema::FILE => file::apply(self, configured, request).await,
            schema::BATCH => batch::apply(self, configured, request).await,
            other => ApplyResourceChangeResponse {
                new_state: request.prior_state,
                diagnostics: unsupported("resource type", other),
                ..Default::default()
            },
        }
    }

    /// Batches carry the engine's create token in their metadata. Files cannot (the Files
    /// API has no metadata), so their interrupted creates are not looked up.
    fn finds_created(&self, type_name: &str) -> bool {
        type_name == schema::BATCH
    }

    async fn find_created(&self, request: FindCreatedRequest) -> FindCreatedResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => return FindCreatedResponse { state: None, diagnostics },
        };
        match request.type_name.as_str() {
            schema::BATCH => batch::find_created(configured, request).await,
            _ => FindCreatedResponse::default(),
        }
    }

    async fn import_resource_state(
        &self,
        request: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => {
                return ImportResourceStateResponse { diagnostics, ..Default::default() };
            }
        };
        match request.type_name.as_str() {
            schema::FILE => file::import(configured, &request.id).await,
            schema::BATCH => batch::import(configured, &request.id).await,
            other => ImportResourceStateResponse {
                diagnostics: unsupported("resource type", other),
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, request: ReadDataSourceRequest) -> ReadDataSourceResponse {
        let configured = match self.configured() {
            Ok(c) => c,
            Err(diagnostics) => return ReadDataSourceResponse { state: None, diagnostics },
        };
        data_sources::read(self, configured, request).await
    }

    fn stop(&self) {
        self.stop.cancel();
    }
}

pub(crate) fn unsupported(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error("Unsupported type", format!("The openai provider has no {kind} {name:?}."))
        .into()
}

/// The private data of an imported instance: write-only arguments (and the local source of
/// a file) are adopted from the configuration at the first plan instead of forcing a
/// replacement.
pub(crate) const IMPORTED: &[u8] = br#"{"imported":true}"#;

pub(crate) fn is_imported(private: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(private)
        .ok()
        .and_then(|v| v.get("imported").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}
