//! When and how long to wait before trying a request again: exponential backoff with jitter
//! (0.5 s * 2^n, at most 8 s, times 0.75..1, as the official SDKs do), unless the server says
//! how long with `retry-after-ms` or `Retry-After` (seconds or an HTTP date), and
//! `x-should-retry` overriding the status-based decision.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

const BASE_DELAY: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A server asking for a longer wait than this is not retried (the run would look hung).
pub const MAX_SERVER_DELAY: Duration = Duration::from_secs(120);

/// Statuses worth another try: timeouts, rate limits and server errors.
pub fn retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// The backoff before retry number `attempt + 1`.
pub fn backoff(attempt: u32) -> Duration {
    let exp = BASE_DELAY.saturating_mul(1u32 << attempt.min(16));
    let capped = exp.min(MAX_BACKOFF);
    capped.mul_f64(1.0 - 0.25 * fastrand::f64())
}

/// The wait the server asked for: `retry-after-ms`, then `Retry-After` (integer seconds or
/// an HTTP date). `None` when absent, unparsable or not positive.
pub fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = header(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() && ms > 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = header(headers, "retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    when.duration_since(SystemTime::now()).ok().filter(|d| !d.is_zero())
}

/// `x-should-retry: true|false`, which overrides the decision by status.
pub fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match header(headers, "x-should-retry")?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            let nominal = (0.5 * 2f64.powi(attempt as i32)).min(8.0);
            assert!(d.as_secs_f64() <= nominal + 1e-9, "{attempt}: {d:?}");
            assert!(d.as_secs_f64() >= nominal * 0.75 - 1e-9, "{attempt}: {d:?}");
        }
    }

    #[test]
    fn server_delays_in_every_form() {
        assert_eq!(
            server_delay(&headers(&[("retry-after-ms", "250")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(server_delay(&headers(&[("retry-after", "3")])), Some(Duration::from_secs(3)));
        assert_eq!(
            server_delay(&headers(&[("retry-after-ms", "100"), ("retry-after", "9")])),
            Some(Duration::from_millis(100)),
            "retry-after-ms wins"
        );
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = server_delay(&headers(&[("retry-after", &later)])).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28), "{d:?}");
        assert_eq!(server_delay(&headers(&[("retry-after", "0")])), None);
        assert_eq!(server_delay(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(server_delay(&HeaderMap::new()), None);
    }

    #[test]
    fn should_retry_header_overrides() {
        assert_eq!(should_retry_header(&headers(&[("x-should-retry", "false")])), Some(false));
        assert_eq!(should_retry_header(&headers(&[("x-should-retry", "true")])), Some(true));
        assert_eq!(should_retry_header(&HeaderMap::new()), None);
        assert!(retryable_status(429) && retryable_status(503) && retryable_status(408));
        assert!(!retryable_status(409) && !retryable_status(404) && !retryable_status(400));
    }
}
