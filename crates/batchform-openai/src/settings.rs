//! The `provider "openai"` block turned into validated settings, with the environment
//! variables it falls back to (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
//! `OPENAI_PROJECT_ID`). The API key is kept in [`ApiKey`], whose `Debug` never shows it.

use crate::diag;
use batchform_core::{AttrPath, Diagnostic, Diagnostics, Value};
use batchform_emulator::FaultRule;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MAX_RETRIES: u32 = 5;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(600);
/// Where the embedded emulator keeps its objects, under the working directory.
pub const DEFAULT_EMULATOR_DIR: &str = ".batchform/emulator";
/// The key sent to the embedded emulator when none is configured (it accepts any key).
const EMULATOR_KEY: &str = "sk-batchform-emulator";

/// Where environment variables come from (the process, or a map in tests).
pub type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// An API key. Its `Debug` and `Display` print `(sensitive value)`, never the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey((sensitive value))")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive value)")
    }
}

/// Validated provider settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub api_key: ApiKey,
    /// Normalised: no trailing slash, no doubled `/v1`. Ignored when `emulator` is set.
    pub base_url: String,
    pub organization: Option<String>,
    pub project: Option<String>,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub emulator: Option<EmulatorSettings>,
}

/// `emulator = true` or `emulator = { data_dir = "...", speed = 600, faults = [...],
/// seed = "seed.json", per_request_secs = 10, ... }` (every phase duration of
/// [`batchform_emulator::Timing`] by its field name).
#[derive(Debug, Clone, PartialEq)]
pub struct EmulatorSettings {
    /// Absolute (resolved against the working directory).
    pub data_dir: PathBuf,
    /// Simulated seconds per real second.
    pub speed: f64,
    pub faults: Vec<FaultRule>,
    /// A seed file of objects with fixed ids to create on start (see the emulator's docs).
    pub seed: Option<PathBuf>,
    /// Phase durations of new batches (simulated seconds), e.g. `per_request_secs`.
    pub timing: batchform_emulator::Timing,
    /// Whether the emulator fsyncs its writes (`fsync = false` turns it off).
    pub fsync: bool,
}

/// Read the provider block. `config` is the block's object (null attributes where unset).
pub fn from_config(
    config: &Value,
    env: &EnvLookup,
    working_dir: &Path,
) -> Result<Settings, Diagnostics> {
    let mut diags = Diagnostics::new();
    let text = |name: &str, env_name: Option<&str>, diags: &mut Diagnostics| -> Option<String> {
        match config.get_attr(name) {
            Some(v) if !v.is_known() => {
                diags.push(unknown_argument(name));
                None
            }
            Some(v) if !v.is_null() => v.as_str().map(str::to_string),
            _ => env_name.and_then(env).filter(|s| !s.is_empty()),
        }
    };
    let mut emulator = emulator_settings(config.get_attr("emulator"), working_dir, &mut diags);
    // BATCHFORM_EMULATOR_SPEED overrides the speed (fast-forward a demo, or freeze batches
    // in tests); an invalid value is an error rather than silently ignored.
    if let (Some(em), Some(text)) =
        (emulator.as_mut(), env("BATCHFORM_EMULATOR_SPEED").filter(|s| !s.is_empty()))
    {
        match text.trim().parse::<f64>() {
            Ok(speed) if speed.is_finite() && speed > 0.0 => em.speed = speed,
            _ => diags.push(diag::invalid_emulator(&format!(
                "BATCHFORM_EMULATOR_SPEED must be a positive number (simulated seconds per real second), got {text:?}."
            ))),
        }
    }
    let api_key = text("api_key", Some("OPENAI_API_KEY"), &mut diags);
    let base_url_raw = text("base_url", Some("OPENAI_BASE_URL"), &mut diags);
    let organization = text("organization", Some("OPENAI_ORG_ID"), &mut diags);
    let project = text("project", Some("OPENAI_PROJECT_ID"), &mut diags);

    let base_url = match base_url_raw.as_deref() {
        None => DEFAULT_BASE_URL.to_string(),
        Some(raw) => match normalize_base_url(raw) {
            Ok(url) => url,
            Err(why) => {
                diags.push(
                    Diagnostic::error(
                        "Invalid base_url",
                        format!(
                            "The base URL {raw:?} is not usable: {why}. Use an http or https URL such as {DEFAULT_BASE_URL}."
                        ),
                    )
                    .with_attribute(AttrPath::attr("base_url")),
                );
                String::new()
            }
        },
    };

    let request_timeout = match text("request_timeout", None, &mut diags) {
        None => DEFAULT_REQUEST_TIMEOUT,
        Some(raw) => match parse_duration(&raw) {
            Some(d) if !d.is_zero() => d,
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Invalid request_timeout",
                        format!(
                            "{raw:?} is not a duration. Write a number with a unit, as in \"90s\", \"10m\" or \"1m30s\" (units: ms, s, m, h)."
                        ),
                    )
                    .with_attribute(AttrPath::attr("request_timeout")),
                );
                DEFAULT_REQUEST_TIMEOUT
            }
        },
    };

    let max_retries = match config.get_attr("max_retries") {
        Some(v) if !v.is_known() => {
            diags.push(unknown_argument("max_retries"));
            DEFAULT_MAX_RETRIES
        }
        Some(v) if !v.is_null() => {
            match v.as_number().and_then(|n| n.to_i64()).and_then(|n| u32::try_from(n).ok()) {
                Some(n) if n <= 100 => n,
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid max_retries",
                            "max_retries must be a whole number from 0 to 100.",
                        )
                        .with_attribute(AttrPath::attr("max_retries")),
                    );
                    DEFAULT_MAX_RETRIES
                }
            }
        }
        _ => DEFAULT_MAX_RETRIES,
    };

    let api_key = match (api_key, &emulator) {
        (Some(key), _) => ApiKey::new(key),
        (None, Some(_)) => ApiKey::new(EMULATOR_KEY),
        (None, None) => {
            diags.push(
                Diagnostic::error(
                    "Missing OpenAI API key",
                    "The openai provider needs an API key. Set api_key in the provider \"openai\" block (for example api_key = var.openai_api_key) or the OPENAI_API_KEY environment variable. To work offline without a key, set emulator = true to use the embedded OpenAI emulator.",
                )
                .with_attribute(AttrPath::attr("api_key")),
            );
            ApiKey::new("")
        }
    };
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Settings {
        api_key,
        base_url,
        organization,
        project,
        request_timeout,
        max_retries,
        emulator,
    })
}

fn unknown_argument(name: &str) -> Diagnostic {
    Diagnostic::error(
        "Provider configuration is not known yet",
        format!(
            "The provider argument {name} depends on a value that is known only after apply. Provider settings must be known when planning: use variables, locals or literal values."
        ),
    )
    .with_attribute(AttrPath::attr(name))
}

fn emulator_settings(
    value: Option<&Value>,
    working_dir: &Path,
    diags: &mut Diagnostics,
) -> Option<EmulatorSettings> {
    let value = value?;
    if !value.is_known() {
        diags.push(unknown_argument("emulator"));
        return None;
    }
    if value.is_null() {
        return None;
    }
    let mut settings = EmulatorSettings {
        data_dir: working_dir.join(DEFAULT_EMULATOR_DIR),
        speed: batchform_emulator::DEFAULT_SPEED,
        faults: Vec::new(),
        seed: None,
        timing: batchform_emulator::Timing::default(),
        fsync: true,
    };
    if let Some(on) = value.as_bool() {
        return on.then_some(settings);
    }
    let Some(entries) = value.entries() else {
        diags.push(diag::invalid_emulator("emulator must be true, false or an object."));
        return None;
    };
    for (name, v) in entries {
        if v.is_null() {
            continue;
        }
        if !v.is_wholly_known() {
            diags.push(unknown_argument("emulator"));
            return None;
        }
        match name.as_str() {
            "data_dir" => match v.as_str() {
                Some(dir) => settings.data_dir = working_dir.join(dir),
                None => diags.push(diag::invalid_emulator("emulator.data_dir must be a string.")),
            },
            "seed" => match v.as_str() {
                Some(file) => settings.seed = Some(working_dir.join(file)),
                None => diags.push(diag::invalid_emulator("emulator.seed must be a string (a seed file's path).")),
            },
            "fsync" => match v.as_bool() {
                Some(on) => settings.fsync = on,
                None => diags.push(diag::invalid_emulator("emulator.fsync must be true or false.")),
            },
            "speed" => match v.as_number().map(|n| n.to_f64()) {
                Some(speed) if speed.is_finite() && speed > 0.0 => settings.speed = speed,
                _ => diags.push(diag::invalid_emulator(
                    "emulator.speed must be a positive number (simulated seconds per real second).",
                )),
            },
            "faults" => match v.elements() {
                Some(items) => {
                    for item in items {
                        match item.as_str().map(str::parse::<FaultRule>) {
                            Some(Ok(rule)) => settings.faults.push(rule),
                            Some(Err(e)) => diags.push(diag::invalid_emulator(&e.to_string())),
                            None => diags.push(diag::invalid_emulator(
                                "emulator.faults must be a list of fault rules (strings).",
                            )),
                        }
                    }
                }
                None => diags.push(diag::invalid_emulator(
                    "emulator.faults must be a list of fault rules (strings).",
                )),
            },
            name if batchform_emulator::Timing::SETTINGS.contains(&name) => {
                match v.as_number().map(|n| n.to_f64()) {
                    Some(secs) => {
                        if let Err(e) = settings.timing.set(name, secs) {
                            diags.push(diag::invalid_emulator(&format!("emulator.{e}.")));
                        }
                    }
                    None => diags.push(diag::invalid_emulator(&format!(
                        "emulator.{name} must be a number of seconds."
                    ))),
                }
            }
            other => diags.push(diag::invalid_emulator(&format!(
                "emulator has no setting {other:?}; the settings are data_dir, speed, faults, seed, fsync and the phase durations {}.",
                batchform_emulator::Timing::SETTINGS.join(", ")
            ))),
        }
    }
    Some(settings)
}

/// Normalise a base URL: trim, drop trailing slashes, collapse a repeated trailing `/v1`
/// (`.../v1/v1` -> `.../v1`), and add `/v1` to a bare host.
pub fn normalize_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    let url = url.trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").ok_or("it has no http:// or https:// scheme")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("the scheme {scheme:?} is not http or https"));
    }
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if host.is_empty() {
        return Err("it has no host".into());
    }
    if path.contains(['?', '#']) {
        return Err("it has a query or fragment".into());
    }
    let mut path = path.to_string();
    while path.ends_with("/v1/v1") {
        path.truncate(path.len() - 3);
    }
    if path.is_empty() {
        path.push_str("/v1");
    }
    Ok(format!("{scheme}://{host}{path}"))
}

/// A duration written as Go and Terraform write them: `90s`, `10m`, `1h30m`, `500ms`, or a
/// plain number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0.0f64;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * factor;
    }
    (total.is_finite() && total < 1e9).then(|| Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn base_urls_are_normalised() {
        let cases = [
            ("https://api.openai.com/v1", "https://api.openai.com/v1"),
            ("https://api.openai.com/v1/", "https://api.openai.com/v1"),
            ("https://api.openai.com/v1/v1", "https://api.openai.com/v1"),
            ("https://api.openai.com/v1/v1/", "https://api.openai.com/v1"),
            ("https://api.openai.com", "https://api.openai.com/v1"),
            ("http://127.0.0.1:8787/", "http://127.0.0.1:8787/v1"),
            ("https://proxy.example/openai/v1", "https://proxy.example/openai/v1"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_base_url(raw).as_deref(), Ok(want), "{raw}");
        }
        assert!(normalize_base_url("api.openai.com/v1").is_err());
        assert!(normalize_base_url("ftp://x/v1").is_err());
        assert!(normalize_base_url("https:///v1").is_err());
    }

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("ten"), None);
        assert_eq!(parse_duration("5d"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn environment_fills_unset_arguments_and_config_wins() {
        let env = |name: &str| match name {
            "OPENAI_API_KEY" => Some("sk-from-env".to_string()),
            "OPENAI_BASE_URL" => Some("http://localhost:9/v1/".to_string()),
            "OPENAI_ORG_ID" => Some("org-env".to_string()),
            _ => None,
        };
        let config = Value::object([
            ("api_key", Value::Null(batchform_core::Type::String)),
            ("project", Value::string("proj_cfg")),
        ]);
        let s = from_config(&config, &env, Path::new("/w")).unwrap();
        assert_eq!(s.api_key.expose(), "sk-from-env");
        assert_eq!(s.base_url, "http://localhost:9/v1");
        assert_eq!(s.organization.as_deref(), Some("org-env"));
        assert_eq!(s.project.as_deref(), Some("proj_cfg"));
        assert_eq!(s.max_retries, DEFAULT_MAX_RETRIES);
        assert!(s.emulator.is_none());
    }

    #[test]
    fn a_missing_key_is_an_error_unless_the_emulator_is_on() {
        let err = from_config(&Value::empty_object(), &no_env, Path::new("/w")).unwrap_err();
        assert_eq!(err.0[0].summary, "Missing OpenAI API key");
        let on = Value::object([("emulator", Value::bool(true))]);
        let s = from_config(&on, &no_env, Path::new("/w")).unwrap();
        let em = s.emulator.unwrap();
        assert_eq!(em.data_dir, Path::new("/w/.batchform/emulator"));
        assert_eq!(em.speed, batchform_emulator::DEFAULT_SPEED);
    }

    #[test]
    fn emulator_objects_are_checked() {
        let cfg = Value::object([(
            "emulator",
            Value::object([
                ("speed", Value::number(600)),
                ("data_dir", Value::string("em")),
                (
                    "faults",
                    Value::Tuple(vec![Value::string("429:1@nth=1"), Value::string("drop@GET")]),
                ),
            ]),
        )]);
        let s = from_config(&cfg, &no_env, Path::new("/w")).unwrap();
        let em = s.emulator.unwrap();
        assert_eq!(em.speed, 600.0);
        assert_eq!(em.data_dir, Path::new("/w/em"));
        assert_eq!(em.faults.len(), 2);
        assert_eq!(em.timing, batchform_emulator::Timing::default());
        assert!(em.fsync, "writes are durable unless turned off");
        let unsynced =
            Value::object([("emulator", Value::object([("fsync", Value::bool(false))]))]);
        let em = from_config(&unsynced, &no_env, Path::new("/w")).unwrap().emulator.unwrap();
        assert!(!em.fsync);
        let wrong = Value::object([("emulator", Value::object([("fsync", Value::string("no"))]))]);
        let err = from_config(&wrong, &no_env, Path::new("/w")).unwrap_err();
        assert!(format!("{:?}", err.0).contains("emulator.fsync must be true or false."));
        let timed = Value::object([(
            "emulator",
            Value::object([
                ("per_request_secs", Value::number(100)),
                ("completion_window_secs", Value::number(60)),
            ]),
        )]);
        let em = from_config(&timed, &no_env, Path::new("/w")).unwrap().emulator.unwrap();
        assert_eq!(em.timing.per_request_secs, 100.0);
        assert_eq!(em.timing.completion_window_secs, 60);
        let bad_timing = Value::object([(
            "emulator",
            Value::object([
                ("validating_secs", Value::number(-5)),
                ("finalizing_secs", Value::string("soon")),
            ]),
        )]);
        let err = from_config(&bad_timing, &no_env, Path::new("/w")).unwrap_err();
        let text: Vec<String> = err.0.iter().map(|d| format!("{d:?}")).collect();
        assert_eq!(err.len(), 2, "{text:?}");
        assert!(text.iter().any(|t| t.contains("emulator.validating_secs must be")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("emulator.finalizing_secs must be")), "{text:?}");
        let bad = Value::object([(
            "emulator",
            Value::Object(BTreeMap::from([
                ("speed".to_string(), Value::number(-1)),
                ("fast".to_string(), Value::bool(true)),
            ])),
        )]);
        let err = from_config(&bad, &no_env, Path::new("/w")).unwrap_err();
        assert_eq!(err.len(), 2);
    }

    #[test]
    fn keys_never_print() {
        let key = ApiKey::new("sk-secret-123");
        assert!(!format!("{key:?} {key}").contains("secret"));
        let cfg = Value::object([("api_key", Value::string("sk-secret-123").mark_sensitive())]);
        let s = from_config(&cfg, &no_env, Path::new("/w")).unwrap();
        assert!(!format!("{s:?}").contains("secret"));
        assert_eq!(s.api_key.expose(), "sk-secret-123");
    }
}
