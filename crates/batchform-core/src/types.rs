//! Types of values, as cty has them: primitives, collections (list, set, map) with one element
//! type, structural types (tuple, object) with a type per element, and `dynamic` ("any").

use serde_json::json;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// Any type: the type of `null` literals and of values not known yet at all.
    Dynamic,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(BTreeMap<String, Type>),
    /// The type of a type: what `terraform console`'s `type()` function returns (Terraform's
    /// `TypeType` capsule, named "type"). No configuration value has it.
    TypeType,
}

impl Type {
    pub fn list(elem: Type) -> Type {
        Type::List(Box::new(elem))
    }

    pub fn set(elem: Type) -> Type {
        Type::Set(Box::new(elem))
    }

    pub fn map(elem: Type) -> Type {
        Type::Map(Box::new(elem))
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// Whether `dynamic` appears anywhere in this type.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String | Type::TypeType => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_dynamic(),
            Type::Tuple(ts) => ts.iter().any(Type::has_dynamic),
            Type::Object(attrs) => attrs.values().any(Type::has_dynamic),
        }
    }

    /// A short name for messages: "string", "list of string", "object", "tuple".
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Dynamic => "dynamic".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::TypeType => "type".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }

    /// The type with every element name made generic, as cty's `FriendlyNameForConstraint`
    /// says "any" instead of "dynamic".
    pub fn friendly_constraint_name(&self) -> String {
        match self {
            Type::Dynamic => "any type".into(),
            Type::List(t) => format!("list of {}", t.friendly_constraint_name()),
            Type::Set(t) => format!("set of {}", t.friendly_constraint_name()),
            Type::Map(t) => format!("map of {}", t.friendly_constraint_name()),
            other => other.friendly_name(),
        }
    }

    /// cty's JSON encoding of a type, as stored in state outputs and plan JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Type::Dynamic => json!("dynamic"),
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            // cty cannot encode capsule types; type values never reach state or plans.
            Type::TypeType => json!("type"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
            Type::Object(attrs) => {
                let map: serde_json::Map<String, serde_json::Value> =
                    attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                json!(["object", map])
            }
        }
    }

    /// Decode cty's JSON type encoding.
    pub fn from_json(value: &serde_json::Value) -> Option<Type> {
        use serde_json::Value as J;
        match value {
            J::String(s) => match s.as_str() {
                "dynamic" => Some(Type::Dynamic),
                "bool" => Some(Type::Bool),
                "number" => Some(Type::Number),
                "string" => Some(Type::String),
                _ => None,
            },
            J::Array(parts) => {
                let kind = parts.first()?.as_str()?;
                let arg = parts.get(1)?;
                match kind {
                    "list" => Some(Type::list(Type::from_json(arg)?)),
                    "set" => Some(Type::set(Type::from_json(arg)?)),
                    "map" => Some(Type::map(Type::from_json(arg)?)),
                    "tuple" => Some(Type::Tuple(
                        arg.as_array()?.iter().map(Type::from_json).collect::<Option<_>>()?,
                    )),
                    "object" => Some(Type::Object(
                        arg.as_object()?
                            .iter()
                            .map(|(k, v)| Some((k.clone(), Type::from_json(v)?)))
                            .collect::<Option<_>>()?,
                    )),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Type expressions as Terraform writes them: `string`, `list(string)`,
/// `object({a=number})`, `tuple([string, bool])`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Dynamic => f.write_str("dynamic"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::TypeType => f.write_str("type"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}={t}")?;
                }
                f.write_str("})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_json_round_trips() {
        let t = Type::Object(BTreeMap::from([
            ("a".to_string(), Type::list(Type::String)),
            ("b".to_string(), Type::Tuple(vec![Type::Number, Type::Bool])),
            ("c".to_string(), Type::map(Type::set(Type::Dynamic))),
        ]));
        let j = t.to_json();
        assert_eq!(
            j.to_string(),
            r#"["object",{"a":["list","string"],"b":["tuple",["number","bool"]],"c":["map",["set","dynamic"]]}]"#
        );
        assert_eq!(Type::from_json(&j), Some(t));
    }
}
