//! Type constraints with optional object attributes and their defaults, as Terraform's
//! variable `type` arguments have them (`object({ a = optional(string, "x") })`).
//!
//! cty keeps optional attributes inside its object type; our [`Type`] has no room for them,
//! so a constraint is a parallel tree. Defaults live next to the attribute they belong to
//! (HCL's `typeexpr.Defaults` keeps the same information in a separate tree shaped like the
//! type).

use crate::types::Type;
use crate::value::Value;
use std::collections::BTreeMap;

/// A type that may have optional attributes (with defaults) in its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeConstraint {
    Dynamic,
    Bool,
    Number,
    String,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
    Object(BTreeMap<String, AttrConstraint>),
    /// [`Type::TypeType`]: only a type value conforms.
    TypeType,
}

/// One attribute of an object constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrConstraint {
    pub ty: TypeConstraint,
    /// Declared with `optional(...)`: may be absent, becoming null (or its default).
    pub optional: bool,
    /// The second argument of `optional(type, default)`, already converted to `ty`.
    pub default: Option<Value>,
}

impl AttrConstraint {
    /// A required attribute.
    pub fn required(ty: TypeConstraint) -> AttrConstraint {
        AttrConstraint { ty, optional: false, default: None }
    }

    /// An optional attribute, with an optional default.
    pub fn optional(ty: TypeConstraint, default: Option<Value>) -> AttrConstraint {
        AttrConstraint { ty, optional: true, default }
    }
}

impl From<&Type> for TypeConstraint {
    fn from(ty: &Type) -> TypeConstraint {
        match ty {
            Type::Dynamic => TypeConstraint::Dynamic,
            Type::Bool => TypeConstraint::Bool,
            Type::Number => TypeConstraint::Number,
            Type::String => TypeConstraint::String,
            Type::TypeType => TypeConstraint::TypeType,
            Type::List(t) => TypeConstraint::List(Box::new(TypeConstraint::from(&**t))),
            Type::Set(t) => TypeConstraint::Set(Box::new(TypeConstraint::from(&**t))),
            Type::Map(t) => TypeConstraint::Map(Box::new(TypeConstraint::from(&**t))),
            Type::Tuple(ts) => TypeConstraint::Tuple(ts.iter().map(TypeConstraint::from).collect()),
            Type::Object(attrs) => TypeConstraint::Object(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), AttrConstraint::required(TypeConstraint::from(t))))
                    .collect(),
            ),
        }
    }
}

impl From<Type> for TypeConstraint {
    fn from(ty: Type) -> TypeConstraint {
        TypeConstraint::from(&ty)
    }
}

impl TypeConstraint {
    /// The type with the optional markers dropped (cty's `WithoutOptionalAttributesDeep`):
    /// the type of any value that conforms to this constraint.
    pub fn to_type(&self) -> Type {
        match self {
            TypeConstraint::Dynamic => Type::Dynamic,
            TypeConstraint::Bool => Type::Bool,
            TypeConstraint::Number => Type::Number,
            TypeConstraint::String => Type::String,
            TypeConstraint::TypeType => Type::TypeType,
            TypeConstraint::List(t) => Type::list(t.to_type()),
            TypeConstraint::Set(t) => Type::set(t.to_type()),
            TypeConstraint::Map(t) => Type::map(t.to_type()),
            TypeConstraint::Tuple(ts) => {
                Type::Tuple(ts.iter().map(TypeConstraint::to_type).collect())
            }
            TypeConstraint::Object(attrs) => {
                Type::Object(attrs.iter().map(|(k, a)| (k.clone(), a.ty.to_type())).collect())
            }
        }
    }

    /// Whether some object in this constraint has an optional attribute.
    pub fn has_optional(&self) -> bool {
        match self {
            TypeConstraint::List(t) | TypeConstraint::Set(t) | TypeConstraint::Map(t) => {
                t.has_optional()
            }
            TypeConstraint::Tuple(ts) => ts.iter().any(TypeConstraint::has_optional),
            TypeConstraint::Object(attrs) => {
                attrs.values().any(|a| a.optional || a.ty.has_optional())
            }
            _ => false,
        }
    }

    /// Whether some optional attribute in this constraint has a default.
    pub fn has_defaults(&self) -> bool {
        match self {
            TypeConstraint::List(t) | TypeConstraint::Set(t) | TypeConstraint::Map(t) => {
                t.has_defaults()
            }
            TypeConstraint::Tuple(ts) => ts.iter().any(TypeConstraint::has_defaults),
            TypeConstraint::Object(attrs) => {
                attrs.values().any(|a| a.default.is_some() || a.ty.has_defaults())
            }
            _ => false,
        }
    }

    /// cty's `Type.Equals` between a constraint and a plain type: equal only if the
    /// constraint has no optional attribute at all.
    pub fn equals_type(&self, ty: &Type) -> bool {
        match (self, ty) {
            (TypeConstraint::Dynamic, Type::Dynamic)
            | (TypeConstraint::Bool, Type::Bool)
            | (TypeConstraint::Number, Type::Number)
            | (TypeConstraint::String, Type::String)
            | (TypeConstraint::TypeType, Type::TypeType) => true,
            (TypeConstraint::List(a), Type::List(b))
            | (TypeConstraint::Set(a), Type::Set(b))
            | (TypeConstraint::Map(a), Type::Map(b)) => a.equals_type(b),
            (TypeConstraint::Tuple(a), Type::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals_type(y))
            }
            (TypeConstraint::Object(a), Type::Object(b)) => {
                a.len() == b.len()
                    && a.iter().zip(b).all(|((ka, va), (kb, vb))| {
                        ka == kb && !va.optional && va.ty.equals_type(vb)
                    })
            }
            _ => false,
        }
    }

    pub fn is_dynamic(&self) -> bool {
        matches!(self, TypeConstraint::Dynamic)
    }

    /// cty's `FriendlyNameForConstraint`: "list of string", "any type", "object", and
    /// "list of any single type" for a collection of `dynamic`.
    pub fn friendly_constraint_name(&self) -> String {
        let element = |t: &TypeConstraint| match t {
            TypeConstraint::Dynamic => "any single type".to_string(),
            other => other.friendly_constraint_name(),
        };
        match self {
            TypeConstraint::Dynamic => "any type".into(),
            TypeConstraint::List(t) => format!("list of {}", element(t)),
            TypeConstraint::Set(t) => format!("set of {}", element(t)),
            TypeConstraint::Map(t) => format!("map of {}", element(t)),
            TypeConstraint::Tuple(_) => "tuple".into(),
            TypeConstraint::Object(_) => "object".into(),
            other => other.to_type().friendly_name(),
        }
    }

    /// Fill in the defaults of optional attributes that the value lacks or sets to null, at
    /// any depth, as HCL's `typeexpr.Defaults.Apply` does. The result may still need
    /// conversion to the constraint; mismatches are left for that conversion to report.
    pub fn apply_defaults(&self, value: &Value) -> Value {
        if !self.has_defaults() {
            return value.clone();
        }
        apply_defaults(self, value)
    }
}

fn apply_defaults(constraint: &TypeConstraint, value: &Value) -> Value {
    let (bare, marked) = value.unmarked();
    if !bare.is_known() || bare.is_null() || !constraint.has_defaults() {
        return value.clone();
    }
    let child = |key: ChildKey<'_>| -> Option<&TypeConstraint> {
        match (constraint, key) {
            (TypeConstraint::Tuple(ts), ChildKey::Index(i)) => ts.get(i),
            (TypeConstraint::Object(attrs), ChildKey::Name(n)) => attrs.get(n).map(|a| &a.ty),
            (TypeConstraint::List(t) | TypeConstraint::Set(t) | TypeConstraint::Map(t), _) => {
                Some(t)
            }
            _ => None,
        }
    };
    let result = match bare {
        Value::List(ety, items) | Value::Set(ety, items) => {
            let values: Vec<Value> = items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    child(ChildKey::Index(i)).map_or_else(|| v.clone(), |c| apply_defaults(c, v))
                })
                .collect();
            let is_set = matches!(bare, Value::Set(..));
            if values.is_empty() {
                if is_set {
                    Value::set(ety.clone(), values)
                } else {
                    Value::List(ety.clone(), values)
                }
            } else {
                match unify_values(&values) {
                    Some((ty, converted)) if is_set => Value::set(ty, converted),
                    Some((ty, converted)) => Value::List(ty, converted),
                    None => Value::Tuple(values),
                }
            }
        }
        Value::Tuple(items) => Value::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    child(ChildKey::Index(i)).map_or_else(|| v.clone(), |c| apply_defaults(c, v))
                })
                .collect(),
        ),
        Value::Map(_, entries) | Value::Object(entries) => {
            let mut values: BTreeMap<String, Value> = entries
                .iter()
                .map(|(k, v)| {
                    let v = child(ChildKey::Name(k))
                        .map_or_else(|| v.clone(), |c| apply_defaults(c, v));
                    (k.clone(), v)
                })
                .collect();
            if let TypeConstraint::Object(attrs) = constraint {
                for (name, attr) in attrs {
                    let Some(default) = &attr.default else { continue };
                    if values.get(name).is_none_or(Value::is_null) {
                        values.insert(name.clone(), apply_defaults(&attr.ty, default));
                    }
                }
            }
            match bare {
                Value::Map(ety, _) if values.is_empty() => Value::Map(ety.clone(), values),
                Value::Map(..) => {
                    let list: Vec<Value> = values.values().cloned().collect();
                    match unify_values(&list) {
                        Some((ty, converted)) => {
                            Value::Map(ty, values.into_keys().zip(converted).collect())
                        }
                        None => Value::Object(values),
                    }
                }
                _ => Value::Object(values),
            }
        }
        other => other.clone(),
    };
    result.with_sensitive(marked)
}

enum ChildKey<'a> {
    Index(usize),
    Name(&'a str),
}

/// Unify the values' types (unsafe) and convert each; None if that is not possible.
fn unify_values(values: &[Value]) -> Option<(Type, Vec<Value>)> {
    let types: Vec<Type> = values.iter().map(Value::ty).collect();
    let unified = crate::convert::unify::unify(&types)?;
    let converted = values
        .iter()
        .enumerate()
        .map(|(i, v)| unified.convert(i, v).ok())
        .collect::<Option<Vec<_>>>()?;
    Some((unified.ty.clone(), converted))
}
