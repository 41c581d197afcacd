//! What plan and apply show the user, human or `-json`: the engine's events as progress lines,
//! the plan, the prompt, the summary and outputs. The texts themselves come from
//! `crate::render`; this module decides where they go (stdout for the product, stderr for
//! errors) and when.

use crate::commands::apply::Kind;
use crate::session::Session;
use batchform_engine::apply::ApplyOutcome;
use batchform_engine::hooks::{Event, Hooks};
use batchform_engine::plan::{Plan, PlanMode};
use std::io::{BufRead, Write};
use std::sync::Arc;

/// The user interface of one operation.
#[derive(Clone)]
pub struct Ui {
    pub color: bool,
    pub json: bool,
}

struct PrintHooks {
    ui: Ui,
}

impl Hooks for PrintHooks {
    fn event(&self, event: Event) {
        let line = if self.ui.json {
            crate::render::ui_json::event(&event)
        } else {
            crate::render::apply_text::event_line(&event, self.ui.color)
        };
        if let Some(line) = line {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

impl Ui {
    pub fn new(color: bool, json: bool) -> Ui {
        let ui = Ui { color, json };
        if json {
            println!("{}", crate::render::ui_json::version());
        }
        ui
    }

    pub fn hooks(&self) -> Arc<dyn Hooks> {
        Arc::new(PrintHooks { ui: self.clone() })
    }

    fn out(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    pub fn show_plan(&self, plan: &Plan, session: &Session) {
        if self.json {
            for line in crate::render::ui_json::plan(plan) {
                self.out(&format!("{line}\n"));
            }
            return;
        }
        self.out(&crate::render::plan_text::render(plan, session.config(), self.color));
    }

    pub fn plan_failed(&self, plan: &Plan, session: &Session) {
        if self.json {
            for d in &plan.diagnostics {
                self.out(&format!(
                    "{}\n",
                    crate::render::ui_json::diagnostic(d, &session.loaded.sources)
                ));
            }
            return;
        }
        session.print(&plan.diagnostics);
    }

    pub fn saved_plan(&self, path: &std::path::Path) {
        if !self.json {
            self.out(&crate::render::plan_text::saved_plan_note(path, self.color));
        }
    }

    pub fn not_saved_note(&self) {
        if !self.json && std::env::var_os("TF_IN_AUTOMATION").is_none() {
            self.out(&crate::render::plan_text::not_saved_note(self.color));
        }
    }

    /// Ask "Do you want to perform these actions?"; only `yes` approves.
    pub fn ask_approval(&self, plan: &Plan) -> bool {
        self.out(&crate::render::apply_text::approval_prompt(plan.mode, self.color));
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err() {
            return false;
        }
        println!();
        answer.trim() == "yes"
    }

    pub fn cancelled(&self, plan: &Plan) {
        let text =
            if plan.mode == PlanMode::Destroy { "Destroy cancelled." } else { "Apply cancelled." };
        eprintln!("{text}");
    }

    pub fn interrupt_received(&self) {
        eprintln!(
            "\nInterrupt received.\nPlease wait for batchform to exit or data loss may occur.\nGracefully shutting down...\n\nStopping operation..."
        );
    }

    pub fn two_interrupts(&self) {
        eprintln!(
            "\nTwo interrupts received. Exiting immediately. Every completed change is already recorded in the state."
        );
    }

    pub fn interrupted_summary(&self) {
        eprintln!(
            "\nError: Operation interrupted\n\nThe operation was interrupted before every change ran. The changes that completed are recorded in the state; run apply again to finish."
        );
    }

    pub fn apply_complete(&self, kind: Kind, outcome: &ApplyOutcome, plan: &Plan) {
        if self.json {
            for line in crate::render::ui_json::apply_complete(kind, outcome, plan) {
                self.out(&format!("{line}\n"));
            }
            return;
        }
        self.out(&crate::render::apply_text::summary(kind, outcome, self.color));
        self.out(&crate::render::apply_text::outputs(&outcome.state, self.color));
    }
}

/// A prompt on a terminal reads stdin; elsewhere it reads whatever is piped in.
#[allow(dead_code)]
fn is_interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}
