//! `batchform force-unlock [-force] LOCK_ID`: remove a lock left behind by a run that is
//! gone. A lock held by a running process cannot be removed: its OS lock is still held.

use super::Context;
use super::state::{ColorArgs, StateFileArgs, diag};
use batchform_state::{BackendError, LocalBackend};
use std::io::{BufRead, Write};

/// Release a stuck lock on the state.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Don't ask for confirmation.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::state::parse_bool
    )]
    pub force: bool,
    /// The lock ID printed in the "Error acquiring the state lock" message.
    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if !args.force && !confirm() {
        outln!("force-unlock cancelled.");
        return 1;
    }
    let mut backend = LocalBackend::new(&path);
    match backend.force_unlock(&args.lock_id) {
        Ok(_) => {
            outln!(
                "batchform state has been successfully unlocked!\n\nThe state has been unlocked, and batchform commands should now be able to\nobtain a new lock on the state."
            );
            0
        }
        Err(BackendError::LockHeld { holder }) => {
            let mut message = String::from(
                "Failed to unlock state: Local state cannot be unlocked by another process",
            );
            if let Some(info) = holder {
                message.push_str(&format!(
                    "\n\nThe lock is held by a running process{}. Wait for it to finish or stop it.\n\n{info}",
                    info.pid.map(|p| format!(" (PID {p})")).unwrap_or_default()
                ));
            }
            eoutln!("{message}");
            1
        }
        Err(e @ (BackendError::NotLocked | BackendError::LockIdMismatch { .. })) => {
            eoutln!("Failed to unlock state: {e}");
            1
        }
        Err(e) => u8::from(diag::print(&[diag::backend_error(&e)], color)),
    }
}

fn confirm() -> bool {
    out!(
        "Do you really want to force-unlock?\n  batchform will remove the lock on the state.\n  This will allow local batchform commands to modify this state, even though it\n  may still be in use. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    outln!();
    answer.trim_end_matches(['\n', '\r']) == "yes"
}
