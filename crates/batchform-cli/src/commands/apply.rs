//! `batchform apply [PLANFILE]`: plan (or load a saved plan), ask, and make it so. Also the
//! engine of `destroy` and `refresh`.

use super::Context;
use super::plan::{OperationArgs, make_plan, mode_of};
use crate::session::{self, Session};
use batchform_engine::apply::{Cancel, Persister};
use batchform_engine::plan::{Plan, PlanMode};
use batchform_engine::planner::PlanOptions;
use batchform_state::{Backend, GroupCommit, LocalBackend, StateChange};
use std::path::PathBuf;
use std::sync::Arc;

/// Create or update infrastructure according to the configuration, or apply a saved plan.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub op: OperationArgs,
    /// Skip interactive approval of the plan.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Destroy every object in state instead (same as `batchform destroy`).
    #[arg(long)]
    pub destroy: bool,
    /// A plan saved with `plan -out`, applied exactly, without asking.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,
}

/// How an apply run was invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Apply,
    Destroy,
    Refresh,
}

/// Persists changes through the state backend, one durable append each (shared syncs when
/// changes arrive together).
struct BackendPersister {
    commit: Arc<GroupCommit<LocalBackend>>,
}

#[async_trait::async_trait]
impl Persister for BackendPersister {
    async fn persist(&self, change: StateChange) -> Result<(), String> {
        self.persist_all(vec![change]).await
    }

    async fn persist_all(&self, changes: Vec<StateChange>) -> Result<(), String> {
        let commit = self.commit.clone();
        tokio::task::spawn_blocking(move || commit.persist_all(changes))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let kind = if args.destroy { Kind::Destroy } else { Kind::Apply };
    run_kind(args, ctx, kind)
}

pub fn run_kind(args: &Args, ctx: &Context, kind: Kind) -> u8 {
    let color = args.op.color.color();
    let ui = crate::output::Ui::new(color, args.op.json);
    if args.op.json && !args.auto_approve && args.plan_file.is_none() {
        eoutln!(
            "Error: Plan file or auto-approve required\n\nbatchform cannot ask for interactive approval when -json is set. To approve, use -auto-approve or apply a saved plan file."
        );
        return 1;
    }
    if let Some(file) = &args.plan_file {
        return apply_saved(file, args, ctx, &ui);
    }
    let (targets, replace) = match args.op.addresses() {
        Ok(a) => a,
        Err(d) => {
            crate::diagnostics::print(&d, &crate::diagnostics::Sources::new(), color);
            return 1;
        }
    };
    let operation =
        if kind == Kind::Refresh { "OperationTypeRefresh" } else { "OperationTypeApply" };
    let mut session =
        match session::open(ctx, &args.op.state_options(), operation, color, kind != Kind::Destroy)
        {
            Ok(s) => s,
            Err(code) => return code,
        };
    let mode = match kind {
        Kind::Destroy => PlanMode::Destroy,
        Kind::Refresh => PlanMode::RefreshOnly,
        Kind::Apply => mode_of(false, args.op.refresh_only),
    };
    let opts = PlanOptions { mode, refresh: args.op.refresh, targets, replace };
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
    if kind != Kind::Refresh && args.auto_approve && plan.has_changes() {
        // Nothing to wait for: the walk starts while the plan is rendered, and what it
        // prints comes out after the plan, as if it had started afterwards.
        let registry = std::mem::take(&mut session.registry);
        let code = std::thread::scope(|scope| {
            let held = crate::ui::hold_output();
            let (plan, registry, render_ui) = (&plan, &registry, ui.clone());
            scope.spawn(move || held.release(render_ui.plan_output(plan, registry).as_bytes()));
            ui.diagnostics(&plan.diagnostics, &session.loaded.sources);
            finish(&mut session, ctx, plan, &ui, args.op.parallelism, kind)
        });
        session.registry = registry;
        return leave(session, code);
    }
    // `refresh` shows only the refresh lines and the outputs, as Terraform's does.
    if kind != Kind::Refresh {
        ui.show_plan(&plan, &session.registry);
    }
    // Warnings found while planning (-target in effect, deprecations) follow the plan.
    ui.diagnostics(&plan.diagnostics, &session.loaded.sources);
    if !plan.has_changes() {
        // Nothing to do, but refreshed state still becomes state (as Terraform does).
        let code = finish(&mut session, ctx, &plan, &ui, args.op.parallelism, kind);
        return leave(session, code);
    }
    if !args.auto_approve {
        if !args.op.input {
            eoutln!(
                "\nError: No approval given\n\nApply requires interactive approval, which -input=false disables. Use -auto-approve to apply without approval."
            );
            return 1;
        }
        if !ui.ask_approval(&plan, &session.runtime) {
            ui.cancelled(&plan);
            return 1;
        }
    }
    let code = finish(&mut session, ctx, &plan, &ui, args.op.parallelism, kind);
    leave(session, code)
}

/// The end of a command that ran [`finish`]: the session is left to the OS, which ends the
/// process next. Dropping it joins the runtime's threads and frees the configuration,
/// the state and the providers one allocation at a time (about 5 ms after an apply of
/// 1000 batches), for nothing; its backend holds no lock any more (`finish` released it).
/// Commands that stop before `finish` drop their session, which releases the lock.
fn leave(session: Session, code: u8) -> u8 {
    std::mem::forget(session);
    code
}

/// Apply `plan` in `session`, then write the final snapshot and report.
fn finish(
    session: &mut Session,
    ctx: &Context,
    plan: &Plan,
    ui: &crate::output::Ui,
    parallelism: usize,
    kind: Kind,
) -> u8 {
    let path = session.backend.path().to_path_buf();
    // The backend moves into the group committer for the walk and comes back for the
    // snapshot.
    let backend = std::mem::replace(&mut session.backend, LocalBackend::new(&path));
    let commit = Arc::new(GroupCommit::new(backend));
    let persister: Arc<dyn Persister> = Arc::new(BackendPersister { commit: commit.clone() });
    let cancel = Cancel::new();
    let signals = crate::signals::install(cancel.clone(), ui.clone(), session.runtime.handle());
    let library = session.env.library();
    let op = batchform_engine::operation::Operation {
        config: session.config(),
        variables: &session.variables,
        functions: &library,
        providers: &session.providers,
        hooks: ui.hooks(),
        paths: ctx.paths(),
        parallelism,
    };
    // Not freed, as the plan (see `run_kind`).
    let outcome =
        std::mem::ManuallyDrop::new(session.runtime.block_on(batchform_engine::apply::apply(
            &op,
            plan,
            persister.clone(),
            &cancel,
        )));
    drop(signals);
    drop(persister);
    // The backend comes back with its lock even if a task the walk left behind still holds
    // the committer (it can persist nothing more): the final snapshot is written locked.
    let Some(mut backend) = commit.close() else {
        unreachable!("only finish closes the committer")
    };
    let mut diags = outcome.diagnostics.clone();
    if let Err(e) = backend.persist_snapshot(&outcome.state) {
        let errored =
            batchform_state::write_errored_state(std::path::Path::new("."), &outcome.state);
        let detail = match errored {
            Ok(p) => format!(
                "Error saving state: {e}\n\nbatchform was unable to persist the state to the backend, so it was written to {} instead. Every change is also recorded in the journal beside the state file. Run \"batchform state push {}\" once the problem is fixed.",
                p.display(),
                p.display()
            ),
            Err(e2) => format!(
                "Error saving state: {e}; writing errored.tfstate also failed: {e2}. The changes are recorded in the state journal."
            ),
        };
        diags.push(batchform_core::Diagnostic::error("Failed to save state", detail));
    }
    let _ = backend.unlock();
    // Not freed either: it keeps a copy of the state it wrote (1000 batches: 5-12 ms to
    // free). The lock is released above, and by the OS with the process in any case.
    std::mem::forget(backend);
    ui.diagnostics(&diags, &session.loaded.sources);
    if outcome.interrupted {
        ui.interrupted_summary(&session.loaded.sources);
        return 1;
    }
    if diags.has_errors() {
        return 1;
    }
    ui.apply_complete(kind, &outcome);
    ui.deferred_note(plan.deferred.len());
    0
}

fn apply_saved(file: &std::path::Path, args: &Args, ctx: &Context, ui: &crate::output::Ui) -> u8 {
    let color = args.op.color.color();
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eoutln!(
                "\nError: Failed to load \"{}\" as a plan file\n\nError: {}",
                file.display(),
                crate::ui::io_error_text(&e)
            );
            return 1;
        }
    };
    let mut saved = match batchform_engine::planfile::read(&bytes) {
        Ok(s) => s,
        Err(e) => {
            eoutln!(
                "\nError: Failed to load \"{}\" as a plan file\n\n{}",
                file.display(),
                crate::ui::sentence(&e)
            );
            return 1;
        }
    };
    if saved.plan.errored {
        eoutln!(
            "\nError: Cannot apply incomplete plan\n\nbatchform encountered an error when generating this plan, so it cannot be applied."
        );
        return 1;
    }
    if !ctx.var_args.is_empty() {
        eoutln!(
            "\nError: Can't set variables when applying a saved plan\n\nThe -var and -var-file options cannot be used when applying a saved plan file, because a saved plan includes the variable values that were set when it was created."
        );
        return 1;
    }
    let mut session = match session::open_saved(ctx, &args.op.state_options(), color, &saved) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Terraform's check: a plan made with no state (serial 0) is compared only by serial.
    let first_plan = saved.plan.prior_state.serial == 0;
    if first_plan && session.state.serial == 0 {
        // The plan's lineage was made up by the planning process; the state written is the
        // one the backend handed out (and journals under), so a crash cannot split them.
        saved.plan.prior_state.lineage = session.state.lineage.clone();
        saved.plan.refreshed_state.lineage = session.state.lineage.clone();
    }
    let plan = &saved.plan;
    let stale = if !first_plan && session.state.lineage != plan.prior_state.lineage {
        Some((
            "Saved plan does not match the given state",
            "The given plan file can not be applied because it was created from a different state lineage.",
        ))
    } else if session.state.serial != plan.prior_state.serial {
        Some((
            "Saved plan is stale",
            "The given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
        ))
    } else {
        None
    };
    if let Some((summary, detail)) = stale {
        ui.diagnostics(
            &batchform_core::Diagnostics::from(batchform_core::Diagnostic::error(summary, detail)),
            &session.loaded.sources,
        );
        return 1;
    }
    ui.saved_plan_changes(plan);
    // Terraform reports a saved destroy plan as an apply ("Apply complete! ... N destroyed.").
    let kind = match plan.mode {
        PlanMode::RefreshOnly => Kind::Refresh,
        PlanMode::Destroy | PlanMode::Normal => Kind::Apply,
    };
    let code = finish(&mut session, ctx, plan, ui, args.op.parallelism, kind);
    leave(session, code)
}

/// `batchform destroy`.
pub mod destroy {
    use super::*;

    /// Destroy all remote objects managed by the configuration.
    #[derive(Debug, clap::Args)]
    pub struct Args {
        #[command(flatten)]
        pub op: OperationArgs,
        /// Skip interactive approval.
        #[arg(long = "auto-approve")]
        pub auto_approve: bool,
    }

    pub fn run(args: &Args, ctx: &Context) -> u8 {
        let apply_args = super::Args {
            op: args.op.clone(),
            auto_approve: args.auto_approve,
            destroy: true,
            plan_file: None,
        };
        run_kind(&apply_args, ctx, Kind::Destroy)
    }
}

/// `batchform refresh`: `apply -refresh-only -auto-approve`.
pub mod refresh {
    use super::*;

    /// Update the state to match remote objects (same as apply -refresh-only -auto-approve).
    #[derive(Debug, clap::Args)]
    pub struct Args {
        #[command(flatten)]
        pub op: OperationArgs,
    }

    pub fn run(args: &Args, ctx: &Context) -> u8 {
        let mut op = args.op.clone();
        op.refresh_only = true;
        let apply_args = super::Args { op, auto_approve: true, destroy: false, plan_file: None };
        run_kind(&apply_args, ctx, Kind::Refresh)
    }
}
