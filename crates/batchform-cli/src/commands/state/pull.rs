//! `batchform state pull`.

use super::{ColorArgs, StateFileArgs, diag};
use crate::commands::Context;
use std::io::Write;

/// Print the current state (with changes from an interrupted run replayed) to stdout.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let path = match args.file.path(ctx, color) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match super::read_state(&path) {
        Ok(Some(state)) => {
            let bytes = batchform_state::codec::encode(&state);
            let _ = std::io::stdout().write_all(&bytes);
            0
        }
        Ok(None) => 0,
        Err(d) => u8::from(diag::print(&[*d], color)),
    }
}
