//! `batchform state rm [-dry-run] ADDRESS...`.

use super::{ColorArgs, LockArgs, StateFileArgs, diag};
use crate::commands::Context;
use batchform_core::{Diagnostic, InstanceAddr};
use batchform_state::Backend;

/// Remove instances from the state. The remote objects are not destroyed: batchform simply
/// stops managing them.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Print what would be removed without changing the state.
    #[arg(
        long = "dry-run",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::parse_bool
    )]
    pub dry_run: bool,
    /// Resources (all their instances) or instances to remove.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let targets = match super::parse_addresses(&args.addresses, color) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut backend = match super::lock_for_change(&path, &args.lock, "state-rm", color) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let code = remove(args, &targets, &mut backend, color);
    if let Err(e) = backend.unlock() {
        diag::print(&[diag::backend_error(&e)], color);
    }
    code
}

fn remove(
    args: &Args,
    targets: &[batchform_core::TargetAddr],
    backend: &mut batchform_state::LocalBackend,
    color: bool,
) -> u8 {
    let mut state = match backend.read() {
        Ok(Some(state)) => state,
        Ok(None) => return super::no_state_file(color),
        Err(e) => return u8::from(diag::print(&[diag::backend_error(&e)], color)),
    };
    let mut matched: Vec<InstanceAddr> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut errors = Vec::new();
    for target in targets {
        let found: Vec<InstanceAddr> =
            state.instance_addrs().filter(|addr| target.contains(addr)).collect();
        if found.is_empty() {
            errors.push(Diagnostic::error(
                "Invalid target address",
                "No matching objects found. To view the available instances, use \"batchform state list\". Please modify the address to reference a specific instance.",
            ));
        }
        for addr in found {
            if seen.insert(addr.clone()) {
                matched.push(addr);
            }
        }
    }
    if !errors.is_empty() {
        diag::print(&errors, color);
        return 1;
    }
    let verb = if args.dry_run { "Would remove" } else { "Removed" };
    let mut out = String::new();
    for addr in &matched {
        out.push_str(&format!("{verb} {addr}\n"));
        state.remove_instance(addr);
    }
    out!("{out}");
    if args.dry_run {
        return 0;
    }
    if let Err(code) = super::save(backend, &state, color) {
        return code;
    }
    outln!("Successfully removed {} resource instance(s).", matched.len());
    0
}
