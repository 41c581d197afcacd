//! How an emulator is set up: where it stores objects, who may call it, how fast simulated
//! batches move, which faults it injects and which objects it starts with.

use crate::clock::{Clock, DEFAULT_SPEED};
use crate::faults::FaultConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything [`crate::start`] needs. `EmulatorConfig::default()` is a private, keyless
/// emulator on `127.0.0.1:0` with a system clock at [`DEFAULT_SPEED`] and no faults.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where objects persist. `None`: a private temporary directory removed on shutdown.
    pub data_dir: Option<PathBuf>,
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Accepted bearer keys. Empty: any request is accepted, with or without a key.
    pub api_keys: Vec<String>,
    /// The simulated clock (see [`Clock::system`] and [`Clock::manual`]).
    pub clock: Clock,
    /// How long each phase of a batch takes in simulated seconds.
    pub timing: Timing,
    /// Injected failures (off by default).
    pub faults: FaultConfig,
    /// A seed file (JSON) of files and batches with caller-chosen ids, created at start when
    /// their ids do not exist yet; existing ones are left untouched. See the crate docs for
    /// the format.
    pub seed: Option<PathBuf>,
    /// Make every write durable before answering (fsync). `false` keeps writes whole (a
    /// record is one append to its journal, whose torn last line is dropped at the next
    /// start; a file's content goes through a temporary file and a rename), so objects
    /// survive a restart or a killed process, but not a machine crash; for tests and
    /// benchmarks where the disk's flushes would dominate.
    pub fsync: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            data_dir: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: Vec::new(),
            clock: Clock::system(DEFAULT_SPEED),
            timing: Timing::default(),
            faults: FaultConfig::default(),
            seed: None,
            fsync: true,
        }
    }
}

/// Simulated durations of a batch's phases, in seconds. A batch keeps the timing it was
/// created with (it is stored with the batch), so changing it affects only new batches.
///
/// With the defaults a batch of N requests takes 60 + max(0.05 N, 60) + 60 s, at most
/// 2,620 s for 50,000 requests: it never reaches the 86,400 s window. To see `expired`,
/// make `per_request_secs` large or `completion_window_secs` small.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    /// `validating` lasts this long after `created_at`.
    pub validating_secs: f64,
    /// Each request takes this long while `in_progress` (requests run one after another)...
    pub per_request_secs: f64,
    /// ...but `in_progress` lasts at least this long (requests are spread over it).
    pub min_in_progress_secs: f64,
    /// `finalizing` lasts this long.
    pub finalizing_secs: f64,
    /// `cancelling` lasts this long (the real API takes up to 10 minutes).
    pub cancelling_secs: f64,
    /// The completion window: a batch not finalizing by `created_at` + this expires.
    pub completion_window_secs: i64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            validating_secs: 60.0,
            per_request_secs: 0.05,
            min_in_progress_secs: 60.0,
            finalizing_secs: 60.0,
            cancelling_secs: 60.0,
            completion_window_secs: 86_400,
        }
    }
}

impl Timing {
    /// The names of the phase durations, as [`Timing::set`] takes them (the field names).
    pub const SETTINGS: &'static [&'static str] = &[
        "validating_secs",
        "per_request_secs",
        "min_in_progress_secs",
        "finalizing_secs",
        "cancelling_secs",
        "completion_window_secs",
    ];

    /// Set one duration by name (simulated seconds). Durations must be finite, not negative
    /// and at most 1e12 s (1e9 s per request); the completion window a whole number of
    /// seconds of at least 1. The error
    /// says which rule was broken, naming the setting.
    pub fn set(&mut self, name: &str, secs: f64) -> Result<(), String> {
        if name == "completion_window_secs" {
            if !(secs.is_finite() && secs >= 1.0 && secs.fract() == 0.0 && secs <= 1e12) {
                return Err(format!(
                    "{name} must be a whole number of seconds of at least 1, got {secs}"
                ));
            }
            self.completion_window_secs = secs as i64;
            return Ok(());
        }
        // Bounded so that timestamps computed from them (times 50,000 requests for
        // per_request_secs) stay far inside an i64 of milliseconds.
        let most = if name == "per_request_secs" { 1e9 } else { 1e12 };
        if !(secs.is_finite() && secs >= 0.0 && secs <= most) {
            return Err(format!(
                "{name} must be a number of seconds from 0 to {most:e}, got {secs}"
            ));
        }
        let slot = match name {
            "validating_secs" => &mut self.validating_secs,
            "per_request_secs" => &mut self.per_request_secs,
            "min_in_progress_secs" => &mut self.min_in_progress_secs,
            "finalizing_secs" => &mut self.finalizing_secs,
            "cancelling_secs" => &mut self.cancelling_secs,
            _ => {
                return Err(format!(
                    "no phase duration {name:?}; the durations are {}",
                    Timing::SETTINGS.join(", ")
                ));
            }
        };
        *slot = secs;
        Ok(())
    }

    pub(crate) fn ms(secs: f64) -> i64 {
        if secs.is_finite() && secs > 0.0 { (secs * 1000.0).round() as i64 } else { 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_set_by_name_and_checked() {
        let mut t = Timing::default();
        for name in Timing::SETTINGS {
            t.set(name, 7.0).unwrap();
        }
        assert_eq!(t.per_request_secs, 7.0);
        assert_eq!(t.completion_window_secs, 7);
        assert!(t.set("validating_secs", -1.0).unwrap_err().contains("from 0 to 1e12"));
        assert!(t.set("validating_secs", 1e300).is_err());
        assert!(t.set("per_request_secs", 1e10).unwrap_err().contains("from 0 to 1e9"));
        assert!(t.set("finalizing_secs", f64::NAN).is_err());
        assert!(t.set("completion_window_secs", 0.0).unwrap_err().contains("whole number"));
        assert!(t.set("completion_window_secs", 1.5).is_err());
        assert!(t.set("speed", 1.0).unwrap_err().contains("validating_secs"));
        assert_eq!(t.validating_secs, 7.0, "a refused value changes nothing");
    }
}
