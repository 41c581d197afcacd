//! `batchform state list [-id=ID] [ADDRESS...]`.

use super::{ColorArgs, StateFileArgs, diag};
use crate::commands::Context;
use batchform_core::{Diagnostic, TargetAddr};

/// List resources in the state, one instance address per line.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Only instances whose "id" attribute equals ID.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Only instances of these resources, or these instances.
    #[arg(value_name = "ADDRESS")]
    pub addresses: Vec<String>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let filters = match super::parse_addresses(&args.addresses, color) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let state = match super::read_state(&path) {
        Ok(Some(state)) => state,
        Ok(None) => return super::no_state_file(color),
        Err(d) => return u8::from(diag::print(&[*d], color)),
    };
    for filter in &filters {
        let missing = match filter {
            TargetAddr::Resource(r) if state.resource(r).is_none() => Some(Diagnostic::error(
                "Unknown resource",
                format!(
                    "The current state contains no resource {r}. If you've just added this resource to the configuration, you must run \"batchform apply\" first to create the resource's entry in the state."
                ),
            )),
            TargetAddr::Instance(i)
                if state
                    .resource(&i.resource)
                    .is_none_or(|r| !r.instances.contains_key(&i.key)) =>
            {
                Some(Diagnostic::error(
                    "Unknown resource instance",
                    format!(
                        "The current state contains no resource instance {i}. If you've just added its resource to the configuration or have changed the count or for_each arguments, you must run \"batchform apply\" first to update the resource's entry in the state."
                    ),
                ))
            }
            _ => None,
        };
        if let Some(d) = missing {
            diag::print(&[d], color);
            return 1;
        }
    }
    let mut out = String::new();
    for (addr, object) in state.current_objects() {
        if !filters.is_empty() && !filters.iter().any(|f| f.contains(&addr)) {
            continue;
        }
        if let Some(id) = &args.id {
            if object.attribute("id").and_then(|v| v.as_str()) != Some(id.as_str()) {
                continue;
            }
        }
        out.push_str(&addr.to_string());
        out.push('\n');
    }
    out!("{out}");
    0
}
