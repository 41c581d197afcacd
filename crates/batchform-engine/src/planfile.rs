//! Saved plans (`plan -out=FILE`): self-contained JSON holding the configuration files, the
//! variable values, the state the plan was made from (lineage and serial, for staleness) and
//! every planned change with its unknowns and sensitive marks, so that `apply FILE` applies
//! exactly what was shown, and `show FILE` can render it without the working directory.

use crate::plan::{
    Action, ActionReason, Deferred, DeferredReason, Drift, InstanceChange, OutputChange, Plan,
    PlanMode, RelevantAttribute,
};
use batchform_config::model::ProviderConfigAddr;
use batchform_core::plan_value::{decode, encode};
use batchform_core::{
    AttrPath, Diagnostics, InstanceAddr, PathStep, ResourceAddr, TargetAddr, Value,
};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// The identifying first field of a saved plan.
pub const FORMAT: &str = "batchform-plan";
pub const VERSION: u64 = 1;

/// Why a file is not a usable saved plan.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PlanFileError {
    #[error("the file is not a batchform plan file")]
    NotAPlan,
    #[error("the plan file was written by an incompatible version (format version {0})")]
    Version(u64),
    #[error("the plan file is damaged: {0}")]
    Damaged(String),
}

/// A saved plan: the plan and the configuration it was made from.
pub struct SavedPlan {
    pub plan: Plan,
    /// The configuration files, by name, exactly as read.
    pub config_files: Vec<(String, String)>,
}

fn damaged(what: &str) -> PlanFileError {
    PlanFileError::Damaged(what.to_string())
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::NoOp => "no-op",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate => "delete-create",
        Action::CreateThenDelete => "create-delete",
        Action::Delete => "delete",
    }
}

fn action_from(s: &str) -> Option<Action> {
    Some(match s {
        "no-op" => Action::NoOp,
        "create" => Action::Create,
        "read" => Action::Read,
        "update" => Action::Update,
        "delete-create" => Action::DeleteThenCreate,
        "create-delete" => Action::CreateThenDelete,
        "delete" => Action::Delete,
        _ => return None,
    })
}

const REASONS: [ActionReason; 10] = [
    ActionReason::ReplaceBecauseTainted,
    ActionReason::ReplaceBecauseCannotUpdate,
    ActionReason::ReplaceByRequest,
    ActionReason::ReplaceByTriggers,
    ActionReason::DeleteBecauseNoResourceConfig,
    ActionReason::DeleteBecauseWrongRepetition,
    ActionReason::DeleteBecauseCountIndex,
    ActionReason::DeleteBecauseEachKey,
    ActionReason::ReadBecauseConfigUnknown,
    ActionReason::ReadBecauseDependencyPending,
];

fn opt_value(v: &Option<Value>) -> Json {
    v.as_ref().map_or(Json::Null, encode)
}

fn read_value(j: &Json) -> Result<Option<Value>, PlanFileError> {
    if j.is_null() {
        return Ok(None);
    }
    decode(j).map(Some).ok_or_else(|| damaged("a value could not be decoded"))
}

fn path_json(p: &AttrPath) -> Json {
    Json::Array(
        p.0.iter()
            .map(|s| match s {
                PathStep::Attr(a) => json!({"attr": a}),
                PathStep::Key(k) => json!({"key": k}),
                PathStep::Index(i) => json!({"index": i}),
            })
            .collect(),
    )
}

fn read_path(j: &Json) -> Option<AttrPath> {
    let steps = j.as_array()?;
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        out.push(if let Some(a) = s.get("attr").and_then(Json::as_str) {
            PathStep::Attr(a.to_string())
        } else if let Some(k) = s.get("key").and_then(Json::as_str) {
            PathStep::Key(k.to_string())
        } else {
            PathStep::Index(s.get("index")?.as_i64()?)
        });
    }
    Some(AttrPath(out))
}

fn provider_json(p: &ProviderConfigAddr) -> Json {
    json!({"name": p.name, "alias": p.alias})
}

fn read_provider(j: &Json) -> Option<ProviderConfigAddr> {
    Some(ProviderConfigAddr {
        name: j.get("name")?.as_str()?.to_string(),
        alias: j.get("alias").and_then(Json::as_str).map(str::to_string),
    })
}

fn parse_instance(s: &str) -> Option<InstanceAddr> {
    match s.parse::<TargetAddr>().ok()? {
        TargetAddr::Instance(i) => Some(i),
        TargetAddr::Resource(r) => Some(r.instance(batchform_core::InstanceKey::None)),
    }
}

fn state_json(state: &batchform_state::State) -> Result<Json, PlanFileError> {
    let bytes = batchform_state::codec::encode(state);
    serde_json::from_slice(&bytes).map_err(|e| PlanFileError::Damaged(e.to_string()))
}

fn read_state(j: &Json) -> Result<batchform_state::State, PlanFileError> {
    let bytes = serde_json::to_vec(j).map_err(|e| PlanFileError::Damaged(e.to_string()))?;
    batchform_state::codec::decode(&bytes)
        .map_err(|e| PlanFileError::Damaged(e.to_string()))
        .map(Option::unwrap_or_default)
}

/// Serialize a plan and its configuration files.
pub fn write(plan: &Plan, config_files: &[(String, String)]) -> Result<Vec<u8>, PlanFileError> {
    let changes: Vec<Json> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "address": c.addr.to_string(),
                "provider": provider_json(&c.provider),
                "provider_state_address": c.provider_state_addr,
                "action": action_name(c.action),
                "reason": c.reason.map(ActionReason::json_name),
                "before": opt_value(&c.before),
                "after": opt_value(&c.after),
                "replace_paths": c.replace_paths.iter().map(path_json).collect::<Vec<_>>(),
                "schema_version": c.schema_version,
                "create_before_destroy": c.create_before_destroy,
                "dependencies": c.dependencies.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "importing": c.importing,
                "previous_address": c.previous_address.as_ref().map(ToString::to_string),
                "deposed": c.deposed,
            })
        })
        .collect();
    let outputs: Vec<Json> = plan
        .outputs
        .iter()
        .map(|o| json!({"name": o.name, "action": action_name(o.action), "before": opt_value(&o.before), "after": opt_value(&o.after), "sensitive": o.sensitive}))
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|d| json!({"address": d.addr.to_string(), "provider": provider_json(&d.provider), "before": encode(&d.before), "after": opt_value(&d.after)}))
        .collect();
    let doc = json!({
        "format": FORMAT,
        "format_version": VERSION,
        "batchform_version": env!("CARGO_PKG_VERSION"),
        "mode": match plan.mode { PlanMode::Normal => "normal", PlanMode::Destroy => "destroy", PlanMode::RefreshOnly => "refresh-only" },
        "timestamp": plan.timestamp,
        "errored": plan.errored,
        "config_files": config_files.iter().map(|(n, t)| json!({"name": n, "text": t})).collect::<Vec<_>>(),
        "variables": plan.variables.iter().map(|(k, v)| (k.clone(), encode(v))).collect::<serde_json::Map<_, _>>(),
        "targets": plan.targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "replace": plan.replace.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "changes": changes,
        "outputs": outputs,
        "drift": drift,
        "deferred": plan.deferred.iter().map(|d| json!({"address": d.addr.to_string(), "reason": d.reason, "kind": d.kind.json_name()})).collect::<Vec<_>>(),
        "checks": plan.checks,
        "relevant_attributes": plan.relevant_attributes.iter().map(|r| json!({"resource": r.resource.to_string(), "attribute": path_json(&r.attribute)})).collect::<Vec<_>>(),
        "prior_state": state_json(&plan.prior_state)?,
        "refreshed_state": state_json(&plan.refreshed_state)?,
    });
    serde_json::to_vec(&doc).map_err(|e| PlanFileError::Damaged(e.to_string()))
}

/// Read a saved plan.
pub fn read(bytes: &[u8]) -> Result<SavedPlan, PlanFileError> {
    let doc: Json = serde_json::from_slice(bytes).map_err(|_| PlanFileError::NotAPlan)?;
    if doc.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(PlanFileError::NotAPlan);
    }
    let version = doc.get("format_version").and_then(Json::as_u64).unwrap_or(0);
    if version != VERSION {
        return Err(PlanFileError::Version(version));
    }
    let mode = match doc["mode"].as_str() {
        Some("destroy") => PlanMode::Destroy,
        Some("refresh-only") => PlanMode::RefreshOnly,
        _ => PlanMode::Normal,
    };
    let mut changes = Vec::new();
    for c in doc["changes"].as_array().ok_or_else(|| damaged("changes"))? {
        let addr =
            c["address"].as_str().and_then(parse_instance).ok_or_else(|| damaged("address"))?;
        changes.push(InstanceChange {
            addr,
            provider: read_provider(&c["provider"]).ok_or_else(|| damaged("provider"))?,
            provider_state_addr: c["provider_state_address"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            action: c["action"].as_str().and_then(action_from).ok_or_else(|| damaged("action"))?,
            reason: c["reason"]
                .as_str()
                .and_then(|r| REASONS.iter().copied().find(|x| x.json_name() == r)),
            before: read_value(&c["before"])?,
            after: read_value(&c["after"])?,
            replace_paths: c["replace_paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(read_path)
                .collect(),
            private: Vec::new(),
            schema_version: c["schema_version"].as_u64().unwrap_or(0),
            create_before_destroy: c["create_before_destroy"].as_bool().unwrap_or(false),
            dependencies: c["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| {
                    d.as_str()?.parse::<TargetAddr>().ok().map(|t| t.resource().clone())
                })
                .collect::<Vec<ResourceAddr>>(),
            importing: c["importing"].as_str().map(str::to_string),
            previous_address: c["previous_address"].as_str().and_then(|a| {
                match a.parse::<TargetAddr>().ok()? {
                    TargetAddr::Instance(i) => Some(i),
                    TargetAddr::Resource(r) => Some(r.instance(batchform_core::InstanceKey::None)),
                }
            }),
            deposed: c["deposed"].as_str().map(str::to_string),
        });
    }
    let mut outputs = Vec::new();
    for o in doc["outputs"].as_array().into_iter().flatten() {
        outputs.push(OutputChange {
            name: o["name"].as_str().unwrap_or_default().to_string(),
            action: o["action"]
                .as_str()
                .and_then(action_from)
                .ok_or_else(|| damaged("output action"))?,
            before: read_value(&o["before"])?,
            after: read_value(&o["after"])?,
            sensitive: o["sensitive"].as_bool().unwrap_or(false),
        });
    }
    let mut drift = Vec::new();
    for d in doc["drift"].as_array().into_iter().flatten() {
        drift.push(Drift {
            addr: d["address"]
                .as_str()
                .and_then(parse_instance)
                .ok_or_else(|| damaged("drift address"))?,
            provider: read_provider(&d["provider"]).ok_or_else(|| damaged("drift provider"))?,
            before: read_value(&d["before"])?.ok_or_else(|| damaged("drift before"))?,
            after: read_value(&d["after"])?,
        });
    }
    let variables: BTreeMap<String, Value> = doc["variables"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| Ok((k.clone(), read_value(v)?.unwrap_or(Value::NULL))))
        .collect::<Result<_, PlanFileError>>()?;
    let plan = Plan {
        mode,
        changes,
        outputs,
        drift,
        deferred: doc["deferred"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let addr = d["address"].as_str()?.parse::<TargetAddr>().ok()?.resource().clone();
                Some(Deferred {
                    addr,
                    reason: d["reason"].as_str().unwrap_or_default().to_string(),
                    kind: if d["kind"] == "deferred_prereq" {
                        DeferredReason::DeferredPrereq
                    } else {
                        DeferredReason::InstanceCountUnknown
                    },
                })
            })
            .collect(),
        variables,
        checks: doc["checks"].clone(),
        relevant_attributes: doc["relevant_attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                Some(RelevantAttribute {
                    resource: parse_instance(r["resource"].as_str()?)?,
                    attribute: read_path(&r["attribute"])?,
                })
            })
            .collect(),
        targets: doc["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str()?.parse().ok())
            .collect(),
        replace: doc["replace"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| parse_instance(t.as_str()?))
            .collect(),
        prior_state: read_state(&doc["prior_state"])?,
        refreshed_state: read_state(&doc["refreshed_state"])?,
        diagnostics: Diagnostics::new(),
        errored: doc["errored"].as_bool().unwrap_or(false),
        timestamp: doc["timestamp"].as_str().unwrap_or_default().to_string(),
    };
    let config_files = doc["config_files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or_default().to_string(),
                f["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Ok(SavedPlan { plan, config_files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchform_core::{InstanceKey, Type};

    #[test]
    fn plans_round_trip_with_unknowns_and_marks() {
        let addr = ResourceAddr::managed("openai_batch", "b").instance(InstanceKey::Int(2));
        let plan = Plan {
            mode: PlanMode::Normal,
            changes: vec![InstanceChange {
                addr: addr.clone(),
                provider: ProviderConfigAddr::default_for("openai"),
                provider_state_addr: "provider[\"x/openai\"]".into(),
                action: Action::DeleteThenCreate,
                reason: Some(ActionReason::ReplaceByTriggers),
                before: Some(Value::object([("id", Value::string("batch_1"))])),
                after: Some(Value::object([
                    ("id", Value::unknown(Type::String)),
                    ("k", Value::string("s").mark_sensitive()),
                ])),
                replace_paths: vec![AttrPath::attr("endpoint")],
                private: Vec::new(),
                schema_version: 1,
                create_before_destroy: true,
                dependencies: vec![ResourceAddr::managed("openai_file", "f")],
                importing: None,
                previous_address: None,
                deposed: None,
            }],
            outputs: vec![],
            drift: vec![],
            deferred: vec![Deferred {
                addr: ResourceAddr::data("openai_file", "r"),
                reason: "why".into(),
                kind: DeferredReason::DeferredPrereq,
            }],
            variables: BTreeMap::from([("v".to_string(), Value::number(3))]),
            checks: json!([{"object_kind": "var", "config_addr": "var.v", "status": "pass"}]),
            relevant_attributes: vec![RelevantAttribute {
                resource: addr.clone(),
                attribute: AttrPath(vec![PathStep::Attr("a".into()), PathStep::Index(2)]),
            }],
            targets: vec![],
            replace: vec![addr.clone()],
            prior_state: batchform_state::State::new(),
            refreshed_state: batchform_state::State::new(),
            diagnostics: Diagnostics::new(),
            errored: false,
            timestamp: "2026-11-22T00:00:00Z".into(),
        };
        let bytes = write(&plan, &[("main.tf".into(), "x = 1\n".into())]).unwrap();
        let saved = read(&bytes).unwrap();
        assert_eq!(saved.plan.changes, plan.changes);
        assert_eq!(saved.plan.deferred, plan.deferred);
        assert_eq!(saved.plan.variables, plan.variables);
        assert_eq!(saved.plan.replace, plan.replace);
        assert_eq!(saved.plan.prior_state.lineage, plan.prior_state.lineage);
        assert_eq!(saved.config_files, vec![("main.tf".to_string(), "x = 1\n".to_string())]);
        assert!(matches!(read(b"{}"), Err(PlanFileError::NotAPlan)));
    }
}
