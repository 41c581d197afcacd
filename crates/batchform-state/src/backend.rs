//! The seam between the engine and where state lives.

use crate::codec::DecodeError;
use crate::journal::JournalError;
use crate::lock::{LockInfo, LockRequest};
use crate::{State, StateChange};
use std::path::PathBuf;
use std::time::Duration;

/// Where state lives and how it is locked and persisted. See the crate documentation for the
/// call sequence the engine follows. Implementations are used from one thread at a time
/// (`&mut self`); the engine serialises calls (for example through one persister task).
pub trait Backend: Send {
    /// A short description for messages, e.g. the state file's path.
    fn describe(&self) -> String;

    /// Take the state lock for `request`, retrying with backoff until `timeout` has passed
    /// (a zero timeout tries once). Fails with [`BackendError::Locked`] carrying the holder's
    /// lock info.
    fn lock(&mut self, request: &LockRequest, timeout: Duration) -> Result<LockInfo, BackendError>;

    /// Release the lock taken by [`Backend::lock`]. Unlocking when not locked does nothing.
    fn unlock(&mut self) -> Result<(), BackendError>;

    /// The latest state: the last snapshot with any journaled changes replayed on top, or
    /// `None` when there is no state yet. Never writes.
    fn read(&mut self) -> Result<Option<State>, BackendError>;

    /// The latest state as [`Backend::read`] gives it or, when there is none yet, a new
    /// empty state whose lineage this backend hands out: everything it persists before the
    /// first snapshot (the journal) carries that lineage, so a crash at any point leaves
    /// files that load as one history. A caller that persists changes for a new state
    /// must start from this state, not from a lineage of its own.
    fn read_or_new(&mut self) -> Result<State, BackendError>;

    /// Make these changes durable before returning, in order, at a cost proportional to
    /// their size (not to the size of the state). Several changes in one call share one
    /// disk sync.
    fn persist_changes(&mut self, changes: &[StateChange]) -> Result<(), BackendError>;

    /// Shorthand for one change.
    fn persist_change(&mut self, change: &StateChange) -> Result<(), BackendError> {
        self.persist_changes(std::slice::from_ref(change))
    }

    /// Write `state` as the new snapshot, replacing the snapshot and every change persisted
    /// since. The serial is bumped only if the content differs from the snapshot on disk;
    /// the lineage must be the one on disk (or any, for a new state).
    fn persist_snapshot(&mut self, state: &State) -> Result<Persisted, BackendError>;

    /// `state push`: replace the state with one from elsewhere. Without `force`, refuses a
    /// different lineage, a lower serial, or the same serial with different content.
    fn push_snapshot(&mut self, state: &State, force: bool) -> Result<Persisted, BackendError>;
}

/// What a snapshot write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persisted {
    /// The serial of the snapshot now on disk.
    pub serial: u64,
    pub lineage: String,
    /// False when the content was unchanged and nothing was written.
    pub written: bool,
}

/// Why a backend operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Decode {
        path: PathBuf,
        #[source]
        source: DecodeError,
    },
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The pending-creates sidecar could not be read.
    #[error(
        "{}: {detail}. It lists creates that were interrupted; fix the file, or move it away to go on without looking them up (their batches would then not be adopted)",
        path.display()
    )]
    Intents { path: PathBuf, detail: String },
    /// The journal belongs to another history than the snapshot beside it.
    #[error("{}: {detail}", path.display())]
    JournalMismatch { path: PathBuf, detail: String },
    /// Another process holds the lock.
    #[error("state is locked{}", holder.as_ref().map(|i| format!(" by {} (ID {})", i.who, i.id)).unwrap_or_default())]
    Locked { holder: Option<Box<LockInfo>> },
    /// `force-unlock` was given an ID that is not the lock's.
    #[error("lock ID {given:?} does not match existing lock ID {actual:?}")]
    LockIdMismatch { given: String, actual: String },
    /// `force-unlock` found no lock to remove.
    #[error("LocalState not locked")]
    NotLocked,
    /// `force-unlock` found the lock held by a running process.
    #[error("Local state cannot be unlocked by another process")]
    LockHeld { holder: Option<Box<LockInfo>> },
    /// `state push` (or a snapshot write) was refused; the text is Terraform's.
    #[error("{0}")]
    Refused(String),
    /// A change arrived after the backend was taken back for the final snapshot.
    #[error(
        "the state backend was already closed for the final snapshot; the change was not saved"
    )]
    Closed,
    /// A group-commit sync failed (shared by every change in that batch and after it).
    #[error(transparent)]
    Batch(std::sync::Arc<BackendError>),
}

impl BackendError {
    pub(crate) fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        BackendError::Io { op, path: path.to_path_buf(), source }
    }
}
