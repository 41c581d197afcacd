//! Persistence: metadata as journals of JSON records, contents as blobs, all in the data
//! directory, with an in-memory index of the metadata (never of contents).
//!
//! Layout: `files.log` and `batches.log` (the records, see [`journal`]), `blobs/<id>`,
//! `clock.json`, and `tmp/` for writes in progress. A file's blob outlives its record while
//! a batch still needs it as input (deleting the input file does not break a running
//! batch): the index counts those batches per file, and the blob goes when the count and
//! the record are both gone.
//!
//! A record change is acknowledged once its journal line is durable. A blob is written to
//! a temporary file in `tmp/`, fsynced, renamed to its final name and the directory fsynced
//! before its record is written, so a crash leaves at worst a blob without a record, which
//! is removed at the next start with the leftovers in `tmp/`. Fsyncs are skipped when the
//! store is not `durable`. Concurrent writers share fsyncs ([`SharedSync`]): a writer waits
//! for a sync that started after its write, and one sync serves everyone waiting.
//!
//! Stores written by earlier versions (a `files/<id>.json` or `batches/<id>.json` document
//! per record, a `batches/<id>.input` link per running batch) are moved into this layout
//! when opened.

mod journal;

use crate::clock::Anchor;
use crate::error::EmulatorError;
use crate::model::{BatchRecord, FileRecord, Validation};
use journal::{Journal, Keyed};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError, RwLock};
use tempfile::{NamedTempFile, TempDir};

type OrderKey = (String, i64, u64);

#[derive(Default)]
struct Index {
    files: HashMap<String, FileRecord>,
    file_order: BTreeMap<OrderKey, String>,
    batches: HashMap<String, BatchRecord>,
    batch_order: BTreeMap<OrderKey, String>,
    /// Batches whose result files are not written yet, by when they stop (simulated Unix
    /// ms, unless cancelled later): `(stops_at_ms, id)`. Reading the due ones is a range.
    unsettled: BTreeSet<(i64, String)>,
    /// Per file id, the batches that still need its blob as input (see [`needs_input`]),
    /// plus creates checking it right now.
    inputs: HashMap<String, usize>,
}

impl Index {
    /// Index a batch record, replacing the entry of its previous version. Returns the id of
    /// a deleted file whose blob nothing needs any more.
    fn put_batch(&mut self, record: BatchRecord) -> Option<String> {
        // The new version is counted before the old one is released, so a blob both need
        // (a cancel of a batch whose input file was deleted) is never garbage in between.
        if needs_input(&record) {
            *self.inputs.entry(record.input_file_id.clone()).or_default() += 1;
        }
        let mut released = None;
        if let Some(old) = self.batches.get(&record.id) {
            if let Some(at) = stops_at(old) {
                self.unsettled.remove(&(at, old.id.clone()));
            }
            if needs_input(old) {
                let file = old.input_file_id.clone();
                released = self.release_input(&file);
            }
        }
        if let Some(at) = stops_at(&record) {
            self.unsettled.insert((at, record.id.clone()));
        }
        self.batch_order
            .insert((record.project.clone(), record.created_at_ms, record.seq), record.id.clone());
        self.batches.insert(record.id.clone(), record);
        released
    }

    /// One user fewer of `file_id`'s blob; its id when that was the last and the file's
    /// record is gone (the blob is garbage).
    fn release_input(&mut self, file_id: &str) -> Option<String> {
        let count = self.inputs.get_mut(file_id)?;
        *count -= 1;
        if *count > 0 {
            return None;
        }
        self.inputs.remove(file_id);
        (!self.files.contains_key(file_id)).then(|| file_id.to_string())
    }
}

/// Whether a batch still reads its input file: valid, and its results not written yet.
fn needs_input(rec: &BatchRecord) -> bool {
    rec.outcome.is_none() && matches!(rec.validation, Validation::Valid { .. })
}

/// When a batch whose result files are still to be written stops (as things stand: a later
/// cancel changes the record and so the answer); `None` when it has nothing to write.
fn stops_at(rec: &BatchRecord) -> Option<i64> {
    if rec.outcome.is_some() {
        return None;
    }
    // Invalid input fails with no files, unless a cancel came first.
    if matches!(rec.validation, Validation::Failed { .. }) && rec.cancel_requested_ms.is_none() {
        return None;
    }
    crate::lifecycle::observe(rec, i64::MAX).terminal.map(|t| t.at_ms)
}

pub struct Store {
    root: PathBuf,
    _private: Option<TempDir>,
    index: RwLock<Index>,
    seq: AtomicU64,
    /// Problems found while loading (damaged records), for the caller to report.
    pub warnings: Vec<String>,
    files_log: Journal<FileRecord>,
    batches_log: Journal<BatchRecord>,
    /// The shared fsync of each directory written to.
    dir_syncs: HashMap<PathBuf, SharedSync>,
    /// Whether writes are fsynced (see [`crate::EmulatorConfig::fsync`]).
    durable: bool,
}

impl Keyed for FileRecord {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for BatchRecord {
    fn key(&self) -> &str {
        &self.id
    }
}

/// A page of a list: the items and whether more follow.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

impl Store {
    /// A durable store in `data_dir` (see [`Store::open_with`]).
    #[cfg(test)]
    pub fn open(data_dir: Option<&Path>) -> Result<Store, EmulatorError> {
        Store::open_with(data_dir, true)
    }

    /// Open (creating if needed) the store in `data_dir`, or in a private temporary
    /// directory; writes are fsynced when `durable`.
    pub fn open_with(data_dir: Option<&Path>, durable: bool) -> Result<Store, EmulatorError> {
        let (root, private) = match data_dir {
            Some(dir) => (dir.to_path_buf(), None),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("batchform-emulator-")
                    .tempdir()
                    .map_err(|e| EmulatorError::io(std::env::temp_dir(), e))?;
                (tmp.path().to_path_buf(), Some(tmp))
            }
        };
        for sub in ["blobs", "tmp"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(|e| EmulatorError::io(&p, e))?;
        }
        let tmp = root.join("tmp");
        for entry in read_dir(&tmp)? {
            let _ = fs::remove_file(entry);
        }
        let mut warnings = Vec::new();
        let (files_log, files) =
            open_journal::<FileRecord>(&root, "files", durable, &mut warnings)?;
        let (batches_log, batches) =
            open_journal::<BatchRecord>(&root, "batches", durable, &mut warnings)?;
        let mut index = Index::default();
        let mut max_seq = 0;
        for f in files {
            max_seq = max_seq.max(f.seq + 1);
            index.file_order.insert((f.project.clone(), f.created_at, f.seq), f.id.clone());
            index.files.insert(f.id.clone(), f);
        }
        for b in batches {
            max_seq = max_seq.max(b.seq + 1);
            index.put_batch(b);
        }
        // An earlier version kept each running batch's input as a hard link
        // `batches/<id>.input`: one whose file was deleted since becomes that file's blob.
        let legacy_inputs = root.join("batches");
        if legacy_inputs.is_dir() {
            let links = read_dir(&legacy_inputs)?;
            for path in links.into_iter().filter(|p| p.extension().is_some_and(|e| e == "input")) {
                let batch = path.file_stem().and_then(|n| n.to_str()).unwrap_or("");
                if let Some(b) = index.batches.get(batch).filter(|b| needs_input(b)) {
                    let blob = root.join("blobs").join(&b.input_file_id);
                    if !blob.exists() {
                        fs::rename(&path, &blob).map_err(|e| EmulatorError::io(&path, e))?;
                        continue;
                    }
                }
                let _ = fs::remove_file(&path);
            }
            sync_dir(&root.join("blobs")).map_err(|e| EmulatorError::io(root.join("blobs"), e))?;
            let _ = fs::remove_dir(&legacy_inputs);
        }
        // Blobs with neither a record (a crash between the two writes, or a deleted file)
        // nor a batch that needs them are garbage.
        for path in read_dir(&root.join("blobs"))? {
            let id = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !index.files.contains_key(id) && !index.inputs.contains_key(id) {
                let _ = fs::remove_file(&path);
            }
        }
        let mut dir_syncs = HashMap::new();
        for dir in ["", "blobs"] {
            dir_syncs.insert(root.join(dir), SharedSync::default());
        }
        Ok(Store {
            root,
            _private: private,
            index: RwLock::new(index),
            seq: AtomicU64::new(max_seq),
            warnings,
            files_log,
            batches_log,
            dir_syncs,
            durable,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst)
    }

    /// A new temporary file on the store's filesystem, for streaming content into.
    pub fn temp_file(&self) -> std::io::Result<NamedTempFile> {
        NamedTempFile::new_in(self.root.join("tmp"))
    }

    pub fn blob_path(&self, file_id: &str) -> PathBuf {
        self.root.join("blobs").join(file_id)
    }

    /// Count a create that is about to read `file_id`'s blob as its input, if the file is
    /// live and visible to `project`: a delete meanwhile keeps the blob. Every call is
    /// paired with one [`Store::release_input`] once the batch is recorded (which counts
    /// it on its own while it needs the input) or has failed.
    pub fn reserve_input(&self, project: &str, file_id: &str, now: i64) -> Option<FileRecord> {
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        let file = index
            .files
            .get(file_id)
            .filter(|f| f.project == project && !f.expired(now))
            .cloned()?;
        *index.inputs.entry(file_id.to_string()).or_default() += 1;
        Some(file)
    }

    /// End a [`Store::reserve_input`]. Blocking (may remove a deleted file's blob).
    pub fn release_input(&self, file_id: &str) -> std::io::Result<()> {
        let garbage = self.index.write().unwrap_or_else(|e| e.into_inner()).release_input(file_id);
        self.remove_blob(garbage)
    }

    fn remove_blob(&self, file_id: Option<String>) -> std::io::Result<()> {
        let Some(id) = file_id else { return Ok(()) };
        match fs::remove_file(self.blob_path(&id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Delete files whose `expires_at` has passed (they already answer 404). Blocking.
    pub fn purge_expired(&self, now: i64) -> std::io::Result<usize> {
        let expired: Vec<String> = {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            index.files.values().filter(|f| f.expired(now)).map(|f| f.id.clone()).collect()
        };
        for id in &expired {
            self.delete_file(id)?;
        }
        Ok(expired.len())
    }

    // ----- clock

    pub fn load_clock(&self) -> Option<Anchor> {
        read_json(&self.root.join("clock.json")).ok()
    }

    pub fn save_clock(&self, anchor: &Anchor) -> std::io::Result<()> {
        self.write_json(&self.root, "clock.json", anchor)
    }

    // ----- files

    /// Make `content` the blob of `record` and publish the record. Blocking I/O.
    pub fn insert_file(&self, record: FileRecord, content: NamedTempFile) -> std::io::Result<()> {
        self.sync_file(content.as_file())?;
        let blob = self.blob_path(&record.id);
        content.persist(&blob).map_err(|e| e.error)?;
        self.sync_dir(&self.root.join("blobs"))?;
        let live = self.index.read().unwrap_or_else(|e| e.into_inner()).files.len() + 1;
        self.files_log.put(&record, live)?;
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        // Re-publishing an id (results produced again after a crash) replaces the old entry.
        if let Some(old) = index.files.remove(&record.id) {
            index.file_order.remove(&(old.project, old.created_at, old.seq));
        }
        index
            .file_order
            .insert((record.project.clone(), record.created_at, record.seq), record.id.clone());
        index.files.insert(record.id.clone(), record);
        Ok(())
    }

    /// A live (not expired) file visible to `project`.
    pub fn file(&self, project: &str, id: &str, now: i64) -> Option<FileRecord> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.files.get(id).filter(|f| f.project == project && !f.expired(now)).cloned()
    }

    /// The project of the file `id`, in whatever project and even if expired (ids are unique
    /// across projects).
    pub fn file_project(&self, id: &str) -> Option<String> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.files.get(id).map(|f| f.project.clone())
    }

    /// Delete a file (its record first, so a crash leaves at worst an orphan blob; the blob
    /// stays while a batch needs it as input). Blocking.
    pub fn delete_file(&self, id: &str) -> std::io::Result<()> {
        let live = self.index.read().unwrap_or_else(|e| e.into_inner()).files.len();
        self.files_log.delete(id, live.saturating_sub(1))?;
        let garbage = {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            if let Some(f) = index.files.remove(id) {
                index.file_order.remove(&(f.project, f.created_at, f.seq));
            }
            (!index.inputs.contains_key(id)).then(|| id.to_string())
        };
        self.remove_blob(garbage)
    }

    /// Files of `project`, newest first (`Desc`) or oldest first, optionally of one purpose,
    /// after the file `after` (which must exist in the project's listing).
    pub fn list_files(
        &self,
        project: &str,
        purpose: Option<&str>,
        after: Option<&str>,
        limit: usize,
        order: Order,
        now: i64,
    ) -> Result<Page<FileRecord>, UnknownCursor> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let keep = |f: &&FileRecord| !f.expired(now) && purpose.is_none_or(|p| f.purpose == p);
        page(
            &index.file_order,
            &index.files,
            project,
            after,
            limit,
            order,
            |f| (f.project.clone(), f.created_at, f.seq),
            keep,
        )
    }

    // ----- batches

    /// Whether a new batch record is one quick append: no fsync to wait for (see
    /// [`crate::EmulatorConfig::fsync`]) and no rewrite of the journal due with it.
    pub fn batch_write_is_quick(&self) -> bool {
        !self.durable && !self.batches_log.rewrite_due(1)
    }

    /// Publish a new or changed batch record. Blocking.
    pub fn put_batch(&self, record: BatchRecord) -> std::io::Result<()> {
        let live = {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            index.batches.len() + usize::from(!index.batches.contains_key(&record.id))
        };
        self.batches_log.put(&record, live)?;
        let garbage = self.index.write().unwrap_or_else(|e| e.into_inner()).put_batch(record);
        self.remove_blob(garbage)
    }

    /// Batches (any project) that have stopped by `now_ms` but whose result files are not
    /// written yet. Costs a lookup plus one step per such batch, whatever the store holds.
    pub fn due_batches(&self, now_ms: i64) -> Vec<BatchRecord> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index
            .unsettled
            .range(..(now_ms.saturating_add(1), String::new()))
            .filter_map(|(_, id)| index.batches.get(id).cloned())
            .collect()
    }

    pub fn batch(&self, project: &str, id: &str) -> Option<BatchRecord> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.batches.get(id).filter(|b| b.project == project).cloned()
    }

    /// The project of the batch `id`, in whatever project.
    pub fn batch_project(&self, id: &str) -> Option<String> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        index.batches.get(id).map(|b| b.project.clone())
    }

    /// Batches of `project`, newest first.
    pub fn list_batches(
        &self,
        project: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Page<BatchRecord>, UnknownCursor> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        page(
            &index.batch_order,
            &index.batches,
            project,
            after,
            limit,
            Order::Desc,
            |b| (b.project.clone(), b.created_at_ms, b.seq),
            |_| true,
        )
    }

    /// Write `value` as `dir/name` atomically and durably.
    fn write_json<T: serde::Serialize>(
        &self,
        dir: &Path,
        name: &str,
        value: &T,
    ) -> std::io::Result<()> {
        // Serialised in memory first: serde_json writes token by token, which straight to
        // the file was one write(2) per token (about 160 per batch record).
        let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        let mut tmp = self.temp_file()?;
        tmp.write_all(&bytes)?;
        tmp.flush()?;
        self.sync_file(tmp.as_file())?;
        tmp.persist(dir.join(name)).map_err(|e| e.error)?;
        self.sync_dir(dir)
    }

    fn sync_file(&self, file: &fs::File) -> std::io::Result<()> {
        if self.durable { file.sync_all() } else { Ok(()) }
    }

    /// Make the entries of `dir` durable, sharing the fsync with concurrent writers.
    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        if !self.durable {
            return Ok(());
        }
        match self.dir_syncs.get(dir) {
            Some(shared) => shared.sync(|| sync_dir(dir)),
            None => sync_dir(dir),
        }
    }
}

/// `after` named an object that is not in the listing.
#[derive(Debug)]
pub struct UnknownCursor;

#[allow(clippy::too_many_arguments)]
fn page<T: Clone>(
    order_index: &BTreeMap<OrderKey, String>,
    objects: &HashMap<String, T>,
    project: &str,
    after: Option<&str>,
    limit: usize,
    order: Order,
    key_of: impl Fn(&T) -> OrderKey,
    keep: impl Fn(&&T) -> bool,
) -> Result<Page<T>, UnknownCursor> {
    let lo = (project.to_string(), i64::MIN, 0);
    let hi = (project.to_string(), i64::MAX, u64::MAX);
    let range: Box<dyn Iterator<Item = &String>> = match (after, order) {
        (None, Order::Desc) => Box::new(order_index.range(lo..=hi).rev().map(|(_, id)| id)),
        (None, Order::Asc) => Box::new(order_index.range(lo..=hi).map(|(_, id)| id)),
        (Some(cursor), _) => {
            let obj = objects.get(cursor).ok_or(UnknownCursor)?;
            let key = key_of(obj);
            if key.0 != project {
                return Err(UnknownCursor);
            }
            match order {
                Order::Desc => Box::new(order_index.range(lo..key).rev().map(|(_, id)| id)),
                Order::Asc => Box::new(
                    order_index
                        .range((std::ops::Bound::Excluded(key), std::ops::Bound::Included(hi)))
                        .map(|(_, id)| id),
                ),
            }
        }
    };
    let mut items = Vec::with_capacity(limit.min(1024));
    let mut has_more = false;
    for id in range {
        let Some(obj) = objects.get(id) else { continue };
        if !keep(&obj) {
            continue;
        }
        if items.len() == limit {
            has_more = true;
            break;
        }
        items.push(obj.clone());
    }
    Ok(Page { items, has_more })
}

/// Open the journal `<root>/<kind>.log` and read its records, first moving into it the
/// records an earlier version kept as one document each (`<root>/<kind>/<id>.json`).
fn open_journal<T: Keyed + serde::Serialize + serde::de::DeserializeOwned + Send>(
    root: &Path,
    kind: &str,
    durable: bool,
    warnings: &mut Vec<String>,
) -> Result<(Journal<T>, Vec<T>), EmulatorError> {
    let path = root.join(format!("{kind}.log"));
    let (journal, opened) = Journal::<T>::open(path.clone(), root.join("tmp"), durable)
        .map_err(|e| EmulatorError::io(&path, e))?;
    warnings.extend(opened.warnings);
    let mut records = opened.records;
    let legacy_dir = root.join(kind);
    let legacy: Vec<PathBuf> = match fs::read_dir(&legacy_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        _ => read_dir(&legacy_dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
    };
    if legacy.is_empty() {
        return Ok((journal, records));
    }
    let known: std::collections::HashSet<String> =
        records.iter().map(|r| r.key().to_string()).collect();
    let mut moved = Vec::new();
    let mut done = Vec::new();
    for (doc, record) in read_all_json::<T>(legacy) {
        match record {
            // Already in the journal: a move interrupted before it removed the documents.
            Ok(r) if known.contains(r.key()) => done.push(doc),
            Ok(r) => {
                moved.push(r);
                done.push(doc);
            }
            Err(e) => warnings.push(format!("{}: {e}", doc.display())),
        }
    }
    journal
        .put_all(&moved, records.len() + moved.len())
        .map_err(|e| EmulatorError::io(&path, e))?;
    records.extend(moved);
    for doc in done {
        fs::remove_file(&doc).map_err(|e| EmulatorError::io(&doc, e))?;
    }
    // Emptied by the move (`batches/` stays: it holds the batches' inputs).
    let _ = fs::remove_dir(&legacy_dir);
    Ok((journal, records))
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>, EmulatorError> {
    let entries = fs::read_dir(dir).map_err(|e| EmulatorError::io(dir, e))?;
    Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
}

/// Read and parse every file of `paths` (on all cores: a store of thousands of small
/// records loads at startup), in the order given.
fn read_all_json<T: serde::de::DeserializeOwned + Send>(
    paths: Vec<PathBuf>,
) -> Vec<(PathBuf, Result<T, String>)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = paths.len().div_ceil(threads).max(64);
    std::thread::scope(|scope| {
        let parts: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter().map(|p| (p.clone(), read_json::<T>(p))).collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}

/// One fsync serving every writer that asked before it started (group commit): the
/// syncs run one at a time, numbered as they start, and a writer is done once a sync that
/// started after it asked has finished. A failed sync fails every writer it was to serve.
#[derive(Default)]
struct SharedSync {
    state: Mutex<SyncState>,
    finished: Condvar,
}

#[derive(Default)]
struct SyncState {
    started: u64,
    /// The last sync that finished, well or not.
    finished: u64,
    /// Syncs that failed: after a failed fsync Linux may drop the dirty pages it could not
    /// write, so a later success says nothing of the writes that sync covered.
    failed: BTreeSet<u64>,
    running: bool,
}

impl SharedSync {
    fn sync(&self, mut fsync: impl FnMut() -> std::io::Result<()>) -> std::io::Result<()> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        // The first sync to start from now covers this caller's write; its outcome is theirs.
        let needed = state.started + 1;
        loop {
            if state.finished >= needed {
                return match state.failed.contains(&needed) {
                    true => Err(std::io::Error::other("an fsync covering this write failed")),
                    false => Ok(()),
                };
            }
            if state.running {
                state = self.finished.wait(state).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.running = true;
            state.started += 1;
            let number = state.started;
            drop(state);
            let result = fsync();
            state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.running = false;
            state.finished = number;
            if result.is_err() {
                state.failed.insert(number);
            }
            self.finished.notify_all();
            result?;
        }
    }
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writers_share_directory_syncs_that_started_after_they_asked() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicU64;
        let shared = Arc::new(SharedSync::default());
        let (started, finished) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let (shared, started, finished) =
                    (shared.clone(), started.clone(), finished.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let asked = started.load(Ordering::SeqCst);
                        shared
                            .sync(|| {
                                started.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(1));
                                finished.fetch_add(1, Ordering::SeqCst);
                                Ok(())
                            })
                            .unwrap();
                        // A sync numbered after the ones started when we asked has finished.
                        assert!(finished.load(Ordering::SeqCst) > asked);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let syncs = started.load(Ordering::SeqCst);
        assert!((50..400).contains(&syncs), "{syncs} syncs for 400 writes");
    }

    #[test]
    fn without_fsync_writes_are_still_atomic_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_with(Some(dir.path()), false).unwrap();
            add(&store, file("file-a", 0, 100, "batch"));
        }
        // Nothing is left half-written in tmp/, and the record is there after a restart.
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        let store = Store::open_with(Some(dir.path()), false).unwrap();
        assert!(store.file("", "file-a", 100).is_some());
        assert!(store.warnings.is_empty(), "{:?}", store.warnings);
    }

    #[test]
    fn a_failed_directory_sync_fails_its_caller_and_a_later_writer_syncs_again() {
        let shared = SharedSync::default();
        let err = shared.sync(|| Err(std::io::Error::other("disk gone"))).unwrap_err();
        assert_eq!(err.to_string(), "disk gone");
        let mut calls = 0;
        shared
            .sync(|| {
                calls += 1;
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(calls, 1);
    }

    #[test]
    fn writers_waiting_on_a_sync_that_fails_all_fail() {
        use std::sync::Arc;
        use std::sync::atomic::AtomicU64;
        use std::time::Duration;
        let shared = Arc::new(SharedSync::default());
        // A slow sync runs; two writers ask meanwhile, so the next sync serves both.
        let first = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                shared.sync(|| {
                    std::thread::sleep(Duration::from_millis(200));
                    Ok(())
                })
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        let failing_syncs = Arc::new(AtomicU64::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (shared, failing_syncs) = (shared.clone(), failing_syncs.clone());
                std::thread::spawn(move || {
                    shared.sync(|| {
                        failing_syncs.fetch_add(1, Ordering::SeqCst);
                        Err(std::io::Error::other("disk gone"))
                    })
                })
            })
            .collect();
        assert!(first.join().unwrap().is_ok());
        for w in waiters {
            assert!(w.join().unwrap().is_err(), "a write the failed sync covered is not durable");
        }
        assert_eq!(failing_syncs.load(Ordering::SeqCst), 1, "one sync served both writers");
    }

    fn file(id: &str, seq: u64, created_at: i64, purpose: &str) -> FileRecord {
        FileRecord {
            id: id.into(),
            seq,
            project: String::new(),
            bytes: 1,
            created_at,
            filename: "a.jsonl".into(),
            purpose: purpose.into(),
            expires_at: None,
        }
    }

    fn add(store: &Store, f: FileRecord) {
        let mut tmp = store.temp_file().unwrap();
        tmp.write_all(b"x").unwrap();
        store.insert_file(f, tmp).unwrap();
    }

    #[test]
    fn objects_survive_reopen_and_torn_writes_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(Some(dir.path())).unwrap();
            add(&store, file("file-a", store.next_seq(), 10, "batch"));
            add(&store, file("file-b", store.next_seq(), 11, "batch"));
            store.delete_file("file-b").unwrap();
        }
        // Simulate a crash mid-write: a half-written temp file and an orphan blob.
        fs::write(dir.path().join("tmp/.tmpXYZ"), b"{\"id\":").unwrap();
        fs::write(dir.path().join("blobs/file-orphan"), b"zz").unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        assert!(store.warnings.is_empty(), "{:?}", store.warnings);
        assert!(store.file("", "file-a", 0).is_some());
        assert!(store.file("", "file-b", 0).is_none());
        assert!(!dir.path().join("blobs/file-orphan").exists());
        assert!(!dir.path().join("tmp/.tmpXYZ").exists());
        assert_eq!(store.next_seq(), 1, "numbering continues after the surviving object");
    }

    #[test]
    fn records_of_the_document_per_record_layout_move_into_the_journals() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["files", "batches", "blobs"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let old = file("file-a", 3, 10, "batch");
        fs::write(dir.path().join("files/file-a.json"), json(&old)).unwrap();
        fs::write(dir.path().join("blobs/file-a"), b"x").unwrap();
        // A running batch whose input file (file-x) was deleted: only its link is left.
        let mut batch = crate::lifecycle::tests::rec(valid());
        batch.seq = 7;
        fs::write(dir.path().join("batches/batch_x.json"), json(&batch)).unwrap();
        fs::write(dir.path().join("batches/batch_x.input"), b"input").unwrap();
        fs::write(dir.path().join("batches/batch_bad.json"), b"{\"id\":").unwrap();
        for _ in 0..2 {
            let store = Store::open(Some(dir.path())).unwrap();
            assert!(store.file("", "file-a", 0).is_some());
            assert!(store.batch("", "batch_x").is_some());
            assert_eq!(store.next_seq(), 8, "numbering continues after the moved records");
            assert_eq!(fs::read(dir.path().join("blobs/file-a")).unwrap(), b"x");
            assert_eq!(fs::read(store.blob_path("file-x")).unwrap(), b"input", "the input stays");
            // Moved documents are gone; an unreadable one stays, reported, at every start.
            assert!(!dir.path().join("files").exists());
            assert!(!dir.path().join("batches/batch_x.json").exists());
            assert!(!dir.path().join("batches/batch_x.input").exists());
            assert_eq!(store.warnings.len(), 1, "{:?}", store.warnings);
            assert!(store.warnings[0].contains("batch_bad.json"), "{:?}", store.warnings);
        }
    }

    fn valid() -> Validation {
        Validation::Valid { total: 1, model: None, failing: Vec::new() }
    }

    /// A running batch keeps its input's blob when the file is deleted; the blob goes once
    /// its results are recorded (or at the next start, if that happened meanwhile).
    #[test]
    fn a_deleted_input_file_keeps_its_blob_until_no_batch_needs_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).unwrap();
        add(&store, file("file-x", 0, 10, "batch"));
        let mut batch = crate::lifecycle::tests::rec(valid());
        store.put_batch(batch.clone()).unwrap();
        let blob = store.blob_path("file-x");
        store.delete_file("file-x").unwrap();
        assert!(store.file("", "file-x", 0).is_none());
        assert!(blob.exists(), "the batch still reads it");
        // A change of the batch that still needs its input (a cancel) keeps the blob.
        batch.cancel_requested_ms = Some(batch.created_at_ms + 1);
        store.put_batch(batch.clone()).unwrap();
        assert!(blob.exists(), "a cancel does not let the blob go");
        drop(store);
        let store = Store::open(Some(dir.path())).unwrap();
        assert!(blob.exists(), "kept across a restart");
        batch.outcome = Some(Default::default());
        store.put_batch(batch).unwrap();
        assert!(!blob.exists(), "no batch needs it any more");

        // A create that reserved the input before the delete keeps the blob until it ends.
        add(&store, file("file-y", 1, 11, "batch"));
        assert!(store.reserve_input("", "file-y", 0).is_some());
        assert!(store.reserve_input("other-project", "file-y", 0).is_none());
        store.delete_file("file-y").unwrap();
        assert!(store.blob_path("file-y").exists());
        assert!(store.reserve_input("", "file-y", 0).is_none(), "deleted files are not found");
        store.release_input("file-y").unwrap();
        assert!(!store.blob_path("file-y").exists());
        // Without users, a delete removes the blob at once.
        add(&store, file("file-z", 2, 12, "batch"));
        store.delete_file("file-z").unwrap();
        assert!(!store.blob_path("file-z").exists());
    }

    fn json<T: serde::Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn listing_pages_by_cursor_in_both_orders_and_filters() {
        let store = Store::open(None).unwrap();
        for i in 0..5 {
            let purpose = if i == 2 { "user_data" } else { "batch" };
            add(&store, file(&format!("file-{i}"), i, 100 + i as i64, purpose));
        }
        let ids = |p: &Page<FileRecord>| p.items.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        let p = store.list_files("", None, None, 2, Order::Desc, 0).unwrap();
        assert_eq!(ids(&p), ["file-4", "file-3"]);
        assert!(p.has_more);
        let p = store.list_files("", None, Some("file-3"), 10, Order::Desc, 0).unwrap();
        assert_eq!(ids(&p), ["file-2", "file-1", "file-0"]);
        assert!(!p.has_more);
        let p = store.list_files("", Some("batch"), Some("file-1"), 10, Order::Asc, 0).unwrap();
        assert_eq!(ids(&p), ["file-3", "file-4"]);
        assert!(
            store.list_files("other", None, None, 10, Order::Desc, 0).unwrap().items.is_empty()
        );
        assert!(store.list_files("", None, Some("file-nope"), 10, Order::Desc, 0).is_err());
    }
}
