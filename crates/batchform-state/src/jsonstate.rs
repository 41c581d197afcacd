//! The machine-readable state representation of `show -json` (format version 1.0), as
//! Terraform's `internal/command/jsonstate` writes it.
//!
//! Turning stored attributes into plain values needs one fact from the provider schema:
//! which attributes have cty's dynamic type, because state stores those wrapped as
//! `{"value": ..., "type": ...}`. [`SchemaHints`] supplies it.

use crate::gojson::Sorted;
use crate::model::{AttrPath, ObjectState, ObjectStatus, PathStep, State};
use batchform_core::{InstanceKey, Mode};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the caller knows of resource schemas.
pub trait SchemaHints {
    /// Whether the top-level `attribute` of resources of this mode and type is dynamically
    /// typed (stored as `{"value": ..., "type": ...}`).
    fn is_dynamic(&self, mode: Mode, resource_type: &str, attribute: &str) -> bool;

    /// The cty type (cty's type JSON) of a top-level attribute that is not dynamic, when the
    /// schema is known. Human rendering uses it (maps quote their keys, objects leave null
    /// attributes out); without it the shape is taken from the JSON.
    fn attribute_type(&self, _mode: Mode, _resource_type: &str, _attribute: &str) -> Option<Value> {
        None
    }
}

/// No schemas known: attributes are taken as stored.
pub struct NoSchemas;

impl SchemaHints for NoSchemas {
    fn is_dynamic(&self, _: Mode, _: &str, _: &str) -> bool {
        false
    }
}

/// One top-level attribute as a plain value, with its cty type when the state records it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue {
    pub value: Value,
    pub value_type: Option<Value>,
}

/// The attributes of an object with dynamic attributes unwrapped, sorted by name.
pub fn attribute_values(
    object: &ObjectState,
    mode: Mode,
    resource_type: &str,
    hints: &dyn SchemaHints,
) -> BTreeMap<String, AttributeValue> {
    let mut out = BTreeMap::new();
    let Value::Object(attrs) = &object.attributes else { return out };
    for (name, stored) in attrs {
        let attribute = match stored {
            Value::Object(wrapper) if hints.is_dynamic(mode, resource_type, name) => {
                AttributeValue {
                    value: wrapper.get("value").cloned().unwrap_or(Value::Null),
                    value_type: wrapper.get("type").cloned(),
                }
            }
            other => AttributeValue {
                value: other.clone(),
                value_type: hints.attribute_type(mode, resource_type, name),
            },
        };
        out.insert(name.clone(), attribute);
    }
    out
}

/// The provider's source address from a provider configuration address:
/// `provider["terraform.io/builtin/terraform"].alias` gives `terraform.io/builtin/terraform`.
pub fn provider_name(provider_config: &str) -> &str {
    provider_config
        .strip_prefix("provider[\"")
        .and_then(|rest| rest.split_once("\"]").map(|(name, _)| name))
        .unwrap_or(provider_config)
}

/// Whether `sensitive_attributes` marks anything at or below each part of `value`: `true`
/// where a path ends, objects and arrays mirrored, non-sensitive leaves `false` in arrays and
/// left out of objects (Terraform's `SensitiveAsBool`).
pub fn sensitive_as_bool(value: &Value, paths: &[&[PathStep]]) -> Value {
    if paths.iter().any(|p| p.is_empty()) {
        return Value::Bool(true);
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let rest: Vec<&[PathStep]> =
                        paths.iter().filter_map(|p| strip_index(p, i)).collect();
                    sensitive_as_bool(item, &rest)
                })
                .collect(),
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                let rest: Vec<&[PathStep]> =
                    paths.iter().filter_map(|p| strip_key(p, key)).collect();
                let marks = sensitive_as_bool(item, &rest);
                if marks != Value::Bool(false) {
                    out.insert(key.clone(), marks);
                }
            }
            Value::Object(out)
        }
        _ => Value::Bool(false),
    }
}

fn strip_index(path: &[PathStep], i: usize) -> Option<&[PathStep]> {
    let (first, rest) = path.split_first()?;
    let key = first.index_key()?;
    (key.as_u64() == Some(i as u64)).then_some(rest)
}

fn strip_key<'p>(path: &'p [PathStep], key: &str) -> Option<&'p [PathStep]> {
    let (first, rest) = path.split_first()?;
    let matches = match first {
        PathStep::GetAttr(name) => name == key,
        PathStep::Index(_) => first.index_key().and_then(Value::as_str) == Some(key),
    };
    matches.then_some(rest)
}

/// The sensitivity marks of one object's attributes.
pub fn object_sensitive_values(
    values: &BTreeMap<String, AttributeValue>,
    paths: &[AttrPath],
) -> Value {
    let object = Value::Object(values.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect());
    let steps: Vec<&[PathStep]> = paths.iter().map(|p| p.0.as_slice()).collect();
    sensitive_as_bool(&object, &steps)
}

/// `show -json` for a state: one line of JSON (without the trailing newline).
pub fn to_json(state: Option<&State>, hints: &dyn SchemaHints) -> Vec<u8> {
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return br#"{"format_version":"1.0"}"#.to_vec();
    };
    let mut resources = Vec::new();
    for (raddr, resource) in state.ordered_resources() {
        let provider = provider_name(&resource.provider);
        for (key, instance) in &resource.instances {
            let address = raddr.instance(key.clone()).to_string();
            let objects = instance
                .current
                .iter()
                .map(|o| (None, o))
                .chain(instance.deposed.iter().map(|(k, o)| (Some(k.as_str()), o)));
            for (deposed, object) in objects {
                let values = attribute_values(object, raddr.mode, &raddr.type_name, hints);
                let sensitive_values =
                    object_sensitive_values(&values, &object.sensitive_attributes);
                resources.push(JsonResource {
                    address: address.clone(),
                    mode: raddr.mode.as_str(),
                    type_name: raddr.type_name.clone(),
                    name: raddr.name.clone(),
                    index: key_json(key),
                    provider_name: provider.to_string(),
                    schema_version: object.schema_version,
                    values: values.into_iter().map(|(k, v)| (k, v.value)).collect(),
                    sensitive_values,
                    depends_on: object.dependencies.iter().map(ToString::to_string).collect(),
                    tainted: object.status == ObjectStatus::Tainted,
                    deposed_key: deposed.map(str::to_string),
                });
            }
        }
    }
    let outputs: BTreeMap<&str, JsonOutput<'_>> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            (
                name.as_str(),
                JsonOutput {
                    sensitive: o.sensitive,
                    value: Sorted(&o.value),
                    value_type: Sorted(&o.value_type),
                },
            )
        })
        .collect();
    let doc = JsonState {
        format_version: "1.0",
        terraform_version: &state.terraform_version,
        values: JsonValues { outputs, root_module: JsonModule { resources } },
        checks: checks_json(&state.check_results),
    };
    crate::gojson::to_vec_compact(&doc).unwrap_or_default()
}

/// The `checks` of `show -json` and of the plan JSON, from check results in state's form
/// (`check_results`): each checkable configuration object with its instances, statuses and
/// failure messages, as Terraform's `jsonchecks` marshals them.
pub fn checks_json(results: &Value) -> Option<Value> {
    let entries = results.as_array().filter(|e| !e.is_empty())?;
    let mut out: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let config_addr = entry["config_addr"].as_str().unwrap_or_default();
            let address = match entry["object_kind"].as_str().unwrap_or_default() {
                "resource" => {
                    let parsed = config_addr.parse::<batchform_core::TargetAddr>().ok();
                    let r = parsed.as_ref().map(|t| t.resource());
                    serde_json::json!({
                        "kind": "resource",
                        "mode": r.map(|r| r.mode.as_str()).unwrap_or("managed"),
                        "name": r.map(|r| r.name.clone()).unwrap_or_default(),
                        "to_display": config_addr,
                        "type": r.map(|r| r.type_name.clone()).unwrap_or_default(),
                    })
                }
                "output" => serde_json::json!({
                    "kind": "output_value",
                    "name": config_addr.trim_start_matches("output."),
                    "to_display": config_addr,
                }),
                kind => serde_json::json!({
                    "kind": kind,
                    "name": config_addr.trim_start_matches("var."),
                    "to_display": config_addr,
                }),
            };
            let mut instances: Vec<Value> = entry["objects"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|object| {
                    let object_addr = object["object_addr"].as_str().unwrap_or_default();
                    let mut address = serde_json::json!({ "to_display": object_addr });
                    if let Ok(batchform_core::TargetAddr::Instance(i)) =
                        object_addr.parse::<batchform_core::TargetAddr>()
                    {
                        if let Some(key) = key_json(&i.key) {
                            address["index_key"] = key;
                        }
                    }
                    let mut instance = serde_json::json!({
                        "address": address,
                        "status": object["status"].clone(),
                    });
                    if let Some(messages) = object["failure_messages"].as_array() {
                        instance["problems"] = Value::Array(
                            messages.iter().map(|m| serde_json::json!({ "message": m })).collect(),
                        );
                    }
                    instance
                })
                .collect();
            instances.sort_by(|a, b| display(a).cmp(display(b)));
            let mut out =
                serde_json::json!({ "address": address, "status": entry["status"].clone() });
            if !instances.is_empty() {
                out["instances"] = Value::Array(instances);
            }
            out
        })
        .collect();
    // Terraform sorts both levels by the address as displayed.
    out.sort_by(|a, b| display(a).cmp(display(b)));
    Some(Value::Array(out))
}

fn display(check: &Value) -> &str {
    check["address"]["to_display"].as_str().unwrap_or_default()
}

#[derive(Serialize)]
struct JsonState<'a> {
    format_version: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    terraform_version: &'a str,
    values: JsonValues<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Value>,
}

#[derive(Serialize)]
struct JsonValues<'a> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    outputs: BTreeMap<&'a str, JsonOutput<'a>>,
    root_module: JsonModule,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    sensitive: bool,
    value: Sorted<'a>,
    #[serde(rename = "type")]
    value_type: Sorted<'a>,
}

#[derive(Serialize)]
struct JsonModule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<JsonResource>,
}

#[derive(Serialize)]
struct JsonResource {
    address: String,
    mode: &'static str,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<Value>,
    provider_name: String,
    schema_version: u64,
    #[serde(serialize_with = "sorted_map")]
    values: Map<String, Value>,
    #[serde(serialize_with = "sorted_value")]
    sensitive_values: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tainted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposed_key: Option<String>,
}

fn sorted_map<S: serde::Serializer>(map: &Map<String, Value>, s: S) -> Result<S::Ok, S::Error> {
    let value = Value::Object(map.clone());
    Sorted(&value).serialize(s)
}

fn sorted_value<S: serde::Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(s)
}

/// An instance key as JSON (`index` / `index_key`): a number, a string, or none.
fn key_json(key: &InstanceKey) -> Option<Value> {
    match key {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(Value::from(*i)),
        InstanceKey::Str(s) => Some(Value::from(s.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_values_mirror_structure() {
        let value = json!({"id": "x", "input": {"a": [1, 2], "b": "s"}, "n": null, "e": []});
        let path = [PathStep::GetAttr("input".into()), PathStep::GetAttr("b".into())];
        let idx =
            [PathStep::GetAttr("input".into()), PathStep::GetAttr("a".into()), PathStep::index(1)];
        assert_eq!(
            sensitive_as_bool(&value, &[&path, &idx]),
            json!({"input": {"a": [false, true], "b": true}, "e": []})
        );
    }

    #[test]
    fn provider_names() {
        assert_eq!(
            provider_name("provider[\"terraform.io/builtin/terraform\"]"),
            "terraform.io/builtin/terraform"
        );
        assert_eq!(provider_name("provider[\"r/ns/openai\"].eu"), "r/ns/openai");
    }
}
