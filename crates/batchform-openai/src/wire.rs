//! The API's JSON shapes, decoded tolerantly: apart from `id`, every field may be missing or
//! an explicit `null` (the real API sends nulls, other servers omit fields), and fields this
//! provider does not know are ignored (the API adds fields over time, e.g. `usage`'s
//! `prompt_tokens`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Batch object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Batch {
    pub id: String,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub errors: Option<BatchErrors>,
    #[serde(default)]
    pub input_file_id: Option<String>,
    #[serde(default)]
    pub completion_window: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub output_file_id: Option<String>,
    #[serde(default)]
    pub error_file_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub in_progress_at: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub finalizing_at: Option<i64>,
    #[serde(default)]
    pub completed_at: Option<i64>,
    #[serde(default)]
    pub failed_at: Option<i64>,
    #[serde(default)]
    pub expired_at: Option<i64>,
    #[serde(default)]
    pub cancelling_at: Option<i64>,
    #[serde(default)]
    pub cancelled_at: Option<i64>,
    #[serde(default)]
    pub request_counts: Option<RequestCounts>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl Batch {
    /// The timestamp fields by attribute name (without `created_at`).
    pub fn timestamps(&self) -> [(&'static str, Option<i64>); 8] {
        [
            ("in_progress_at", self.in_progress_at),
            ("expires_at", self.expires_at),
            ("finalizing_at", self.finalizing_at),
            ("completed_at", self.completed_at),
            ("failed_at", self.failed_at),
            ("expired_at", self.expired_at),
            ("cancelling_at", self.cancelling_at),
            ("cancelled_at", self.cancelled_at),
        ]
    }

    /// Whether the batch has stopped for good.
    pub fn is_terminal(&self) -> bool {
        self.status.as_deref().is_some_and(is_terminal_status)
    }
}

/// `completed`, `failed`, `expired` and `cancelled` never change again.
pub fn is_terminal_status(status: &str) -> bool {
    matches!(status, "completed" | "failed" | "expired" | "cancelled")
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BatchErrors {
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub data: Option<Vec<BatchError>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BatchError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default)]
    pub line: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct RequestCounts {
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub completed: i64,
    #[serde(default)]
    pub failed: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub input_tokens: Option<i64>,
    #[serde(default)]
    pub input_tokens_details: Option<InputTokensDetails>,
    #[serde(default)]
    pub output_tokens: Option<i64>,
    #[serde(default)]
    pub output_tokens_details: Option<OutputTokensDetails>,
    #[serde(default)]
    pub total_tokens: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct InputTokensDetails {
    #[serde(default)]
    pub cached_tokens: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct OutputTokensDetails {
    #[serde(default)]
    pub reasoning_tokens: Option<i64>,
}

/// A File object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FileObject {
    pub id: String,
    #[serde(default)]
    pub bytes: Option<i64>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_details: Option<String>,
}

/// A page of a list: `{object: "list", data, first_id, last_id, has_more}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: Option<bool>,
    #[serde(default)]
    pub last_id: Option<String>,
}

impl<T: HasId> ListPage<T> {
    /// The cursor for the next page, when there is one.
    pub fn next_cursor(&self) -> Option<String> {
        if self.has_more != Some(true) {
            return None;
        }
        self.data.last().map(|item| item.id().to_string()).or_else(|| self.last_id.clone())
    }
}

pub trait HasId {
    fn id(&self) -> &str;
}

impl HasId for Batch {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for FileObject {
    fn id(&self) -> &str {
        &self.id
    }
}

/// The error envelope: `{"error": {"message", "type", "param", "code"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    /// A string in the API; some proxies send a number.
    #[serde(default)]
    pub code: Option<serde_json::Value>,
}

/// The body of `POST /v1/batches`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateBatch {
    pub input_file_id: String,
    pub endpoint: String,
    pub completion_window: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_expires_after: Option<ExpiresAfter>,
}

/// `{anchor, seconds}` of `output_expires_after` and `expires_after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiresAfter {
    pub anchor: String,
    pub seconds: i64,
}
