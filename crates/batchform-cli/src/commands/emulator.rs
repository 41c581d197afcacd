//! `batchform emulator serve`: run the local OpenAI Files + Batches API emulator until
//! Ctrl-C (or SIGTERM), printing its base URL.

use super::Context;
use batchform_emulator::{Clock, DEFAULT_SPEED, EmulatorConfig, FaultConfig, FaultRule, Timing};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Run a local emulator of the OpenAI Files and Batches API.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: EmulatorCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum EmulatorCommand {
    /// Serve the emulator until interrupted. Point any OpenAI client's base URL at the
    /// printed address.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// Directory where files and batches persist across restarts. Without it, objects live
    /// in a temporary directory removed at exit.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Simulated seconds per real second. The default finishes a small batch in a few
    /// seconds; use 1 for real time.
    #[arg(long, default_value_t = DEFAULT_SPEED, value_name = "FACTOR")]
    pub speed: f64,

    /// Accept only these bearer keys (repeatable). Without any, every request is accepted.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,

    /// Inject a fault: KIND[:ARG][@TRIGGER][@ROUTE], e.g. `429:5@p=0.1`,
    /// `drop-after-create@nth=1@POST:/v1/batches`, `html:502@every=10` (repeatable).
    #[arg(long = "fault", value_name = "RULE")]
    pub faults: Vec<String>,

    /// Read fault rules from a JSON file: {"rules": [...], "seed": N, "header_control": bool}.
    #[arg(long = "faults", value_name = "FILE")]
    pub faults_file: Option<PathBuf>,

    /// Seed for probabilistic faults (reproducible runs).
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,

    /// Let clients force a fault on one request with the `x-batchform-fault: KIND[:ARG]` header.
    #[arg(long)]
    pub fault_header: bool,

    /// Start with the files and batches of this JSON seed file, with the ids it chooses
    /// (`{"files": [...], "batches": [...]}`). Objects whose ids already exist are kept as
    /// they are, so restarting with the same seed and --data-dir changes nothing.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Simulated seconds a new batch stays `validating` (default 60).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub validating_secs: Option<f64>,

    /// Simulated seconds each request takes while `in_progress`, one after another
    /// (default 0.05).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub per_request_secs: Option<f64>,

    /// `in_progress` lasts at least this many simulated seconds (default 60).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub min_in_progress_secs: Option<f64>,

    /// Simulated seconds a batch stays `finalizing` (default 60).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub finalizing_secs: Option<f64>,

    /// Simulated seconds a cancelled batch stays `cancelling` (default 60).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub cancelling_secs: Option<f64>,

    /// The completion window in simulated seconds: a batch still running this long after
    /// its creation becomes `expired` (default 86400, the API's 24h).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub completion_window_secs: Option<f64>,

    /// Do not fsync writes. They stay atomic (objects survive a restart or a killed
    /// emulator) but not a machine crash; for tests and benchmarks on slow disks.
    #[arg(long)]
    pub no_fsync: bool,
}

impl ServeArgs {
    /// The phase durations: the defaults with the flags given applied.
    fn timing(&self) -> Result<Timing, String> {
        let mut timing = Timing::default();
        let given = [
            ("validating_secs", self.validating_secs),
            ("per_request_secs", self.per_request_secs),
            ("min_in_progress_secs", self.min_in_progress_secs),
            ("finalizing_secs", self.finalizing_secs),
            ("cancelling_secs", self.cancelling_secs),
            ("completion_window_secs", self.completion_window_secs),
        ];
        for (name, value) in given {
            if let Some(secs) = value {
                timing.set(name, secs).map_err(|e| format!("--{}", e.replace('_', "-")))?;
            }
        }
        Ok(timing)
    }
}

pub fn run(args: &Args, _ctx: &Context) -> u8 {
    match &args.command {
        EmulatorCommand::Serve(serve_args) => serve(serve_args),
    }
}

fn serve(args: &ServeArgs) -> u8 {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        eoutln!("Error: --speed must be a positive number, got {}", args.speed);
        return 1;
    }
    let timing = match args.timing() {
        Ok(t) => t,
        Err(msg) => {
            eoutln!("Error: {msg}");
            return 1;
        }
    };
    let faults = match fault_config(args) {
        Ok(f) => f,
        Err(msg) => {
            eoutln!("Error: {msg}");
            return 1;
        }
    };
    let config = EmulatorConfig {
        data_dir: args.data_dir.clone(),
        fsync: !args.no_fsync,
        listen: args.listen,
        api_keys: args.api_keys.clone(),
        clock: Clock::system(args.speed),
        faults,
        seed: args.seed.clone(),
        timing,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eoutln!("Error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async move {
        let emulator = match batchform_emulator::start(config).await {
            Ok(em) => em,
            Err(e) => {
                eoutln!("Error: {e}");
                return 1;
            }
        };
        for warning in emulator.load_warnings() {
            eoutln!("Warning: ignored an unreadable stored object: {warning}");
        }
        if let Some(seeded) = emulator.seeded() {
            eoutln!(
                "Seed file: {} object(s) created, {} already present.",
                seeded.created, seeded.existing
            );
        }
        // Listen before announcing the URL: whoever reads it may signal us at once.
        let stop = wait_for_signal();
        outln!("{}", emulator.base_url());
        eoutln!(
            "OpenAI emulator listening on {} (data in {}, {} simulated s per s{}). Ctrl-C stops it.",
            emulator.base_url(),
            emulator.data_dir().display(),
            args.speed,
            if args.api_keys.is_empty() { ", any API key accepted" } else { "" },
        );
        stop.await;
        eoutln!("Shutting down the emulator...");
        match emulator.shutdown().await {
            Ok(()) => 0,
            Err(e) => {
                eoutln!("Error: {e}");
                1
            }
        }
    })
}

fn fault_config(args: &ServeArgs) -> Result<FaultConfig, String> {
    let mut config = match &args.faults_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!("reading {}: {}", path.display(), crate::ui::io_error_text(&e))
            })?;
            FaultConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => FaultConfig::default(),
    };
    for text in &args.faults {
        let rule: FaultRule = text.parse().map_err(|e| format!("--fault: {e}"))?;
        config.rules.push(rule);
    }
    if args.fault_seed.is_some() {
        config.seed = args.fault_seed;
    }
    config.header_control |= args.fault_header;
    Ok(config)
}

/// Registers SIGINT and SIGTERM handlers now; the returned future completes on either.
fn wait_for_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
