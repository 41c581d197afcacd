//! The HTTP client: one reqwest client per provider configuration (connections are reused),
//! the OpenAI headers, retries of idempotent calls, and turning answers into typed values or
//! [`ApiError`]s. Creates have their own path ([`create`]): they are never retried blindly.
//!
//! Every request and answer is logged as a `tracing` event at debug level (target
//! `batchform_openai::http`) with the method, URL, attempt, status, request id and time; the
//! API key is never part of an event.

mod batches;
mod create;
pub mod error;
mod files;
pub mod retry;
mod transport;

pub use create::{CREATE_TOKEN_KEY, Claims};
pub use error::{ApiError, ApiMessage, Operation};
pub use files::{Upload, UploadSource};
pub use transport::TransportError;

use crate::settings::{ApiKey, Settings};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The User-Agent of every request.
pub const USER_AGENT: &str = concat!("batchform/", env!("CARGO_PKG_VERSION"), " (openai provider)");

/// Per-call context: the resource address for messages, and a project that overrides the
/// provider's (`project_id` of the data sources).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ctx<'a> {
    pub address: Option<&'a str>,
    pub project: Option<&'a str>,
}

/// A successful answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Vec<u8>,
}

/// The API client of one provider configuration. Cheap to share (`&Client` from many tasks).
pub struct Client {
    http: reqwest::Client,
    transport: transport::Transport,
    timeout: Duration,
    base_url: String,
    key: ApiKey,
    organization: Option<String>,
    project: Option<String>,
    max_retries: u32,
    stop: CancellationToken,
    pub(crate) claims: Claims,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("key", &self.key)
            .field("organization", &self.organization)
            .field("project", &self.project)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// A failed attempt and what it says about retrying.
pub(crate) struct Failure {
    pub error: ApiError,
    pub retryable: bool,
    pub server_delay: Option<Duration>,
    /// The server may have acted on the request (an answer of 5xx or 408, or the connection
    /// broke after the request was sent). Matters for creates only.
    pub maybe_processed: bool,
}

impl Client {
    /// A client for `settings`, talking to `base_url`, or to `embedded` in this process
    /// (whose `base_url` then only names the requests in messages and logs).
    pub fn new(
        settings: &Settings,
        base_url: &str,
        embedded: Option<std::sync::Arc<crate::embedded::Embedded>>,
        stop: CancellationToken,
    ) -> Result<Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(30)))
            .pool_idle_timeout(Duration::from_secs(60));
        if base_url.starts_with("http://") {
            // Plain HTTP (the embedded emulator): no TLS, so the system's root certificates
            // (145 on this machine) are not loaded; an https redirect would fail verification.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder.build()?;
        Ok(Client {
            http,
            transport: embedded.map_or(transport::Transport::Http, transport::Transport::Embedded),
            timeout: settings.request_timeout,
            base_url: base_url.trim_end_matches('/').to_string(),
            key: settings.api_key.clone(),
            organization: settings.organization.clone(),
            project: settings.project.clone(),
            max_retries: settings.max_retries,
            stop,
            claims: Claims::default(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub(crate) fn operation(
        &self,
        what: &'static str,
        method: &'static str,
        path: &str,
        ctx: Ctx<'_>,
    ) -> Operation {
        Operation { what, address: ctx.address.map(str::to_string), method, url: self.url(path) }
    }

    /// A request with the OpenAI headers. The key goes only into `Authorization`, which
    /// reqwest marks sensitive.
    pub(crate) fn request(&self, method: Method, url: &str, ctx: Ctx<'_>) -> RequestBuilder {
        // The User-Agent is set here as well as on the client: an in-process request does not
        // pass through the client, which adds its defaults when sending.
        let mut rb = self
            .http
            .request(method, url)
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .bearer_auth(self.key.expose());
        if let Some(org) = &self.organization {
            rb = rb.header("OpenAI-Organization", org);
        }
        if let Some(project) = ctx.project.or(self.project.as_deref()) {
            rb = rb.header("OpenAI-Project", project);
        }
        rb
    }

    /// An idempotent call (GET, DELETE, cancel): retried on 408, 429, 5xx and connection
    /// failures, waiting as the server asks or with backoff.
    pub(crate) async fn call(
        &self,
        op: &Operation,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Reply, ApiError> {
        let mut attempt = 0;
        loop {
            match self.send_once(op, build(), attempt).await {
                Ok(reply) => return Ok(reply),
                Err(f) if f.retryable && attempt < self.max_retries => {
                    let delay = f.server_delay.unwrap_or_else(|| retry::backoff(attempt));
                    self.wait(op, delay, &f.error).await?;
                    attempt += 1;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// An idempotent call whose answer is JSON of type `T`.
    pub(crate) async fn call_json<T: DeserializeOwned>(
        &self,
        op: &Operation,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, ApiError> {
        let reply = self.call(op, build).await?;
        decode(op, &reply)
    }

    /// Sleep before a retry, unless the provider was told to stop.
    pub(crate) async fn wait(
        &self,
        op: &Operation,
        delay: Duration,
        last: &ApiError,
    ) -> Result<(), ApiError> {
        tracing::debug!(target: "batchform_openai::http", url = %op.url, delay_ms = delay.as_millis() as u64, error = %last, "retrying");
        let stopped = || ApiError::Stopped { op: op.clone(), last: last.to_string() };
        if self.stop.is_cancelled() {
            return Err(stopped());
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = self.stop.cancelled() => Err(stopped()),
        }
    }

    pub(crate) fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// One attempt.
    pub(crate) async fn send_once(
        &self,
        op: &Operation,
        rb: RequestBuilder,
        attempt: u32,
    ) -> Result<Reply, Failure> {
        let started = Instant::now();
        tracing::debug!(target: "batchform_openai::http", method = op.method, url = %op.url, attempt, "request");
        let answer = match self.transport.send(rb, self.timeout).await {
            Ok(a) => a,
            Err(source) => {
                let maybe_processed = !source.is_connect();
                tracing::debug!(target: "batchform_openai::http", method = op.method, url = %op.url, attempt, error = %source, "no answer");
                return Err(Failure {
                    error: ApiError::Transport { op: op.clone(), source },
                    retryable: true,
                    server_delay: None,
                    maybe_processed,
                });
            }
        };
        let status = answer.status;
        let headers = answer.headers.clone();
        let request_id =
            headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = match answer.bytes().await {
            Ok(b) => b,
            Err(source) => {
                return Err(Failure {
                    error: ApiError::Transport { op: op.clone(), source },
                    retryable: true,
                    server_delay: None,
                    maybe_processed: true,
                });
            }
        };
        tracing::debug!(
            target: "batchform_openai::http",
            method = op.method,
            url = %op.url,
            attempt,
            status,
            request_id = request_id.as_deref().unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "response"
        );
        if (200..300).contains(&status) {
            return Ok(Reply { status, request_id, body });
        }
        let error = error_from_body(op, status, request_id, &headers, &body);
        let server_delay = retry::server_delay(&headers);
        let mut retryable =
            retry::should_retry_header(&headers).unwrap_or_else(|| retry::retryable_status(status));
        if server_delay.is_some_and(|d| d > retry::MAX_SERVER_DELAY) {
            retryable = false;
        }
        Err(Failure {
            error,
            retryable,
            server_delay,
            maybe_processed: status >= 500 || status == 408,
        })
    }
}

/// Decode a successful answer's JSON (an HTML page with status 200 is an error too).
pub(crate) fn decode<T: DeserializeOwned>(op: &Operation, reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        if looks_like_html(&reply.body) {
            ApiError::Html {
                op: op.clone(),
                status: reply.status,
                title: html_title(&reply.body),
                request_id: reply.request_id.clone(),
            }
        } else {
            ApiError::Decode {
                op: op.clone(),
                status: reply.status,
                detail: e.to_string(),
                request_id: reply.request_id.clone(),
            }
        }
    })
}

fn error_from_body(
    op: &Operation,
    status: u16,
    request_id: Option<String>,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiError {
    let is_html = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("text/html"))
        || looks_like_html(body);
    if is_html {
        return ApiError::Html { op: op.clone(), status, title: html_title(body), request_id };
    }
    match serde_json::from_slice::<crate::wire::ErrorEnvelope>(body) {
        Ok(env) => {
            let code = env.error.code.map(|c| match c {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
            ApiError::Status {
                op: op.clone(),
                status,
                api: ApiMessage {
                    message: env.error.message.unwrap_or_else(|| "(no message)".to_string()),
                    kind: env.error.kind,
                    code,
                    param: env.error.param,
                },
                request_id,
            }
        }
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let message = if text.is_empty() {
                "(empty body)".to_string()
            } else {
                let cut: String = text.chars().take(300).collect();
                if cut.len() < text.len() { format!("{cut}...") } else { cut }
            };
            ApiError::Status {
                op: op.clone(),
                status,
                api: ApiMessage { message, ..Default::default() },
                request_id,
            }
        }
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head: Vec<u8> = body[start..].iter().take(15).map(u8::to_ascii_lowercase).collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<head")
}

fn html_title(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = text.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.chars().take(120).collect())
}

/// Seconds since the Unix epoch on this machine.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised_with_its_title() {
        let page = b"\n<html>\r\n<head><title>502 Bad Gateway</title></head><body></body></html>";
        assert!(looks_like_html(page));
        assert_eq!(html_title(page).as_deref(), Some("502 Bad Gateway"));
        assert!(looks_like_html(b"<!DOCTYPE html><html></html>"));
        assert!(!looks_like_html(b"{\"error\": {}}"));
    }

    #[test]
    fn error_envelopes_decode_with_null_parts() {
        let op = Operation { what: "create batch", address: None, method: "POST", url: "u".into() };
        let body = br#"{"error":{"message":"Missing required parameter: 'input_file_id'.","type":"invalid_request_error","param":"input_file_id","code":"missing_required_parameter"}}"#;
        let e = error_from_body(&op, 400, Some("req_1".into()), &HeaderMap::new(), body);
        let api = e.api_message().unwrap();
        assert_eq!(api.code.as_deref(), Some("missing_required_parameter"));
        assert_eq!(api.param.as_deref(), Some("input_file_id"));
        let body = br#"{"error":{"message":"Cannot cancel a batch with status 'completed'.","type":"invalid_request_error","param":null,"code":null}}"#;
        let e = error_from_body(&op, 409, None, &HeaderMap::new(), body);
        assert_eq!(e.api_message().unwrap().code, None);
        let e = error_from_body(&op, 500, None, &HeaderMap::new(), b"upstream exploded");
        assert_eq!(e.api_message().unwrap().message, "upstream exploded");
    }
}
