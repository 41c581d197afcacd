//! The plan text.

use super::*;
use crate::render::TextOptions;
use crate::render::apply_text::refreshing;
use crate::render::color::Colorize;
use crate::render::plan_text::{plan_next_step, plan_text};
use batchform_engine::plan::{Action, InstanceChange, Plan};
use std::collections::BTreeSet;

/// The refresh lines Terraform printed first, and the rest.
pub fn split_refresh(text: &str) -> (BTreeSet<String>, String) {
    let mut refresh = BTreeSet::new();
    let mut rest = text;
    while let Some((line, after)) = rest.split_once('\n') {
        let plain = strip_ansi(line);
        if plain.contains(": Refreshing state...") || plain.contains(": Preparing import...") {
            refresh.insert(line.to_string());
            rest = after;
        } else {
            break;
        }
    }
    (refresh, rest.to_string())
}

/// The refresh lines batchform prints for the prior state.
pub fn my_refresh_lines(plan: &Plan, color: bool) -> BTreeSet<String> {
    let color = Colorize::new(color);
    let mut out = BTreeSet::new();
    for (addr, object) in plan.prior_state.current_objects() {
        out.insert(refreshing(&addr, None, &object_value(&object.attributes), &color));
    }
    for change in &plan.changes {
        if let Some(id) = &change.importing {
            out.insert(crate::render::apply_text::preparing_import(&change.addr, id, &color));
            let object = Value::object([("id", Value::string(id.clone()))]);
            out.insert(refreshing(&change.addr, None, &object, &color));
        }
    }
    out
}

fn applyable(plan: &Plan) -> bool {
    !plan.errored && plan.has_changes()
}

/// plan.txt, plan.color.txt and plan-out.txt of a case.
fn check(case: &str, mode: PlanMode) {
    let plan = plan_of(case, mode);
    let registry = schemas();
    for (file, color, out_path) in [
        ("plan.txt", false, None),
        ("plan.color.txt", true, None),
        ("plan-out.txt", false, Some("tfplan")),
    ] {
        let (refresh, expected) = split_refresh(&as_batchform(&golden(case, file)));
        let options = TextOptions::new(color);
        let mut actual = plan_text(&plan, &registry, &options);
        if applyable(&plan) {
            actual.push_str(&plan_next_step(out_path, &options));
        }
        assert_text(&expected, &actual, &format!("{case}/{file}"));
        assert_eq!(refresh, my_refresh_lines(&plan, color), "{case}/{file}: refresh lines");
    }
}

#[test]
fn create() {
    check("create", PlanMode::Normal);
}

#[test]
fn update_replace_and_every_destroy_reason() {
    check("update", PlanMode::Normal);
}

#[test]
fn destroy_mode() {
    check("destroy", PlanMode::Destroy);
}

#[test]
fn no_changes() {
    check("nochanges", PlanMode::Normal);
}

#[test]
fn outputs_only() {
    check("outputs_only", PlanMode::Normal);
}

#[test]
fn import() {
    check("import", PlanMode::Normal);
}

#[test]
fn data_sources_read_during_apply() {
    check("read", PlanMode::Normal);
}

/// `show` of a plan with drift (doctored from real saved plans: terraform_data never drifts).
fn check_show(case: &str, mode: PlanMode) {
    let plan = plan_of(case, mode);
    let registry = schemas();
    for (file, color) in [("show.txt", false), ("show.color.txt", true)] {
        let expected = as_batchform(&golden(case, file));
        let actual = plan_text(&plan, &registry, &TextOptions::new(color));
        assert_text(&expected, &actual, &format!("{case}/{file}"));
    }
}

#[test]
fn drift_only_on_relevant_attributes() {
    check_show("drift_normal", PlanMode::Normal);
}

#[test]
fn drift_in_refresh_only_mode() {
    check_show("drift_refresh", PlanMode::RefreshOnly);
}

/// The drift note shows only when something is planned: with every change a no-op it is
/// left out, even though the drift touches attributes planned changes depend on. A no-op
/// whose values differ still counts as planned, as its diff says (the renderer computes the
/// diffs of no-ops, which print nothing, only for this question).
#[test]
fn drift_note_needs_a_planned_change() {
    let registry = schemas();
    let note = "Objects have changed outside of batchform";
    let mut plan = plan_of("drift_normal", PlanMode::Normal);
    assert!(!plan.relevant_attributes.is_empty() && !plan.drift.is_empty());
    assert!(plan_text(&plan, &registry, &TextOptions::new(false)).contains(note));
    plan.outputs.clear();
    for change in &mut plan.changes {
        change.action = Action::NoOp;
        change.reason = None;
        change.replace_paths.clear();
        change.after = change.before.clone();
    }
    let text = plan_text(&plan, &registry, &TextOptions::new(false));
    assert!(!text.contains(note), "{text}");
    assert!(text.contains("No changes."), "{text}");
    let differs = plan
        .changes
        .iter_mut()
        .find(|c| c.before.as_ref().is_some_and(|b| b.get_attr("input").is_some()))
        .expect("a change with an input");
    differs.after = Some(Value::object([("input", Value::string("changed"))]));
    let text = plan_text(&plan, &registry, &TextOptions::new(false));
    assert!(text.contains(note), "{text}");
}

/// The other modes' "No changes." texts, from the nochanges case's state.
#[test]
fn no_changes_in_each_mode() {
    let registry = schemas();
    let mut plan = plan_of("nochanges", PlanMode::RefreshOnly);
    for (file, color) in [("plan-refresh-only.txt", false), ("plan-refresh-only.color.txt", true)] {
        let (_, expected) = split_refresh(&as_batchform(&golden("nochanges", file)));
        let actual = plan_text(&plan, &registry, &TextOptions::new(color));
        assert_text(&expected, &actual, file);
    }
    plan.mode = PlanMode::Destroy;
    plan.changes.clear();
    plan.outputs.clear();
    for (file, color) in [("plan-destroy.txt", false), ("plan-destroy.color.txt", true)] {
        let expected = as_batchform(&golden("nochanges", file));
        let actual = plan_text(&plan, &registry, &TextOptions::new(color));
        assert_text(&expected, &actual, file);
    }
}

/// A plan that failed part-way: what was planned, then the error (printed separately).
#[test]
fn errored_plan() {
    let registry = schemas();
    let mut plan = plan_of("nochanges", PlanMode::Normal);
    plan.prior_state = Default::default();
    plan.refreshed_state = Default::default();
    plan.outputs.clear();
    plan.errored = true;
    let after = Value::object([
        ("id", Value::unknown(batchform_core::Type::String)),
        ("input", Value::string("fine")),
        ("output", Value::unknown(batchform_core::Type::Dynamic)),
        ("triggers_replace", Value::NULL),
    ]);
    plan.changes = vec![InstanceChange {
        addr: loader::addr("terraform_data.ok"),
        provider: batchform_config::model::ProviderConfigAddr::default_for("terraform"),
        provider_state_addr: "provider[\"terraform.io/builtin/terraform\"]".into(),
        action: Action::Create,
        reason: None,
        before: None,
        after: Some(after),
        replace_paths: Vec::new(),
        private: Vec::new(),
        schema_version: 0,
        create_before_destroy: false,
        dependencies: Vec::new(),
        importing: None,
        previous_address: None,
        deposed: None,
    }];
    for (file, color) in [("plan.txt", false), ("plan.color.txt", true)] {
        let expected = as_batchform(&golden("errored", file));
        let actual = plan_text(&plan, &registry, &TextOptions::new(color));
        assert_text(&expected, &actual, &format!("errored/{file}"));
    }
}

/// A plan that failed before anything was planned.
#[test]
fn planning_failed() {
    let mut plan = plan_of("nochanges", PlanMode::Normal);
    plan.changes.clear();
    plan.outputs.clear();
    plan.errored = true;
    let text = plan_text(&plan, &schemas(), &TextOptions::new(false));
    assert_eq!(
        text,
        "\nPlanning failed. batchform encountered an error while generating this plan.\n\n"
    );
    let coloured = plan_text(&plan, &schemas(), &TextOptions::new(true));
    assert_eq!(
        coloured,
        "\n\x1b[0m\x1b[1m\x1b[31mPlanning failed.\x1b[0m\x1b[1m batchform encountered an error while generating this plan.\x1b[0m\n\n\x1b[0m"
    );
}
