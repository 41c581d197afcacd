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
//! # Seed files
//!
//! [`EmulatorConfig::seed`] names a JSON file of objects to exist from the start, with ids
//! you choose (so an example that reads `batch_abc123` runs offline):
//!
//! ```json
//! {
//!   "files": [
//!     {"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch",
//!      "filename": "requests.jsonl", "project": "proj_team"}
//!   ],
//!   "batches": [
//!     {"id": "batch_abc123", "input_file_id": "input_file_id",
//!      "endpoint": "/v1/chat/completions", "completion_window": "24h",
//!      "metadata": {"team": "x"}, "output_expires_after": {"anchor": "created_at", "seconds": 3600},
//!      "project": "proj_team", "created_at": 1700000000}
//!   ]
//! }
//! ```
//!
//! - A file has `id`, `path` (relative to the seed file's directory), `purpose`, and
//!   optionally `filename` (default: the path's file name) and `project` (the
//!   `OpenAI-Project` it belongs to; default: none, like requests without the header).
//! - A batch has `id`, optionally `project` and `created_at`, and otherwise exactly the body
//!   of `POST /v1/batches`. `created_at` back-dates the batch: Unix seconds not after the
//!   clock's now, or a negative number of seconds before now (`-3600`: an hour ago, whenever
//!   the seed is used). Its lifecycle runs from then, so it can already be `completed` with
//!   its output file from the start. Without it the batch is created now. Output files
//!   expire `output_expires_after` (default 30 days) after completion, as in the API.
//! - Ids are 1 to 128 characters from `A-Z a-z 0-9 _ -`, unique in the seed file. Unknown
//!   keys are errors.
//!
//! Files are created before batches, so a batch may name a seeded file or one already stored.
//! Each object goes through the same checks and code as the API's create (an invalid
//! `endpoint`, a non-`.jsonl` batch file, a missing input file are refused with the API's
//! message; a batch whose input lines are invalid is created and then `failed`). An id that
//! already exists in its project is left untouched, so restarting with the same seed and
//! data directory changes nothing; a seeded object deleted through the API comes back at the
//! next start. Any mistake is an [`EmulatorError::Seed`] naming the seed file and the
//! object (`batches[2] (id "batch_abc123")`); objects created before it stay.
//!
//! `EmulatorConfig::default()` gives a private temporary data directory (removed at
//! shutdown), no API keys (any or no key is accepted), a system clock at [`DEFAULT_SPEED`]
//! simulated seconds per real second, default [`Timing`], no faults and no seed file.

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
mod seed;
mod server;
mod store;
mod validate;

/// The body of an answer served in-process ([`RunningEmulator::serve_request`]).
pub use axum::body::Body as ResponseBody;
pub use clock::{Clock, DEFAULT_SPEED};
pub use config::{EmulatorConfig, Timing};
pub use error::EmulatorError;
pub use faults::{Fault, FaultConfig, FaultRule, Trigger};
pub use seed::SeedSummary;
pub use server::{
    BackgroundEmulator, ConnectionDropped, RunningEmulator, start, start_in_background,
};
pub use validate::{MAX_EMBEDDING_INPUTS, MAX_REQUESTS};
