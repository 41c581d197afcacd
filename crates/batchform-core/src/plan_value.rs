//! Values as plans carry them: the JSON of the known parts plus masks saying where values are
//! unknown and where they are sensitive. This is the `after` / `after_unknown` /
//! `after_sensitive` triple of Terraform's plan JSON, and, with the type, a lossless encoding
//! of a [`Value`] for saved plan files.

use crate::json::{from_json_typed, to_json};
use crate::types::Type;
use crate::value::Value;
use serde_json::Value as Json;

/// The known parts of a value as JSON: unknown object attributes are left out, unknown
/// sequence elements are null; `None` when the whole value is unknown.
pub fn known_json(v: &Value) -> Option<Json> {
    let (bare, _) = v.unmarked();
    match bare {
        Value::Unknown(..) => None,
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Some(Json::Array(items.iter().map(|i| known_json(i).unwrap_or(Json::Null)).collect()))
        }
        Value::Map(_, items) | Value::Object(items) => Some(Json::Object(
            items.iter().filter_map(|(k, i)| known_json(i).map(|j| (k.clone(), j))).collect(),
        )),
        other => to_json(other).ok(),
    }
}

/// `after_unknown`: `false` when nothing inside is unknown, `true` for an unknown value, and
/// otherwise the value's shape with `true` at unknown leaves (objects keep only those).
pub fn unknown_mask(v: &Value) -> Json {
    let (bare, _) = v.unmarked();
    if bare.is_wholly_known() {
        return Json::Bool(false);
    }
    match bare {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(unknown_mask).collect())
        }
        Value::Map(_, items) | Value::Object(items) => Json::Object(
            items
                .iter()
                .map(|(k, i)| (k.clone(), unknown_mask(i)))
                .filter(|(_, j)| *j != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(true),
    }
}

/// `after_sensitive` / `sensitive_values` (Terraform's `SensitiveAsBool`): `true` for a
/// sensitive value; for sequences an array of masks (even when all false); for maps and
/// objects an object holding only the non-false masks; `false` otherwise.
pub fn sensitive_mask(v: &Value) -> Json {
    if v.is_sensitive() {
        return Json::Bool(true);
    }
    match v {
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(sensitive_mask).collect())
        }
        Value::Map(_, items) | Value::Object(items) => Json::Object(
            items
                .iter()
                .map(|(k, i)| (k.clone(), sensitive_mask(i)))
                .filter(|(_, j)| *j != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

/// A lossless encoding of a value (type, known parts, unknown and sensitive masks).
pub fn encode(v: &Value) -> Json {
    serde_json::json!({
        "type": v.ty().to_json(),
        "value": known_json(v),
        "unknown": unknown_mask(v),
        "sensitive": sensitive_mask(v),
    })
}

/// Decode what [`encode`] wrote.
pub fn decode(j: &Json) -> Option<Value> {
    let ty = Type::from_json(j.get("type")?)?;
    rebuild(
        &ty,
        j.get("value").unwrap_or(&Json::Null),
        j.get("unknown").unwrap_or(&Json::Bool(false)),
        j.get("sensitive").unwrap_or(&Json::Bool(false)),
    )
}

fn rebuild(ty: &Type, value: &Json, unknown: &Json, sensitive: &Json) -> Option<Value> {
    let marked = *sensitive == Json::Bool(true);
    if *unknown == Json::Bool(true) {
        return Some(Value::unknown(ty.clone()).with_sensitive(marked));
    }
    let no_inner = |j: &Json| match j {
        Json::Bool(_) => true,
        Json::Array(items) => items.iter().all(|i| *i == Json::Bool(false)),
        Json::Object(items) => items.is_empty(),
        _ => true,
    };
    if no_inner(unknown) && no_inner(sensitive) {
        return from_json_typed(value, ty).ok().map(|v| v.with_sensitive(marked));
    }
    let pick = |mask: &Json, i: usize| -> Json {
        match mask {
            Json::Array(items) => items.get(i).cloned().unwrap_or(Json::Bool(false)),
            _ => Json::Bool(false),
        }
    };
    let pick_key = |mask: &Json, k: &str| -> Json {
        match mask {
            Json::Object(items) => items.get(k).cloned().unwrap_or(Json::Bool(false)),
            _ => Json::Bool(false),
        }
    };
    let result = match ty {
        Type::List(elem) | Type::Set(elem) => {
            let items = value.as_array()?;
            let values = items
                .iter()
                .enumerate()
                .map(|(i, j)| rebuild(elem, j, &pick(unknown, i), &pick(sensitive, i)))
                .collect::<Option<Vec<_>>>()?;
            if matches!(ty, Type::Set(_)) {
                Value::set((**elem).clone(), values)
            } else {
                Value::List((**elem).clone(), values)
            }
        }
        Type::Tuple(elems) => {
            let items = value.as_array()?;
            Value::Tuple(
                elems
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        rebuild(
                            t,
                            items.get(i).unwrap_or(&Json::Null),
                            &pick(unknown, i),
                            &pick(sensitive, i),
                        )
                    })
                    .collect::<Option<Vec<_>>>()?,
            )
        }
        Type::Map(elem) => {
            let items = value.as_object()?;
            let mut out = std::collections::BTreeMap::new();
            for (k, j) in items {
                out.insert(
                    k.clone(),
                    rebuild(elem, j, &pick_key(unknown, k), &pick_key(sensitive, k))?,
                );
            }
            // Unknown entries are absent from the known JSON.
            if let Json::Object(u) = unknown {
                let missing: Vec<&String> = u.keys().filter(|k| !out.contains_key(*k)).collect();
                for k in missing {
                    out.insert(
                        k.clone(),
                        rebuild(elem, &Json::Null, &pick_key(unknown, k), &pick_key(sensitive, k))?,
                    );
                }
            }
            Value::Map((**elem).clone(), out)
        }
        Type::Object(attrs) => {
            let items = value.as_object().cloned().unwrap_or_default();
            let mut out = std::collections::BTreeMap::new();
            for (k, t) in attrs {
                let j = items.get(k).unwrap_or(&Json::Null);
                out.insert(
                    k.clone(),
                    rebuild(t, j, &pick_key(unknown, k), &pick_key(sensitive, k))?,
                );
            }
            Value::Object(out)
        }
        _ => from_json_typed(value, ty).ok()?,
    };
    Some(result.with_sensitive(marked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_unknowns_and_marks() {
        let v = Value::object([
            ("id", Value::unknown(Type::String)),
            ("name", Value::string("a")),
            ("secret", Value::string("s").mark_sensitive()),
            ("list", Value::Tuple(vec![Value::number(1), Value::unknown(Type::Number)])),
        ]);
        let j = encode(&v);
        assert_eq!(j["value"], serde_json::json!({"name": "a", "secret": "s", "list": [1, null]}));
        assert_eq!(j["unknown"], serde_json::json!({"id": true, "list": [false, true]}));
        // As Terraform's SensitiveAsBool: sequences keep their all-false masks.
        assert_eq!(j["sensitive"], serde_json::json!({"list": [false, false], "secret": true}));
        assert_eq!(decode(&j), Some(v));
    }

    #[test]
    fn masks_collapse_when_nothing_is_inside() {
        assert_eq!(unknown_mask(&Value::object([("a", Value::number(1))])), Json::Bool(false));
        assert_eq!(unknown_mask(&Value::unknown(Type::String)), Json::Bool(true));
        assert_eq!(sensitive_mask(&Value::string("x").mark_sensitive()), Json::Bool(true));
    }
}
