//! Test helper: a [`Plan`] from Terraform's plan JSON (`terraform show -json`), so the
//! renderers can be run on exactly what Terraform rendered. Values get the types JSON
//! implies (objects, tuples), with unknown and sensitive parts rebuilt from the masks; that
//! is all the renderers look at.

use batchform_config::model::ProviderConfigAddr;
use batchform_core::json::from_json_implied;
use batchform_core::{AttrPath, InstanceAddr, InstanceKey, PathStep, TargetAddr, Type, Value};
use batchform_engine::plan::{
    Action, ActionReason, Drift, InstanceChange, OutputChange, Plan, PlanMode, RelevantAttribute,
};
use batchform_state::State;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

pub fn addr(text: &str) -> InstanceAddr {
    match text.parse::<TargetAddr>().unwrap_or_else(|e| panic!("{text}: {e:?}")) {
        TargetAddr::Instance(i) => i,
        TargetAddr::Resource(r) => r.instance(InstanceKey::None),
    }
}

/// A value from its known JSON and its unknown and sensitive masks.
pub fn value(json: &Json, unknown: &Json, sensitive: &Json) -> Value {
    let marked = *sensitive == Json::Bool(true);
    if *unknown == Json::Bool(true) {
        return Value::unknown(Type::Dynamic).with_sensitive(marked);
    }
    let at_key = |mask: &Json, k: &str| mask.get(k).cloned().unwrap_or(Json::Bool(false));
    let at_index = |mask: &Json, i: usize| mask.get(i).cloned().unwrap_or(Json::Bool(false));
    let out = match json {
        Json::Object(map) => {
            let mut attrs = BTreeMap::new();
            for (k, v) in map {
                attrs.insert(k.clone(), value(v, &at_key(unknown, k), &at_key(sensitive, k)));
            }
            if let Some(u) = unknown.as_object() {
                for (k, flag) in u {
                    if !attrs.contains_key(k) && *flag == Json::Bool(true) {
                        attrs.insert(k.clone(), value(&Json::Null, flag, &at_key(sensitive, k)));
                    }
                }
            }
            Value::Object(attrs)
        }
        Json::Array(items) => Value::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| value(v, &at_index(unknown, i), &at_index(sensitive, i)))
                .collect(),
        ),
        other => from_json_implied(other).unwrap_or(Value::NULL),
    };
    out.with_sensitive(marked)
}

fn action(actions: &Json) -> Action {
    let list: Vec<&str> =
        actions.as_array().into_iter().flatten().filter_map(Json::as_str).collect();
    match list.as_slice() {
        ["create"] => Action::Create,
        ["read"] => Action::Read,
        ["update"] => Action::Update,
        ["delete"] => Action::Delete,
        ["delete", "create"] => Action::DeleteThenCreate,
        ["create", "delete"] => Action::CreateThenDelete,
        _ => Action::NoOp,
    }
}

fn reason(name: Option<&str>) -> Option<ActionReason> {
    Some(match name? {
        "replace_because_tainted" => ActionReason::ReplaceBecauseTainted,
        "replace_because_cannot_update" => ActionReason::ReplaceBecauseCannotUpdate,
        "replace_by_request" => ActionReason::ReplaceByRequest,
        "replace_by_triggers" => ActionReason::ReplaceByTriggers,
        "delete_because_no_resource_config" => ActionReason::DeleteBecauseNoResourceConfig,
        "delete_because_wrong_repetition" => ActionReason::DeleteBecauseWrongRepetition,
        "delete_because_count_index" => ActionReason::DeleteBecauseCountIndex,
        "delete_because_each_key" => ActionReason::DeleteBecauseEachKey,
        "read_because_config_unknown" => ActionReason::ReadBecauseConfigUnknown,
        "read_because_dependency_pending" => ActionReason::ReadBecauseDependencyPending,
        other => panic!("unknown action reason {other}"),
    })
}

fn path(steps: &Json) -> AttrPath {
    AttrPath(
        steps
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, s)| match s {
                Json::Number(n) => PathStep::Index(n.as_i64().unwrap_or(0)),
                Json::String(k) if i == 0 => PathStep::Attr(k.clone()),
                other => PathStep::Key(other.as_str().unwrap_or_default().to_string()),
            })
            .collect(),
    )
}

const FALSE: Json = Json::Bool(false);

fn before_after(change: &Json, act: Action) -> (Option<Value>, Option<Value>) {
    let get = |k: &str| change.get(k).cloned().unwrap_or(Json::Null);
    let before =
        (act != Action::Create).then(|| value(&get("before"), &FALSE, &get("before_sensitive")));
    let after = (act != Action::Delete)
        .then(|| value(&get("after"), &get("after_unknown"), &get("after_sensitive")));
    (before, after)
}

fn read_state(path: &Path) -> State {
    if !path.exists() {
        return State::default();
    }
    batchform_state::codec::decode(&std::fs::read(path).expect("read state"))
        .expect("decode state")
        .unwrap_or_default()
}

/// terraform_data plans `output` as unknown with the type of `input` (what batchform's
/// engine plans too); plan JSON only says `true`, so the type is put back here.
fn typed_output(after: Option<Value>) -> Option<Value> {
    let Some(Value::Object(mut attrs)) = after else { return after };
    if let (Some(Value::Unknown(..)), Some(input)) = (attrs.get("output"), attrs.get("input")) {
        let ty = input.ty();
        attrs.insert("output".into(), Value::unknown(ty));
    }
    Some(Value::Object(attrs))
}

/// Load a plan: Terraform's plan JSON, the state it was made against (`prior`: refresh
/// lines) and the state saved inside the plan file (`refreshed`: imports included).
pub fn load(plan_json: &Json, prior: &Path, refreshed: &Path, mode: PlanMode) -> Plan {
    let prior_state = read_state(prior);
    let refreshed_state =
        if refreshed.exists() { read_state(refreshed) } else { prior_state.clone() };
    let mut changes = Vec::new();
    for rc in plan_json["resource_changes"].as_array().into_iter().flatten() {
        let change = &rc["change"];
        let act = action(&change["actions"]);
        let (before, after) = before_after(change, act);
        let after = if rc["type"] == "terraform_data" { typed_output(after) } else { after };
        let provider_name = rc["provider_name"].as_str().unwrap_or_default();
        changes.push(InstanceChange {
            addr: addr(rc["address"].as_str().unwrap_or_default()),
            provider: ProviderConfigAddr::implied_by_type(rc["type"].as_str().unwrap_or_default()),
            provider_state_addr: format!("provider[\"{provider_name}\"]"),
            action: act,
            reason: reason(rc["action_reason"].as_str()),
            before,
            after,
            replace_paths: change["replace_paths"]
                .as_array()
                .into_iter()
                .flatten()
                .map(path)
                .collect(),
            private: Vec::new(),
            schema_version: 0,
            create_before_destroy: act == Action::CreateThenDelete,
            dependencies: Vec::new(),
            importing: change["importing"]["id"].as_str().map(str::to_string),
            previous_address: None,
            deposed: None,
        });
    }
    let mut drift = Vec::new();
    for rc in plan_json["resource_drift"].as_array().into_iter().flatten() {
        let change = &rc["change"];
        let act = action(&change["actions"]);
        let (before, after) = before_after(change, act);
        drift.push(Drift {
            addr: addr(rc["address"].as_str().unwrap_or_default()),
            provider: ProviderConfigAddr::implied_by_type(rc["type"].as_str().unwrap_or_default()),
            before: before.unwrap_or(Value::NULL),
            after,
        });
    }
    let mut outputs = Vec::new();
    for (name, change) in plan_json["output_changes"].as_object().into_iter().flatten() {
        let act = action(&change["actions"]);
        let sensitive = change["before_sensitive"] == Json::Bool(true);
        let get = |k: &str| change.get(k).cloned().unwrap_or(Json::Null);
        outputs.push(OutputChange {
            name: name.clone(),
            action: act,
            before: (act != Action::Create).then(|| value(&get("before"), &FALSE, &FALSE)),
            after: (act != Action::Delete)
                .then(|| value(&get("after"), &get("after_unknown"), &FALSE)),
            sensitive,
        });
    }
    let relevant_attributes = plan_json["relevant_attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| RelevantAttribute {
            resource: addr(r["resource"].as_str().unwrap_or_default()),
            attribute: path(&r["attribute"]),
        })
        .collect();
    let variables = plan_json["variables"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), from_json_implied(&v["value"]).unwrap_or(Value::NULL)))
        .collect();
    Plan {
        mode,
        changes,
        outputs,
        drift,
        relevant_attributes,
        checks: serde_json::Value::Null,
        deferred: Vec::new(),
        variables,
        targets: Vec::new(),
        replace: Vec::new(),
        prior_state,
        refreshed_state,
        diagnostics: Default::default(),
        errored: plan_json["errored"] == Json::Bool(true),
        timestamp: plan_json["timestamp"].as_str().unwrap_or_default().to_string(),
    }
}
