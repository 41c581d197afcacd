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
        }
    }
}

/// Simulated durations of a batch's phases, in seconds. A batch keeps the timing it was
/// created with (it is stored with the batch), so changing it affects only new batches.
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
    pub(crate) fn ms(secs: f64) -> i64 {
        if secs.is_finite() && secs > 0.0 { (secs * 1000.0).round() as i64 } else { 0 }
    }
}
