//! `batchform state mv [-dry-run] SOURCE DESTINATION`, with Terraform's rules: a whole
//! resource moves to a free resource address; an instance (or a resource whose only
//! instance has no key) moves to a free instance address; mode and type must match.

use super::text::go_quote;
use super::{ColorArgs, LockArgs, StateFileArgs, diag};
use crate::commands::Context;
use batchform_core::{Diagnostic, InstanceAddr, InstanceKey, ResourceAddr, TargetAddr};
use batchform_state::{Backend, LocalBackend, State};

/// Move an item in the state: rename a resource, or move one instance to another address.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Print what would be moved without changing the state.
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
    /// What to move.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Where to move it.
    #[arg(value_name = "DESTINATION")]
    pub destination: String,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let addrs =
        match super::parse_addresses(&[args.source.clone(), args.destination.clone()], color) {
            Ok(a) => a,
            Err(code) => return code,
        };
    let (source, destination) = (&addrs[0], &addrs[1]);
    let mut backend = match super::lock_for_change(&path, &args.lock, "state-mv", color) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let code = move_item(args, source, destination, &mut backend, color);
    if let Err(e) = backend.unlock() {
        diag::print(&[diag::backend_error(&e)], color);
    }
    code
}

fn move_item(
    args: &Args,
    source: &TargetAddr,
    destination: &TargetAddr,
    backend: &mut LocalBackend,
    color: bool,
) -> u8 {
    let mut state = match backend.read() {
        Ok(Some(state)) => state,
        Ok(None) => return super::no_state_file(color),
        Err(e) => return u8::from(diag::print(&[diag::backend_error(&e)], color)),
    };
    // A resource without count/for_each is taken as its single instance, so that
    // `mv a.b a.b[1]` works.
    let source = match source {
        TargetAddr::Resource(r) => match state.resource(r) {
            Some(res) if res.instances.contains_key(&InstanceKey::None) => {
                TargetAddr::Instance(r.instance(InstanceKey::None))
            }
            Some(_) => TargetAddr::Resource(r.clone()),
            None => {
                return fail(
                    "Invalid source address",
                    format!("Cannot move {r}: does not match anything in the current state."),
                    color,
                );
            }
        },
        instance => instance.clone(),
    };
    let prefix = if args.dry_run { "Would move" } else { "Move" };
    let moved_resource = source.resource().clone();
    match &source {
        TargetAddr::Resource(from) => {
            let TargetAddr::Resource(to) = destination else {
                return fail(
                    "Invalid target address",
                    format!(
                        "Cannot move {from} to {destination}: the source is a whole resource (not a resource instance) so the target must also be a whole resource."
                    ),
                    color,
                );
            };
            let mut errors = validate(from, to);
            if state.resource(to).is_some() {
                errors.push(Diagnostic::error(
                    "Invalid target address",
                    format!("Cannot move to {to}: there is already a resource at that address in the current state."),
                ));
            }
            if !errors.is_empty() {
                diag::print(&errors, color);
                return 1;
            }
            outln!("{prefix} {} to {}", go_quote(&from.to_string()), go_quote(&to.to_string()));
            if let Some(resource) = state.resources.remove(from) {
                state.resources.insert(to.clone(), resource);
            }
        }
        TargetAddr::Instance(from) => {
            let to = match destination {
                TargetAddr::Instance(i) => i.clone(),
                TargetAddr::Resource(r) => r.instance(InstanceKey::None),
            };
            let mut errors = validate(&from.resource, &to.resource);
            if instance_exists(&state, &to) {
                errors.push(Diagnostic::error(
                    "Invalid target address",
                    format!("Cannot move to {to}: there is already a resource instance at that address in the current state."),
                ));
            }
            if !instance_exists(&state, from) {
                errors.push(Diagnostic::error(
                    "Invalid source address",
                    format!("The current state does not contain {from}."),
                ));
            }
            if !errors.is_empty() {
                diag::print(&errors, color);
                return 1;
            }
            outln!("{prefix} {} to {}", go_quote(&from.to_string()), go_quote(&args.destination));
            let provider = state.provider(&from.resource).unwrap_or_default().to_string();
            if let Some(instance) = state.remove_instance(from) {
                let resource = state.resources.entry(to.resource.clone()).or_insert_with(|| {
                    batchform_state::Resource { provider, instances: Default::default() }
                });
                resource.instances.insert(to.key.clone(), instance);
            }
        }
    }
    if args.dry_run {
        return 0;
    }
    forget_dependencies_on(&mut state, &moved_resource);
    if let Err(code) = super::save(backend, &state, color) {
        return code;
    }
    outln!("Successfully moved 1 object(s).");
    0
}

fn instance_exists(state: &State, addr: &InstanceAddr) -> bool {
    state.resource(&addr.resource).is_some_and(|r| r.instances.contains_key(&addr.key))
}

fn validate(from: &ResourceAddr, to: &ResourceAddr) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if from.mode != to.mode {
        let kind = if from.mode == batchform_core::Mode::Managed { "managed" } else { "data" };
        errors.push(Diagnostic::error(
            "Invalid state move request",
            format!("Cannot move {from} to {to}: a {kind} resource can be moved only to another {kind} resource address."),
        ));
    }
    if from.type_name != to.type_name {
        errors.push(Diagnostic::error(
            "Invalid state move request",
            format!("Cannot move {from} to {to}: resource types don't match."),
        ));
    }
    errors
}

/// Dependencies recorded on the moved resource are stale; Terraform drops the whole list of
/// any object that named it so the next apply records them afresh.
fn forget_dependencies_on(state: &mut State, moved: &ResourceAddr) {
    for resource in state.resources.values_mut() {
        for instance in resource.instances.values_mut() {
            if let Some(object) = instance.current.as_mut() {
                if object.dependencies.contains(moved) {
                    object.dependencies.clear();
                }
            }
        }
    }
}

fn fail(summary: &str, detail: String, color: bool) -> u8 {
    diag::error(summary, detail, color)
}
