//! The append-only journal next to the state file (`terraform.tfstate.journal`).
//!
//! Line 1 is a header naming the snapshot the journal applies to (its lineage and serial, or
//! none when no snapshot existed yet). Every further line is one [`StateChange`]. A change is
//! acknowledged only after its line, newline included, has been written with one `write` and
//! made durable with `fdatasync`, so after a crash the only possible damage is a torn last
//! line, which is dropped on replay (that change was never acknowledged).

use crate::StateChange;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Which snapshot a journal continues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// Format marker and version of the journal itself.
    pub batchform_journal: u32,
    pub lineage: String,
    /// Serial of the snapshot on disk when the journal was started; `None` when there was no
    /// snapshot yet.
    pub base_serial: Option<u64>,
}

/// A journal read back from disk.
#[derive(Debug)]
pub(crate) struct Replay {
    pub header: Header,
    pub changes: Vec<StateChange>,
    /// Length of the intact prefix (a torn last line is excluded).
    pub valid_len: u64,
}

/// Why a journal could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("reading {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: line {line} is damaged ({message}); it is followed by more records, so this is not an interrupted write", path.display())]
    Corrupt { path: PathBuf, line: usize, message: String },
}

/// Read the journal at `path`, if there is one.
pub(crate) fn read(path: &Path) -> Result<Option<Replay>, JournalError> {
    let io_err = |source| JournalError::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => f.read_to_end(&mut bytes).map_err(io_err)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(e)),
    };
    let corrupt = |line: usize, message: String| JournalError::Corrupt {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut header: Option<Header> = None;
    let mut changes = Vec::new();
    let mut valid_len = 0u64;
    let mut offset = 0usize;
    let mut line_no = 0usize;
    while offset < bytes.len() {
        line_no += 1;
        let Some(nl) = bytes[offset..].iter().position(|&b| b == b'\n') else {
            // No newline: a write torn by a crash. Never acknowledged; drop it.
            break;
        };
        let line = &bytes[offset..offset + nl];
        let is_last = offset + nl + 1 == bytes.len();
        let parsed = if header.is_none() {
            serde_json::from_slice::<Header>(line)
                .map(|h| header = Some(h))
                .map_err(|e| e.to_string())
        } else {
            StateChange::decode(line).map(|c| changes.push(c))
        };
        if let Err(message) = parsed {
            if is_last {
                // A complete-looking but damaged last line can only be an interrupted write.
                break;
            }
            return Err(corrupt(line_no, message));
        }
        offset += nl + 1;
        valid_len = offset as u64;
    }
    Ok(header.map(|header| Replay { header, changes, valid_len }))
}

/// An open journal that changes are appended to.
#[derive(Debug)]
pub(crate) struct Writer {
    file: File,
    buf: Vec<u8>,
    /// Length of the journal's intact, durable prefix.
    len: u64,
}

impl Writer {
    /// Start a new journal (replacing any stale one) with this header, durably.
    pub(crate) fn create(path: &Path, header: &Header) -> io::Result<Writer> {
        let mut file = open_options().truncate(true).open(path)?;
        let mut line = serde_json::to_vec(header).map_err(io::Error::other)?;
        line.push(b'\n');
        file.write_all(&line)?;
        file.sync_all()?;
        crate::atomic::sync_parent_dir(path)?;
        Ok(Writer { file, buf: Vec::with_capacity(4096), len: line.len() as u64 })
    }

    /// Continue an existing journal after its intact prefix (dropping a torn tail).
    pub(crate) fn resume(path: &Path, valid_len: u64) -> io::Result<Writer> {
        let file = open_options().open(path)?;
        if file.metadata()?.len() != valid_len {
            file.set_len(valid_len)?;
            file.sync_all()?;
        }
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Writer { file, buf: Vec::with_capacity(4096), len: valid_len })
    }

    /// Append changes with one write and make them durable before returning. After an error
    /// the journal may end in a partial line: continue only through [`Writer::resume`] with
    /// [`Writer::len`], which cuts it off.
    pub(crate) fn append(&mut self, changes: &[StateChange]) -> io::Result<u64> {
        self.buf.clear();
        for change in changes {
            self.buf.extend_from_slice(&change.encode());
            self.buf.push(b'\n');
        }
        self.file.write_all(&self.buf)?;
        self.file.sync_data()?;
        self.len += self.buf.len() as u64;
        Ok(self.buf.len() as u64)
    }

    /// Length of the intact prefix: everything acknowledged so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

fn open_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true).write(true).append(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}
