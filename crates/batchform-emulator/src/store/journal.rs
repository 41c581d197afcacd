//! An append-only journal of one kind of record: one JSON line per change, `{"put":{...}}`
//! or `{"delete":"<id>"}`; the last line for an id wins.
//!
//! A change is acknowledged only after its whole line has been written (one `write` under
//! the journal's lock) and, when durable, made durable by an `fdatasync` that started after
//! the write; concurrent writers share those syncs ([`SharedSync`]). So after a crash the
//! only possible damage is a torn last line, which is dropped (and cut off) when the
//! journal is opened: that change was never acknowledged. A damaged line followed by intact
//! ones is skipped with a warning.
//!
//! Appending costs one `write` and a share of one `fdatasync`, where a document per record
//! cost a new file (an inode allocation, the slowest part of a batch create), its fsync, a
//! rename and a directory fsync. Superseded lines are dropped by rewriting the journal
//! (atomically, through a temporary file) when they outnumber the live records, at open or
//! while serving.

use super::SharedSync;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// A record kept in a journal, known by its id.
pub trait Keyed {
    fn key(&self) -> &str;
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry<T> {
    Put(T),
    Delete(String),
}

/// Rewrite the journal once its lines exceed twice the live records by this many.
const COMPACT_SLACK: u64 = 10_000;

pub struct Journal<T> {
    path: PathBuf,
    /// Where a rewrite is prepared (on the journal's filesystem, cleared at every start, so
    /// a rewrite a crash interrupted leaves nothing behind).
    tmp_dir: PathBuf,
    writer: Mutex<Writer>,
    sync: SharedSync,
    durable: bool,
    _records: PhantomData<fn() -> T>,
}

struct Writer {
    /// Shared with a sync in progress, which may outlive a compaction's swap of the file.
    file: Arc<File>,
    /// Lines in the file.
    lines: u64,
    /// Bytes in the file: where a failed write is cut back to.
    len: u64,
    /// A failed write could not be cut back: appending more would join a torn line.
    broken: bool,
    /// Records live after the last change (the caller's count).
    live: u64,
    /// No rewrite is tried before the file has this many lines (raised after a rewrite
    /// fails, so a full disk is not retried on every change).
    retry_at: u64,
}

/// What opening a journal found: its live records in the order they were last written, and
/// problems worth reporting.
pub struct Opened<T> {
    pub records: Vec<T>,
    pub warnings: Vec<String>,
}

impl<T: Keyed + Serialize + DeserializeOwned + Send> Journal<T> {
    /// Open (creating if needed) the journal at `path`: read it, cut off a torn last line,
    /// and compact it when superseded lines dominate.
    pub fn open(
        path: PathBuf,
        tmp_dir: PathBuf,
        durable: bool,
    ) -> io::Result<(Journal<T>, Opened<T>)> {
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let existed = !bytes.is_empty() || path.exists();
        let read = replay::<T>(&path, &bytes);
        drop(bytes);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        if !existed && durable {
            // The new journal's name must be durable before anything relies on it (the
            // move of an old store's records, which then deletes them).
            File::open(path.parent().unwrap_or(Path::new(".")))?.sync_all()?;
        }
        if read.valid_len < file.metadata()?.len() {
            // A torn last line: cut it off, or the next append would continue it.
            file.set_len(read.valid_len)?;
            if durable {
                file.sync_all()?;
            }
        }
        let journal = Journal {
            path,
            tmp_dir,
            writer: Mutex::new(Writer {
                file: Arc::new(file),
                lines: read.lines,
                len: read.valid_len,
                broken: false,
                live: read.records.len() as u64,
                retry_at: 0,
            }),
            sync: SharedSync::default(),
            durable,
            _records: PhantomData,
        };
        if journal.needs_compaction(read.lines, read.records.len() as u64) {
            journal.rewrite(&mut journal.lock(), &read.records)?;
        }
        Ok((journal, Opened { records: read.records, warnings: read.warnings }))
    }

    /// Record `record` as the current version of its id; `live` is how many records the
    /// journal holds after it. Returns once the change is durable (when the journal is).
    pub fn put(&self, record: &T, live: usize) -> io::Result<()> {
        self.append(&[Entry::Put(record)], live)
    }

    /// [`Journal::put`] of several records, with one write and one sync.
    pub fn put_all(&self, records: &[T], live: usize) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        self.append(&records.iter().map(Entry::Put).collect::<Vec<_>>(), live)
    }

    /// Record that `id` is gone; `live` as for [`Journal::put`].
    pub fn delete(&self, id: &str, live: usize) -> io::Result<()> {
        self.append(&[Entry::<&T>::Delete(id.to_string())], live)
    }

    fn append(&self, entries: &[Entry<&T>], live: usize) -> io::Result<()> {
        let mut lines = Vec::new();
        for entry in entries {
            serde_json::to_writer(&mut lines, entry).map_err(io::Error::other)?;
            lines.push(b'\n');
        }
        {
            let mut w = self.lock();
            if w.broken {
                return Err(io::Error::other(format!(
                    "{} has a torn write that could not be cut off; restart the emulator",
                    self.path.display()
                )));
            }
            if let Err(e) = (&*w.file).write_all(&lines) {
                // Part of the lines may be in the file (a full disk): cut them off, so the
                // next change starts a line of its own.
                w.broken = w.file.set_len(w.len).is_err();
                return Err(e);
            }
            w.len += lines.len() as u64;
            w.lines += entries.len() as u64;
            w.live = live as u64;
            if self.needs_compaction(w.lines, w.live) && w.lines >= w.retry_at {
                // Best effort: the change is written either way, and its sync below is
                // what the caller is told about. A failed rewrite is retried later.
                let rewritten = self.read_live().and_then(|records| self.rewrite(&mut w, &records));
                if rewritten.is_err() {
                    w.retry_at = w.lines.saturating_mul(2);
                }
            }
        }
        if !self.durable {
            return Ok(());
        }
        self.sync.sync(|| {
            let file = self.lock().file.clone();
            file.sync_data()
        })
    }

    /// Whether appending `more` lines would start a rewrite of the file.
    pub fn rewrite_due(&self, more: u64) -> bool {
        let w = self.lock();
        let lines = w.lines + more;
        self.needs_compaction(lines, w.live + more) && lines >= w.retry_at
    }

    fn needs_compaction(&self, lines: u64, live: u64) -> bool {
        lines > 2 * live + COMPACT_SLACK
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live records as the file has them (called with the writer locked, so every
    /// acknowledged or in-flight change is in the file).
    fn read_live(&self) -> io::Result<Vec<T>> {
        let bytes = fs::read(&self.path)?;
        Ok(replay::<T>(&self.path, &bytes).records)
    }

    /// Replace the journal with one `put` line per live record: written to a temporary
    /// file, made durable, renamed over the journal, directory synced. Writers wait on the
    /// lock meanwhile; a change appended before is in `records`, and durable once this
    /// returns, whichever file a sync it waits on then flushes.
    fn rewrite(&self, w: &mut Writer, records: &[T]) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(&self.tmp_dir)?;
        let mut out = io::BufWriter::new(tmp.as_file_mut());
        for record in records {
            serde_json::to_writer(&mut out, &Entry::Put(record)).map_err(io::Error::other)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        drop(out);
        if self.durable {
            tmp.as_file().sync_all()?;
        }
        drop(tmp.persist(&self.path).map_err(|e| e.error)?);
        // From here the journal on disk is the new file: appends must go to it, and if that
        // or making the rename durable fails, no append may be acknowledged any more (to the
        // old, unlinked file they would be lost at the next start).
        let swapped = (|| -> io::Result<()> {
            let file = OpenOptions::new().append(true).open(&self.path)?;
            w.len = file.metadata()?.len();
            w.file = Arc::new(file);
            w.lines = records.len() as u64;
            w.live = records.len() as u64;
            if self.durable {
                File::open(dir)?.sync_all()?;
            }
            Ok(())
        })();
        if swapped.is_err() {
            w.broken = true;
        }
        swapped
    }
}

struct Replay<T> {
    records: Vec<T>,
    warnings: Vec<String>,
    lines: u64,
    /// Length of the intact prefix: everything but a torn last line.
    valid_len: u64,
}

/// Read a journal's bytes: the live records in the order of their last `put`. The lines
/// are parsed on all cores (a store of many records is read at every start).
fn replay<T: Keyed + DeserializeOwned + Send>(path: &Path, bytes: &[u8]) -> Replay<T> {
    // Complete lines only: whatever follows the last newline is a torn write.
    let valid_len = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut lines: Vec<&[u8]> = bytes[..valid_len].split(|&b| b == b'\n').collect();
    // split() yields an empty slice after the final newline.
    lines.pop();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = lines.len().div_ceil(threads).max(1024);
    let parsed: Vec<Result<Entry<T>, serde_json::Error>> = std::thread::scope(|scope| {
        let parts: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter().map(|l| serde_json::from_slice(l)).collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut warnings = Vec::new();
    let (mut valid_len, mut kept_lines) = (valid_len as u64, lines.len() as u64);
    let last = parsed.len().saturating_sub(1);
    let mut latest: HashMap<String, (usize, T)> = HashMap::new();
    for (i, entry) in parsed.into_iter().enumerate() {
        match entry {
            Ok(Entry::Put(record)) => {
                latest.insert(record.key().to_string(), (i, record));
            }
            Ok(Entry::Delete(id)) => {
                latest.remove(&id);
            }
            // A damaged last line is a write the crash interrupted (a block of zeros or of
            // old data where the filesystem had not written the new one): drop it.
            Err(e) if i == last => {
                valid_len -= lines[i].len() as u64 + 1;
                kept_lines -= 1;
                warnings.push(format!(
                    "{} line {}: damaged last record dropped, as an interrupted write ({e})",
                    path.display(),
                    i + 1
                ));
            }
            Err(e) => warnings.push(format!(
                "{} line {}: damaged record skipped ({e})",
                path.display(),
                i + 1
            )),
        }
    }
    let mut live: Vec<(usize, T)> = latest.into_values().collect();
    live.sort_unstable_by_key(|(i, _)| *i);
    Replay {
        records: live.into_iter().map(|(_, r)| r).collect(),
        warnings,
        lines: kept_lines,
        valid_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Rec {
        id: String,
        v: u32,
    }

    impl Keyed for Rec {
        fn key(&self) -> &str {
            &self.id
        }
    }

    fn rec(id: &str, v: u32) -> Rec {
        Rec { id: id.into(), v }
    }

    fn open(path: &Path) -> (Journal<Rec>, Opened<Rec>) {
        Journal::open(path.to_path_buf(), path.parent().unwrap().to_path_buf(), true).unwrap()
    }

    fn open_unsynced(path: &Path) -> (Journal<Rec>, Opened<Rec>) {
        Journal::open(path.to_path_buf(), path.parent().unwrap().to_path_buf(), false).unwrap()
    }

    #[test]
    fn the_last_put_of_an_id_wins_deletes_remove_and_order_is_of_the_last_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        {
            let (j, opened) = open(&path);
            assert!(opened.records.is_empty());
            j.put(&rec("a", 1), 1).unwrap();
            j.put(&rec("b", 1), 2).unwrap();
            j.put(&rec("a", 2), 2).unwrap();
            j.put_all(&[rec("c", 1), rec("d", 1)], 4).unwrap();
            j.delete("b", 3).unwrap();
        }
        let (_, opened) = open(&path);
        assert_eq!(opened.records, [rec("a", 2), rec("c", 1), rec("d", 1)]);
        assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut_off_so_the_next_change_starts_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        {
            let (j, _) = open(&path);
            j.put(&rec("a", 1), 1).unwrap();
        }
        let intact = fs::read(&path).unwrap();
        // An interrupted append, and one whose block the filesystem left zero-filled.
        for torn in [&b"{\"put\":{\"id\":\"b\",\"v"[..], &[0u8; 40][..], b"\0\0\0\n"] {
            let mut bytes = intact.clone();
            bytes.extend_from_slice(torn);
            fs::write(&path, &bytes).unwrap();
            {
                let (j, opened) = open(&path);
                assert_eq!(opened.records, [rec("a", 1)]);
                // A line cut short is silent; a whole line that does not parse is reported.
                if torn.ends_with(b"\n") {
                    assert_eq!(opened.warnings.len(), 1, "{:?}", opened.warnings);
                    assert!(
                        opened.warnings[0].contains("r.log line 2: damaged last record dropped")
                    );
                } else {
                    assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
                }
                assert_eq!(fs::read(&path).unwrap(), intact, "the torn line is cut off");
                j.put(&rec("c", 1), 2).unwrap();
            }
            let (j, opened) = open(&path);
            assert_eq!(opened.records, [rec("a", 1), rec("c", 1)]);
            j.delete("c", 1).unwrap();
        }
    }

    /// A rewrite that cannot be made (no room for its temporary file) does not fail the
    /// changes: they are written and synced as ever, and the rewrite is tried again later.
    #[test]
    fn a_failed_rewrite_fails_no_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        let missing = dir.path().join("no-such-dir");
        {
            let (j, _) = Journal::<Rec>::open(path.clone(), missing.clone(), false).unwrap();
            for i in 0..(COMPACT_SLACK as u32 + 100) {
                j.put(&rec("x", i), 1).unwrap();
            }
        }
        fs::create_dir(&missing).unwrap();
        let (_, opened) = Journal::<Rec>::open(path.clone(), missing, false).unwrap();
        assert_eq!(opened.records, [rec("x", COMPACT_SLACK as u32 + 99)]);
        assert_eq!(fs::read(&path).unwrap().iter().filter(|&&b| b == b'\n').count(), 1);
    }

    #[test]
    fn a_damaged_line_followed_by_intact_ones_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        fs::write(
            &path,
            "{\"put\":{\"id\":\"a\",\"v\":1}}\n{\"put\":{\"id\"\n{\"put\":{\"id\":\"b\",\"v\":1}}\n",
        )
        .unwrap();
        let (_, opened) = open(&path);
        assert_eq!(opened.records, [rec("a", 1), rec("b", 1)]);
        assert_eq!(opened.warnings.len(), 1);
        assert!(
            opened.warnings[0].contains("r.log line 2: damaged record skipped"),
            "{:?}",
            opened.warnings
        );
    }

    #[test]
    fn superseded_lines_are_dropped_by_rewriting_the_journal_while_writing_and_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.log");
        let lines = |p: &Path| fs::read(p).unwrap().iter().filter(|&&b| b == b'\n').count() as u64;
        {
            let (j, _) = open_unsynced(&path);
            // Ten records rewritten over and over: the file never holds much more than
            // twice the live records plus the slack.
            for i in 0..(COMPACT_SLACK as u32 + 500) {
                j.put(&rec(&format!("r{}", i % 10), i), 10).unwrap();
                if i % 250 == 0 {
                    assert!(lines(&path) <= 2 * 10 + COMPACT_SLACK + 1);
                }
            }
            assert!(lines(&path) < 600, "{} lines: never rewritten", lines(&path));
        }
        let (_, opened) = open(&path);
        let expected: Vec<Rec> = (COMPACT_SLACK as u32 + 490..COMPACT_SLACK as u32 + 500)
            .map(|i| rec(&format!("r{}", i % 10), i))
            .collect();
        assert_eq!(opened.records, expected);
        // A journal left long (an old version, a crash before the rewrite) is rewritten at open.
        let mut long = Vec::new();
        for i in 0..(COMPACT_SLACK + 100) {
            long.extend_from_slice(format!("{{\"put\":{{\"id\":\"x\",\"v\":{i}}}}}\n").as_bytes());
        }
        fs::write(&path, long).unwrap();
        let (_, opened) = open(&path);
        assert_eq!(opened.records, [rec("x", COMPACT_SLACK as u32 + 99)]);
        assert_eq!(lines(&path), 1);
    }
}
