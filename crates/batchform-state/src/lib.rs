//! The JSON state store: Terraform's state format version 4, read and written field for
//! field, kept crash-safe, locked and inspectable, behind a [`Backend`] trait.
//!
//! This crate knows no HCL, no provider and no plan. Attributes are stored as the JSON the
//! file holds (`serde_json::Value`); the engine converts them to and from core values.
//! Addresses are `batchform_core::addr` types.
//!
//! # The model
//!
//! [`State`] holds outputs and resources (root module only), sorted as Terraform sorts them.
//! [`codec::decode`] and [`codec::encode`] read and write the file exactly as Terraform 1.11
//! does (2-space indentation, Go's string escaping, trailing newline); the public JSON Schema
//! of the format is `state/terraform-state-v4.schema.json` in the repository.
//!
//! # How the engine uses a backend during `apply`
//!
//! ```no_run
//! use batchform_state::{Backend, LocalBackend, LockRequest, State, StateChange};
//! # fn changes() -> Vec<StateChange> { Vec::new() }
//! # fn main() -> Result<(), batchform_state::BackendError> {
//! let mut backend = LocalBackend::new(batchform_state::resolve_state_path(None, None));
//! // 1. Lock for the whole operation (skip with -lock=false). Fails with
//! //    BackendError::Locked { holder } after the timeout.
//! backend.lock(&LockRequest::new("OperationTypeApply"), std::time::Duration::from_secs(0))?;
//! // 2. Read: the last snapshot plus any journal a crashed run left (replayed in memory),
//! //    or a new state whose lineage the backend hands out (and writes into its journal).
//! let mut state = backend.read_or_new()?;
//! // 3. After every completed resource operation: apply in memory, persist durably. The
//! //    call returns once the change is on disk (one append + fdatasync), whatever the size
//! //    of the state. Parallel workers share the backend through `GroupCommit`, whose
//! //    `persist(change)` (callable from many threads, e.g. inside `spawn_blocking`) writes
//! //    the changes that arrive during one sync together in the next.
//! for change in changes() {
//!     state.apply(&change);
//!     backend.persist_change(&change)?;
//! }
//! // 4. At the end (also after errors and on interrupt): fold everything into a new
//! //    snapshot. The serial is bumped only if the content changed; the first overwrite in a
//! //    run copies the old file to `.backup`; the journal is then deleted.
//! match backend.persist_snapshot(&state) {
//!     Ok(persisted) => println!("serial {}", persisted.serial),
//!     Err(_) => {
//!         // Every change is still in the journal, but tell the user as Terraform does:
//!         batchform_state::write_errored_state(std::path::Path::new("."), &state).ok();
//!     }
//! }
//! // 5. Unlock (also done on drop).
//! backend.unlock()?;
//! # Ok(()) }
//! ```
//!
//! # Durability
//!
//! - Snapshots are written atomically: a temp file in the same directory, fsync, rename, fsync
//!   of the directory; mode 0600. A reader sees the old or the new file, never a torn one.
//! - [`Backend::persist_changes`] appends one line per change to `<state>.journal` with one
//!   `write` and one `fdatasync`; its total cost over an apply is linear in the number of
//!   changes. The journal's header names the snapshot (lineage and serial) it continues. A
//!   later [`Backend::read`] replays it; a torn last line (a crash mid-write) was never
//!   acknowledged and is dropped; a journal older than the snapshot beside it was already
//!   folded in and is ignored; one from another history is an error, never silently dropped.
//! - Read-only commands take no lock and never write.
//!
//! # Locking
//!
//! `flock` (through `fs4`) on `.<state>.lock.info`, whose content is Terraform's lock info
//! JSON plus the holder's PID. The OS frees the lock when the holder dies, so a crashed run
//! never blocks the next one; [`LocalBackend::force_unlock`] removes an info file left behind.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod atomic;
mod backend;
mod change;
pub mod codec;
mod gojson;
mod group;
mod intents;
pub mod journal;
pub mod jsonstate;
mod local;
mod lock;
mod model;

pub use backend::{Backend, BackendError, Persisted};
pub use change::StateChange;
pub use codec::DecodeError;
pub use group::GroupCommit;
pub use journal::JournalError;
pub use local::{
    DEFAULT_STATE_PATH, ERRORED_STATE_PATH, LocalBackend, resolve_state_path, write_errored_state,
};
pub use lock::{LockInfo, LockRequest};
pub use model::{
    AttrPath, CreateIntent, Instance, ObjectState, ObjectStatus, OutputValue, PathStep, Resource,
    State, WRITER_VERSION, new_lineage,
};

/// Go-compatible JSON output (`json.Marshal` / `MarshalIndent`), for commands that print JSON
/// the way Terraform does.
pub mod json {
    pub use crate::gojson::{Sorted, to_vec_compact, to_vec_indent};
}
