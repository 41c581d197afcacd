//! The HTTP surface: routes, and the layer every request passes through (request id and
//! OpenAI headers, injected faults, bearer auth), with the error envelope everywhere.

pub mod batches;
pub mod files;

use crate::clock::Clock;
use crate::config::Timing;
use crate::error::ApiError;
use crate::faults::{FAULT_HEADER, Fault, Injector, html_page};
use crate::ids;
use crate::model::Validation;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Everything a handler needs.
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub timing: Timing,
    pub api_keys: Vec<String>,
    pub faults: Injector,
    /// One lock per batch, serialising its changes (cancel, producing results).
    pub batch_locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// What checking a file's lines for an endpoint found, by file id, then endpoint: a
    /// file's content never changes, so the batches that share an input read it once.
    pub validations: std::sync::Mutex<HashMap<String, HashMap<String, Validation>>>,
}

/// At most this many validations are kept (then the cache starts over).
const VALIDATIONS_KEPT: usize = 4096;
/// Validations listing more failing requests than this are not kept.
const FAILING_KEPT: usize = 1024;

impl AppState {
    /// The validation of `file_id`'s lines for `endpoint`, if one was made.
    pub fn validation(&self, file_id: &str, endpoint: &str) -> Option<Validation> {
        let cache = self.validations.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(file_id).and_then(|by_endpoint| by_endpoint.get(endpoint)).cloned()
    }

    pub fn remember_validation(&self, file_id: &str, endpoint: &str, validation: &Validation) {
        // A big file's list of failing requests (up to 50,000) is not kept: the cache
        // stays small, and such a file is read again per batch, as before.
        if matches!(validation, Validation::Valid { failing, .. } if failing.len() > FAILING_KEPT) {
            return;
        }
        let mut cache = self.validations.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= VALIDATIONS_KEPT {
            cache.clear();
        }
        let by_endpoint = cache.entry(file_id.to_string()).or_default();
        by_endpoint.insert(endpoint.to_string(), validation.clone());
    }

    /// Forget the validations of a deleted file.
    pub fn forget_validations(&self, file_id: &str) {
        self.validations.lock().unwrap_or_else(|e| e.into_inner()).remove(file_id);
    }

    /// The lock of one batch (created on first use; one small entry per batch changed).
    pub fn batch_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.batch_locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(id.to_string()).or_default().clone()
    }
}

pub type Shared = Arc<AppState>;

/// Put into each request by the server: firing it closes the connection without an answer.
#[derive(Clone, Default)]
pub struct ConnectionKill(pub Arc<Notify>);

/// Per-request facts the handlers use.
#[derive(Clone)]
pub struct RequestCtx {
    /// The `OpenAI-Project` header ("" when absent): objects are scoped to it.
    pub project: String,
}

/// Largest upload accepted (any purpose).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/v1/files", post(files::create).get(files::list).layer(DefaultBodyLimit::disable()))
        .route("/v1/files/{id}", get(files::retrieve).delete(files::delete))
        .route("/v1/files/{id}/content", get(files::content))
        .route("/v1/batches", post(batches::create).get(batches::list))
        .route("/v1/batches/{id}", get(batches::retrieve))
        .route("/v1/batches/{id}/cancel", post(batches::cancel))
        .fallback(invalid_url)
        .method_not_allowed_fallback(invalid_url)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

/// Wait until `deadline` to within tens of microseconds. Tokio's timer ticks every
/// millisecond and rounds each sleep up to a tick (an injected 20 ms answered after 21-22
/// ms), so the last two milliseconds are slept by a blocking thread, whose `nanosleep` is
/// precise, except the last few hundred microseconds: handing the task back to a worker
/// thread takes about that long, so the task yields in a loop for whatever remains.
async fn sleep_until_precise(deadline: Instant) {
    const TICK: Duration = Duration::from_millis(2);
    const HANDOFF: Duration = Duration::from_micros(300);
    if let Some(coarse) = deadline.checked_sub(TICK) {
        tokio::time::sleep_until(coarse.into()).await;
    }
    let rest = deadline.saturating_duration_since(Instant::now());
    if rest > HANDOFF {
        // A failed join (the runtime shutting down) only shortens the wait.
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest - HANDOFF)).await;
    }
    while Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
}

async fn invalid_url(req: Request) -> ApiError {
    ApiError::invalid_url(req.method().as_str(), req.uri().path())
}

/// The layer in front of every route.
async fn front(State(st): State<Shared>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = ids::new_request_id();
    let project_header = header_str(req.headers(), "openai-project").map(str::to_owned);
    let kill = req.extensions().get::<ConnectionKill>().cloned();

    let decision = if st.faults.is_off() {
        Default::default()
    } else {
        st.faults.decide(
            req.method().as_str(),
            req.uri().path(),
            header_str(req.headers(), FAULT_HEADER),
        )
    };
    if decision.latency_ms > 0 {
        sleep_until_precise(started + Duration::from_millis(decision.latency_ms)).await;
    }
    let mut drop_after = false;
    let early: Option<Response> = match decision.fault {
        None | Some(Fault::Latency { .. }) | Some(Fault::LatencyAfter { .. }) => None,
        Some(Fault::Drop) => {
            if let Some(k) = &kill {
                k.0.notify_one();
                std::future::pending::<()>().await;
            }
            Some(server_error(500).into_response())
        }
        Some(Fault::DropAfterCreate) => {
            drop_after = true;
            None
        }
        Some(Fault::RateLimit { retry_after }) => {
            let wait = retry_after.unwrap_or(20);
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Rate limit reached for requests in organization org-emulator on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in {wait}s. Visit https://platform.openai.com/account/rate-limits to learn more."
                ),
            )
            .kind("requests")
            .code("rate_limit_exceeded");
            e.retry_after = retry_after;
            Some(e.into_response())
        }
        Some(Fault::ServerError { status }) => {
            // The API marks its own transient failures as worth retrying (the SDKs obey it).
            let mut r = server_error(status).into_response();
            r.headers_mut().insert("x-should-retry", HeaderValue::from_static("true"));
            Some(r)
        }
        Some(Fault::Html { status }) => Some(
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                [(header::CONTENT_TYPE, "text/html")],
                html_page(status),
            )
                .into_response(),
        ),
    };

    let mut resp = match early {
        Some(r) => r,
        None => match authenticate(&st.api_keys, req.headers()) {
            Err(e) => e.into_response(),
            Ok(()) => {
                req.extensions_mut()
                    .insert(RequestCtx { project: project_header.clone().unwrap_or_default() });
                next.run(req).await
            }
        },
    };
    if decision.latency_after_ms > 0 {
        sleep_until_precise(Instant::now() + Duration::from_millis(decision.latency_after_ms))
            .await;
    }
    if drop_after {
        if let Some(k) = &kill {
            k.0.notify_one();
            std::future::pending::<()>().await;
        }
    }
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    h.insert("openai-version", HeaderValue::from_static("2020-10-01"));
    h.insert("openai-organization", HeaderValue::from_static("org-emulator"));
    let project = project_header.unwrap_or_else(|| "proj_default".into());
    if let Ok(v) = HeaderValue::from_str(&project) {
        h.insert("openai-project", v);
    }
    h.insert("openai-processing-ms", HeaderValue::from(started.elapsed().as_millis() as u64));
    resp
}

fn server_error(status: u16) -> ApiError {
    let (status, message) = match status {
        502 => (StatusCode::BAD_GATEWAY, "Bad gateway."),
        503 => (StatusCode::SERVICE_UNAVAILABLE, "The server is overloaded or not ready yet."),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. Sorry about that!",
        ),
    };
    ApiError::new(status, message).kind("server_error")
}

/// An internal failure (I/O): a 500 in the envelope. The cause stays on the server side.
pub fn internal(_err: impl std::fmt::Display) -> ApiError {
    server_error(500)
}

/// Why creating an object failed: the answer the API gives, or a local I/O failure (which a
/// client sees as a 500 and a seed file as an error naming the cause).
#[derive(Debug)]
pub enum CreateError {
    Rejected(ApiError),
    Io(std::io::Error),
}

impl From<ApiError> for CreateError {
    fn from(e: ApiError) -> Self {
        CreateError::Rejected(e)
    }
}

impl From<std::io::Error> for CreateError {
    fn from(e: std::io::Error) -> Self {
        CreateError::Io(e)
    }
}

impl CreateError {
    /// The HTTP answer.
    pub fn into_api(self) -> ApiError {
        match self {
            CreateError::Rejected(e) => e,
            CreateError::Io(e) => internal(e),
        }
    }
}

fn authenticate(keys: &[String], headers: &HeaderMap) -> Result<(), ApiError> {
    if keys.is_empty() {
        return Ok(());
    }
    let given = header_str(headers, "authorization")
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|k| !k.is_empty());
    match given {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        )),
        Some(k) if keys.iter().any(|known| known == k) => Ok(()),
        Some(k) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
                mask_key(k)
            ),
        )
        .code("invalid_api_key")),
    }
}

/// Show a key the way the real API does: a short prefix and the last four characters.
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 12 {
        let keep = chars.len().min(3);
        let head: String = chars[..keep].iter().collect();
        return format!("{head}{}", "*".repeat(chars.len() - keep));
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A list envelope: `{object:"list", data, first_id, last_id, has_more}`.
#[derive(Serialize)]
pub struct List<T: Serialize> {
    pub object: &'static str,
    pub data: Vec<T>,
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub has_more: bool,
}

/// Parse `limit` from a query: an integer within `min..=max`, or `default`.
pub fn parse_limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else { return Ok(default) };
    let n: i64 = raw.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid 'limit': expected an integer, but got '{raw}' instead."
        ))
        .param("limit")
        .code("invalid_type")
    })?;
    if n < 1 {
        return Err(ApiError::bad_request(format!(
            "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got {n} instead."
        ))
        .param("limit")
        .code("integer_below_min_value"));
    }
    if n as u64 > max as u64 {
        return Err(ApiError::bad_request(format!(
            "Invalid 'limit': integer above maximum value. Expected a value <= {max}, but got {n} instead."
        ))
        .param("limit")
        .code("integer_above_max_value"));
    }
    Ok(n as usize)
}

/// A query or cursor error for an `after` naming no object in the listing.
pub fn unknown_cursor(after: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid 'after': no object with id '{after}' in this list."))
        .param("after")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked() {
        assert_eq!(mask_key("sk-test"), "sk-****");
        assert_eq!(mask_key("sk-proj-abcdefghijklmnop"), "sk-*****************mnop");
        assert!(!mask_key("sk-proj-abcdefghijklmnop").contains("abcdefghijkl"));
    }

    #[test]
    fn limits_are_checked() {
        assert_eq!(parse_limit(None, 20, 100).unwrap(), 20);
        assert_eq!(parse_limit(Some("100"), 20, 100).unwrap(), 100);
        assert_eq!(
            parse_limit(Some("101"), 20, 100).unwrap_err().code,
            Some("integer_above_max_value")
        );
        assert_eq!(
            parse_limit(Some("0"), 20, 100).unwrap_err().code,
            Some("integer_below_min_value")
        );
        assert!(parse_limit(Some("x"), 20, 100).is_err());
    }
}
