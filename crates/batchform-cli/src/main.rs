//! The `batchform` binary: parses Terraform-style arguments, runs one command, maps the
//! outcome to an exit code. Only this crate prints or reads the terminal.

#[macro_use]
mod ui;
mod args;
mod commands;
mod diagnostics;
mod functions;
mod output;
mod providers;
mod render;
mod session;
mod signals;
mod workdir;

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    init_logging();
    let argv: Vec<String> = std::env::args().collect();
    let code = commands::run(args::normalize(argv));
    ExitCode::from(code)
}

/// `BATCHFORM_LOG=debug` (or Terraform's `TF_LOG=DEBUG`) logs to stderr through `tracing`:
/// the providers' requests and responses, with the API key redacted. Any `tracing` filter
/// works (`BATCHFORM_LOG=batchform_openai=trace`). Off when neither is set.
fn init_logging() {
    let filter = std::env::var("BATCHFORM_LOG")
        .ok()
        .or_else(|| std::env::var("TF_LOG").ok().map(|level| level.to_ascii_lowercase()))
        .filter(|f| !f.trim().is_empty() && f != "off");
    let Some(filter) = filter else { return };
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("debug"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}
