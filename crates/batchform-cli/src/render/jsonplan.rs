//! A plan's changes as plan JSON describes them (Terraform's `jsonplan`): before and after
//! values with unknown parts left out, the `after_unknown` mask, the sensitivity masks (marks
//! on the values plus attributes the schema declares sensitive), replace paths and reasons.
//! Both the plan JSON and the human renderer start from these, as Terraform's do.

use batchform_config::validate::SchemaSource;
use batchform_core::Type;
use batchform_core::plan_value::known_json;
use batchform_core::schema::{Block, Nesting, Schema};
use batchform_core::{AttrPath, InstanceAddr, InstanceKey, Mode, PathStep, Value};
use batchform_engine::plan::{Action, ActionReason, Drift, InstanceChange, OutputChange};
use batchform_state::json::Sorted;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json, json};

/// One `resource_changes[]` (or `resource_drift[]`) entry, fields in Terraform's order.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    pub mode: &'static str,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub index_unknown: bool,
    pub provider_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<&'static str>,
    /// Not serialized: the action as the renderers use it.
    #[serde(skip)]
    pub action: Action,
    #[serde(skip)]
    pub reason: Option<ActionReason>,
}

/// A `change` object.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub actions: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    pub before: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    pub after: Option<Json>,
    #[serde(serialize_with = "sorted")]
    pub after_unknown: Json,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    pub before_sensitive: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    pub after_sensitive: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "sorted_opt")]
    pub replace_paths: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Importing {
    pub id: String,
}

fn sorted<S: Serializer>(value: &Json, s: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(s)
}

fn sorted_opt<S: Serializer>(value: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => Sorted(v).serialize(s),
        None => s.serialize_none(),
    }
}

/// The schema of a resource type, if the providers know it.
pub fn schema_of<'s>(
    schemas: &'s dyn SchemaSource,
    mode: Mode,
    type_name: &str,
) -> Option<&'s Schema> {
    schemas.resource_schema(mode, type_name)
}

/// `resource_changes[]` for one planned change.
pub fn resource_change(change: &InstanceChange, schemas: &dyn SchemaSource) -> ResourceChange {
    let schema = schema_of(schemas, change.addr.resource.mode, &change.addr.resource.type_name);
    let before = change.before.as_ref();
    let after = if change.action == Action::Delete { None } else { change.after.as_ref() };
    let mut out = header(
        &change.addr,
        batchform_state::jsonstate::provider_name(&change.provider_state_addr),
    );
    out.change = object_change(change.action, before, after, schema.map(|s| &s.block));
    if !change.replace_paths.is_empty() {
        out.change.replace_paths =
            Some(Json::Array(change.replace_paths.iter().map(path_json).collect()));
    }
    out.change.importing = change.importing.as_ref().map(|id| Importing { id: id.clone() });
    out.previous_address = change.previous_address.as_ref().map(ToString::to_string);
    out.deposed = change.deposed.clone();
    out.action = change.action;
    out.reason = change.reason;
    out.action_reason = change.reason.map(ActionReason::json_name);
    out
}

/// `resource_drift[]` for one object changed outside batchform.
pub fn drift_change(drift: &Drift, provider: &str, schemas: &dyn SchemaSource) -> ResourceChange {
    let schema = schema_of(schemas, drift.addr.resource.mode, &drift.addr.resource.type_name);
    let action = if drift.after.is_some() { Action::Update } else { Action::Delete };
    let mut out = header(&drift.addr, batchform_state::jsonstate::provider_name(provider));
    out.change =
        object_change(action, Some(&drift.before), drift.after.as_ref(), schema.map(|s| &s.block));
    out.action = action;
    out
}

fn header(addr: &InstanceAddr, provider_name: &str) -> ResourceChange {
    ResourceChange {
        address: addr.to_string(),
        previous_address: None,
        mode: addr.resource.mode.as_str(),
        type_name: addr.resource.type_name.clone(),
        name: addr.resource.name.clone(),
        index: key_json(&addr.key),
        index_unknown: false,
        provider_name: provider_name.to_string(),
        deposed: None,
        change: Change {
            actions: &[],
            before: None,
            after: None,
            after_unknown: Json::Bool(false),
            before_sensitive: None,
            after_sensitive: None,
            replace_paths: None,
            importing: None,
        },
        action_reason: None,
        action: Action::NoOp,
        reason: None,
    }
}

/// An instance key as plan and state JSON write it (`index`).
pub fn key_json(key: &InstanceKey) -> Option<Json> {
    match key {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(json!(i)),
        InstanceKey::Str(s) => Some(json!(s)),
    }
}

/// The change of a resource object: `before` is null for a creation, `after` null for a
/// deletion; `after_unknown` is `{}` when everything is known.
fn object_change(
    action: Action,
    before: Option<&Value>,
    after: Option<&Value>,
    schema: Option<&Block>,
) -> Change {
    let marked = |v: &Value| match schema {
        Some(block) if block_has_sensitive(block) => schema_marks(v, block),
        _ => v.clone(),
    };
    let before_json = before.map(|v| known_json(v).unwrap_or(Json::Null)).unwrap_or(Json::Null);
    let before_sensitive = before.map_or(Json::Bool(false), |v| sensitive_as_bool(&marked(v)));
    let (after_json, after_unknown, after_sensitive) = match after {
        None => (Some(Json::Null), Json::Object(Map::new()), Json::Bool(false)),
        Some(v) if v.is_wholly_known() => (
            Some(known_json(v).unwrap_or(Json::Null)),
            Json::Object(Map::new()),
            sensitive_as_bool(&marked(v)),
        ),
        Some(v) => (
            known_json(v).filter(|j| !j.is_null()),
            unknown_as_bool(v),
            sensitive_as_bool(&marked(v)),
        ),
    };
    Change {
        actions: action.json_actions(),
        before: Some(before_json),
        after: after_json,
        after_unknown,
        before_sensitive: Some(before_sensitive),
        after_sensitive: Some(after_sensitive),
        replace_paths: None,
        importing: None,
    }
}

/// `output_changes.NAME`.
pub fn output_change(output: &OutputChange) -> Change {
    let before =
        output.before.as_ref().map(|v| known_json(v).unwrap_or(Json::Null)).unwrap_or(Json::Null);
    let (after, after_unknown) = match &output.after {
        None => (Some(Json::Null), Json::Bool(false)),
        Some(v) if v.is_wholly_known() => {
            (Some(known_json(v).unwrap_or(Json::Null)), Json::Bool(false))
        }
        Some(v) => (known_json(v).filter(|j| !j.is_null()), unknown_as_bool(v)),
    };
    Change {
        actions: output.action.json_actions(),
        before: Some(before),
        after,
        after_unknown,
        before_sensitive: Some(Json::Bool(output.sensitive)),
        after_sensitive: Some(Json::Bool(output.sensitive)),
        replace_paths: None,
        importing: None,
    }
}

/// Terraform's `unknownAsBool`: `true` at unknown values; sequences keep one entry per
/// element, objects only their non-false entries.
pub fn unknown_as_bool(value: &Value) -> Json {
    let (bare, _) = value.unmarked();
    match bare {
        Value::Null(_) => Json::Bool(false),
        Value::Unknown(..) => Json::Bool(true),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(unknown_as_bool).collect())
        }
        Value::Map(_, items) | Value::Object(items) => Json::Object(
            items
                .iter()
                .map(|(k, v)| (k.clone(), unknown_as_bool(v)))
                .filter(|(_, j)| *j != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// Terraform's `SensitiveAsBool`: `true` at sensitive values; sequences keep one entry per
/// element, objects only their non-false entries; an unknown collection says nothing about
/// its elements (`[]` or `{}`).
pub fn sensitive_as_bool(value: &Value) -> Json {
    if value.is_sensitive() {
        return Json::Bool(true);
    }
    match value {
        Value::Unknown(Type::List(_) | Type::Set(_) | Type::Tuple(_), _) => Json::Array(Vec::new()),
        Value::Unknown(Type::Map(_) | Type::Object(_), _) => Json::Object(Map::new()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(sensitive_as_bool).collect())
        }
        Value::Map(_, items) | Value::Object(items) => Json::Object(
            items
                .iter()
                .map(|(k, v)| (k.clone(), sensitive_as_bool(v)))
                .filter(|(_, j)| *j != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// A path as plan JSON writes it: attribute names and keys as strings, indexes as numbers.
pub fn path_json(path: &AttrPath) -> Json {
    Json::Array(
        path.0
            .iter()
            .map(|step| match step {
                PathStep::Attr(name) | PathStep::Key(name) => json!(name),
                PathStep::Index(i) => json!(i),
            })
            .collect(),
    )
}

fn block_has_sensitive(block: &Block) -> bool {
    block.attributes.values().any(|a| a.sensitive)
        || block.block_types.values().any(|b| block_has_sensitive(&b.block))
}

/// The value with the schema's sensitive attributes marked (Terraform adds the schema's
/// sensitive paths to the value's own marks before writing the masks).
pub fn schema_marks(value: &Value, block: &Block) -> Value {
    let (bare, marked) = value.unmarked();
    let Value::Object(attributes) = bare else { return value.clone() };
    let mut out = attributes.clone();
    for (name, attribute) in &block.attributes {
        if attribute.sensitive {
            if let Some(v) = out.get_mut(name) {
                *v = v.clone().mark_sensitive();
            }
        }
    }
    for (name, nested) in &block.block_types {
        if !block_has_sensitive(&nested.block) {
            continue;
        }
        if let Some(v) = out.get_mut(name) {
            *v = match (nested.nesting, v.unmarked().0) {
                (Nesting::Single, _) => schema_marks(v, &nested.block),
                (_, Value::List(t, items)) => Value::List(
                    t.clone(),
                    items.iter().map(|i| schema_marks(i, &nested.block)).collect(),
                ),
                (_, Value::Set(t, items)) => Value::Set(
                    t.clone(),
                    items.iter().map(|i| schema_marks(i, &nested.block)).collect(),
                ),
                _ => v.clone(),
            };
        }
    }
    Value::Object(out).with_sensitive(marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_masks_of_unknown_collections_are_empty() {
        let v = Value::object([
            ("input", Value::object([("password", Value::string("p").mark_sensitive())])),
            ("output", Value::unknown(Type::Object(Default::default()))),
            ("list", Value::unknown(Type::list(Type::String))),
            ("id", Value::unknown(Type::String)),
        ]);
        assert_eq!(
            sensitive_as_bool(&v),
            json!({"input": {"password": true}, "output": {}, "list": []})
        );
    }

    #[test]
    fn unknown_masks_keep_sequences_and_drop_known_attributes() {
        let v = Value::object([
            ("id", Value::unknown(Type::String)),
            ("known", Value::string("k")),
            ("list", Value::Tuple(vec![Value::string("a"), Value::unknown(Type::String)])),
            ("tags", Value::list(Type::String, vec![Value::string("x")])),
            ("empty", Value::empty_object()),
        ]);
        assert_eq!(
            unknown_as_bool(&v),
            json!({"id": true, "list": [false, true], "tags": [false], "empty": {}})
        );
    }
}
