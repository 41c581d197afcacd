//! `show -json PLANFILE`, byte for byte.

use super::*;
use crate::render::plan_json::plan_json;

fn check(case: &str, mode: PlanMode) {
    let plan = plan_of(case, mode);
    let config = config_of(case);
    let mut expected = golden(case, "plan.json");
    if case == "drift_refresh" {
        // Terraform decided "applyable" before the drift was added to its saved plan; a
        // refresh-only plan that found drift can be applied.
        expected = expected.replace("\"applyable\":false", "\"applyable\":true");
    }
    // Deliberate difference: batchform never prints a sensitive variable's value (Terraform
    // 1.11 puts it in `variables`); the entry says `"sensitive":true` instead.
    for secret in ["hunter2", "correct horse"] {
        expected = expected.replace(
            &format!("\"variables\":{{\"secret\":{{\"value\":\"{secret}\"}}}}"),
            "\"variables\":{\"secret\":{\"sensitive\":true}}",
        );
    }
    let actual = plan_json(&plan, Some(&config), &schemas(), "1.11.4");
    let actual = String::from_utf8(actual).expect("utf-8");
    // For running external readers (checkov, terraform-compliance) on exactly our output.
    if let Ok(dir) = std::env::var("BATCHFORM_PLAN_JSON_DIR") {
        let _ = std::fs::write(format!("{dir}/{case}.json"), format!("{actual}\n"));
    }
    assert_text(expected.trim_end(), &actual, &format!("{case}/plan.json"));
}

#[test]
fn create() {
    check("create", PlanMode::Normal);
}

#[test]
fn update() {
    check("update", PlanMode::Normal);
}

#[test]
fn destroy() {
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
fn read_during_apply() {
    check("read", PlanMode::Normal);
}

#[test]
fn drift() {
    check("drift_normal", PlanMode::Normal);
    check("drift_refresh", PlanMode::RefreshOnly);
}
