//! `batchform state push [-force] FILE`.

use super::{ColorArgs, LockArgs, StateFileArgs, diag};
use crate::commands::Context;
use batchform_state::{Backend, BackendError};
use std::io::Read;

/// Replace the state with the state in FILE ("-" reads stdin). Refuses a state of another
/// lineage, an older serial, or the same serial with different content, unless -force.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Write the state even if lineages differ or the serial is lower (dangerous).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::parse_bool
    )]
    pub force: bool,
    /// The state file to push, or - for stdin.
    #[arg(value_name = "FILE")]
    pub source: String,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut bytes = Vec::new();
    let read = if args.source == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(&args.source).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eoutln!("open {}: {}", args.source, crate::ui::io_error_text(&e));
        return 1;
    }
    let pushed = match batchform_state::codec::decode(&bytes) {
        Ok(Some(state)) => state,
        Ok(None) => {
            eoutln!("Failed to read state from {}: the file is empty", args.source);
            return 1;
        }
        Err(e) => return diag::error(e.summary(), e.to_string(), color),
    };
    let mut backend = match super::lock_for_change(&path, &args.lock, "state-push", color) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let result = backend.push_snapshot(&pushed, args.force);
    let code = match result {
        Ok(_) => 0,
        Err(BackendError::Refused(message)) => {
            eoutln!("Failed to write state: {message}");
            1
        }
        Err(e) => u8::from(diag::print(&[diag::backend_error(&e)], color)),
    };
    if let Err(e) = backend.unlock() {
        diag::print(&[diag::backend_error(&e)], color);
    }
    code
}
