//! `terraform_data` checked against what real Terraform 1.11 did, using the goldens in
//! `fixtures/parity/cases` (made by `fixtures/parity/generate.py`):
//!
//! - every `terraform_data` object Terraform stored decodes to a value and encodes back to
//!   the same JSON (the dynamic `{"value", "type"}` wrapper, tuple vs list, object vs map,
//!   typed nulls), and a whole state file re-encoded through batchform's state codec is
//!   byte for byte the file Terraform wrote;
//! - every planned `terraform_data` change Terraform made is replayed through the provider:
//!   the planned object gives the plan JSON's `after` and `after_unknown`, a change of
//!   `triggers_replace` gives its `replace_paths`, and applying gives the object Terraform
//!   stored.

use super::STATE_PROVIDER;
use super::terraform_data::{self, terraform_data_schema};
use batchform_core::json::{from_json_typed, to_json_typed};
use batchform_core::plan_value::{known_json, unknown_mask};
use batchform_core::types::Type;
use batchform_core::value::Value;
use serde_json::Value as Json;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/parity/cases");

struct Step {
    name: String,
    state_text: Option<String>,
    state: Option<Json>,
    plan: Option<Json>,
    result: Json,
}

fn read_json(path: &Path) -> Option<Json> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Every case's steps, in order.
fn cases() -> Vec<(String, Vec<Step>)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(CASES)
        .expect("fixtures/parity/cases")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|case| {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let mut steps = Vec::new();
            for number in 1.. {
                let dir = case.join("expected").join(number.to_string());
                if !dir.is_dir() {
                    break;
                }
                let state_text = std::fs::read_to_string(dir.join("state.tfstate")).ok();
                steps.push(Step {
                    name: format!("{name} step {number}"),
                    state: state_text.as_deref().map(|t| serde_json::from_str(t).unwrap()),
                    state_text,
                    plan: read_json(&dir.join("plan.json")),
                    result: read_json(&dir.join("result.json")).expect("result.json"),
                });
            }
            assert!(!steps.is_empty(), "{name}: no expected/1");
            (name, steps)
        })
        .collect()
}

fn implied_type() -> Type {
    terraform_data_schema().block.implied_type()
}

/// `terraform_data` objects of a state file by instance address (`a.b[0]`, `a.b["k"]`),
/// with their resource and instance JSON.
fn objects(state: &Json) -> BTreeMap<String, (&Json, &Json)> {
    let mut out = BTreeMap::new();
    for resource in state["resources"].as_array().unwrap() {
        if resource["type"] != "terraform_data" || resource["mode"] != "managed" {
            continue;
        }
        let base = format!("terraform_data.{}", resource["name"].as_str().unwrap());
        for instance in resource["instances"].as_array().unwrap() {
            let addr = match &instance.get("index_key") {
                Some(Json::Number(n)) => format!("{base}[{n}]"),
                Some(Json::String(s)) => format!("{base}[\"{s}\"]"),
                _ => base.clone(),
            };
            if instance.get("deposed").is_none() {
                out.insert(addr, (resource, instance));
            }
        }
    }
    out
}

fn decode(attributes: &Json) -> Value {
    from_json_typed(attributes, &implied_type()).expect("terraform_data attributes decode")
}

#[test]
fn stored_objects_round_trip_exactly() {
    let mut checked = 0;
    for (_, steps) in cases() {
        for step in &steps {
            let Some(state) = &step.state else { continue };
            for (addr, (resource, instance)) in objects(state) {
                assert_eq!(resource["provider"], STATE_PROVIDER, "{}: {addr}", step.name);
                assert_eq!(instance["schema_version"], 0, "{}: {addr}", step.name);
                let attributes = &instance["attributes"];
                let value = decode(attributes);
                let back = to_json_typed(&value, &implied_type()).unwrap();
                assert_eq!(&back, attributes, "{}: {addr}", step.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "only {checked} objects found in the goldens");
}

#[test]
fn state_files_reencode_byte_for_byte() {
    let ty = implied_type();
    let mut checked = 0;
    for (_, steps) in cases() {
        for step in &steps {
            let Some(text) = &step.state_text else { continue };
            let mut state = batchform_state::codec::decode(text.as_bytes()).unwrap().unwrap();
            for resource in state.resources.values_mut() {
                for instance in resource.instances.values_mut() {
                    let objects = instance.current.iter_mut().chain(instance.deposed.values_mut());
                    for object in objects {
                        let value = from_json_typed(&object.attributes, &ty).unwrap();
                        object.attributes = to_json_typed(&value, &ty).unwrap();
                    }
                }
            }
            let written = String::from_utf8(batchform_state::codec::encode(&state)).unwrap();
            // `check_results` objects are written with sorted keys by the state codec, while
            // Terraform writes them in its struct order (object_kind, config_addr, status,
            // objects): compare that part as JSON until the codec follows Terraform.
            let (ours, our_checks) = written.split_at(written.find("  \"check_results\"").unwrap());
            let (theirs, their_checks) = text.split_at(text.find("  \"check_results\"").unwrap());
            assert_eq!(ours, theirs, "{}", step.name);
            let checks = |t: &str| -> Json { serde_json::from_str(&format!("{{{t}")).unwrap() };
            assert_eq!(checks(our_checks), checks(their_checks), "{}", step.name);
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} state files found");
}

/// `value` with unknowns where the plan JSON's `after_unknown` mask says so.
fn with_unknowns(value: Value, mask: &Json) -> Value {
    match (value, mask) {
        (value, Json::Bool(true)) => Value::unknown(value.ty()),
        (Value::Object(attrs), Json::Object(m)) => Value::Object(
            attrs
                .into_iter()
                .map(|(k, v)| {
                    let masked = m.get(&k).map_or(v.clone(), |m| with_unknowns(v, m));
                    (k, masked)
                })
                .collect(),
        ),
        (Value::Map(t, attrs), Json::Object(m)) => Value::Map(
            t,
            attrs
                .into_iter()
                .map(|(k, v)| {
                    let masked = m.get(&k).map_or(v.clone(), |m| with_unknowns(v, m));
                    (k, masked)
                })
                .collect(),
        ),
        (Value::Tuple(items), Json::Array(m)) => {
            Value::Tuple(items.into_iter().zip(m).map(|(v, m)| with_unknowns(v, m)).collect())
        }
        (Value::Set(t, items), Json::Array(m)) => {
            Value::set(t, items.into_iter().zip(m).map(|(v, m)| with_unknowns(v, m)).collect())
        }
        (Value::List(t, items), Json::Array(m)) => {
            Value::List(t, items.into_iter().zip(m).map(|(v, m)| with_unknowns(v, m)).collect())
        }
        (value, _) => value,
    }
}

/// The paths a plan JSON `after_unknown` mask marks unknown. (Terraform's mask also spells
/// out known collections as arrays of `false` and `{}`, which says nothing about unknowns.)
fn unknown_paths(mask: &Json) -> BTreeSet<String> {
    fn walk(mask: &Json, path: String, out: &mut BTreeSet<String>) {
        match mask {
            Json::Bool(true) => {
                out.insert(path);
            }
            Json::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{path}[{i}]"), out);
                }
            }
            Json::Object(items) => {
                for (k, item) in items {
                    walk(item, format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(mask, String::new(), &mut out);
    out
}

fn object(id: Value, input: Value, output: Value, triggers_replace: Value) -> Value {
    Value::object([
        ("id", id),
        ("input", input),
        ("output", output),
        ("triggers_replace", triggers_replace),
    ])
}

/// What Terraform core does for one instance: plan against the prior object (to learn what
/// requires replacement), and for a replacement plan again as a create.
fn plan_as_core(
    prior: Option<&Value>,
    input: Value,
    triggers: Value,
    replace: bool,
) -> (Value, Vec<String>) {
    let computed =
        |name: &str, null: Value| prior.and_then(|p| p.get_attr(name).cloned()).unwrap_or(null);
    let proposed = object(
        computed("id", Value::Null(Type::String)),
        input.clone(),
        computed("output", Value::NULL),
        triggers.clone(),
    );
    let (planned, requires_replace) = terraform_data::plan(prior, &proposed);
    let paths = requires_replace.iter().map(ToString::to_string).collect();
    if !replace {
        return (planned.expect("a planned object"), paths);
    }
    let proposed = object(Value::Null(Type::String), input, Value::NULL, triggers);
    let (planned, _) = terraform_data::plan(None, &proposed);
    (planned.expect("a planned object"), paths)
}

#[test]
fn provider_replays_terraforms_plans_and_applies() {
    let ty = implied_type();
    let mut checked = 0;
    for (_, steps) in cases() {
        let mut prior_state: Option<&Json> = None;
        for step in &steps {
            if let (Some(plan), Some(final_state)) = (&step.plan, &step.state) {
                let before = prior_state.map(objects).unwrap_or_default();
                let after = objects(final_state);
                let changes = plan.get("resource_changes").and_then(Json::as_array);
                for rc in changes.map_or(&[][..], Vec::as_slice) {
                    if rc["type"] != "terraform_data" || rc.get("deposed").is_some() {
                        continue;
                    }
                    let addr = rc["address"].as_str().unwrap();
                    let what = format!("{}: {addr}", step.name);
                    let change = &rc["change"];
                    let actions: Vec<&str> = change["actions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap())
                        .collect();
                    if actions == ["delete"] {
                        assert!(!after.contains_key(addr), "{what}: deleted but still in state");
                        continue;
                    }
                    let previous =
                        rc.get("previous_address").and_then(Json::as_str).unwrap_or(addr);
                    let prior = match change.get("importing") {
                        Some(importing) => {
                            let imported =
                                terraform_data::import(importing["id"].as_str().unwrap());
                            terraform_data::read(imported)
                        }
                        None => before.get(previous).map(|(_, i)| decode(&i["attributes"])),
                    };
                    let creates = actions.contains(&"create");
                    let replace = creates && actions.contains(&"delete");
                    assert_eq!(prior.is_none(), creates && !replace, "{what}: {actions:?}");
                    if let Some(prior) = &prior {
                        assert_eq!(
                            known_json(prior).as_ref(),
                            Some(&change["before"]),
                            "{what}: before"
                        );
                    }

                    // The configuration's values: as finally stored, unknown where the plan
                    // did not know them yet.
                    let (_, stored) = after[addr];
                    let stored = decode(&stored["attributes"]);
                    let mask = &change["after_unknown"];
                    let input = stored.get_attr("input").cloned().unwrap();
                    let triggers = stored.get_attr("triggers_replace").cloned().unwrap();
                    let plan_input = with_unknowns(input.clone(), &mask["input"]);
                    let plan_triggers = with_unknowns(triggers.clone(), &mask["triggers_replace"]);

                    let (planned, paths) =
                        plan_as_core(prior.as_ref(), plan_input, plan_triggers, replace);
                    assert_eq!(
                        known_json(&planned).as_ref(),
                        Some(&change["after"]),
                        "{what}: after"
                    );
                    assert_eq!(
                        unknown_paths(&unknown_mask(&planned)),
                        unknown_paths(mask),
                        "{what}: after_unknown"
                    );
                    let replace_paths: Vec<String> = change
                        .get("replace_paths")
                        .and_then(Json::as_array)
                        .map(|ps| ps.iter().map(|p| p[0].as_str().unwrap().to_string()).collect())
                        .unwrap_or_default();
                    if rc.get("action_reason").and_then(Json::as_str)
                        == Some("replace_because_cannot_update")
                    {
                        assert_eq!(paths, replace_paths, "{what}: replace_paths");
                    } else if !replace {
                        assert!(paths.is_empty(), "{what}: unexpected replace paths {paths:?}");
                    }

                    // Apply with the values known by then; the id is random, so the generator
                    // hands out the one Terraform made, and must be called only for new objects.
                    let (planned, _) = plan_as_core(prior.as_ref(), input, triggers, replace);
                    let made_id = Cell::new(false);
                    let stored_id =
                        stored.get_attr("id").and_then(Value::as_str).unwrap().to_string();
                    let applied = terraform_data::apply(Some(planned), || {
                        made_id.set(true);
                        Ok(stored_id.clone())
                    })
                    .unwrap()
                    .unwrap();
                    assert_eq!(made_id.get(), creates, "{what}: id generation");
                    assert_eq!(
                        to_json_typed(&applied, &ty).unwrap(),
                        after[addr].1["attributes"],
                        "{what}: applied"
                    );
                    checked += 1;
                }
            }
            if let Some(import) = step.result.get("import") {
                let state = step.state.as_ref().unwrap();
                let objects = objects(state);
                let (_, stored) = objects[import["address"].as_str().unwrap()];
                let imported = terraform_data::import(import["id"].as_str().unwrap());
                assert_eq!(
                    to_json_typed(&imported, &ty).unwrap(),
                    stored["attributes"],
                    "{}",
                    step.name
                );
                checked += 1;
            }
            if step.state.is_some() {
                prior_state = step.state.as_ref();
            }
        }
    }
    assert!(checked > 150, "only {checked} changes replayed");
}
