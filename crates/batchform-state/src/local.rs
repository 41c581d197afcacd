//! The local backend: `terraform.tfstate` in the working directory (or any path), with its
//! journal, backup and lock-info files beside it.

use crate::atomic::{remove_durably, write_atomic};
use crate::backend::{Backend, BackendError, Persisted};
use crate::journal::{self, Header, Writer};
use crate::lock::{self, Attempt, LockInfo, LockRequest, OsLock};
use crate::{State, StateChange, WRITER_VERSION, codec};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The default state file name.
pub const DEFAULT_STATE_PATH: &str = "terraform.tfstate";

/// The state path for a run: `-state=PATH` if given, else the `path` of a
/// `backend "local"` block, else `terraform.tfstate` (relative to the working directory).
pub fn resolve_state_path(flag: Option<&Path>, backend_path: Option<&Path>) -> PathBuf {
    flag.or(backend_path)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_PATH))
}

/// Where `errored.tfstate` goes when the final write fails: the working directory.
pub const ERRORED_STATE_PATH: &str = "errored.tfstate";

/// Write `state` to `errored.tfstate` in `dir` (atomically, mode 0600) after a failed final
/// persist, so the user can `state push` it. Returns the path written.
pub fn write_errored_state(dir: &Path, state: &State) -> io::Result<PathBuf> {
    let path = dir.join(ERRORED_STATE_PATH);
    write_atomic(&path, &codec::encode(state))?;
    Ok(path)
}

/// A state file on the local filesystem.
#[derive(Debug)]
pub struct LocalBackend {
    path: PathBuf,
    journal_path: PathBuf,
    backup_path: PathBuf,
    intents_path: PathBuf,
    lock_path: PathBuf,
    lock: Option<OsLock>,
    /// The snapshot on disk as last read or written; `None` when there is no state file.
    disk: Option<State>,
    loaded: bool,
    journal: JournalState,
    /// The lineage of the state being built when there is no snapshot yet: handed out by
    /// `read_or_new` (or taken from a journal that started a new state) and written into the
    /// journal's header, so the first snapshot and the journal before it agree.
    new_lineage: Option<String>,
    backed_up: bool,
    bytes_written: u64,
}

#[derive(Debug)]
enum JournalState {
    /// No journal file, or a stale one the next journal replaces.
    None,
    /// A journal that continues the snapshot on disk, intact up to this length.
    Resumable(u64),
    Open(Writer),
}

impl LocalBackend {
    /// A backend for the state file at `path`. Nothing is read or created yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or(DEFAULT_STATE_PATH);
        let sibling = |name: String| path.with_file_name(name);
        LocalBackend {
            journal_path: sibling(format!("{file_name}.journal")),
            backup_path: sibling(format!("{file_name}.backup")),
            intents_path: sibling(format!("{file_name}.intents")),
            lock_path: sibling(format!(".{file_name}.lock.info")),
            path,
            lock: None,
            disk: None,
            loaded: false,
            journal: JournalState::None,
            new_lineage: None,
            backed_up: false,
            bytes_written: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn journal_path(&self) -> &Path {
        &self.journal_path
    }

    pub fn backup_path(&self) -> &Path {
        &self.backup_path
    }

    /// The sidecar of creates whose outcome is unknown (present only while there are some).
    pub fn intents_path(&self) -> &Path {
        &self.intents_path
    }

    pub fn lock_info_path(&self) -> &Path {
        &self.lock_path
    }

    /// Bytes this backend has written to the state, journal and backup files.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// The lock info file's content, if any (for messages; takes no lock).
    pub fn current_lock_info(&self) -> Option<LockInfo> {
        lock::read_info(&self.lock_path)
    }

    /// `force-unlock ID`: remove a lock left by a process that is gone. A lock held by a
    /// running process cannot be removed (the OS lock is still held), and the ID must match.
    pub fn force_unlock(&mut self, id: &str) -> Result<LockInfo, BackendError> {
        if self.lock.is_some() {
            return Err(BackendError::LockHeld { holder: self.current_lock_info().map(Box::new) });
        }
        let io_err = |e| BackendError::io("locking", &self.lock_path, e);
        if !self.lock_path.exists() {
            return Err(BackendError::NotLocked);
        }
        match lock::try_lock(&self.lock_path).map_err(io_err)? {
            Attempt::Held(holder) => Err(BackendError::LockHeld { holder: holder.map(Box::new) }),
            Attempt::Acquired(mut os_lock) => match os_lock.read_info() {
                Some(info) if info.id == id => {
                    os_lock.release().map_err(io_err)?;
                    Ok(info)
                }
                Some(info) => {
                    Err(BackendError::LockIdMismatch { given: id.into(), actual: info.id })
                }
                None => {
                    os_lock.release().map_err(io_err)?;
                    Err(BackendError::NotLocked)
                }
            },
        }
    }

    fn load(&mut self) -> Result<Option<State>, BackendError> {
        let disk = match std::fs::read(&self.path) {
            Ok(bytes) => codec::decode(&bytes)
                .map_err(|source| BackendError::Decode { path: self.path.clone(), source })?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(BackendError::io("reading", &self.path, e)),
        };
        let replay = journal::read(&self.journal_path)?;
        let sidecar = crate::intents::read(&self.intents_path)
            .map_err(|detail| BackendError::Intents { path: self.intents_path.clone(), detail })?;
        // The sidecar's intents belong to the state of its lineage; the journal replayed
        // after them adds and resolves more.
        let seed = |state: &mut State| {
            if let Some((lineage, intents)) = &sidecar
                && *lineage == state.lineage
            {
                for intent in intents {
                    state.pending_creates.insert(intent.token.clone(), intent.clone());
                }
            }
        };
        let mut journal = JournalState::None;
        let mut state = disk.clone();
        if let Some(state) = state.as_mut() {
            seed(state);
        }
        if let Some(replay) = replay {
            let header = &replay.header;
            let continues = match &disk {
                Some(d) => header.lineage == d.lineage && header.base_serial == Some(d.serial),
                None => header.base_serial.is_none(),
            };
            let stale = match &disk {
                // Written before the snapshot that folded it in.
                Some(d) => {
                    header.lineage == d.lineage && header.base_serial.is_none_or(|s| s < d.serial)
                }
                None => false,
            };
            if continues {
                let mut recovered = disk
                    .clone()
                    .unwrap_or_else(|| State { lineage: header.lineage.clone(), ..State::new() });
                seed(&mut recovered);
                for change in &replay.changes {
                    recovered.apply(change);
                }
                if disk.is_none() {
                    self.new_lineage = Some(header.lineage.clone());
                }
                state = Some(recovered);
                journal = JournalState::Resumable(replay.valid_len);
            } else if !stale {
                let snapshot = match &disk {
                    Some(d) => format!("lineage {:?} serial {}", d.lineage, d.serial),
                    None => "no state file".to_string(),
                };
                return Err(BackendError::JournalMismatch {
                    path: self.journal_path.clone(),
                    detail: format!(
                        "the journal continues lineage {:?} serial {}, but beside it is {snapshot}. \
                         It holds {} change(s) not in the state file. If the state file was replaced on purpose, move the journal away and run again.",
                        header.lineage,
                        header.base_serial.map_or("none".to_string(), |s| s.to_string()),
                        replay.changes.len(),
                    ),
                });
            }
        }
        self.disk = disk;
        self.journal = journal;
        self.loaded = true;
        Ok(state)
    }

    /// Create the state file's directory if needed (as Terraform does for `-state=dir/x`).
    fn ensure_dir(&self) -> Result<(), BackendError> {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| BackendError::io("creating the directory of", &self.path, e))
            }
            _ => Ok(()),
        }
    }

    fn ensure_loaded(&mut self) -> Result<(), BackendError> {
        if !self.loaded {
            self.load()?;
        }
        Ok(())
    }

    fn write_snapshot(&mut self, state: &State, serial: u64) -> Result<Persisted, BackendError> {
        // The copy kept as "what is on disk" is made on another thread while this one
        // encodes and writes (for 1000 batches: about 8 ms of copying next to 25 ms of
        // encoding and syncing).
        let (written, disk) = std::thread::scope(|scope| {
            let copy = scope.spawn(|| {
                let mut disk = state.clone();
                disk.serial = serial;
                disk.terraform_version = WRITER_VERSION.to_string();
                disk
            });
            let written = self.write_snapshot_file(state, serial);
            (written, copy.join())
        });
        let disk = match disk {
            Ok(disk) => disk,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let written = written?;
        // The journal is folded in. Its removal need not be durable when a crash that
        // brings it back leaves it stale: same lineage and a base before this serial
        // (`load` ignores it). A forced push can write another lineage, or a serial at or
        // below the journal's base; then the removal is synced.
        let stale_if_back = match &self.disk {
            Some(d) => d.lineage == state.lineage && serial > d.serial,
            None => self.new_lineage.as_ref() == Some(&state.lineage),
        };
        if stale_if_back {
            self.journal = JournalState::None;
            match std::fs::remove_file(&self.journal_path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(BackendError::io("removing", &self.journal_path, e)),
            }
        } else {
            self.drop_journal()?;
        }
        self.bytes_written += written;
        self.disk = Some(disk);
        Ok(Persisted { serial, lineage: state.lineage.clone(), written: true })
    }

    /// Write `state` as snapshot `serial` (after a backup of the previous one, once per
    /// backend), durably; the bytes written.
    fn write_snapshot_file(&mut self, state: &State, serial: u64) -> Result<u64, BackendError> {
        let bytes = codec::encode_as(state, serial, WRITER_VERSION);
        self.ensure_dir()?;
        let mut written = 0;
        if self.disk.is_some() && !self.backed_up {
            let previous = std::fs::read(&self.path)
                .map_err(|e| BackendError::io("reading", &self.path, e))?;
            write_atomic(&self.backup_path, &previous)
                .map_err(|e| BackendError::io("writing", &self.backup_path, e))?;
            written += previous.len() as u64;
            self.backed_up = true;
        }
        write_atomic(&self.path, &bytes).map_err(|e| BackendError::io("writing", &self.path, e))?;
        Ok(written + bytes.len() as u64)
    }

    fn drop_journal(&mut self) -> Result<(), BackendError> {
        self.journal = JournalState::None;
        remove_durably(&self.journal_path)
            .map_err(|e| BackendError::io("removing", &self.journal_path, e))
    }
}

impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.path.display().to_string()
    }

    fn lock(&mut self, request: &LockRequest, timeout: Duration) -> Result<LockInfo, BackendError> {
        if self.lock.is_some() {
            return Err(BackendError::Locked { holder: self.current_lock_info().map(Box::new) });
        }
        self.ensure_dir()?;
        let deadline = Instant::now() + timeout;
        // Terraform backs off from 1 s to 16 s; a local lock is cheap to retry, so start
        // lower and keep Terraform's ceiling.
        let mut delay = Duration::from_millis(50);
        loop {
            let attempt = lock::try_lock(&self.lock_path)
                .map_err(|e| BackendError::io("locking", &self.lock_path, e))?;
            match attempt {
                Attempt::Acquired(mut os_lock) => {
                    let info = LockInfo::new(request, &self.path.display().to_string());
                    os_lock
                        .write_info(&info)
                        .map_err(|e| BackendError::io("writing", &self.lock_path, e))?;
                    self.lock = Some(os_lock);
                    return Ok(info);
                }
                Attempt::Held(holder) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(BackendError::Locked { holder: holder.map(Box::new) });
                    }
                    std::thread::sleep(delay.min(deadline - now));
                    delay = (delay * 2).min(Duration::from_secs(16));
                }
            }
        }
    }

    fn unlock(&mut self) -> Result<(), BackendError> {
        match self.lock.take() {
            Some(os_lock) => {
                os_lock.release().map_err(|e| BackendError::io("unlocking", &self.lock_path, e))
            }
            None => Ok(()),
        }
    }

    fn read(&mut self) -> Result<Option<State>, BackendError> {
        self.load()
    }

    fn read_or_new(&mut self) -> Result<State, BackendError> {
        if let Some(state) = self.load()? {
            return Ok(state);
        }
        let lineage = self.new_lineage.get_or_insert_with(crate::new_lineage).clone();
        Ok(State { lineage, ..State::new() })
    }

    fn persist_changes(&mut self, changes: &[StateChange]) -> Result<(), BackendError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.ensure_loaded()?;
        let io_err = |e| BackendError::io("writing", &self.journal_path, e);
        let writer = match std::mem::replace(&mut self.journal, JournalState::None) {
            JournalState::Open(writer) => writer,
            JournalState::Resumable(valid_len) => {
                Writer::resume(&self.journal_path, valid_len).map_err(io_err)?
            }
            JournalState::None => {
                self.ensure_dir()?;
                let header = Header {
                    batchform_journal: 1,
                    lineage: match &self.disk {
                        Some(d) => d.lineage.clone(),
                        None => self.new_lineage.get_or_insert_with(crate::new_lineage).clone(),
                    },
                    base_serial: self.disk.as_ref().map(|d| d.serial),
                };
                Writer::create(&self.journal_path, &header).map_err(io_err)?
            }
        };
        let mut writer = writer;
        match writer.append(changes) {
            Ok(written) => {
                self.bytes_written += written;
                self.journal = JournalState::Open(writer);
                Ok(())
            }
            Err(e) => {
                // A partial line may follow the acknowledged prefix: the next append starts
                // by cutting it off.
                self.journal = JournalState::Resumable(writer.len());
                Err(io_err(e))
            }
        }
    }

    fn persist_snapshot(&mut self, state: &State) -> Result<Persisted, BackendError> {
        self.ensure_loaded()?;
        let serial = match &self.disk {
            Some(disk) if disk.lineage != state.lineage => {
                return Err(BackendError::Refused(format!(
                    "cannot write state with lineage {:?} over state with lineage {:?}",
                    state.lineage, disk.lineage
                )));
            }
            Some(disk) if disk.same_content(state) => {
                let persisted = Persisted {
                    serial: disk.serial,
                    lineage: disk.lineage.clone(),
                    written: false,
                };
                self.write_intents(&state.lineage, &state.pending_creates)?;
                self.drop_journal()?;
                return Ok(persisted);
            }
            Some(disk) => disk.serial + 1,
            None => {
                // A journal started for a new state must be folded into a snapshot of the
                // same lineage, or a crash before the journal is removed leaves two histories.
                let journaled = !matches!(self.journal, JournalState::None);
                if let Some(lineage) = self.new_lineage.as_ref().filter(|_| journaled) {
                    if *lineage != state.lineage {
                        return Err(BackendError::Refused(format!(
                            "cannot write state with lineage {:?}: the journal beside it continues lineage {:?}",
                            state.lineage, lineage
                        )));
                    }
                }
                state.serial + 1
            }
        };
        self.write_intents(&state.lineage, &state.pending_creates)?;
        self.write_snapshot(state, serial)
    }

    fn push_snapshot(&mut self, state: &State, force: bool) -> Result<Persisted, BackendError> {
        // The journal, if any, is part of the current state: replay it before comparing.
        let current = if self.loaded { None } else { self.load()? };
        let current = current.or_else(|| self.disk.clone());
        if let Some(current) = &current {
            if !force {
                if current.lineage != state.lineage {
                    return Err(BackendError::Refused(format!(
                        "cannot import state with lineage {:?} over unrelated state with lineage {:?}",
                        state.lineage, current.lineage
                    )));
                }
                if state.serial < current.serial {
                    return Err(BackendError::Refused(format!(
                        "cannot import state with serial {} over newer state with serial {}",
                        state.serial, current.serial
                    )));
                }
                if state.serial == current.serial && !state.same_content(current) {
                    return Err(BackendError::Refused(format!(
                        "cannot overwrite existing state with serial {} with a different state that has the same serial",
                        state.serial
                    )));
                }
            }
            // A pushed file holds no open creates (the format has no place for them): those
            // of the state it replaces, in the journal being dropped, are kept when it
            // continues the same lineage, so that the next plan still looks them up.
            if current.lineage == state.lineage {
                self.write_intents(&state.lineage, &current.pending_creates)?;
            }
            if state.same_content(current)
                && self.disk.as_ref().is_some_and(|d| d.same_content(state))
            {
                let persisted = Persisted {
                    serial: current.serial,
                    lineage: current.lineage.clone(),
                    written: false,
                };
                self.drop_journal()?;
                return Ok(persisted);
            }
        }
        // As Terraform: the pushed snapshot keeps its lineage; over an existing state its
        // serial goes one past its own (the write is a change), into an empty slot it is kept.
        let serial = if current.is_some() { state.serial + 1 } else { state.serial };
        self.write_snapshot(state, serial)
    }
}

impl LocalBackend {
    /// Unresolved creates go to the sidecar (written atomically) before the journal that
    /// holds them is removed, or the sidecar goes when none are left.
    fn write_intents(
        &mut self,
        lineage: &str,
        intents: &std::collections::BTreeMap<String, crate::CreateIntent>,
    ) -> Result<(), BackendError> {
        self.ensure_dir()?;
        let written = crate::intents::write(&self.intents_path, lineage, intents)
            .map_err(|e| BackendError::io("writing", &self.intents_path, e))?;
        self.bytes_written += written;
        Ok(())
    }
}

impl Drop for LocalBackend {
    fn drop(&mut self) {
        // Release explicitly so the info file goes too; errors cannot be reported here and
        // the OS lock is freed with the file regardless.
        if let Some(os_lock) = self.lock.take() {
            let _ = os_lock.release();
        }
    }
}
