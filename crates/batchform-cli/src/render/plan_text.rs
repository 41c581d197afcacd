//! Interim plan text.

use batchform_engine::plan::{Action, Plan};

pub fn render(plan: &Plan, _config: &batchform_config::model::Config, _color: bool) -> String {
    let mut out = String::new();
    for c in plan.effective_changes() {
        let verb = match c.action {
            Action::Create => "will be created",
            Action::Update => "will be updated in-place",
            Action::Delete => "will be destroyed",
            Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced",
            Action::Read => "will be read during apply",
            Action::NoOp => continue,
        };
        out.push_str(&format!("  # {} {verb}\n", c.addr));
    }
    for d in &plan.deferred {
        out.push_str(&format!("  # {} is deferred: {}\n", d.addr, d.reason));
    }
    let (add, change, destroy, import) = plan.summary();
    let import = plan.changes.iter().filter(|c| c.importing.is_some()).count().max(import);
    if import > 0 {
        out.push_str(&format!(
            "\nPlan: {import} to import, {add} to add, {change} to change, {destroy} to destroy.\n"
        ));
    } else if plan.has_changes() {
        out.push_str(&format!("\nPlan: {add} to add, {change} to change, {destroy} to destroy.\n"));
    } else {
        out.push_str("\nNo changes. Your infrastructure matches the configuration.\n");
    }
    out
}

pub fn saved_plan_note(path: &std::path::Path, _color: bool) -> String {
    format!("\nSaved the plan to: {}\n", path.display())
}

pub fn not_saved_note(_color: bool) -> String {
    String::new()
}
