//! `batchform taint ADDRESS` and `batchform untaint ADDRESS`: mark a resource instance in
//! the state as tainted (the next plan replaces it) or clear the mark. Nothing remote changes.

use super::state::{ColorArgs, LockArgs, StateFileArgs, diag};
use crate::commands::Context;
use batchform_core::{Diagnostic, InstanceAddr, InstanceKey, TargetAddr};
use batchform_state::{LocalBackend, ObjectStatus};

/// Mark a resource instance as not fully functional: the next plan replaces it.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Succeed (exit code 0) even if the instance is not in the state.
    #[arg(
        long = "allow-missing",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::state::parse_bool
    )]
    pub allow_missing: bool,
    /// The resource instance, e.g. openai_batch.nightly or 'openai_batch.jobs["a"]'.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

pub fn taint(args: &Args, ctx: &Context) -> u8 {
    run(args, ctx, Mark::Taint)
}

pub fn untaint(args: &Args, ctx: &Context) -> u8 {
    run(args, ctx, Mark::Untaint)
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Taint,
    Untaint,
}

fn run(args: &Args, ctx: &Context, mark: Mark) -> u8 {
    use batchform_state::Backend;
    let color = args.color.color();
    let addr = match args.address.parse::<TargetAddr>() {
        Ok(TargetAddr::Instance(addr)) => addr,
        Ok(TargetAddr::Resource(resource)) => InstanceAddr { resource, key: InstanceKey::None },
        Err(e) => {
            diag::print(&[Diagnostic::error("Invalid address", e.to_string())], color);
            return 1;
        }
    };
    let operation = if mark == Mark::Taint { "taint" } else { "untaint" };
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut backend = match super::state::lock_for_change(&path, &args.lock, operation, color) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let code = change(args, &addr, mark, &mut backend, color);
    if let Err(e) = backend.unlock() {
        diag::print(&[diag::backend_error(&e)], color);
    }
    code
}

fn change(
    args: &Args,
    addr: &InstanceAddr,
    mark: Mark,
    backend: &mut LocalBackend,
    color: bool,
) -> u8 {
    use batchform_state::Backend;
    let mut state = match backend.read() {
        Ok(state) => state.unwrap_or_default(),
        Err(e) => return u8::from(diag::print(&[diag::backend_error(&e)], color)),
    };
    let found =
        state.current(addr).cloned().zip(state.provider(&addr.resource).map(str::to_string));
    let Some((mut object, provider)) = found else {
        return missing(args, addr, mark, color);
    };
    match mark {
        Mark::Taint => object.status = ObjectStatus::Tainted,
        Mark::Untaint => {
            if object.status != ObjectStatus::Tainted {
                diag::print(
                    &[Diagnostic::error(
                        "Resource instance is not tainted",
                        format!(
                            "Resource instance {addr} is not currently tainted, and so it cannot be untainted."
                        ),
                    )],
                    color,
                );
                return 1;
            }
            object.status = ObjectStatus::Ready;
        }
    }
    state.set_current(addr, &provider, object);
    if let Err(code) = super::state::save(backend, &state, color) {
        return code;
    }
    match mark {
        Mark::Taint => outln!("Resource instance {addr} has been marked as tainted."),
        Mark::Untaint => outln!("Resource instance {addr} has been successfully untainted."),
    }
    0
}

fn missing(args: &Args, addr: &InstanceAddr, mark: Mark, color: bool) -> u8 {
    if args.allow_missing {
        diag::print(
            &[Diagnostic::warning(
                "No such resource instance",
                format!(
                    "Resource instance {addr} was not found, but this is not an error because -allow-missing was set."
                ),
            )],
            color,
        );
        return 0;
    }
    let detail = match mark {
        Mark::Taint => format!(
            "There is no resource instance in the state with the address {addr}. If the resource configuration has just been added, you must run \"batchform apply\" once to create the corresponding instance(s) before they can be tainted."
        ),
        Mark::Untaint => format!(
            "There is no resource instance in the state with the address {addr}. If the resource configuration has just been added, you must run \"batchform apply\" once to create the corresponding instance(s) before they can be untainted."
        ),
    };
    diag::print(&[Diagnostic::error("No such resource instance", detail)], color);
    1
}
