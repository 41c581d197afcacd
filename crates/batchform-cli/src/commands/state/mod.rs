//! `batchform state list|show|rm|mv|pull|push`, and what they share with `show`, `output`
//! and `force-unlock`: the `-state`, `-lock`, `-lock-timeout` and `-no-color` flags, reading
//! the state for inspection (no lock, never a write), and locking it for a change.

pub mod diag;
pub mod hcl;
pub mod human;
pub mod text;

mod list;
mod mv;
mod pull;
mod push;
mod rm;
mod show;

use super::Context;
use batchform_core::Diagnostic;
use batchform_state::jsonstate::SchemaHints;
use batchform_state::{Backend, LocalBackend, LockRequest, State};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Advanced state management: inspect and edit the state file.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List resources in the state.
    List(list::Args),
    /// Show a resource instance in the state.
    Show(show::Args),
    /// Remove instances from the state (the remote objects are not destroyed).
    Rm(rm::Args),
    /// Move an item in the state (rename a resource or an instance).
    Mv(mv::Args),
    /// Print the current state to stdout.
    Pull(pull::Args),
    /// Replace the state with a local state file.
    Push(push::Args),
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    match &args.command {
        StateCommand::List(a) => list::run(a, ctx),
        StateCommand::Show(a) => show::run(a, ctx),
        StateCommand::Rm(a) => rm::run(a, ctx),
        StateCommand::Mv(a) => mv::run(a, ctx),
        StateCommand::Pull(a) => pull::run(a, ctx),
        StateCommand::Push(a) => push::run(a, ctx),
    }
}

/// `-state=PATH`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct StateFileArgs {
    /// Path to the state file to use (default: terraform.tfstate, or the path of a
    /// backend "local" block).
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
}

impl StateFileArgs {
    /// The state file for a command that does not otherwise read the configuration:
    /// `-state` if given, else the configuration is loaded from the working directory (as
    /// Terraform loads its backend configuration) and [`state_path`] decides. A
    /// configuration that fails to load is an error, as in Terraform (its backend block
    /// could name another file): the diagnostics are printed and the exit code returned.
    pub fn path(&self, ctx: &Context, color: bool) -> Result<PathBuf, u8> {
        if let Some(flag) = &self.state {
            return Ok(flag.clone());
        }
        let loaded = crate::workdir::load(&ctx.working_dir);
        if loaded.diagnostics.has_errors() {
            crate::diagnostics::print(&loaded.diagnostics, &loaded.sources, color);
            return Err(1);
        }
        Ok(state_path(&loaded.config, None))
    }
}

/// The one rule for where state lives, used by every command: `-state=PATH` if given, else
/// the `path` of the configuration's `backend "local"` block, else `terraform.tfstate`
/// (relative to the working directory).
pub fn state_path(config: &batchform_config::model::Config, flag: Option<&Path>) -> PathBuf {
    let backend_path =
        config.terraform.backend.as_ref().and_then(|b| b.body.attribute("path")).and_then(|a| {
            match &a.expr.kind {
                batchform_config::ast::ExprKind::String(s) => Some(PathBuf::from(s)),
                _ => None,
            }
        });
    batchform_state::resolve_state_path(flag, backend_path.as_deref())
}

/// `-lock` and `-lock-timeout`.
#[derive(Debug, Clone, clap::Args)]
pub struct LockArgs {
    /// Hold a state lock during the operation (-lock=false skips it; dangerous if others
    /// might run commands against the same state at the same time).
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "true",
        default_missing_value = "true",
        value_parser = parse_bool
    )]
    pub lock: bool,
    /// Duration to retry a state lock, e.g. 10s or 1m30s.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
}

/// `-no-color`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ColorArgs {
    /// Disable colour (and the box around diagnostics).
    #[arg(
        long = "no-color",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = parse_bool
    )]
    pub no_color: bool,
}

impl ColorArgs {
    pub fn color(&self) -> bool {
        diag::use_color(self.no_color)
    }
}

/// Go's `strconv.ParseBool`, which Terraform's flags use.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid boolean value {s:?}")),
    }
}

/// A Go duration (`0`, `500ms`, `10s`, `1m30s`, `1h`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let err = || format!("invalid duration {s:?} (use a number with a unit, like 10s or 1m30s)");
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return Err(err());
    }
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
        let value: f64 = rest[..num_end].parse().map_err(|_| err())?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(err()),
        };
        total += value * seconds;
        rest = &rest[unit_end..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| err())
}

/// Which attributes are dynamically typed, for rendering. The built-in `terraform_data`
/// resource is the only one known here; provider schemas are added when the engine wires
/// providers into these commands.
pub struct BuiltinSchemas;

impl SchemaHints for BuiltinSchemas {
    fn is_dynamic(&self, mode: batchform_core::Mode, resource_type: &str, attribute: &str) -> bool {
        mode == batchform_core::Mode::Managed
            && resource_type == "terraform_data"
            && matches!(attribute, "input" | "output" | "triggers_replace")
    }
}

/// Read the state for inspection: no lock, never a write. `Ok(None)` when there is no state
/// file (or it is empty).
pub fn read_state(path: &Path) -> Result<Option<State>, Box<Diagnostic>> {
    LocalBackend::new(path).read().map_err(|e| Box::new(diag::backend_error(&e)))
}

/// Terraform's message when a state command finds no state.
pub fn no_state_file(color: bool) -> u8 {
    let text = "No state file was found!\n\nState management commands require a state file. Run this command\nin a directory where batchform has been run or use the -state flag\nto point the command to a specific state location.\n";
    if color {
        eout!("\x1b[31m{text}\x1b[0m");
    } else {
        eout!("{text}");
    }
    1
}

/// Open the backend for a command that changes state, taking the lock unless `-lock=false`.
/// Prints Terraform's "Acquiring state lock" line when it has to wait.
pub fn lock_for_change(
    path: &Path,
    lock: &LockArgs,
    operation: &str,
    color: bool,
) -> Result<LocalBackend, u8> {
    let mut backend = LocalBackend::new(path);
    if !lock.lock {
        return Ok(backend);
    }
    let request = LockRequest::new(operation);
    let first = backend.lock(&request, Duration::ZERO);
    let result = match first {
        Err(batchform_state::BackendError::Locked { .. }) if !lock.lock_timeout.is_zero() => {
            outln!("Acquiring state lock. This may take a few moments...");
            backend.lock(&request, lock.lock_timeout)
        }
        other => other,
    };
    match result {
        Ok(_) => Ok(backend),
        Err(e) => {
            diag::print(&[diag::backend_error(&e)], color);
            Err(1)
        }
    }
}

/// Write the changed state at the end of a state command, with Terraform's message on
/// failure (the file on disk is untouched: writes are atomic).
pub fn save(backend: &mut LocalBackend, state: &State, color: bool) -> Result<(), u8> {
    match backend.persist_snapshot(state) {
        Ok(_) => Ok(()),
        Err(e) => Err(diag::error(
            "Error saving the state",
            format!(
                "{e}\n\nThe state was not saved and the state file is unchanged. Please resolve the issue above and try again."
            ),
            color,
        )),
    }
}

/// Parse command-line addresses, reporting every bad one.
pub fn parse_addresses(raw: &[String], color: bool) -> Result<Vec<batchform_core::TargetAddr>, u8> {
    let mut addrs = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for text in raw {
        match text.parse::<batchform_core::TargetAddr>() {
            Ok(addr) => addrs.push(addr),
            Err(e) => errors.push(Diagnostic::error("Invalid address", e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(addrs)
    } else {
        diag::print(&errors, color);
        Err(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("").is_err());
    }
}
