//! A faithful local OpenAI Files + Batches API: an HTTP server (axum on tokio) that the
//! official OpenAI SDKs cannot tell apart from the real API for these endpoints. It speaks
//! only the OpenAI wire format and depends on no other batchform crate.
//!
//! Endpoints: `POST/GET /v1/files`, `GET/DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`,
//! `POST/GET /v1/batches`, `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`. Batches
//! move through the real lifecycle on a clock you control (see [`Clock`] and the
//! [`lifecycle`] module), request lines are executed deterministically per endpoint, results
//! land in `batch_output` files, objects persist crash-safely in a data directory, and
//! faults can be injected ([`faults`]).
//!
//! # In-process use (tests, the CLI's embedded mode)
//!
//! ```no_run
//! # async fn demo() -> Result<(), batchform_emulator::EmulatorError> {
//! use batchform_emulator::{Clock, EmulatorConfig, start};
//! let emulator = start(EmulatorConfig {
//!     api_keys: vec!["sk-test".into()],
//!     clock: Clock::manual(1_700_000_000),
//!     ..EmulatorConfig::default()
//! })
//! .await?;
//! let base_url = emulator.base_url(); // "http://127.0.0.1:PORT/v1"
//! // ... create a file and a batch with any OpenAI client ...
//! emulator.clock().advance(3600.0); // the batch is now completed
//! emulator.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! From synchronous code, [`start_in_background`] runs the same server on a dedicated thread
//! with its own runtime and returns a [`BackgroundEmulator`] handle (shut down on drop).
//!
//! `EmulatorConfig::default()` gives a private temporary data directory (removed at
//! shutdown), no API keys (any or no key is accepted), a system clock at [`DEFAULT_SPEED`]
//! simulated seconds per real second, default [`Timing`] and no faults.

mod api;
pub mod clock;
mod config;
mod error;
mod execute;
pub mod faults;
mod ids;
pub mod lifecycle;
mod model;
mod results;
mod server;
mod store;
mod validate;

pub use clock::{Clock, DEFAULT_SPEED};
pub use config::{EmulatorConfig, Timing};
pub use error::EmulatorError;
pub use faults::{Fault, FaultConfig, FaultRule, Trigger};
pub use server::{BackgroundEmulator, RunningEmulator, start, start_in_background};
pub use validate::{MAX_EMBEDDING_INPUTS, MAX_REQUESTS};
