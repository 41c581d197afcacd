//! The stored records and the wire objects rendered from them. Field order and explicit nulls
//! follow real responses.

use crate::config::Timing;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use std::collections::BTreeMap;

/// Purposes accepted on upload.
pub const UPLOAD_PURPOSES: &[&str] =
    &["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

/// Endpoints a batch may target.
pub const ENDPOINTS: &[&str] = &[
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
];

/// A stored file's metadata (its bytes live in the blob store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    pub id: String,
    /// Creation order, for listing.
    pub seq: u64,
    /// The `OpenAI-Project` the file belongs to ("" = the key's default project).
    pub project: String,
    pub bytes: u64,
    pub created_at: i64,
    pub filename: String,
    pub purpose: String,
    pub expires_at: Option<i64>,
}

/// The File object as the API returns it (fields in the real order).
#[derive(Debug, Serialize)]
pub struct FileWire<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub bytes: u64,
    pub created_at: i64,
    pub filename: &'a str,
    pub purpose: &'a str,
    pub status: &'static str,
    pub expires_at: Option<i64>,
    pub status_details: Option<&'a str>,
}

impl FileRecord {
    pub fn wire(&self) -> FileWire<'_> {
        FileWire {
            id: &self.id,
            object: "file",
            bytes: self.bytes,
            created_at: self.created_at,
            filename: &self.filename,
            purpose: &self.purpose,
            status: "processed",
            expires_at: self.expires_at,
            status_details: None,
        }
    }

    /// Whether the file has expired (and so no longer exists) at `now` (Unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// One `errors.data[]` entry of a failed batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchError {
    pub code: String,
    pub message: String,
    pub param: Option<String>,
    pub line: Option<u64>,
}

/// What validating the input file found, decided when the batch is created and revealed when
/// the clock passes the end of `validating`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Validation {
    Failed {
        errors: Vec<BatchError>,
    },
    Valid {
        /// Number of requests.
        total: u64,
        model: Option<String>,
        /// Sorted 0-based indexes of the requests the endpoint will reject.
        failing: Vec<u32>,
    },
}

/// Token usage of a batch, in the shape of the `usage` field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    pub fn to_json(self) -> Value {
        json!({
            "input_tokens": self.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": self.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": self.input_tokens + self.output_tokens,
        })
    }
}

/// The files a finished batch produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub output_file_id: Option<String>,
    pub error_file_id: Option<String>,
    pub usage: Usage,
}

/// A stored batch: what was asked, what validation found, whether a cancel arrived, and
/// (once terminal) the files produced. Everything else is computed from the clock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchRecord {
    pub id: String,
    pub seq: u64,
    pub project: String,
    pub endpoint: String,
    pub input_file_id: String,
    pub completion_window: String,
    pub metadata: Option<BTreeMap<String, String>>,
    /// `output_expires_after.seconds` (write-only in the API).
    pub output_expires_after: Option<i64>,
    pub created_at_ms: i64,
    pub timing: Timing,
    pub validation: Validation,
    pub cancel_requested_ms: Option<i64>,
    pub outcome: Option<Outcome>,
}
