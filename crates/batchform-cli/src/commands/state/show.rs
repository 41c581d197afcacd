//! `batchform state show ADDRESS`.

use super::{BuiltinSchemas, ColorArgs, StateFileArgs, diag, human};
use crate::commands::Context;
use batchform_core::{InstanceKey, TargetAddr};

/// Show the attributes of one resource instance in the state.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// The instance to show, e.g. openai_batch.nightly or terraform_data.x[0].
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

const NOT_FOUND: &str = "No instance found for the given address!\n\n";
const EXPLAIN: &str = "This command requires that the address references one specific instance.\nTo view the available instances, use \"batchform state list\". Please modify \nthe address to reference a specific instance.\n";

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let addr = match args.address.parse::<TargetAddr>() {
        Ok(TargetAddr::Instance(i)) => i,
        Ok(TargetAddr::Resource(r)) => r.instance(InstanceKey::None),
        Err(e) => {
            eout!("Error parsing instance address: {e}\n\n{EXPLAIN}");
            return 1;
        }
    };
    let state = match super::read_state(&path) {
        Ok(Some(state)) => state,
        Ok(None) => return super::no_state_file(color),
        Err(d) => return u8::from(diag::print(&[*d], color)),
    };
    match state.current(&addr) {
        Some(object) => {
            out!("{}", human::render_object(&addr, None, object, &BuiltinSchemas));
            0
        }
        None => {
            eout!("{NOT_FOUND}{EXPLAIN}");
            1
        }
    }
}
