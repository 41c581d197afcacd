//! `batchform plan`: show what apply would do, optionally saving the plan (`-out`).

use super::Context;
use crate::session::{self, Session, StateOptions};
use batchform_core::{Diagnostic, Diagnostics, InstanceAddr, TargetAddr};
use batchform_engine::plan::{Plan, PlanMode};
use batchform_engine::planner::PlanOptions;
use std::path::PathBuf;

/// Options shared by plan, apply, destroy and refresh.
#[derive(Debug, Clone, clap::Args)]
pub struct OperationArgs {
    /// Set a value for one of the input variables (NAME=VALUE); repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Load variable values from the given file; repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<String>,
    /// Limit the operation to these resource addresses (and what they depend on); repeatable.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Force replacement of this resource instance; repeatable.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Read remote objects before planning (-refresh=false skips it).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", value_parser = super::state::parse_bool)]
    pub refresh: bool,
    /// Only update state and outputs from the remote objects.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// Limit the number of concurrent provider operations.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Ask for input for variables if not directly set (-input=false never asks).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", value_parser = super::state::parse_bool)]
    pub input: bool,
    /// Use this state file instead of terraform.tfstate (or the backend's path).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub lock: super::state::LockArgs,
    #[command(flatten)]
    pub color: super::state::ColorArgs,
    /// Machine-readable output: one JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// Show warnings in a compact form that includes only the summary messages.
    #[arg(long = "compact-warnings")]
    pub compact_warnings: bool,
}

impl OperationArgs {
    pub fn state_options(&self) -> StateOptions<'_> {
        StateOptions {
            path: self.state.clone(),
            lock: &self.lock,
            json: self.json,
            input: self.input,
        }
    }

    /// `-target` and `-replace` as addresses, or the diagnostics for bad ones.
    pub fn addresses(&self) -> Result<(Vec<TargetAddr>, Vec<InstanceAddr>), Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut targets = Vec::new();
        for t in &self.targets {
            match t.parse::<TargetAddr>() {
                Ok(a) => targets.push(a),
                Err(e) => diags.push(Diagnostic::error("Invalid target address", e.to_string())),
            }
        }
        let mut replace = Vec::new();
        for r in &self.replace {
            match r.parse::<TargetAddr>() {
                Ok(TargetAddr::Instance(i)) => replace.push(i),
                Ok(TargetAddr::Resource(res)) => {
                    replace.push(res.instance(batchform_core::InstanceKey::None))
                }
                Err(e) => diags.push(Diagnostic::error("Invalid replace address", e.to_string())),
            }
        }
        if diags.is_empty() { Ok((targets, replace)) } else { Err(diags) }
    }
}

/// Show changes required by the current configuration.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub op: OperationArgs,
    /// Write the plan to this file, to apply exactly it later.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Plan to destroy every object in state.
    #[arg(long)]
    pub destroy: bool,
    /// Exit 0 when there are no changes, 2 when there are, 1 on errors.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
}

/// Run the planner for a session; `None` when Ctrl-C stopped it (the "Interrupt received"
/// lines are printed; nothing was written, the caller exits 1). The session gives its state
/// up to the plan (the plan's `prior_state`), which saves copying it.
pub fn make_plan(
    session: &mut Session,
    ctx: &Context,
    opts: &PlanOptions,
    parallelism: usize,
    ui: &crate::output::Ui,
) -> Option<Plan> {
    let hooks = ui.hooks();
    let prior = std::mem::take(&mut session.state);
    let library = session.env.library();
    let op = batchform_engine::operation::Operation {
        config: session.config(),
        variables: &session.variables,
        functions: &library,
        providers: &session.providers,
        hooks,
        paths: ctx.paths(),
        parallelism,
    };
    let mut plan = crate::signals::interruptible(
        &session.runtime,
        ui,
        batchform_engine::planner::plan(&op, prior, opts),
    )?;
    plan.timestamp = crate::ui::rfc3339_now();
    plan.variables = session.given_variables.clone();
    Some(plan)
}

pub fn mode_of(destroy: bool, refresh_only: bool) -> PlanMode {
    if destroy {
        PlanMode::Destroy
    } else if refresh_only {
        PlanMode::RefreshOnly
    } else {
        PlanMode::Normal
    }
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.op.color.color();
    if args.op.refresh_only && !args.op.refresh {
        eoutln!(
            "Error: Incompatible refresh options\n\nIt doesn't make sense to use -refresh-only at the same time as -refresh=false, because batchform would have nothing to do."
        );
        return 1;
    }
    let (targets, replace) = match args.op.addresses() {
        Ok(a) => a,
        Err(d) => {
            crate::diagnostics::print(&d, &crate::diagnostics::Sources::new(), color);
            return 1;
        }
    };
    let ui = crate::output::Ui::new(color, args.op.json);
    let mut session = match session::open(
        ctx,
        &args.op.state_options(),
        "OperationTypePlan",
        color,
        !args.destroy,
    ) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = PlanOptions {
        mode: mode_of(args.destroy, args.op.refresh_only),
        refresh: args.op.refresh,
        targets,
        replace,
    };
    let Some(plan) = make_plan(&mut session, ctx, &opts, args.op.parallelism, &ui) else {
        ui.plan_interrupted(&session.loaded.sources);
        return 1;
    };
    // Not freed: the process ends soon after, and freeing a big plan's many small
    // allocations one by one takes tens of milliseconds (40 ms for 1000 batches).
    let plan = std::mem::ManuallyDrop::new(plan);
    ui.diagnostics(&session.warnings, &session.loaded.sources);
    if plan.errored {
        ui.plan_failed(&plan, &session.registry, &session.loaded.sources);
        return 1;
    }
    ui.show_plan(&plan, &session.registry);
    // Warnings found while planning (-target in effect, deprecations) follow the plan.
    ui.diagnostics(&plan.diagnostics, &session.loaded.sources);
    if let Some(out) = &args.out {
        let files = session.loaded.sources.files_in_order();
        match batchform_engine::planfile::write(&plan, &files) {
            Ok(bytes) => {
                if let Err(e) = std::fs::write(out, bytes) {
                    eoutln!(
                        "Error: Failed to write plan file\n\nThe plan file could not be written: {}.",
                        crate::ui::io_error_text(&e)
                    );
                    return 1;
                }
                ui.saved_plan(out, &plan);
            }
            Err(e) => {
                eoutln!("Error: Failed to write plan file\n\n{e}.");
                return 1;
            }
        }
    } else {
        ui.not_saved_note(&plan);
    }
    if args.detailed_exitcode && plan.has_changes() { 2 } else { 0 }
}
