//! `batchform validate [-json] [-no-color]`: check the configuration without touching state
//! or any remote API.

use super::Context;
use crate::diagnostics;
use serde::Serialize;

/// Validate the configuration files in a directory, referring only to the configuration and
/// not accessing any remote services such as remote state or provider APIs.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Produce output in a machine-readable JSON format.
    #[arg(long)]
    pub json: bool,

    /// If specified, output won't contain any color.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Serialize)]
struct JsonOutput {
    format_version: &'static str,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    diagnostics: Vec<diagnostics::JsonDiagnostic>,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let loaded = crate::workdir::load(&ctx.working_dir);
    let mut diags = loaded.diagnostics;
    if loaded.syntax_ok {
        let env = crate::functions::FunctionEnv::new(ctx, true, false);
        let functions = env.library();
        let schemas = crate::providers::Registry::builtin();
        diags.extend(batchform_config::validate::validate(
            &loaded.config,
            Some(&schemas),
            &functions,
        ));
    }
    diags.sort();
    let errors = diags.errors().count();
    let warnings = diags.len() - errors;
    if args.json {
        let out = JsonOutput {
            format_version: "1.0",
            valid: errors == 0,
            error_count: errors,
            warning_count: warnings,
            diagnostics: diags.iter().map(|d| diagnostics::to_json(d, &loaded.sources)).collect(),
        };
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return u8::from(errors > 0);
    }
    let color = ctx.color(args.no_color);
    diagnostics::print(&diags, &loaded.sources, color);
    if errors > 0 {
        return 1;
    }
    if color {
        outln!(
            "{}Success!{} The configuration is valid.\n",
            crate::ui::GREEN_BOLD,
            crate::ui::RESET
        );
    } else {
        outln!("Success! The configuration is valid.\n");
    }
    0
}
