//! The test harness: a configured provider against a backend (our emulator on a manual clock,
//! or the third-party `@copilotkit/aimock` server), a minimal stand-in for the engine
//! (configuration objects, proposed states, plan then apply), and a raw HTTP client to set up
//! and inspect the server behind the provider's back.
#![allow(dead_code)]

pub mod aimock;
pub mod proxy;
mod raw;

use batchform_core::provider::*;
use batchform_core::{Diagnostics, Provider, Type, Value};
use batchform_emulator::{Clock, EmulatorConfig, FaultConfig, RunningEmulator, Timing};
use batchform_openai::{OpenAiProvider, PageSizes};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

pub use aimock::Aimock;
pub use raw::Raw;

pub const KEY: &str = "sk-test-0123456789abcdef-DO-NOT-LOG";

pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Timing of emulated batches: small batches complete within one settle().
pub fn timing() -> Timing {
    Timing {
        validating_secs: 10.0,
        per_request_secs: 1.0,
        min_in_progress_secs: 0.0,
        finalizing_secs: 5.0,
        cancelling_secs: 30.0,
        completion_window_secs: 86_400,
    }
}

pub enum Backend {
    Emulator(RunningEmulator),
    Aimock(Aimock),
}

pub struct Harness {
    pub provider: OpenAiProvider,
    pub backend: Backend,
    pub raw: Raw,
    /// The working directory (local files to upload live here).
    pub dir: tempfile::TempDir,
}

/// Options of an emulator-backed harness.
#[derive(Default)]
pub struct Options {
    pub faults: Vec<&'static str>,
    pub timing: Option<Timing>,
    pub page_sizes: Option<PageSizes>,
    pub max_retries: Option<i64>,
    pub base_url_suffix: &'static str,
    pub organization: Option<&'static str>,
    pub project: Option<&'static str>,
    /// Default "20s".
    pub request_timeout: Option<&'static str>,
    /// A front (e.g. a recording proxy) between the provider and the emulator: given the
    /// emulator's base URL, the base URL the provider is configured with.
    pub front: Option<Front>,
}

pub type Front = Box<
    dyn FnOnce(String) -> std::pin::Pin<Box<dyn std::future::Future<Output = String> + Send>>
        + Send,
>;

impl Harness {
    pub async fn emulator() -> Harness {
        Harness::emulator_with(Options::default()).await
    }

    pub async fn emulator_with(options: Options) -> Harness {
        let faults = FaultConfig {
            rules: options.faults.iter().map(|r| r.parse().unwrap()).collect(),
            seed: Some(7),
            header_control: false,
        };
        let em = batchform_emulator::start(EmulatorConfig {
            api_keys: vec![KEY.to_string()],
            // At the real time: a create's outcome is reconciled against recent objects.
            clock: Clock::manual(unix_now()),
            timing: options.timing.unwrap_or_else(timing),
            faults,
            ..EmulatorConfig::default()
        })
        .await
        .unwrap();
        let base = em.base_url();
        let mut options = options;
        let provider_base = match options.front.take() {
            Some(front) => front(base.clone()).await,
            None => base.clone(),
        };
        let mut h = Harness::configured(Backend::Emulator(em), &provider_base, &options).await;
        h.raw = Raw::new(&base);
        h
    }

    /// `None` when aimock is not installed and BATCHFORM_SKIP_AIMOCK=1 says to skip.
    pub async fn aimock() -> Option<Harness> {
        Harness::aimock_with(Options::default()).await
    }

    pub async fn aimock_with(options: Options) -> Option<Harness> {
        let server = Aimock::start(KEY)?;
        let base = server.base_url.clone();
        Some(Harness::configured(Backend::Aimock(server), &base, &options).await)
    }

    async fn configured(backend: Backend, base: &str, options: &Options) -> Harness {
        let mut provider = OpenAiProvider::with_env(|_| None);
        if let Some(sizes) = options.page_sizes {
            provider = provider.with_page_sizes(sizes);
        }
        let dir = tempfile::tempdir().unwrap();
        let mut config = vec![
            ("api_key", Value::string(KEY).mark_sensitive()),
            ("base_url", Value::string(format!("{base}{}", options.base_url_suffix))),
            ("request_timeout", Value::string(options.request_timeout.unwrap_or("20s"))),
        ];
        if let Some(org) = options.organization {
            config.push(("organization", Value::string(org)));
        }
        if let Some(project) = options.project {
            config.push(("project", Value::string(project)));
        }
        if let Some(n) = options.max_retries {
            config.push(("max_retries", Value::number(n)));
        }
        let diags = provider
            .configure(ConfigureRequest {
                config: provider_config(&config),
                working_dir: dir.path().display().to_string(),
            })
            .await;
        assert_no_errors(&diags);
        Harness { provider, backend, raw: Raw::new(base), dir }
    }

    pub fn is_emulator(&self) -> bool {
        matches!(self.backend, Backend::Emulator(_))
    }

    pub fn clock(&self) -> Option<&Clock> {
        match &self.backend {
            Backend::Emulator(em) => Some(em.clock()),
            Backend::Aimock(_) => None,
        }
    }

    /// Let time pass: an hour on the emulator's clock (aimock moves a batch one step per
    /// read instead).
    pub fn settle(&self) {
        if let Some(clock) = self.clock() {
            clock.advance(3600.0);
        }
    }

    /// Write a file in the working directory; returns its path relative to it.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
        name.to_string()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    // ----- the engine's part

    pub async fn plan(
        &self,
        type_name: &str,
        address: &str,
        config: &Value,
        prior: Option<&Value>,
    ) -> PlanResourceChangeResponse {
        self.plan_private(type_name, address, config, prior, Vec::new()).await
    }

    pub async fn plan_private(
        &self,
        type_name: &str,
        address: &str,
        config: &Value,
        prior: Option<&Value>,
        prior_private: Vec<u8>,
    ) -> PlanResourceChangeResponse {
        let static_diags = self.provider.validate_resource_config(type_name, config);
        if static_diags.has_errors() {
            return PlanResourceChangeResponse { diagnostics: static_diags, ..Default::default() };
        }
        self.provider
            .plan_resource_change(PlanResourceChangeRequest {
                type_name: type_name.into(),
                address: address.into(),
                prior_state: prior.cloned(),
                proposed_new_state: proposed(type_name, config, prior),
                config: config.clone(),
                prior_private,
            })
            .await
    }

    pub async fn apply_create(
        &self,
        type_name: &str,
        address: &str,
        config: &Value,
        planned: &Value,
    ) -> ApplyResourceChangeResponse {
        self.provider
            .apply_resource_change(ApplyResourceChangeRequest {
                type_name: type_name.into(),
                address: address.into(),
                prior_state: None,
                planned_state: Some(planned.clone()),
                config: config.clone(),
                planned_private: Vec::new(),
                create_token: None,
            })
            .await
    }

    /// Plan and apply a create; every attribute must be known afterwards.
    pub async fn create(&self, type_name: &str, address: &str, config: &Value) -> Value {
        let plan = self.plan(type_name, address, config, None).await;
        assert_no_errors(&plan.diagnostics);
        let planned = plan.planned_state.expect("a planned state");
        let applied = self.apply_create(type_name, address, config, &planned).await;
        assert_no_errors(&applied.diagnostics);
        let state = applied.new_state.expect("a new state");
        assert!(state.is_wholly_known(), "unknowns left after create: {state:#?}");
        assert_conforms_resource(type_name, &state);
        state
    }

    pub async fn destroy(
        &self,
        type_name: &str,
        address: &str,
        state: &Value,
    ) -> ApplyResourceChangeResponse {
        self.provider
            .apply_resource_change(ApplyResourceChangeRequest {
                type_name: type_name.into(),
                address: address.into(),
                prior_state: Some(state.clone()),
                planned_state: None,
                config: Value::NULL,
                planned_private: Vec::new(),
                create_token: None,
            })
            .await
    }

    pub async fn read(
        &self,
        type_name: &str,
        address: &str,
        state: &Value,
    ) -> ReadResourceResponse {
        read_on(&self.provider, type_name, address, state).await
    }

    /// Refresh until the batch's status is terminal (letting time pass between reads).
    pub async fn until_terminal(&self, address: &str, mut state: Value) -> Value {
        for _ in 0..6 {
            self.settle();
            let read = self.read("openai_batch", address, &state).await;
            assert_no_errors(&read.diagnostics);
            state = read.new_state.expect("the batch exists");
            if is_terminal(&state) {
                return state;
            }
        }
        panic!("batch never finished: {state:#?}");
    }

    pub async fn data(
        &self,
        type_name: &str,
        address: &str,
        config: &Value,
    ) -> ReadDataSourceResponse {
        self.provider
            .read_data_source(ReadDataSourceRequest {
                type_name: type_name.into(),
                address: address.into(),
                config: config.clone(),
            })
            .await
    }

    pub async fn import(&self, type_name: &str, id: &str) -> ImportResourceStateResponse {
        self.provider
            .import_resource_state(ImportResourceStateRequest {
                type_name: type_name.into(),
                id: id.into(),
            })
            .await
    }

    // ----- typical objects

    pub fn file_config(&self, path: &str) -> Value {
        resource_config(
            "openai_file",
            &[("file", Value::string(path)), ("purpose", Value::string("batch"))],
        )
    }

    pub fn batch_config(&self, input_file_id: &str) -> Value {
        chat_batch_config(input_file_id)
    }

    /// Upload a batch input file through the provider; returns its state.
    pub async fn input_file(&self, name: &str, lines: usize) -> Value {
        let path = self.write(name, &chat_lines(lines, "gpt-4o-mini"));
        self.create(
            "openai_file",
            &format!("openai_file.{}", name.replace('.', "_")),
            &self.file_config(&path),
        )
        .await
    }
}

/// `n` chat completion requests for `model`.
/// An `openai_batch` configuration for `/v1/chat/completions` reading `input_file_id`.
pub fn chat_batch_config(input_file_id: &str) -> Value {
    resource_config(
        "openai_batch",
        &[
            ("input_file_id", Value::string(input_file_id)),
            ("endpoint", Value::string("/v1/chat/completions")),
            ("completion_window", Value::string("24h")),
        ],
    )
}

/// Apply a create of `config` on `provider` without planning it first (the planned state is
/// the proposed one), with an optional create token.
pub async fn create_on(
    provider: &OpenAiProvider,
    type_name: &str,
    address: &str,
    config: Value,
    create_token: Option<&str>,
) -> ApplyResourceChangeResponse {
    provider
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: type_name.into(),
            address: address.into(),
            prior_state: None,
            planned_state: Some(proposed(type_name, &config, None)),
            config,
            planned_private: Vec::new(),
            create_token: create_token.map(str::to_string),
        })
        .await
}

/// Refresh `state` of `address` on `provider`.
pub async fn read_on(
    provider: &OpenAiProvider,
    type_name: &str,
    address: &str,
    state: &Value,
) -> ReadResourceResponse {
    provider
        .read_resource(ReadResourceRequest {
            type_name: type_name.into(),
            address: address.into(),
            prior_state: state.clone(),
            private: Vec::new(),
        })
        .await
}

pub fn chat_lines(n: usize, model: &str) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"custom_id\":\"req-{i}\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"say {i}\"}}]}}}}\n"
            )
        })
        .collect()
}

pub fn is_terminal(state: &Value) -> bool {
    matches!(str_attr(state, "status"), Some("completed" | "failed" | "expired" | "cancelled"))
}

pub fn str_attr<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get_attr(name).and_then(Value::as_str)
}

pub fn num_attr(v: &Value, name: &str) -> Option<i64> {
    v.get_attr(name).and_then(Value::as_number).and_then(|n| n.to_i64())
}

pub fn assert_no_errors(diags: &Diagnostics) {
    assert!(!diags.has_errors(), "unexpected errors: {diags:#?}");
}

/// The errors' text, for assertions.
pub fn error_text(diags: &Diagnostics) -> String {
    diags.errors().map(|d| format!("{}: {}", d.summary, d.detail)).collect::<Vec<_>>().join("\n")
}

/// A value's type equals the schema's: every attribute present, typed nulls.
pub fn assert_conforms_resource(type_name: &str, value: &Value) {
    let schema = batchform_openai::provider_schema();
    let want = schema.resources[type_name].block.implied_type();
    assert_eq!(value.ty(), want, "{type_name} state does not conform to its schema");
}

pub fn assert_conforms_data(type_name: &str, value: &Value) {
    let schema = batchform_openai::provider_schema();
    let want = schema.data_sources[type_name].block.implied_type();
    assert_eq!(value.ty(), want, "data.{type_name} does not conform to its schema");
}

fn provider_config(pairs: &[(&str, Value)]) -> Value {
    conform(&batchform_openai::provider_schema().provider.block.attributes, pairs)
}

/// A resource's configuration object: the given arguments, typed nulls elsewhere.
pub fn resource_config(type_name: &str, pairs: &[(&str, Value)]) -> Value {
    conform(&batchform_openai::provider_schema().resources[type_name].block.attributes, pairs)
}

pub fn data_config(type_name: &str, pairs: &[(&str, Value)]) -> Value {
    conform(&batchform_openai::provider_schema().data_sources[type_name].block.attributes, pairs)
}

fn conform(attrs: &BTreeMap<String, batchform_core::Attribute>, pairs: &[(&str, Value)]) -> Value {
    let given: BTreeMap<&str, &Value> = pairs.iter().map(|(k, v)| (*k, v)).collect();
    for name in given.keys() {
        assert!(attrs.contains_key(*name), "no attribute {name}");
    }
    Value::Object(
        attrs
            .iter()
            .map(|(name, a)| {
                (
                    name.clone(),
                    given.get(name.as_str()).map_or(Value::Null(a.ty.clone()), |v| (*v).clone()),
                )
            })
            .collect(),
    )
}

/// Terraform's proposed new state: configured values, computed ones from the prior state (or
/// unknown when creating).
pub fn proposed(type_name: &str, config: &Value, prior: Option<&Value>) -> Value {
    let schema = batchform_openai::provider_schema();
    let attrs = &schema.resources[type_name].block.attributes;
    Value::Object(
        attrs
            .iter()
            .map(|(name, a)| {
                let configured = config.get_attr(name).filter(|v| !v.is_null()).cloned();
                let v = match (configured, a.computed) {
                    (Some(v), _) => v,
                    (None, true) => match prior {
                        Some(p) => p.get_attr(name).cloned().unwrap_or(Value::Null(a.ty.clone())),
                        None => Value::unknown(a.ty.clone()),
                    },
                    (None, false) => Value::Null(a.ty.clone()),
                };
                (name.clone(), v)
            })
            .collect(),
    )
}

pub fn string_map(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs.iter().map(|(k, v)| (k.to_string(), Value::string(*v))).collect(),
    )
}
