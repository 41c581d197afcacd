//! The streaming JSON UI, line by line against Terraform's `-json` output.

use super::*;
use crate::render::apply_text::{ObjectId, object_id, object_id_or_name};
use crate::render::stream::{self, Operation};
use batchform_engine::plan::{Action, InstanceChange};
use std::collections::BTreeSet;
use std::time::Duration;

const TS: &str = "2026-01-01T00:00:00.000000Z";

/// Terraform's line as batchform writes it: our module and name, a fixed time.
fn normalize(line: &str) -> String {
    let ts = regex::Regex::new(r#""@timestamp":"[^"]*""#).expect("regex");
    let line = ts.replace(line, format!("\"@timestamp\":\"{TS}\"").as_str()).into_owned();
    let line = line
        .replace("\"@module\":\"terraform.ui\"", "\"@module\":\"batchform.ui\"")
        .replace("\"@message\":\"Terraform 1.11.4\"", "\"@message\":\"batchform 1.11.4\"")
        .replace("\"terraform\":\"1.11.4\"", "\"batchform\":\"1.11.4\",\"terraform\":\"1.11.4\"");
    normalize_ids(&line)
}

struct Lines {
    /// Lines in order, but the ones Terraform writes in parallel are collected apart.
    ordered: Vec<String>,
    parallel: BTreeSet<String>,
}

const PARALLEL: [&str; 5] =
    ["refresh_start", "refresh_complete", "planned_change", "apply_start", "apply_complete"];

fn split(text: &str) -> Lines {
    let mut lines = Lines { ordered: Vec::new(), parallel: BTreeSet::new() };
    for line in text.lines().map(normalize) {
        lines.push(line);
    }
    lines
}

impl Lines {
    fn push(&mut self, line: String) {
        let parallel = PARALLEL.iter().any(|t| line.contains(&format!("\"type\":\"{t}\"")));
        if parallel {
            self.parallel.insert(normalize_ids(&line));
        } else {
            self.ordered.push(normalize_ids(&line));
        }
    }
}

fn refresh_lines(plan: &Plan, out: &mut Lines) {
    for (addr, object) in plan.prior_state.current_objects() {
        let id = object_id(&object_value(&object.attributes));
        out.push(stream::refresh_start(&addr, id.as_ref(), TS));
        out.push(stream::refresh_complete(&addr, id.as_ref(), TS));
    }
}

fn planned_changes(plan: &Plan, out: &mut Lines) {
    for change in &plan.changes {
        if change.action != Action::NoOp || change.importing.is_some() {
            out.push(stream::planned_change(change, TS));
        }
    }
}

fn plan_summary(plan: &Plan, operation: Operation, out: &mut Lines) {
    let (add, change, remove, import) = plan.summary();
    out.push(stream::change_summary(operation, add, change, import, remove, TS));
}

/// The apply hooks, from the same progress the human lines come from.
fn apply_hooks(plan: &Plan, out: &mut Lines) {
    for change in &plan.changes {
        let before = change.before.clone().unwrap_or(Value::NULL);
        let new_id = ("id".to_string(), "00000000-0000-0000-0000-000000000000".to_string());
        let mut steps: Vec<(Action, Option<ObjectId>, Option<ObjectId>)> = Vec::new();
        let create = (Action::Create, None, Some(new_id.clone()));
        let delete = (Action::Delete, object_id_or_name(&before), None);
        match change.action {
            Action::Create => steps.push(create),
            Action::Delete => steps.push(delete),
            Action::Update => {
                steps.push((Action::Update, object_id_or_name(&before), object_id(&before)))
            }
            Action::DeleteThenCreate => steps.extend([delete, create]),
            Action::CreateThenDelete => steps.extend([create, delete]),
            _ => {}
        }
        for (action, start_id, done_id) in steps {
            out.push(stream::apply_start(&change.addr, action, start_id.as_ref(), TS));
            out.push(stream::apply_complete(
                &change.addr,
                action,
                done_id.as_ref(),
                Duration::ZERO,
                TS,
            ));
        }
    }
}

fn assert_lines(expected: Lines, actual: Lines, what: &str) {
    let missing: Vec<_> = expected.parallel.difference(&actual.parallel).collect();
    let extra: Vec<_> = actual.parallel.difference(&expected.parallel).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: Terraform's lines not written: {missing:#?}\nlines Terraform did not write: {extra:#?}"
    );
    assert_text(&expected.ordered.join("\n"), &actual.ordered.join("\n"), what);
}

fn empty() -> Lines {
    Lines { ordered: Vec::new(), parallel: BTreeSet::new() }
}

/// `plan -json`.
fn check_plan(case: &str, mode: PlanMode) {
    let plan = plan_of(case, mode);
    let mut mine = empty();
    mine.push(stream::version("1.11.4", TS));
    refresh_lines(&plan, &mut mine);
    planned_changes(&plan, &mut mine);
    plan_summary(&plan, Operation::Plan, &mut mine);
    if !plan.outputs.is_empty() {
        mine.push(stream::planned_outputs(&plan.outputs, TS));
    }
    assert_lines(split(&golden(case, "plan-stream.txt")), mine, &format!("{case}/plan-stream.txt"));
}

#[test]
fn plan_streams() {
    check_plan("create", PlanMode::Normal);
    check_plan("update", PlanMode::Normal);
    check_plan("destroy", PlanMode::Destroy);
    check_plan("nochanges", PlanMode::Normal);
    check_plan("outputs_only", PlanMode::Normal);
    check_plan("read", PlanMode::Normal);
}

/// `apply -json PLANFILE`.
fn check_apply(case: &str) {
    let plan = plan_of(case, PlanMode::Normal);
    let after = batchform_state::codec::decode(
        &std::fs::read(case_dir(case).join("terraform/after.tfstate")).expect("state"),
    )
    .expect("state")
    .unwrap_or_default();
    let mut mine = empty();
    mine.push(stream::version("1.11.4", TS));
    planned_changes(&plan, &mut mine);
    apply_hooks(&plan, &mut mine);
    plan_summary(&plan, Operation::Apply, &mut mine);
    mine.push(stream::applied_outputs(&after.outputs, TS));
    assert_lines(
        split(&golden(case, "apply-stream.txt")),
        mine,
        &format!("{case}/apply-stream.txt"),
    );
}

#[test]
fn apply_streams() {
    check_apply("create");
    check_apply("update");
}

/// `destroy -auto-approve -json`: the plan's lines, then the apply's.
#[test]
fn destroy_stream() {
    let plan = plan_of("destroy", PlanMode::Destroy);
    let mut mine = empty();
    mine.push(stream::version("1.11.4", TS));
    refresh_lines(&plan, &mut mine);
    planned_changes(&plan, &mut mine);
    plan_summary(&plan, Operation::Plan, &mut mine);
    mine.push(stream::planned_outputs(&plan.outputs, TS));
    apply_hooks(&plan, &mut mine);
    plan_summary(&plan, Operation::Destroy, &mut mine);
    assert_lines(
        split(&golden("destroy", "destroy-stream.txt")),
        mine,
        "destroy/destroy-stream.txt",
    );
}

/// A long creation reports progress every 10 s.
#[test]
fn progress_every_ten_seconds() {
    let addr = loader::addr("terraform_data.slow");
    let expected = golden("slow", "apply-stream.txt")
        .lines()
        .map(normalize)
        .find(|l| l.contains("\"apply_progress\""))
        .expect("an apply_progress line");
    assert_eq!(
        expected,
        stream::apply_progress(&addr, Action::Create, None, Duration::from_secs(10), TS)
    );
}

/// Diagnostics carry the JSON form `validate -json` uses, at level error or warn.
#[test]
fn diagnostics() {
    let diag = batchform_core::Diagnostic::error(
        "Resource precondition failed",
        "The input must be other.",
    );
    let line = stream::diagnostic(&diag, &crate::diagnostics::Sources::new(), TS);
    assert_eq!(
        line,
        format!(
            r#"{{"@level":"error","@message":"Error: Resource precondition failed","@module":"batchform.ui","@timestamp":"{TS}","diagnostic":{{"severity":"error","summary":"Resource precondition failed","detail":"The input must be other."}},"type":"diagnostic"}}"#
        )
    );
    // The same envelope as Terraform's line for this error.
    let golden_line = golden("errored", "plan-stream.txt")
        .lines()
        .map(normalize)
        .find(|l| l.contains("\"diagnostic\""))
        .expect("a diagnostic line");
    assert!(golden_line.starts_with(&line[..line.find("\"diagnostic\"").unwrap_or(0)]));
}

#[test]
fn timestamps_are_rfc3339_with_microseconds() {
    let t = std::time::UNIX_EPOCH + Duration::from_micros(1_795_350_201_467_878);
    assert_eq!(stream::timestamp(t), "2026-11-22T12:23:21.467878Z");
}

/// A no-op at a new address is a `move` naming the old one (as in the `count` parity case,
/// step 4); a delete of a moved object keeps its `previous_resource`; a no-op import is an
/// `import`, an update that imports keeps its action, both with `importing`.
#[test]
fn moves_and_imports() {
    let change = |addr: &str, action: Action, previous: Option<&str>, importing: Option<&str>| {
        InstanceChange {
            addr: loader::addr(addr),
            provider: batchform_config::model::ProviderConfigAddr::default_for("terraform"),
            provider_state_addr: "provider[\"terraform.io/builtin/terraform\"]".into(),
            action,
            reason: None,
            before: None,
            after: None,
            replace_paths: Vec::new(),
            private: Vec::new(),
            schema_version: 0,
            create_before_destroy: false,
            dependencies: Vec::new(),
            importing: importing.map(str::to_string),
            previous_address: previous.map(loader::addr),
            deposed: None,
        }
    };
    let resource = |addr: &str, key: &str| {
        let name = addr.trim_start_matches("terraform_data.").split('[').next().unwrap_or("");
        format!(
            r#"{{"addr":"{addr}","module":"","resource":"{addr}","implied_provider":"terraform","resource_type":"terraform_data","resource_name":"{name}","resource_key":{key}}}"#
        )
    };
    let line = |message: &str, change: String| {
        format!(
            r#"{{"@level":"info","@message":"{message}","@module":"batchform.ui","@timestamp":"{TS}","change":{change},"type":"planned_change"}}"#
        )
    };
    let moved = change("terraform_data.a", Action::NoOp, Some("terraform_data.a[0]"), None);
    assert_eq!(
        stream::planned_change(&moved, TS),
        line(
            "terraform_data.a: Plan to move",
            format!(
                r#"{{"resource":{},"previous_resource":{},"action":"move"}}"#,
                resource("terraform_data.a", "null"),
                resource("terraform_data.a[0]", "0")
            )
        )
    );
    let mut deleted = change("terraform_data.a[0]", Action::Delete, Some("terraform_data.a"), None);
    deleted.reason = Some(batchform_engine::plan::ActionReason::DeleteBecauseCountIndex);
    assert_eq!(
        stream::planned_change(&deleted, TS),
        line(
            "terraform_data.a[0]: Plan to delete",
            format!(
                r#"{{"resource":{},"previous_resource":{},"action":"delete","reason":"delete_because_count_index"}}"#,
                resource("terraform_data.a[0]", "0"),
                resource("terraform_data.a", "null")
            )
        )
    );
    let imported = change("terraform_data.b", Action::NoOp, None, Some("x"));
    assert_eq!(
        stream::planned_change(&imported, TS),
        line(
            "terraform_data.b: Plan to import",
            format!(
                r#"{{"resource":{},"action":"import","importing":{{"id":"x"}}}}"#,
                resource("terraform_data.b", "null")
            )
        )
    );
    let updated = change("terraform_data.b", Action::Update, None, Some("x"));
    assert!(
        stream::planned_change(&updated, TS)
            .contains(r#""action":"update","importing":{"id":"x"}}"#)
    );
}
