//! Locking a local state: an OS lock (`flock` through `fs4`) on `.terraform.tfstate.lock.info`,
//! held for the whole operation, with Terraform's lock metadata (plus our PID) as the file's
//! content.
//!
//! The kernel drops the OS lock when the holder exits, however it dies, so a crashed run never
//! leaves a lock that blocks: the next run locks the same file and overwrites the stale info.
//! The holder deletes the info file when it unlocks; a waiter that locked the deleted inode
//! notices (the path no longer names the inode it locked) and tries again.

use fs4::{FileExt, TryLockError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Terraform's lock metadata (`statemgr.LockInfo`), with the holder's process id added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    /// `OperationTypeApply`, `OperationTypePlan`, `OperationTypeRefresh`, or a command name.
    #[serde(rename = "Operation")]
    pub operation: String,
    #[serde(rename = "Info")]
    pub info: String,
    /// `user@host`.
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Version")]
    pub version: String,
    /// RFC 3339 UTC with nanoseconds, as Go marshals a `time.Time`.
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
    /// The process holding the lock.
    #[serde(rename = "PID", default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// What the caller says about the operation that takes the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    pub operation: String,
    pub info: String,
}

impl LockRequest {
    pub fn new(operation: impl Into<String>) -> Self {
        LockRequest { operation: operation.into(), info: String::new() }
    }
}

impl LockInfo {
    /// Fresh metadata for a lock taken now by this process.
    pub fn new(request: &LockRequest, path: &str) -> Self {
        let user = whoami::username().unwrap_or_default();
        let host = whoami::hostname().unwrap_or_default();
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: request.operation.clone(),
            info: request.info.clone(),
            who: format!("{user}@{host}"),
            version: crate::WRITER_VERSION.to_string(),
            created: rfc3339_nano(SystemTime::now()),
            path: path.to_string(),
            pid: Some(std::process::id()),
        }
    }
}

/// Terraform's `Lock Info:` block, as printed under "Error acquiring the state lock".
impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Lock Info:")?;
        writeln!(f, "  ID:        {}", self.id)?;
        writeln!(f, "  Path:      {}", self.path)?;
        writeln!(f, "  Operation: {}", self.operation)?;
        writeln!(f, "  Who:       {}", self.who)?;
        writeln!(f, "  Version:   {}", self.version)?;
        writeln!(f, "  Created:   {}", go_time_string(&self.created))?;
        if let Some(pid) = self.pid {
            writeln!(f, "  PID:       {pid}")?;
        }
        writeln!(f, "  Info:      {}", self.info)
    }
}

/// An OS lock held on a lock-info file. Dropping it releases the lock without removing the
/// file; [`OsLock::release`] removes the file first.
#[derive(Debug)]
pub(crate) struct OsLock {
    file: File,
    path: PathBuf,
}

/// The outcome of one attempt to lock.
pub(crate) enum Attempt {
    Acquired(OsLock),
    /// Another process holds the lock; its metadata if it could be read.
    Held(Option<LockInfo>),
}

/// Try once to take the OS lock on `path` (creating the file, mode 0600).
pub(crate) fn try_lock(path: &Path) -> io::Result<Attempt> {
    loop {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(Attempt::Held(read_info(path))),
            Err(TryLockError::Error(e)) => return Err(e),
        }
        if same_file(&file, path)? {
            return Ok(Attempt::Acquired(OsLock { file, path: path.to_path_buf() }));
        }
        // We locked an inode the previous holder had already unlinked: try the new one.
    }
}

impl OsLock {
    /// Replace the file's content with this lock's metadata.
    pub(crate) fn write_info(&mut self, info: &LockInfo) -> io::Result<()> {
        let json = crate::gojson::to_vec_compact(info).map_err(io::Error::other)?;
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(&json)
    }

    /// The metadata currently in the file (a stale holder's, right after locking).
    pub(crate) fn read_info(&mut self) -> Option<LockInfo> {
        let mut text = String::new();
        self.file.rewind().ok()?;
        self.file.read_to_string(&mut text).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Remove the info file, then release the OS lock. The removal is not fsynced: an info
    /// file that a power loss brings back is a stale one, which the next run locks and
    /// overwrites like any other (the OS lock, not the file, is what excludes).
    pub(crate) fn release(self) -> io::Result<()> {
        let removed = match fs::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
        drop(self.file);
        removed
    }
}

/// Read a lock-info file without locking it.
pub(crate) fn read_info(path: &Path) -> Option<LockInfo> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata()?;
    match fs::metadata(path) {
        Ok(now) => Ok(held.dev() == now.dev() && held.ino() == now.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> io::Result<bool> {
    Ok(path.exists())
}

/// `2026-01-02T15:04:05.123456789Z`, trailing zeros of the fraction dropped, as Go's
/// `time.RFC3339Nano`.
pub fn rfc3339_nano(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Go's `time.Time.String()` for a UTC RFC 3339 time: `2026-01-02 15:04:05.123 +0000 UTC`.
fn go_time_string(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z') {
        Some(body) if body.len() >= 19 && body.as_bytes().get(10) == Some(&b'T') => {
            format!("{} {} +0000 UTC", &body[..10], &body[11..])
        }
        _ => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_info_prints_like_terraform() {
        let info = LockInfo {
            id: "1f2e3d4c-0000-1111-2222-333344445555".into(),
            operation: "OperationTypeApply".into(),
            info: String::new(),
            who: "alice@box".into(),
            version: "1.11.4".into(),
            created: "2026-11-22T12:00:00.123456789Z".into(),
            path: "terraform.tfstate".into(),
            pid: None,
        };
        // Captured from Terraform 1.11.4's "Error acquiring the state lock".
        let expected = "Lock Info:\n  ID:        1f2e3d4c-0000-1111-2222-333344445555\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply\n  Who:       alice@box\n  Version:   1.11.4\n  Created:   2026-11-22 12:00:00.123456789 +0000 UTC\n  Info:      \n";
        assert_eq!(info.to_string(), expected);
        let json = String::from_utf8(crate::gojson::to_vec_compact(&info).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"ID":"1f2e3d4c-0000-1111-2222-333344445555","Operation":"OperationTypeApply","Info":"","Who":"alice@box","Version":"1.11.4","Created":"2026-11-22T12:00:00.123456789Z","Path":"terraform.tfstate"}"#
        );
    }

    #[test]
    fn rfc3339_trims_fraction() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
        assert_eq!(rfc3339_nano(t), "1970-01-01T00:00:01.5Z");
        assert_eq!(rfc3339_nano(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
