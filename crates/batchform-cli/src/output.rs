//! What plan and apply show the user, human or `-json`: the engine's events as progress lines,
//! the plan, the prompt, the summary and outputs. The texts themselves come from
//! `crate::render`; this module decides where they go (stdout for the product, stderr for
//! errors) and when.

use crate::commands::apply::Kind;
use crate::diagnostics::Sources;
use crate::render::apply_text::{self, ApplyCounts, object_id, object_id_or_name};
use crate::render::color::Colorize;
use crate::render::{TextOptions, plan_text, stream};
use batchform_config::validate::SchemaSource;
use batchform_core::Diagnostics;
use batchform_engine::apply::ApplyOutcome;
use batchform_engine::hooks::{Event, Hooks};
use batchform_engine::plan::{Action, InstanceChange, Plan};
use std::sync::Arc;

/// The user interface of one operation.
#[derive(Clone)]
pub struct Ui {
    pub color: bool,
    pub json: bool,
    /// `TF_IN_AUTOMATION` is set: no hints about which command to run next.
    pub in_automation: bool,
}

struct PrintHooks {
    ui: Ui,
}

fn now() -> String {
    stream::timestamp(std::time::SystemTime::now())
}

impl Hooks for PrintHooks {
    fn event(&self, event: Event) {
        let line =
            if self.ui.json { json_event(&event) } else { human_event(&event, self.ui.color) };
        if let Some(line) = line {
            crate::ui::write_to(crate::ui::Stream::Stdout, format!("{line}\n").as_bytes());
        }
    }
}

fn human_event(event: &Event, color: bool) -> Option<String> {
    let color = &Colorize::new(color);
    match event {
        Event::ImportPrepare { addr, id } => Some(apply_text::preparing_import(addr, id, color)),
        Event::Importing { addr, id } => Some(apply_text::importing(addr, id, color)),
        Event::ImportComplete { addr, id } => Some(apply_text::import_complete(addr, id, color)),
        Event::RefreshStart { addr, deposed, prior } => {
            Some(apply_text::refreshing(addr, deposed.as_deref(), prior, color))
        }
        Event::ApplyStart { addr, deposed, action, prior } => {
            apply_text::apply_start(addr, deposed.as_deref(), *action, prior, color)
        }
        Event::ApplyProgress { addr, action, prior, elapsed } => apply_text::still_running(
            addr,
            *action,
            object_id_or_name(prior).as_ref(),
            *elapsed,
            color,
        ),
        Event::ApplyComplete { addr, action, new, elapsed } => {
            apply_text::apply_complete(addr, *action, new.as_ref(), *elapsed, color)
        }
        Event::RefreshComplete { .. } | Event::ApplyErrored { .. } => None,
    }
}

fn json_event(event: &Event) -> Option<String> {
    let ts = now();
    Some(match event {
        // Terraform's -json stream has no messages for importing: the `importing` of the
        // planned change says it.
        Event::ImportPrepare { .. } | Event::Importing { .. } | Event::ImportComplete { .. } => {
            return None;
        }
        Event::RefreshStart { addr, prior, .. } => {
            stream::refresh_start(addr, object_id(prior).as_ref(), &ts)
        }
        Event::RefreshComplete { addr, prior } => {
            stream::refresh_complete(addr, object_id(prior).as_ref(), &ts)
        }
        Event::ApplyStart { addr, action, prior, .. } => {
            stream::apply_start(addr, *action, object_id_or_name(prior).as_ref(), &ts)
        }
        Event::ApplyProgress { addr, action, prior, elapsed } => {
            stream::apply_progress(addr, *action, object_id_or_name(prior).as_ref(), *elapsed, &ts)
        }
        Event::ApplyComplete { addr, action, new, elapsed } => stream::apply_complete(
            addr,
            *action,
            new.as_ref().and_then(object_id).as_ref(),
            *elapsed,
            &ts,
        ),
        Event::ApplyErrored { addr, action, elapsed } => {
            stream::apply_errored(addr, *action, *elapsed, &ts)
        }
    })
}

impl Ui {
    /// The interface for a run; `-json` starts with the version line.
    pub fn new(color: bool, json: bool) -> Ui {
        let in_automation = std::env::var_os("TF_IN_AUTOMATION").is_some_and(|v| !v.is_empty());
        let ui = Ui { color: color && !json, json, in_automation };
        if json {
            ui.out(&format!("{}\n", stream::version(env!("CARGO_PKG_VERSION"), &now())));
        }
        ui
    }

    pub fn hooks(&self) -> Arc<dyn Hooks> {
        Arc::new(PrintHooks { ui: self.clone() })
    }

    fn options(&self) -> TextOptions {
        TextOptions { in_automation: self.in_automation, ..TextOptions::new(self.color) }
    }

    fn colorize(&self) -> Colorize {
        Colorize::new(self.color)
    }

    fn out(&self, text: &str) {
        crate::ui::write_to(crate::ui::Stream::Stdout, text.as_bytes());
    }

    /// Diagnostics: boxed text on stderr (warnings on stdout), or `diagnostic` lines.
    pub fn diagnostics(&self, diags: &Diagnostics, sources: &Sources) {
        if self.json {
            for d in diags {
                self.out(&format!("{}\n", stream::diagnostic(d, sources, &now())));
            }
        } else {
            crate::diagnostics::print(diags, sources, self.color);
        }
    }

    /// The plan (human text, or `planned_change` ... `change_summary` ... `outputs`).
    pub fn show_plan(&self, plan: &Plan, schemas: &dyn SchemaSource) {
        self.out(&self.plan_output(plan, schemas));
    }

    /// What [`Ui::show_plan`] prints.
    pub fn plan_output(&self, plan: &Plan, schemas: &dyn SchemaSource) -> String {
        if self.json {
            json_plan(plan)
        } else {
            plan_text::plan_text(plan, schemas, &self.options())
        }
    }

    /// A plan that failed: what was planned before the problem (as Terraform shows it),
    /// then the errors.
    pub fn plan_failed(&self, plan: &Plan, schemas: &dyn SchemaSource, sources: &Sources) {
        if self.json {
            self.out(&json_plan(plan));
        } else {
            self.out(&plan_text::plan_text(plan, schemas, &self.options()));
        }
        self.diagnostics(&plan.diagnostics, sources);
    }

    /// Applying a saved plan with `-json`: first a `planned_change` for each change that
    /// does something (no summary: the apply's follows), as Terraform's apply does.
    pub fn saved_plan_changes(&self, plan: &Plan) {
        if !self.json {
            return;
        }
        let ts = now();
        let mut out = String::new();
        for change in plan.changes.iter().filter(|c| c.action != Action::NoOp && streamed(c)) {
            out.push_str(&stream::planned_change(change, &ts));
            out.push('\n');
        }
        self.out(&out);
    }

    /// After `plan -out=FILE`: how to apply it.
    pub fn saved_plan(&self, path: &std::path::Path, plan: &Plan) {
        if !self.json && plan.has_changes() {
            let path = path.to_string_lossy();
            self.out(&plan_text::plan_next_step(Some(&path), &self.options()));
        }
    }

    /// After a plan without `-out`: the note that apply may do something else.
    pub fn not_saved_note(&self, plan: &Plan) {
        if !self.json && plan.has_changes() {
            self.out(&plan_text::plan_next_step(None, &self.options()));
        }
    }

    /// Ask "Do you want to perform these actions?"; only `yes` approves. Ctrl-C at the prompt
    /// aborts the input (not approved), as in Terraform.
    pub fn ask_approval(&self, plan: &Plan, runtime: &tokio::runtime::Runtime) -> bool {
        self.out(&apply_text::approval_prompt(plan.mode, &self.colorize()));
        let Some(answer) = crate::signals::read_line_interruptible(runtime) else {
            self.out("\n");
            return false;
        };
        self.out("\n");
        answer.trim_end_matches(['\r', '\n']) == "yes"
    }

    pub fn cancelled(&self, plan: &Plan) {
        self.out(apply_text::cancelled(plan.mode));
    }

    /// The first Ctrl-C.
    pub fn interrupt_received(&self) {
        if self.json {
            self.out(&format!(
                "{}\n",
                stream::log("Interrupt received. Gracefully shutting down...", &now())
            ));
            return;
        }
        self.out(&apply_text::interrupt_received(crate::diagnostics::DEFAULT_WIDTH));
        self.out(apply_text::stopping_operation());
    }

    /// The second Ctrl-C.
    pub fn two_interrupts(&self) {
        eout!("{}", apply_text::two_interrupts(crate::diagnostics::DEFAULT_WIDTH));
    }

    /// After Ctrl-C stopped a plan (or the plan of an apply) before anything changed (exit
    /// code 1).
    pub fn plan_interrupted(&self, sources: &Sources) {
        let diag = batchform_core::Diagnostic::error(
            "Operation interrupted",
            "The plan was interrupted before it finished. Nothing was changed and the state was not written.",
        );
        self.diagnostics(&Diagnostics::from(diag), sources);
    }

    /// After an interrupted apply (exit code 1).
    pub fn interrupted_summary(&self, sources: &Sources) {
        let diag = batchform_core::Diagnostic::error(
            "Operation interrupted",
            "The operation was interrupted before every change ran. The changes that completed are recorded in the state; run apply again to finish.",
        );
        self.diagnostics(&Diagnostics::from(diag), sources);
    }

    /// `Apply complete! ...` and the outputs (`Destroy complete! ...` for destroy).
    pub fn apply_complete(&self, kind: Kind, outcome: &ApplyOutcome) {
        if kind == Kind::Refresh {
            if self.json {
                let line = stream::applied_outputs(&outcome.state.outputs, &now());
                self.out(&format!("{line}\n"));
            } else {
                self.out(&apply_text::outputs(&outcome.state.outputs, &self.colorize()));
            }
            return;
        }
        let destroy = kind == Kind::Destroy;
        if self.json {
            let op = if destroy { stream::Operation::Destroy } else { stream::Operation::Apply };
            let ts = now();
            let mut text = stream::change_summary(
                op,
                outcome.added,
                outcome.changed,
                outcome.imported,
                outcome.destroyed,
                &ts,
            );
            text.push('\n');
            if !destroy {
                text.push_str(&stream::applied_outputs(&outcome.state.outputs, &ts));
                text.push('\n');
            }
            self.out(&text);
            return;
        }
        let counts = ApplyCounts {
            imported: outcome.imported,
            added: outcome.added,
            changed: outcome.changed,
            destroyed: outcome.destroyed,
        };
        self.out(&apply_text::apply_summary(destroy, counts, &self.colorize()));
        if !destroy {
            self.out(&apply_text::outputs(&outcome.state.outputs, &self.colorize()));
        }
    }
}

impl Ui {
    /// After an apply that left deferred resources: they need another run (batchform's
    /// addition; Terraform refuses such plans).
    pub fn deferred_note(&self, deferred: usize) {
        if deferred == 0 {
            return;
        }
        let what = if deferred == 1 {
            "1 resource was deferred".to_string()
        } else {
            format!("{deferred} resources were deferred")
        };
        let text = format!(
            "{what} (a count or for_each that could only be known once this apply ran). Run \"batchform apply\" again to plan and apply the rest."
        );
        if self.json {
            self.out(&format!("{}\n", stream::log(&text, &now())));
        } else {
            let text = crate::render::wrap::word_wrap(
                &format!("\nNote: {text}"),
                crate::diagnostics::DEFAULT_WIDTH,
            );
            self.out(&format!("{text}\n"));
        }
    }
}

/// Whether a change gets a `planned_change` line: not the deletion of a data source (as
/// Terraform leaves them out).
fn streamed(change: &InstanceChange) -> bool {
    !(change.action == Action::Delete && change.addr.resource.mode == batchform_core::Mode::Data)
}

/// The `-json` lines of a plan: drift, planned changes, the summary and output actions.
fn json_plan(plan: &Plan) -> String {
    let ts = now();
    let mut out = String::new();
    for drift in &plan.drift {
        out.push_str(&stream::resource_drift(drift, &ts));
        out.push('\n');
    }
    for change in plan.changes.iter().filter(|c| c.is_effective() && streamed(c)) {
        out.push_str(&stream::planned_change(change, &ts));
        out.push('\n');
    }
    let (add, change, destroy, import) = plan.summary();
    out.push_str(&stream::change_summary(
        stream::Operation::Plan,
        add,
        change,
        import,
        destroy,
        &ts,
    ));
    out.push('\n');
    if !plan.outputs.is_empty() {
        out.push_str(&stream::planned_outputs(&plan.outputs, &ts));
        out.push('\n');
    }
    out
}
