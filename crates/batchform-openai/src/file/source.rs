//! Where an `openai_file`'s content comes from: a local path (resolved against the working
//! directory, read by streaming, never whole into memory) or the inline `content`; and the
//! one pass over it that gives its SHA-256, size and, for batch input files, its problems.

use crate::jsonl::{self, Scan};
use crate::values::Arg;
use batchform_core::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest file the Files API accepts.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Clone)]
pub enum Source {
    Path {
        /// As written in the configuration (for messages).
        configured: String,
        resolved: PathBuf,
    },
    Inline(Arc<str>),
}

impl Source {
    /// From the configuration: `Ok(None)` while `file`/`content` are unknown.
    pub fn from_config(config: &Value, working_dir: &Path) -> Result<Option<Source>, ()> {
        match (Arg::of(config, "file"), Arg::of(config, "content")) {
            (Arg::Unknown, _) | (_, Arg::Unknown) => Ok(None),
            (Arg::Known(path), Arg::Null) => {
                let configured = path.as_str().ok_or(())?.to_string();
                let resolved = working_dir.join(&configured);
                Ok(Some(Source::Path { configured, resolved }))
            }
            (Arg::Null, Arg::Known(text)) => {
                Ok(Some(Source::Inline(Arc::from(text.as_str().ok_or(())?))))
            }
            _ => Err(()),
        }
    }

    /// How messages name the content: the configured path, or "content".
    pub fn display(&self) -> &str {
        match self {
            Source::Path { configured, .. } => configured,
            Source::Inline(_) => "content",
        }
    }

    /// The attribute the content comes from.
    pub fn attribute(&self) -> &'static str {
        match self {
            Source::Path { .. } => "file",
            Source::Inline(_) => "content",
        }
    }

    /// The name uploaded when `filename` is not set: the path's base name, or
    /// `content.jsonl` (batch input files must end in `.jsonl`) / `content.txt`.
    pub fn default_filename(&self, purpose: &str) -> String {
        match self {
            Source::Path { resolved, configured } => resolved
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| configured.clone()),
            Source::Inline(_) if purpose == "batch" => "content.jsonl".to_string(),
            Source::Inline(_) => "content.txt".to_string(),
        }
    }

    /// Hash (and for batch files check) the content. Blocking I/O runs off the runtime.
    pub async fn scan(&self, check_batch: bool) -> Result<Scan, ScanError> {
        match self {
            Source::Inline(text) => {
                let text = text.clone();
                tokio::task::spawn_blocking(move || jsonl::scan(text.as_bytes(), check_batch))
                    .await
                    .map_err(|e| ScanError::Io(std::io::Error::other(e)))?
                    .map_err(ScanError::Io)
            }
            Source::Path { resolved, .. } => {
                let path = resolved.clone();
                tokio::task::spawn_blocking(move || -> Result<Scan, ScanError> {
                    let file = std::fs::File::open(&path).map_err(ScanError::Io)?;
                    let meta = file.metadata().map_err(ScanError::Io)?;
                    if !meta.is_file() {
                        return Err(ScanError::NotAFile);
                    }
                    if meta.len() > MAX_FILE_BYTES {
                        return Err(ScanError::TooLarge(meta.len(), MAX_FILE_BYTES));
                    }
                    if check_batch && meta.len() > jsonl::MAX_BATCH_FILE_BYTES {
                        return Err(ScanError::TooLarge(meta.len(), jsonl::MAX_BATCH_FILE_BYTES));
                    }
                    jsonl::scan(file, check_batch).map_err(ScanError::Io)
                })
                .await
                .map_err(|e| ScanError::Io(std::io::Error::other(e)))?
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}")]
    Io(std::io::Error),
    #[error("it is not a regular file")]
    NotAFile,
    #[error("it is {0} bytes, more than the {1} bytes allowed")]
    TooLarge(u64, u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names() {
        let p = Source::Path {
            configured: "data/in.jsonl".into(),
            resolved: "/w/data/in.jsonl".into(),
        };
        assert_eq!(p.default_filename("batch"), "in.jsonl");
        let c = Source::Inline(Arc::from("x"));
        assert_eq!(c.default_filename("batch"), "content.jsonl");
        assert_eq!(c.default_filename("user_data"), "content.txt");
    }

    #[test]
    fn both_or_neither_is_not_a_source() {
        let both = Value::object([("file", Value::string("a")), ("content", Value::string("b"))]);
        assert!(Source::from_config(&both, Path::new("/")).is_err());
        let unknown = Value::object([("file", Value::unknown(batchform_core::Type::String))]);
        assert!(Source::from_config(&unknown, Path::new("/")).unwrap().is_none());
    }
}
