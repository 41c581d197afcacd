//! Failures of API calls. Every error names the operation, the resource address when there
//! is one, the request (method and URL), the HTTP status, the API's message and the
//! `x-request-id`; [`ApiError::hint`] adds the troubleshooting advice of the provider's
//! documentation for HTML answers, 401, 404 and doubled `/v1` paths. None of them can
//! contain the API key: it is only ever put into the `Authorization` header.

use std::fmt;

/// What was being done, for messages: `create batch for openai_batch.x (POST https://...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// A short verb phrase: "create batch", "read file".
    pub what: &'static str,
    /// The resource or data source address, when the call is for one.
    pub address: Option<String>,
    pub method: &'static str,
    pub url: String,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.what)?;
        if let Some(address) = &self.address {
            write!(f, " for {address}")?;
        }
        write!(f, " ({} {})", self.method, self.url)
    }
}

/// The API's error envelope, when the body had one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiMessage {
    pub message: String,
    pub kind: Option<String>,
    pub code: Option<String>,
    pub param: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with an error status.
    #[error("{op}: HTTP {status}{}: {}{}", reason(*status), api.message, request_id_suffix(request_id))]
    Status { op: Operation, status: u16, api: ApiMessage, request_id: Option<String> },

    /// An HTML page came back (a proxy, a login page, a wrong URL) instead of JSON.
    #[error("{op}: HTTP {status}{}: the server answered with an HTML page instead of JSON{}{}", reason(*status), title.as_deref().map(|t| format!(" (\"{t}\")")).unwrap_or_default(), request_id_suffix(request_id))]
    Html { op: Operation, status: u16, title: Option<String>, request_id: Option<String> },

    /// A body that is not the JSON expected.
    #[error("{op}: HTTP {status}{}: the response is not the expected JSON: {detail}{}", reason(*status), request_id_suffix(request_id))]
    Decode { op: Operation, status: u16, detail: String, request_id: Option<String> },

    /// No answer: connection refused or dropped, timeout.
    #[error("{op}: {}", transport_text(source))]
    Transport {
        op: Operation,
        #[source]
        source: super::TransportError,
    },

    /// A create failed in a way that may or may not have created the object, and listing
    /// afterwards could not settle which.
    #[error("{op}: {detail}")]
    Unconfirmed { op: Operation, detail: String },

    /// Reading the local file to upload.
    #[error("{op}: reading {path}: {source}")]
    Local {
        op: Operation,
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// Ctrl-C: a retry was due but no new wait is started.
    #[error("{op}: interrupted before the next retry (last failure: {last})")]
    Stopped { op: Operation, last: String },
}

impl ApiError {
    pub fn op(&self) -> &Operation {
        match self {
            ApiError::Status { op, .. }
            | ApiError::Html { op, .. }
            | ApiError::Decode { op, .. }
            | ApiError::Transport { op, .. }
            | ApiError::Unconfirmed { op, .. }
            | ApiError::Local { op, .. }
            | ApiError::Stopped { op, .. } => op,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. }
            | ApiError::Html { status, .. }
            | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Status { request_id, .. }
            | ApiError::Html { request_id, .. }
            | ApiError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The API's error message, when it sent one.
    pub fn api_message(&self) -> Option<&ApiMessage> {
        match self {
            ApiError::Status { api, .. } => Some(api),
            _ => None,
        }
    }

    /// A JSON 404: the object does not exist (or this key cannot see it).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::Status { status: 404, .. })
    }

    /// Troubleshooting advice for the failures users can fix themselves.
    pub fn hint(&self) -> Option<String> {
        let url = &self.op().url;
        if url.contains("/v1/v1/") {
            return Some(format!(
                "The request URL {url} has a duplicate /v1/ prefix. Set base_url to the API root ending in a single /v1 (for example https://api.openai.com/v1)."
            ));
        }
        match self {
            ApiError::Html { .. } => Some(format!(
                "An HTML page instead of JSON typically indicates: (1) an authentication issue with your API key, (2) an incorrectly formatted URL (this request went to {url}; check base_url), or (3) a network issue or proxy interference."
            )),
            ApiError::Status { status: 401, .. } => Some(
                "The API key was rejected. Check api_key in the provider block or the OPENAI_API_KEY environment variable: it must be a current key of this organization and project (keys starting with sk-proj- belong to one project).".to_string(),
            ),
            ApiError::Status { status: 403, .. } => Some(
                "The API key is valid but may not do this. Check the key's permissions, and organization / project (OPENAI_ORG_ID, OPENAI_PROJECT_ID, or project_id on the data source).".to_string(),
            ),
            ApiError::Status { status: 404, api, .. } => {
                let invalid_url = api.message.starts_with("Invalid URL");
                Some(if invalid_url {
                    format!(
                        "The server does not know this path. Check base_url: the request went to {url} (the URL must be correctly formatted, with no duplicate /v1/ prefix)."
                    )
                } else {
                    format!(
                        "Check that (1) the ID is correct and the object exists, (2) your API key has permission to access it (the right organization and project), and (3) the API URL is correctly formatted, with no duplicate /v1/ prefix (this request went to {url})."
                    )
                })
            }
            ApiError::Status { status: 429, .. } => Some(
                "The API is rate limiting these requests and retries ran out. Wait and run again, lower -parallelism, or raise max_retries in the provider block.".to_string(),
            ),
            ApiError::Transport { source, .. } if source.is_timeout() => Some(
                "The request timed out. Raise request_timeout in the provider block if the API or network is slow.".to_string(),
            ),
            ApiError::Transport { source, .. } if source.is_connect() => Some(format!(
                "Could not connect to {url}. Check base_url and your network (proxies, firewalls), or set emulator = true to work offline with the embedded emulator."
            )),
            _ => None,
        }
    }
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

fn request_id_suffix(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" (request id {id})"),
        None => " (no x-request-id)".to_string(),
    }
}

/// reqwest's message plus its causes ("connection refused", "operation timed out"), or the
/// embedded emulator's.
fn transport_text(err: &super::TransportError) -> String {
    let mut text = if err.is_timeout() {
        "the request timed out".to_string()
    } else if err.is_connect() {
        "could not connect".to_string()
    } else {
        "the connection failed before an answer arrived".to_string()
    };
    // reqwest's own message only repeats the kind; the embedded emulator's says what happened.
    let mut source: Option<&(dyn std::error::Error + 'static)> = match err {
        super::TransportError::Http(_) => std::error::Error::source(err),
        _ => Some(err),
    };
    let mut seen = Vec::new();
    while let Some(cause) = source {
        let s = cause.to_string();
        if !seen.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
            seen.push(s);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(url: &str) -> Operation {
        Operation {
            what: "read batch",
            address: Some("openai_batch.x".into()),
            method: "GET",
            url: url.into(),
        }
    }

    #[test]
    fn status_errors_name_everything() {
        let e = ApiError::Status {
            op: op("https://api.openai.com/v1/batches/batch_1"),
            status: 404,
            api: ApiMessage {
                message: "No batch found with id 'batch_1'.".into(),
                ..Default::default()
            },
            request_id: Some("req_abc".into()),
        };
        assert_eq!(
            e.to_string(),
            "read batch for openai_batch.x (GET https://api.openai.com/v1/batches/batch_1): HTTP 404 Not Found: No batch found with id 'batch_1'. (request id req_abc)"
        );
        assert!(e.hint().unwrap().contains("ID is correct"));
        assert!(e.is_not_found());
    }

    #[test]
    fn doubled_v1_and_html_get_their_hints() {
        let e = ApiError::Status {
            op: op("https://api.openai.com/v1/v1/batches/b"),
            status: 404,
            api: ApiMessage {
                message: "Invalid URL (GET /v1/v1/batches/b)".into(),
                ..Default::default()
            },
            request_id: None,
        };
        assert!(e.hint().unwrap().contains("duplicate /v1/"));
        let e = ApiError::Html {
            op: op("https://proxy/v1/batches/b"),
            status: 502,
            title: Some("502 Bad Gateway".into()),
            request_id: None,
        };
        assert!(e.to_string().contains("HTML page instead of JSON"));
        assert!(e.hint().unwrap().contains("proxy interference"));
    }
}
