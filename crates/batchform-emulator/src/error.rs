//! Two kinds of failure: [`EmulatorError`] for the machine (binding, the data directory), and
//! [`ApiError`], an answer in the OpenAI error envelope that a client receives.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

/// Why the emulator could not start or stopped badly.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("emulator data directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the emulator's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the emulator thread stopped before it was ready")]
    ThreadGone,
    #[error("invalid fault rule {rule:?}: {reason}")]
    FaultRule { rule: String, reason: String },
    /// A mistake in a seed file: `object` is e.g. `batches[2] (id "batch_abc123")`, `None`
    /// when the whole file is wrong; `reason` is in the words the API uses for the same
    /// mistake where there is one.
    #[error("seed file {path}: {}{reason}", at(.object))]
    Seed { path: PathBuf, object: Option<String>, reason: String },
    /// A seed file, or a file it names, could not be read or stored.
    #[error("seed file {path}: {}{what}: {source}", at(.object))]
    SeedIo {
        path: PathBuf,
        object: Option<String>,
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn at(object: &Option<String>) -> String {
    object.as_ref().map(|o| format!("{o}: ")).unwrap_or_default()
}

impl EmulatorError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmulatorError::Io { path: path.into(), source }
    }
}

/// An error answer: `{"error":{"message","type","param","code"}}` with an HTTP status.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub kind: &'static str,
    pub param: Option<String>,
    pub code: Option<&'static str>,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            kind: "invalid_request_error",
            param: None,
            code: None,
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// `Missing required parameter: 'name'.`
    pub fn missing(name: &str) -> Self {
        ApiError::bad_request(format!("Missing required parameter: '{name}'."))
            .param(name)
            .code("missing_required_parameter")
    }

    /// `Invalid type for 'name': expected X, but got Y instead.`
    pub fn invalid_type(name: &str, expected: &str, got: &serde_json::Value) -> Self {
        ApiError::bad_request(format!(
            "Invalid type for '{name}': expected {expected}, but got {} instead.",
            json_kind(got)
        ))
        .param(name)
        .code("invalid_type")
    }

    /// `Invalid value: 'v'. Supported values are: 'a', 'b', and 'c'.`
    pub fn invalid_value(name: &str, value: &str, supported: &[&str]) -> Self {
        ApiError::bad_request(format!(
            "Invalid value: '{value}'. Supported values are: {}.",
            english_list(supported)
        ))
        .param(name)
        .code("invalid_value")
    }

    /// The body a fault or a client would see for an unknown path or method.
    pub fn invalid_url(method: &str, path: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("Invalid URL ({method} {path})"))
    }

    pub fn file_not_found(id: &str, param: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("No such File object: {id}")).param(param)
    }

    pub fn batch_not_found(id: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("No batch found with id '{id}'."))
            .code("batch_not_found")
    }

    /// The envelope as a JSON value (inside error-file lines).
    pub fn envelope(&self) -> serde_json::Value {
        serde_json::to_value(self.wire()).unwrap_or(serde_json::Value::Null)
    }

    /// The envelope with fields in the real order.
    pub fn wire(&self) -> Envelope<'_> {
        Envelope {
            error: EnvelopeInner {
                message: &self.message,
                kind: self.kind,
                param: self.param.as_deref(),
                code: self.code,
            },
        }
    }
}

#[derive(serde::Serialize)]
pub struct Envelope<'a> {
    error: EnvelopeInner<'a>,
}

#[derive(serde::Serialize)]
struct EnvelopeInner<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec_pretty(&self.wire()).unwrap_or_default();
        let mut resp = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// How the real API names JSON types in messages.
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        serde_json::Value::Number(_) => "a decimal",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`.
pub fn english_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        2 => format!("{} and {}", quoted[0], quoted[1]),
        n => format!("{}, and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_real_api() {
        assert_eq!(
            ApiError::invalid_value("completion_window", "48h", &["24h"]).message,
            "Invalid value: '48h'. Supported values are: '24h'."
        );
        assert_eq!(english_list(&["a", "b", "c"]), "'a', 'b', and 'c'");
        let e = ApiError::missing("input_file_id").envelope();
        assert_eq!(
            e,
            serde_json::json!({"error": {
                "message": "Missing required parameter: 'input_file_id'.",
                "type": "invalid_request_error",
                "param": "input_file_id",
                "code": "missing_required_parameter"}})
        );
    }
}
