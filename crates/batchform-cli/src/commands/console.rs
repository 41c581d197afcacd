//! `batchform console`: evaluate expressions against the configuration's variables, locals
//! and the resources recorded in the state (read without a lock, never written), as
//! Terraform's console does; a resource the state does not have is `(known after apply)`.
//!
//! As in Terraform, piped input is evaluated line by line, only the last result is printed,
//! and the first error stops with exit code 1; on a terminal each result is printed after a
//! `> ` prompt and errors do not end the session.

use super::Context;
use crate::diagnostics::{self, Sources};
use batchform_config::model::Config;
use batchform_config::scope::ModuleScope;
use batchform_config::source::SourceFile;
use batchform_config::validate::SchemaSource;
use batchform_engine::values::{InstanceValues, Repetition, object_from_state};
use batchform_state::State;
use std::io::{BufRead, IsTerminal, Write};

/// Start an interactive console for experimenting with Terraform interpolations.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Set a value for one of the input variables in the root module of the configuration.
    /// Use this option more than once to set more than one variable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Load variable values from the given file, in addition to the default files
    /// terraform.tfvars and *.auto.tfvars. Use this option more than once to include more
    /// than one variables file.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<String>,

    /// If specified, output won't contain any color.
    #[arg(long)]
    pub no_color: bool,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = ctx.color(args.no_color);
    let mut loaded = crate::workdir::load(&ctx.working_dir);
    if loaded.diagnostics.has_errors() {
        diagnostics::print(&loaded.diagnostics, &loaded.sources, color);
        return 1;
    }
    let env = crate::functions::FunctionEnv::new(ctx, false, true);
    let functions = env.library();
    let (raw, mut diags) =
        crate::workdir::variable_inputs(&ctx.working_dir, &ctx.var_args, &mut loaded.sources);
    if diags.has_errors() {
        diagnostics::print(&diags, &loaded.sources, color);
        return 1;
    }
    let (variables, more) =
        batchform_config::variables::resolve_variables(&loaded.config, raw, &functions);
    diags.extend(more);
    if diags.has_errors() {
        diagnostics::print(&diags, &loaded.sources, color);
        return 1;
    }
    let path = crate::commands::state::state_path(&loaded.config, None);
    let state = match crate::commands::state::read_state(&path) {
        Ok(state) => state.unwrap_or_default(),
        Err(d) => {
            diagnostics::print(&batchform_core::Diagnostics::from(*d), &loaded.sources, color);
            return 1;
        }
    };
    let resources = state_values(&loaded.config, &state);
    let scope = ModuleScope::new(&loaded.config, &variables, &resources, &functions, ctx.paths());
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut last = None;
    let mut line_buf = String::new();
    let mut input = stdin.lock();
    loop {
        if interactive {
            out!("> ");
            let _ = std::io::stdout().flush();
        }
        line_buf.clear();
        match input.read_line(&mut line_buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line_buf.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" {
            break;
        }
        match evaluate(line, &scope) {
            Ok(text) => {
                if interactive {
                    outln!("{text}");
                } else {
                    last = Some(text);
                }
            }
            Err(diags) => {
                diagnostics::print(&diags, &Sources::new(), color);
                if !interactive {
                    return 1;
                }
            }
        }
    }
    if let Some(text) = last {
        outln!("{text}");
    }
    0
}

/// The values of the configuration's resources as the state records them. Resources the
/// state does not have stay undeclared, so they evaluate as unknown.
fn state_values(config: &Config, state: &State) -> InstanceValues {
    let registry = crate::providers::Registry::builtin();
    let mut values = InstanceValues::new();
    for (addr, resource) in &config.resources {
        let Some(recorded) = state.resource(addr) else { continue };
        let Some(schema) = registry.resource_schema(addr.mode, &addr.type_name) else {
            continue;
        };
        let repetition = Repetition::of(resource);
        values.declare(addr, repetition);
        for (key, instance) in &recorded.instances {
            if let Some(object) = &instance.current {
                if let Ok(value) = object_from_state(object, schema) {
                    values.set(addr, key.clone(), value);
                }
            }
        }
    }
    values
}

/// Evaluate one console line and render the result as Terraform's console does.
pub fn evaluate(
    line: &str,
    scope: &ModuleScope<'_>,
) -> Result<String, batchform_core::Diagnostics> {
    let file = SourceFile::new("<console-input>", line);
    let expr = batchform_config::lower::parse_expression(&file)?;
    let schemas = crate::providers::Registry::builtin();
    let statically =
        batchform_config::validate::check_expression(scope.config, Some(&schemas), &expr);
    if statically.has_errors() {
        return Err(statically);
    }
    let value = scope.eval(&expr);
    let more = scope.take_diagnostics();
    if more.has_errors() {
        return Err(more);
    }
    batchform_config::display::console_result(&value?).map_err(batchform_core::Diagnostics::from)
}
