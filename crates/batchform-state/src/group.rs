//! Group commit: many threads persisting changes through one backend, each change durable
//! before its call returns, with changes that arrive while a sync is running written
//! together in the next one (one `fdatasync` for the batch).

use crate::{Backend, BackendError, StateChange};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// A backend shared by concurrent workers (the apply walk's parallel resource operations).
/// [`GroupCommit::persist`] blocks until the change is durable; while one caller syncs, the
/// others queue up and the next sync takes them all. After a failed sync every later call
/// fails too: the caller must stop and write what it has (`errored.tfstate`).
/// [`GroupCommit::close`] hands the backend (and its lock) back for the final snapshot even
/// while stray clones of a shared `GroupCommit` are still alive; they can persist no more.
pub struct GroupCommit<B: Backend> {
    queue: Mutex<Queue>,
    synced: Condvar,
    /// `None` once [`GroupCommit::close`] has taken the backend back.
    backend: Mutex<Option<B>>,
}

struct Queue {
    pending: Vec<StateChange>,
    /// The number of the batch `pending` will be written in.
    open: u64,
    /// Every batch numbered below this is durable.
    durable: u64,
    syncing: bool,
    failed: Option<Arc<BackendError>>,
    syncs: u64,
    /// Set by [`GroupCommit::close`]: no more changes are taken.
    closed: bool,
}

impl<B: Backend> GroupCommit<B> {
    pub fn new(backend: B) -> Self {
        GroupCommit {
            queue: Mutex::new(Queue {
                pending: Vec::new(),
                open: 0,
                durable: 0,
                syncing: false,
                failed: None,
                syncs: 0,
                closed: false,
            }),
            synced: Condvar::new(),
            backend: Mutex::new(Some(backend)),
        }
    }

    /// Make `change` durable; returns once it is on disk.
    pub fn persist(&self, change: StateChange) -> Result<(), BackendError> {
        self.persist_all(vec![change])
    }

    /// Make `changes` durable, in order and in the same sync; returns once they are on
    /// disk. (A crash during the sync may keep a prefix of them, as of any batch.)
    pub fn persist_all(&self, changes: Vec<StateChange>) -> Result<(), BackendError> {
        let mut queue = self.lock_queue();
        if queue.closed {
            return Err(BackendError::Closed);
        }
        if let Some(err) = &queue.failed {
            return Err(BackendError::Batch(err.clone()));
        }
        queue.pending.extend(changes);
        let mine = queue.open;
        loop {
            if let Some(err) = &queue.failed {
                return Err(BackendError::Batch(err.clone()));
            }
            if queue.durable > mine {
                return Ok(());
            }
            if queue.syncing {
                queue = self.synced.wait(queue).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // Nobody is syncing: write everything queued so far, ours included.
            queue.syncing = true;
            let batch = std::mem::take(&mut queue.pending);
            let number = queue.open;
            queue.open += 1;
            drop(queue);
            let result = match self.lock_backend().as_mut() {
                Some(backend) => backend.persist_changes(&batch),
                None => Err(BackendError::Closed),
            };
            queue = self.lock_queue();
            queue.syncing = false;
            queue.syncs += 1;
            match result {
                Ok(()) => queue.durable = number + 1,
                Err(err) => queue.failed = Some(Arc::new(err)),
            }
            self.synced.notify_all();
        }
    }

    /// How many syncs (calls to `persist_changes`) have been made.
    pub fn syncs(&self) -> u64 {
        self.lock_queue().syncs
    }

    /// Take the backend back (with its lock) through a shared reference, once every change
    /// that was acknowledged is durable: a sync in progress finishes first. Later calls to
    /// [`GroupCommit::persist`] fail with [`BackendError::Closed`], so nothing is journaled
    /// after the final snapshot. `None` if it was already taken.
    pub fn close(&self) -> Option<B> {
        self.lock_queue().closed = true;
        self.lock_backend().take()
    }

    fn lock_backend(&self) -> MutexGuard<'_, Option<B>> {
        self.backend.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
