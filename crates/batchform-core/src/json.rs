//! cty's JSON encoding of values: what state attributes, outputs and plan JSON hold, and what
//! `jsonencode` / `jsondecode` and `*.tfvars.json` use.

use crate::number::Number;
use crate::types::Type;
use crate::value::Value;
use std::collections::BTreeMap;

/// Why a value could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("value is not yet known")]
    Unknown,
    #[error("a number is required")]
    Number,
    #[error("{0}")]
    Type(String),
}

/// Encode a value as JSON, ignoring sensitive marks. Unknowns are an error; infinities
/// encode as Go does (`+Inf` strings are not valid JSON, so cty refuses them too).
pub fn to_json(value: &Value) -> Result<serde_json::Value, JsonError> {
    use serde_json::Value as J;
    Ok(match value {
        Value::Sensitive(v) => to_json(v)?,
        Value::Unknown(..) => return Err(JsonError::Unknown),
        Value::Type(_) => return Err(JsonError::Type("a type cannot be encoded as JSON".into())),
        Value::Null(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => J::Number(json_number(n)?),
        Value::String(s) => J::String(s.clone()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Value::Map(_, items) | Value::Object(items) => J::Object(
            items.iter().map(|(k, v)| Ok((k.clone(), to_json(v)?))).collect::<Result<_, _>>()?,
        ),
    })
}

/// A cty number as a JSON number, digits exactly as Terraform writes them.
pub fn json_number(n: &Number) -> Result<serde_json::Number, JsonError> {
    if n.is_inf() {
        return Err(JsonError::Number);
    }
    n.to_text().parse::<serde_json::Number>().map_err(|_| JsonError::Number)
}

/// Decode JSON with no type given: objects become objects, arrays tuples (cty's
/// `ImpliedType`), numbers are parsed at 512 bits.
pub fn from_json_implied(json: &serde_json::Value) -> Result<Value, JsonError> {
    use serde_json::Value as J;
    Ok(match json {
        J::Null => Value::NULL,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            Value::Number(Number::parse(&n.to_string()).map_err(|_| JsonError::Number)?)
        }
        J::String(s) => Value::String(s.clone()),
        J::Array(items) => {
            Value::Tuple(items.iter().map(from_json_implied).collect::<Result<_, _>>()?)
        }
        J::Object(items) => Value::Object(
            items
                .iter()
                .map(|(k, v)| Ok((k.clone(), from_json_implied(v)?)))
                .collect::<Result<BTreeMap<_, _>, _>>()?,
        ),
    })
}

/// Decode JSON as a value of the given type (how state attributes are read back).
pub fn from_json_typed(json: &serde_json::Value, ty: &Type) -> Result<Value, JsonError> {
    use serde_json::Value as J;
    if json.is_null() {
        return Ok(Value::Null(ty.clone()));
    }
    let mismatch = || JsonError::Type(format!("{} required", ty.friendly_name()));
    Ok(match ty {
        Type::Dynamic => {
            // cty stores dynamic values as {"value": ..., "type": ...}.
            let obj = json.as_object().ok_or_else(mismatch)?;
            let inner_ty = obj.get("type").and_then(Type::from_json).ok_or_else(mismatch)?;
            let inner = obj.get("value").unwrap_or(&J::Null);
            from_json_typed(inner, &inner_ty)?
        }
        Type::Bool => Value::Bool(json.as_bool().ok_or_else(mismatch)?),
        Type::Number => match json {
            J::Number(n) => {
                Value::Number(Number::parse(&n.to_string()).map_err(|_| JsonError::Number)?)
            }
            J::String(s) => Value::Number(Number::parse(s).map_err(|_| JsonError::Number)?),
            _ => return Err(mismatch()),
        },
        Type::String => match json {
            J::String(s) => Value::String(s.clone()),
            J::Number(n) => Value::String(n.to_string()),
            J::Bool(b) => Value::String(b.to_string()),
            _ => return Err(mismatch()),
        },
        Type::TypeType => return Err(mismatch()),
        Type::List(elem) | Type::Set(elem) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            let values =
                items.iter().map(|j| from_json_typed(j, elem)).collect::<Result<_, _>>()?;
            if matches!(ty, Type::Set(_)) {
                Value::set((**elem).clone(), values)
            } else {
                Value::List((**elem).clone(), values)
            }
        }
        Type::Map(elem) => {
            let items = json.as_object().ok_or_else(mismatch)?;
            Value::Map(
                (**elem).clone(),
                items
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), from_json_typed(v, elem)?)))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Tuple(elems) => {
            let items = json.as_array().ok_or_else(mismatch)?;
            if items.len() != elems.len() {
                return Err(mismatch());
            }
            Value::Tuple(
                items
                    .iter()
                    .zip(elems)
                    .map(|(j, t)| from_json_typed(j, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Object(attrs) => {
            let items = json.as_object().ok_or_else(mismatch)?;
            let mut out = BTreeMap::new();
            for (name, attr_ty) in attrs {
                let v = items.get(name).unwrap_or(&J::Null);
                out.insert(name.clone(), from_json_typed(v, attr_ty)?);
            }
            if let Some(extra) = items.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(JsonError::Type(format!("unsupported attribute {extra:?}")));
            }
            Value::Object(out)
        }
    })
}

/// Encode a value of type `ty` for a place typed `ty` in JSON: dynamic places get cty's
/// `{"value": ..., "type": ...}` wrapper (as `terraform_data`'s `input` is stored). As in
/// cty's `json.Marshal`, a typed null in a dynamic place is wrapped too
/// (`{"value": null, "type": "string"}`); only an untyped null is a bare `null`.
pub fn to_json_typed(value: &Value, ty: &Type) -> Result<serde_json::Value, JsonError> {
    let (bare, _) = value.unmarked();
    if bare.is_null() && !(*ty == Type::Dynamic && bare.ty() != Type::Dynamic) {
        return Ok(serde_json::Value::Null);
    }
    match ty {
        Type::Dynamic => Ok(serde_json::json!({
            "value": to_json(bare)?,
            "type": bare.ty().to_json(),
        })),
        Type::Object(attrs) => {
            let entries =
                bare.entries().ok_or_else(|| JsonError::Type("object required".into()))?;
            let mut out = serde_json::Map::new();
            for (name, attr_ty) in attrs {
                let v = entries.get(name).cloned().unwrap_or(Value::Null(attr_ty.clone()));
                out.insert(name.clone(), to_json_typed(&v, attr_ty)?);
            }
            Ok(serde_json::Value::Object(out))
        }
        _ => to_json(bare),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_terraform_digits() {
        let v = from_json_implied(&serde_json::json!({"a": 0.1, "b": [1, "x"]})).unwrap();
        let back = to_json(&v).unwrap();
        assert_eq!(back.to_string(), r#"{"a":0.1,"b":[1,"x"]}"#);
        let big: serde_json::Value = serde_json::from_str("1e400").unwrap();
        let v = from_json_implied(&big).unwrap();
        assert_eq!(to_json(&v).unwrap().to_string().len(), 401);
    }

    #[test]
    fn dynamic_places_are_wrapped() {
        let v = Value::Tuple(vec![Value::string("a")]);
        let j = to_json_typed(&v, &Type::Dynamic).unwrap();
        assert_eq!(j.to_string(), r#"{"type":["tuple",["string"]],"value":["a"]}"#);
        assert_eq!(from_json_typed(&j, &Type::Dynamic).unwrap(), v);
    }

    #[test]
    fn typed_nulls_in_dynamic_places_keep_their_type() {
        // terraform_data { input = var.s } with a null string variable: Terraform 1.11 stores
        // {"value": null, "type": "string"} (fixtures/parity/cases/dynamic_types).
        let v = Value::Null(Type::String);
        let j = to_json_typed(&v, &Type::Dynamic).unwrap();
        assert_eq!(j.to_string(), r#"{"type":"string","value":null}"#);
        assert_eq!(from_json_typed(&j, &Type::Dynamic).unwrap(), v);
        assert_eq!(to_json_typed(&Value::NULL, &Type::Dynamic).unwrap(), serde_json::Value::Null);
        assert_eq!(to_json_typed(&v, &Type::String).unwrap(), serde_json::Value::Null);
    }
}
