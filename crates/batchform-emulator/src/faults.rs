//! Fault injection, for testing clients' retry and error handling. Off by default.
//!
//! A rule is written `KIND[:ARG][@TRIGGER][@ROUTE]` (the same text on the command line, in a
//! JSON config file and, kind part only, in the `x-batchform-fault` request header):
//!
//! | kind | effect |
//! |---|---|
//! | `429[:SECS]` | 429 `rate_limit_exceeded` with `Retry-After: SECS` (default 1; `429:none` omits it) |
//! | `500`, `502`, `503` | that status with the error envelope |
//! | `latency:MS` | answer MS milliseconds later (adds up with other latency rules) |
//! | `latency-after:MS` | do the request (a create creates), then answer MS milliseconds later: a client killed meanwhile never learns of the object |
//! | `drop` | close the connection without answering, before doing anything |
//! | `drop-after-create` | do the request (the object is created), then close without answering |
//! | `html[:STATUS]` | an HTML error page (default 502) as a proxy in front of the API sends |
//!
//! Triggers: `always` (default), `p=0.1` (probability), `nth=1,3` (the 1st and 3rd matching
//! requests), `every=5`. Route: `/v1/batches` (path prefix), `POST`, or `POST:/v1/batches`.
//! Example: `drop-after-create@nth=1@POST:/v1/batches`.

use crate::error::EmulatorError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Request header that forces a fault on one request, when
/// [`FaultConfig::header_control`] is on.
pub const FAULT_HEADER: &str = "x-batchform-fault";

/// Which faults to inject.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    /// Rules, tried in order; the first non-latency fault that fires wins.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
    /// Seed for probabilistic triggers (random when absent).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Honour the `x-batchform-fault` request header.
    #[serde(default)]
    pub header_control: bool,
}

impl FaultConfig {
    /// Parse a JSON config file's text: `{"rules": ["429:2@p=0.1"], "seed": 7, "header_control": true}`.
    pub fn from_json(text: &str) -> Result<FaultConfig, EmulatorError> {
        serde_json::from_str(text).map_err(|e| EmulatorError::FaultRule {
            rule: "<config file>".into(),
            reason: e.to_string(),
        })
    }

    pub fn is_off(&self) -> bool {
        self.rules.is_empty() && !self.header_control
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    RateLimit { retry_after: Option<u64> },
    ServerError { status: u16 },
    Latency { ms: u64 },
    LatencyAfter { ms: u64 },
    Drop,
    DropAfterCreate,
    Html { status: u16 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    Always,
    Probability(f64),
    Nth(Vec<u64>),
    Every(u64),
}

/// One fault rule (see the module docs for the text form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FaultRule {
    pub fault: Fault,
    pub trigger: Trigger,
    pub method: Option<String>,
    pub path_prefix: Option<String>,
}

impl FromStr for FaultRule {
    type Err = EmulatorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| EmulatorError::FaultRule {
            rule: text.to_string(),
            reason: reason.to_string(),
        };
        let mut parts = text.trim().split('@');
        let fault = parse_fault(parts.next().unwrap_or("")).map_err(|r| bad(&r))?;
        let mut rule =
            FaultRule { fault, trigger: Trigger::Always, method: None, path_prefix: None };
        for part in parts {
            if part == "always" {
                rule.trigger = Trigger::Always;
            } else if let Some(p) = part.strip_prefix("p=") {
                let p: f64 = p.parse().map_err(|_| bad("p= needs a number"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(bad("p= must be between 0 and 1"));
                }
                rule.trigger = Trigger::Probability(p);
            } else if let Some(list) = part.strip_prefix("nth=") {
                let ns: Result<Vec<u64>, _> = list.split(',').map(str::parse).collect();
                let ns = ns.map_err(|_| bad("nth= needs numbers separated by commas"))?;
                if ns.contains(&0) {
                    return Err(bad("nth= counts from 1"));
                }
                rule.trigger = Trigger::Nth(ns);
            } else if let Some(n) = part.strip_prefix("every=") {
                let n: u64 = n.parse().map_err(|_| bad("every= needs a number"))?;
                if n == 0 {
                    return Err(bad("every= must be at least 1"));
                }
                rule.trigger = Trigger::Every(n);
            } else if part.starts_with('/') {
                rule.path_prefix = Some(part.to_string());
            } else if let Some((method, path)) = part.split_once(':') {
                rule.method = Some(method.to_ascii_uppercase());
                rule.path_prefix = Some(path.to_string());
            } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphabetic()) {
                rule.method = Some(part.to_ascii_uppercase());
            } else {
                return Err(bad(&format!("unknown trigger or route {part:?}")));
            }
        }
        Ok(rule)
    }
}

/// Parse the kind part (`429:5`, `latency:200`, `html`, ...).
pub fn parse_fault(text: &str) -> Result<Fault, String> {
    let (kind, arg) = match text.split_once(':') {
        Some((k, a)) => (k, Some(a)),
        None => (text, None),
    };
    let num = |a: Option<&str>, default: u64| -> Result<u64, String> {
        a.map_or(Ok(default), |a| a.parse().map_err(|_| format!("{kind}: {a:?} is not a number")))
    };
    match kind {
        "429" => Ok(Fault::RateLimit {
            retry_after: if arg == Some("none") { None } else { Some(num(arg, 1)?) },
        }),
        "500" | "502" | "503" if arg.is_none() => {
            Ok(Fault::ServerError { status: kind.parse().unwrap_or(500) })
        }
        "latency" => Ok(Fault::Latency { ms: num(arg, 100)? }),
        "latency-after" => Ok(Fault::LatencyAfter { ms: num(arg, 100)? }),
        "drop" if arg.is_none() => Ok(Fault::Drop),
        "drop-after-create" if arg.is_none() => Ok(Fault::DropAfterCreate),
        "html" => {
            let status = num(arg, 502)?;
            if !(400..600).contains(&status) {
                return Err("html: the status must be 4xx or 5xx".into());
            }
            Ok(Fault::Html { status: status as u16 })
        }
        other => Err(format!(
            "unknown fault {other:?} (expected 429, 500, 502, 503, latency, latency-after, drop, drop-after-create, html)"
        )),
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fault {
            Fault::RateLimit { retry_after: Some(s) } => write!(f, "429:{s}")?,
            Fault::RateLimit { retry_after: None } => write!(f, "429:none")?,
            Fault::ServerError { status } => write!(f, "{status}")?,
            Fault::Latency { ms } => write!(f, "latency:{ms}")?,
            Fault::LatencyAfter { ms } => write!(f, "latency-after:{ms}")?,
            Fault::Drop => write!(f, "drop")?,
            Fault::DropAfterCreate => write!(f, "drop-after-create")?,
            Fault::Html { status } => write!(f, "html:{status}")?,
        }
        match &self.trigger {
            Trigger::Always => {}
            Trigger::Probability(p) => write!(f, "@p={p}")?,
            Trigger::Nth(ns) => {
                let list: Vec<String> = ns.iter().map(u64::to_string).collect();
                write!(f, "@nth={}", list.join(","))?
            }
            Trigger::Every(n) => write!(f, "@every={n}")?,
        }
        match (&self.method, &self.path_prefix) {
            (Some(m), Some(p)) => write!(f, "@{m}:{p}"),
            (Some(m), None) => write!(f, "@{m}"),
            (None, Some(p)) => write!(f, "@{p}"),
            (None, None) => Ok(()),
        }
    }
}

impl TryFrom<String> for FaultRule {
    type Error = EmulatorError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<FaultRule> for String {
    fn from(r: FaultRule) -> String {
        r.to_string()
    }
}

/// What to do to one request.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub latency_ms: u64,
    /// Added after the request was done, before the answer.
    pub latency_after_ms: u64,
    pub fault: Option<Fault>,
}

/// The running state of a [`FaultConfig`]: per-rule counters and the PRNG.
pub struct Injector {
    rules: Vec<(FaultRule, AtomicU64)>,
    rng: Mutex<fastrand::Rng>,
    header_control: bool,
}

impl Injector {
    pub fn new(config: &FaultConfig) -> Injector {
        Injector {
            rules: config.rules.iter().map(|r| (r.clone(), AtomicU64::new(0))).collect(),
            rng: Mutex::new(config.seed.map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed)),
            header_control: config.header_control,
        }
    }

    pub fn is_off(&self) -> bool {
        self.rules.is_empty() && !self.header_control
    }

    /// Decide the faults for a request. `header` is the `x-batchform-fault` value, if any.
    pub fn decide(&self, method: &str, path: &str, header: Option<&str>) -> Decision {
        let mut d = Decision::default();
        for (rule, counter) in &self.rules {
            if rule.method.as_deref().is_some_and(|m| m != method)
                || rule.path_prefix.as_deref().is_some_and(|p| !path.starts_with(p))
            {
                continue;
            }
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let fires = match &rule.trigger {
                Trigger::Always => true,
                Trigger::Probability(p) => {
                    self.rng.lock().unwrap_or_else(|e| e.into_inner()).f64() < *p
                }
                Trigger::Nth(ns) => ns.contains(&n),
                Trigger::Every(k) => n % k == 0,
            };
            if fires {
                apply(&mut d, rule.fault);
            }
        }
        if self.header_control {
            if let Some(fault) = header.and_then(|h| parse_fault(h.trim()).ok()) {
                apply(&mut d, fault);
            }
        }
        d
    }
}

fn apply(d: &mut Decision, fault: Fault) {
    match fault {
        Fault::Latency { ms } => d.latency_ms += ms,
        Fault::LatencyAfter { ms } => d.latency_after_ms += ms,
        other if d.fault.is_none() => d.fault = Some(other),
        _ => {}
    }
}

/// The HTML page a proxy in front of the API answers with.
pub fn html_page(status: u16) -> String {
    let reason = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print_back() {
        for text in [
            "429:5@p=0.25",
            "429:none",
            "503@nth=1,3@/v1/batches",
            "drop-after-create@nth=1@POST:/v1/batches",
            "latency:200@every=2@GET",
            "latency-after:200@POST:/v1/batches",
            "html:502",
        ] {
            let rule: FaultRule = text.parse().unwrap();
            assert_eq!(rule.to_string(), text);
        }
        assert!("418".parse::<FaultRule>().is_err());
        assert!("500@p=2".parse::<FaultRule>().is_err());
        assert!("500@nth=0".parse::<FaultRule>().is_err());
        let cfg = FaultConfig::from_json(r#"{"rules": ["500@nth=2"], "seed": 1}"#).unwrap();
        assert_eq!(cfg.rules[0].fault, Fault::ServerError { status: 500 });
        assert!(FaultConfig::from_json(r#"{"rules": ["nope"]}"#).is_err());
    }

    #[test]
    fn schedules_and_routes_decide_which_requests_fail() {
        let inj = Injector::new(&FaultConfig {
            rules: vec![
                "503@nth=2@POST:/v1/batches".parse().unwrap(),
                "latency:10@every=2".parse().unwrap(),
            ],
            seed: Some(1),
            header_control: true,
        });
        let d1 = inj.decide("POST", "/v1/batches", None);
        assert_eq!(d1, Decision::default());
        let d2 = inj.decide("GET", "/v1/batches", None);
        assert_eq!(d2, Decision { latency_ms: 10, latency_after_ms: 0, fault: None });
        let d3 = inj.decide("POST", "/v1/batches", None);
        assert_eq!(d3.fault, Some(Fault::ServerError { status: 503 }));
        let d4 = inj.decide("GET", "/v1/files", Some("html:503"));
        assert_eq!(d4.fault, Some(Fault::Html { status: 503 }));
        assert_eq!(d4.latency_ms, 10);
    }

    #[test]
    fn probability_is_seeded() {
        let mk = || {
            Injector::new(&FaultConfig {
                rules: vec!["500@p=0.5".parse().unwrap()],
                seed: Some(42),
                header_control: false,
            })
        };
        let (a, b) = (mk(), mk());
        let run = |i: &Injector| {
            (0..100).map(|_| i.decide("GET", "/", None).fault.is_some()).collect::<Vec<_>>()
        };
        let ra = run(&a);
        assert_eq!(ra, run(&b));
        let hits = ra.iter().filter(|x| **x).count();
        assert!((25..75).contains(&hits), "{hits}");
    }
}
