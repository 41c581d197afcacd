//! `batchform show [-json] [-no-color] [PATH]`: the state in Terraform's human form, or the
//! state JSON format 1.0 on one line. (`show PLANFILE` comes with the engine.)

use super::Context;
use super::state::{BuiltinSchemas, ColorArgs, StateFileArgs, diag, human};
use batchform_state::{State, codec};
use std::io::Write;
use std::path::Path;

/// Show the current state (or a saved state file) in a human-readable form or as JSON.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub file: StateFileArgs,
    #[command(flatten)]
    pub color: ColorArgs,
    /// Print the state as JSON (format_version 1.0) on one line.
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "false",
        default_missing_value = "true",
        value_parser = super::state::parse_bool
    )]
    pub json: bool,
    /// A state file to show instead of the current state.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
}

pub fn run(args: &Args, _ctx: &Context) -> u8 {
    let color = args.color.color();
    let state = match &args.path {
        Some(path) => read_state_file(Path::new(path), color),
        None => super::state::read_state(&args.file.path())
            .map_err(|d| u8::from(diag::print(&[*d], color))),
    };
    let state: Option<State> = match state {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let mut line = batchform_state::jsonstate::to_json(state.as_ref(), &BuiltinSchemas);
        line.push(b'\n');
        let _ = stdout.write_all(&line);
    } else {
        let _ = stdout.write_all(human::render_state(state.as_ref(), &BuiltinSchemas).as_bytes());
    }
    0
}

fn read_state_file(path: &Path, color: bool) -> Result<Option<State>, u8> {
    let bytes = std::fs::read(path).map_err(|e| {
        diag::error(
            "Failed to read the given file as a state or plan file",
            format!("State read error: open {}: {}", path.display(), crate::ui::io_error_text(&e)),
            color,
        )
    })?;
    codec::decode(&bytes).map_err(|e| {
        diag::error(
            "Failed to read the given file as a state or plan file",
            format!("State read error: {}: {e}", e.summary()),
            color,
        )
    })
}
