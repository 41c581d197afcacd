//! Apply and destroy texts: progress lines, summaries, outputs, prompts, interrupts.

use super::plan::{my_refresh_lines, split_refresh};
use super::*;
use crate::render::TextOptions;
use crate::render::apply_text::*;
use crate::render::color::Colorize;
use crate::render::plan_text::plan_text;
use batchform_core::{InstanceAddr, Type};
use batchform_engine::plan::{Action, InstanceChange};
use std::collections::BTreeSet;
use std::time::Duration;

/// A stand-in for an id Terraform generates during apply (normalised away).
const NEW_ID: &str = "00000000-0000-0000-0000-000000000000";

fn with_new_id(after: Option<&Value>) -> Value {
    let mut attrs = match after.map(|v| v.unmarked().0) {
        Some(Value::Object(a)) => a.clone(),
        _ => Default::default(),
    };
    let known = attrs.get("id").is_some_and(|id| id.is_known());
    if !known {
        attrs.insert("id".into(), Value::string(NEW_ID));
    }
    Value::Object(attrs)
}

/// The progress lines batchform prints for a change, as Terraform does (a replacement is a
/// delete and a create; the old object of a create-before-destroy is deposed).
pub fn progress_lines(change: &InstanceChange, color: &Colorize) -> Vec<String> {
    let addr: &InstanceAddr = &change.addr;
    let zero = Duration::ZERO;
    let before = change.before.clone().unwrap_or(Value::NULL);
    let created = with_new_id(change.after.as_ref());
    let create = |out: &mut Vec<String>| {
        out.extend(apply_start(
            addr,
            None,
            Action::Create,
            change.after.as_ref().unwrap_or(&Value::NULL),
            color,
        ));
        out.extend(apply_complete(addr, Action::Create, Some(&created), zero, color));
    };
    let delete = |out: &mut Vec<String>, deposed: Option<&str>| {
        out.extend(apply_start(addr, deposed, Action::Delete, &before, color));
        out.extend(apply_complete(addr, Action::Delete, None, zero, color));
    };
    let mut out = Vec::new();
    match change.action {
        Action::Create => create(&mut out),
        Action::Delete => delete(&mut out, None),
        Action::Update => {
            out.extend(apply_start(addr, None, Action::Update, &before, color));
            out.extend(apply_complete(addr, Action::Update, Some(&before), zero, color));
        }
        Action::DeleteThenCreate => {
            delete(&mut out, None);
            create(&mut out);
        }
        Action::CreateThenDelete => {
            create(&mut out);
            delete(&mut out, Some("00000000"));
        }
        Action::NoOp | Action::Read => {}
    }
    if let Some(id) = &change.importing {
        out.push(importing(addr, id, color));
        out.push(import_complete(addr, id, color));
    }
    out.into_iter().map(|l| normalize_ids(&l)).collect()
}

fn counts(plan: &Plan) -> ApplyCounts {
    let (added, changed, destroyed, imported) = plan.summary();
    ApplyCounts { imported, added, changed, destroyed }
}

/// Split Terraform's apply output into its progress lines (a set: they come in parallel)
/// and the end of the run (from the summary on).
fn split_progress(text: &str) -> (BTreeSet<String>, String) {
    let plain = strip_ansi(text);
    let at = plain.find("\nApply complete!").or_else(|| plain.find("\nDestroy complete!"));
    let Some(at_plain) = at else { panic!("no summary in {text:?}") };
    // The same cut in the coloured text: count the lines before it.
    let line_no = plain[..at_plain].lines().count();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let head: String = lines[..line_no].concat();
    let tail: String = lines[line_no..].concat();
    let progress = head.lines().map(normalize_ids).collect();
    (progress, normalize_ids(&tail))
}

fn apply_end(plan: &Plan, case: &str, destroy: bool, color: &Colorize) -> String {
    let after = batchform_state::codec::decode(
        &std::fs::read(case_dir(case).join("terraform/after.tfstate")).expect("after.tfstate"),
    )
    .expect("state")
    .unwrap_or_default();
    let mut end = apply_summary(destroy, counts(plan), color);
    if !destroy {
        end.push_str(&outputs(&after.outputs, color));
    }
    normalize_ids(&end)
}

/// `apply PLANFILE`: progress lines, summary, outputs.
fn check_saved_plan_apply(case: &str) {
    let plan = plan_of(case, PlanMode::Normal);
    for (file, color) in [("apply.txt", false), ("apply.color.txt", true)] {
        let color = Colorize::new(color);
        let (progress, tail) = split_progress(&golden(case, file));
        let mine: BTreeSet<String> =
            plan.changes.iter().flat_map(|c| progress_lines(c, &color)).collect();
        assert_eq!(progress, mine, "{case}/{file}: progress lines");
        assert_text(&tail, &apply_end(&plan, case, false, &color), &format!("{case}/{file}"));
    }
}

#[test]
fn apply_creates() {
    check_saved_plan_apply("create");
}

#[test]
fn apply_updates_replaces_and_destroys() {
    check_saved_plan_apply("update");
}

#[test]
fn apply_imports() {
    check_saved_plan_apply("import");
}

/// `destroy -auto-approve`: refresh, the plan, progress, summary (no outputs).
#[test]
fn destroy() {
    let plan = plan_of("destroy", PlanMode::Destroy);
    let registry = schemas();
    for (file, color) in [("destroy.txt", false), ("destroy.color.txt", true)] {
        let golden = as_batchform(&golden("destroy", file));
        let (refresh, rest) = split_refresh(&golden);
        assert_eq!(refresh, my_refresh_lines(&plan, color));
        let text = plan_text(&plan, &registry, &TextOptions::new(color));
        let after_plan = rest
            .strip_prefix(&text)
            .unwrap_or_else(|| panic!("{file}: plan text differs:\n{rest}"));
        let colorize = Colorize::new(color);
        let (progress, tail) = split_progress(after_plan);
        let mine: BTreeSet<String> =
            plan.changes.iter().flat_map(|c| progress_lines(c, &colorize)).collect();
        assert_eq!(progress, mine, "{file}: progress lines");
        assert_text(&tail, &apply_end(&plan, "destroy", true, &colorize), file);
    }
}

/// An apply with nothing to do, one that only changes outputs, and a destroy of nothing.
#[test]
fn applies_without_resource_changes() {
    let registry = schemas();
    let plain = Colorize::new(false);
    for (case, file) in [("nochanges", "apply-nochanges.txt"), ("outputs_only", "apply.txt")] {
        let plan = plan_of(case, PlanMode::Normal);
        let (_, rest) = split_refresh(&as_batchform(&golden(case, file)));
        let expected = plan_text(&plan, &registry, &TextOptions::new(false))
            + &apply_end(&plan, case, false, &plain);
        assert_text(&rest, &expected, &format!("{case}/{file}"));
    }
    let mut plan = plan_of("nochanges", PlanMode::Destroy);
    plan.changes.clear();
    plan.outputs.clear();
    let expected = plan_text(&plan, &registry, &TextOptions::new(false))
        + &apply_summary(true, ApplyCounts::default(), &plain);
    assert_text(
        &as_batchform(&golden("nochanges", "destroy-empty.txt")),
        &expected,
        "destroy-empty.txt",
    );
}

/// The approval prompts and what a "no" prints, for apply, destroy and refresh-only.
#[test]
fn prompts_and_cancellation() {
    let registry = schemas();
    let plain = Colorize::new(false);
    for (case, file, mode) in [
        ("create", "apply-prompt-no.txt", PlanMode::Normal),
        ("update", "apply-prompt-no.txt", PlanMode::Normal),
        ("destroy", "destroy-prompt-no.txt", PlanMode::Destroy),
        ("outputs_only", "refresh-only-prompt-no.txt", PlanMode::RefreshOnly),
    ] {
        let plan = plan_of(case, mode);
        let (_, rest) = split_refresh(&as_batchform(&golden(case, file)));
        let expected = plan_text(&plan, &registry, &TextOptions::new(false))
            + &approval_prompt(mode, &plain)
            + "\n"
            + cancelled(mode);
        assert_text(&rest, &expected, &format!("{case}/{file}"));
        assert_eq!(golden(case, &file.replace(".txt", ".exit")).trim(), "1");
    }
}

/// A 12-second creation: the "Still creating" line and the completion after 12s.
#[test]
fn long_operations_report_progress() {
    let addr = loader::addr("terraform_data.slow");
    let text = golden("slow", "apply.txt");
    let plain = Colorize::new(false);
    let still = still_running(&addr, Action::Create, None, Duration::from_secs(10), &plain);
    assert!(text.lines().any(|l| Some(l) == still.as_deref()), "{still:?} in {text}");
    let object = Value::object([("id", Value::string(NEW_ID))]);
    let done =
        apply_complete(&addr, Action::Create, Some(&object), Duration::from_millis(12_200), &plain);
    let done = done.map(|l| normalize_ids(&l));
    assert!(text.lines().any(|l| Some(normalize_ids(l)) == done), "{done:?} in {text}");
    let start = apply_start(&addr, None, Action::Create, &Value::unknown(Type::Dynamic), &plain);
    assert!(text.lines().any(|l| Some(l) == start.as_deref()));
}

/// The first Ctrl-C during an apply.
#[test]
fn interrupt_messages() {
    let text = as_batchform(&golden("slow", "interrupt.txt"));
    assert!(text.contains(&interrupt_received(78)), "{text}");
    assert!(text.contains(stopping_operation()), "{text}");
    assert_eq!(golden("slow", "interrupt.exit").trim(), "1");
    assert_eq!(
        two_interrupts(78),
        "\nTwo interrupts received. Exiting immediately. Note that data loss may have\noccurred.\n\n"
    );
}
