//! `batchform show [-json] [-no-color] [PATH]`: the state in Terraform's human form, or the
//! state JSON format 1.0 on one line; for a saved plan file, the plan as `plan` printed it,
//! or the plan JSON format 1.2 on one line.

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
    /// A saved plan file (from plan -out) or a state file to show instead of the current
    /// state.
    #[arg(value_name = "PATH")]
    pub path: Option<String>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    if let Some(path) = &args.path
        && let Ok(bytes) = std::fs::read(path)
        && let Ok(saved) = batchform_engine::planfile::read(&bytes)
    {
        return show_plan(&saved, args.json, color);
    }
    let state = match &args.path {
        Some(path) => read_state_file(Path::new(path), color),
        None => args.file.path(ctx, color).and_then(|path| {
            super::state::read_state(&path).map_err(|d| u8::from(diag::print(&[*d], color)))
        }),
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

/// `show PLANFILE` and `show -json PLANFILE`.
fn show_plan(saved: &batchform_engine::planfile::SavedPlan, json: bool, color: bool) -> u8 {
    let loaded = match crate::session::load_saved_config(saved) {
        Ok(l) => l,
        Err((diags, sources)) => {
            crate::diagnostics::print(&diags, &sources, color);
            return 1;
        }
    };
    let registry = crate::providers::Registry::builtin();
    let mut stdout = std::io::stdout().lock();
    if json {
        let mut line = crate::render::plan_json::plan_json(
            &saved.plan,
            Some(&loaded.config),
            &registry,
            env!("CARGO_PKG_VERSION"),
        );
        line.push(b'\n');
        let _ = stdout.write_all(&line);
    } else {
        let options = crate::render::TextOptions::new(color);
        let text = crate::render::plan_text::plan_text(&saved.plan, &registry, &options);
        let _ = stdout.write_all(text.as_bytes());
    }
    0
}
