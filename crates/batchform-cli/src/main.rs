//! The `batchform` binary: parses Terraform-style arguments, runs one command, maps the
//! outcome to an exit code. Only this crate prints or reads the terminal.

mod args;
mod commands;
mod diagnostics;
mod functions;
mod providers;
mod render;
mod ui;
mod workdir;

use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let code = commands::run(args::normalize(argv));
    ExitCode::from(code)
}
