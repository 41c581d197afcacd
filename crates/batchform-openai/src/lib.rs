//! The `openai` provider of batchform: the `openai_file` and `openai_batch` resources, the
//! `openai_batch`, `openai_file`, `openai_batches` and `openai_files` data sources, and the
//! HTTP client they share (reqwest on tokio, retries with backoff, creates that never
//! duplicate).
//!
//! The engine sees only [`OpenAiProvider`] through `batchform_core::Provider`:
//!
//! ```no_run
//! # async fn demo() {
//! use batchform_core::Provider;
//! use batchform_core::provider::ConfigureRequest;
//! let provider = batchform_openai::OpenAiProvider::new();
//! let config = batchform_core::Value::object([("emulator", batchform_core::Value::bool(true))]);
//! let diagnostics = provider
//!     .configure(ConfigureRequest { config, working_dir: ".".into() })
//!     .await;
//! assert!(!diagnostics.has_errors());
//! # }
//! ```
//!
//! What it does better than the Terraform providers for these APIs (see the provider docs in
//! the README): state always matches configuration (`endpoint` kept as written, write-only
//! arguments kept from configuration), every computed attribute is known after create, an
//! edit of a local input file plans a replacement (`sha256`), batch input files are checked
//! at plan time with line numbers, HTTP errors are never ignored and carry the request id,
//! lists read every page, and a create whose outcome is unknown is reconciled by listing
//! instead of being sent twice.
//!
//! With `emulator = true` in the provider block it starts the embedded OpenAI emulator
//! (`batchform_emulator`) in-process, with its data in `.batchform/emulator/` under the
//! working directory, so configurations run offline and without a key.
//!
//! This crate knows nothing of HCL or of the engine's internals; it sees only core values.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod batch;
pub mod client;
mod data_sources;
mod diag;
mod embedded;
mod file;
pub mod jsonl;
mod plan;
mod provider;
pub mod schema;
pub mod settings;
mod values;
pub mod wire;

pub use provider::{InputFacts, OpenAiProvider, PageSizes};
pub use schema::{PROVIDER_SOURCE, provider_schema};
