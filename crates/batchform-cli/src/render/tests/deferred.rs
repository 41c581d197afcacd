//! batchform's deferred resources (a `count` or `for_each` known only after apply): the
//! note in the plan text, the count in the summary line, and `deferred_changes` in plan
//! JSON. Terraform 1.11 has no such plans, so the expected text is batchform's own format
//! (documented in the README), built from Terraform's deferred-changes wording.

use super::*;
use crate::render::TextOptions;
use crate::render::plan_json::plan_json;
use crate::render::plan_text::plan_text;
use batchform_core::{ResourceAddr, Type};
use batchform_engine::plan::{Action, Deferred, DeferredReason, InstanceChange};

fn plan_with_deferred(with_change: bool) -> Plan {
    let mut plan = plan_of("nochanges", PlanMode::Normal);
    plan.prior_state = Default::default();
    plan.refreshed_state = Default::default();
    plan.outputs.clear();
    plan.changes.clear();
    if with_change {
        plan.changes.push(InstanceChange {
            addr: loader::addr("terraform_data.first"),
            provider: batchform_config::model::ProviderConfigAddr::default_for("terraform"),
            provider_state_addr: "provider[\"terraform.io/builtin/terraform\"]".into(),
            action: Action::Create,
            reason: None,
            before: None,
            after: Some(Value::object([
                ("id", Value::unknown(Type::String)),
                ("input", Value::string("x")),
                ("output", Value::unknown(Type::String)),
                ("triggers_replace", Value::NULL),
            ])),
            replace_paths: Vec::new(),
            private: Vec::new(),
            schema_version: 0,
            create_before_destroy: false,
            dependencies: Vec::new(),
            importing: None,
            previous_address: None,
            deposed: None,
        });
    }
    plan.deferred = vec![
        Deferred {
            addr: ResourceAddr::managed("terraform_data", "items"),
            reason: "count depends on terraform_data.first.output, known only after apply".into(),
            kind: DeferredReason::InstanceCountUnknown,
        },
        Deferred {
            addr: ResourceAddr::managed("terraform_data", "after"),
            reason: "depends on terraform_data.items".into(),
            kind: DeferredReason::DeferredPrereq,
        },
    ];
    plan
}

const NOTE: &str = "
Note: This is a partial plan, parts can only be known in the next plan / apply cycle.

  # terraform_data.after was deferred
  # (because a prerequisite for this resource is deferred)
  # depends on terraform_data.items

  # terraform_data.items was deferred
  # (because the number of resource instances is unknown)
  # count depends on terraform_data.first.output, known only after apply

─────────────────────────────────────────────────────────────────────────────
";

#[test]
fn deferred_resources_are_listed_and_counted() {
    let text = plan_text(&plan_with_deferred(true), &schemas(), &TextOptions::new(false));
    let expected = format!(
        "{NOTE}
batchform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create

batchform will perform the following actions:

  # terraform_data.first will be created
  + resource \"terraform_data\" \"first\" {{
      + id     = (known after apply)
      + input  = \"x\"
      + output = (known after apply)
    }}

Plan: 1 to add, 0 to change, 0 to destroy, 2 deferred.
"
    );
    assert_text(&expected, &text, "deferred plan");
}

#[test]
fn only_deferred_resources() {
    let text = plan_text(&plan_with_deferred(false), &schemas(), &TextOptions::new(false));
    let expected = format!(
        "\nNo current changes. This plan requires another plan to be applied first.\n\n{NOTE}"
    );
    assert_text(&expected, &text, "plan with only deferred resources");
}

#[test]
fn deferred_changes_in_plan_json() {
    let plan = plan_with_deferred(true);
    let json: serde_json::Value = serde_json::from_slice(&plan_json(
        &plan,
        Some(&config_of("nochanges")),
        &schemas(),
        "0.1.0",
    ))
    .expect("json");
    let deferred = &json["deferred_changes"];
    assert_eq!(deferred[0]["reason"], "deferred_prereq");
    assert_eq!(deferred[0]["resource_change"]["address"], "terraform_data.after");
    assert_eq!(deferred[1]["reason"], "instance_count_unknown");
    // Not in the configuration given, so its reason decides: an unknown count is a wildcard.
    assert_eq!(deferred[1]["resource_change"]["address"], "terraform_data.items[*]");
    assert_eq!(deferred[1]["resource_change"]["index_unknown"], true);
    assert_eq!(deferred[1]["resource_change"]["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(deferred[1]["resource_change"]["provider_name"], "terraform.io/builtin/terraform");
    assert_eq!(json["complete"], false);
    assert_eq!(json["applyable"], true);
}
