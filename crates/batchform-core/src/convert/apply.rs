//! Running a planned conversion over a value (the closures of cty's `conversion*.go`).

use super::constraint::TypeConstraint;
use super::conversion::{AttrSlot, Conversion, Kind, dynamic_replace};
use super::unify::unify_mode;
use super::{ConvertError, mismatch_message};
use crate::number::Number;
use crate::path::PathStep;
use crate::types::Type;
use crate::value::{Refinement, Value};
use std::collections::BTreeMap;

impl Conversion {
    /// Run the conversion. Marks are taken off and put back on the result; unknowns and
    /// nulls become unknowns and nulls of the target type.
    pub(crate) fn apply(
        &self,
        value: &Value,
        path: &mut Vec<PathStep>,
    ) -> Result<Value, ConvertError> {
        if let Value::Sensitive(inner) = value {
            return Ok(self.apply(inner, path)?.mark_sensitive());
        }
        if matches!(self.out, Type::Dynamic) {
            return Ok(value.clone());
        }
        match value {
            // A value known not to be null stays so (cty's `prepareUnknownResult`).
            Value::Unknown(t, r) => {
                let refinement = Refinement { not_null: r.not_null, prefix: None };
                return Ok(Value::refined_unknown(dynamic_replace(t, &self.out), refinement));
            }
            Value::Null(t) => return Ok(Value::Null(dynamic_replace(t, &self.out))),
            _ => {}
        }
        self.kind.apply(value, path)
    }
}

/// Convert with an optional conversion (None: the value already has the right type).
fn apply_opt(
    conv: Option<&Conversion>,
    value: &Value,
    path: &mut Vec<PathStep>,
) -> Result<Value, ConvertError> {
    match conv {
        Some(c) => c.apply(value, path),
        None => Ok(value.clone()),
    }
}

/// Run `f` with `step` pushed on the path.
fn at<T>(path: &mut Vec<PathStep>, step: PathStep, f: impl FnOnce(&mut Vec<PathStep>) -> T) -> T {
    path.push(step);
    let out = f(path);
    path.pop();
    out
}

impl Kind {
    fn apply(&self, value: &Value, path: &mut Vec<PathStep>) -> Result<Value, ConvertError> {
        match self {
            Kind::Passthrough => Ok(value.clone()),
            Kind::DynamicFixup(want) => super::convert_to_constraint(value, want).map_err(|e| {
                ConvertError { path: crate::path::AttrPath(path.clone()), message: e.message }
            }),
            Kind::NumberToString => match value {
                Value::Number(n) => Ok(Value::String(n.to_text())),
                _ => Err(ConvertError::new(path, "string required")),
            },
            Kind::BoolToString => match value {
                Value::Bool(b) => Ok(Value::string(if *b { "true" } else { "false" })),
                _ => Err(ConvertError::new(path, "string required")),
            },
            Kind::StringToNumber => match value {
                Value::String(s) => Number::parse(s)
                    .map(Value::Number)
                    .map_err(|_| ConvertError::new(path, "a number is required")),
                _ => Err(ConvertError::new(path, "a number is required")),
            },
            Kind::StringToBool => match value {
                Value::String(s) => string_to_bool(s).map_err(|m| ConvertError::new(path, m)),
                _ => Err(ConvertError::new(path, "a bool is required")),
            },
            Kind::ObjectToObject { attrs, optional } => {
                let entries = value.entries().map_or(&EMPTY, |e| e);
                let mut out = BTreeMap::new();
                for (name, v) in entries {
                    let Some(conv) = attrs.get(name) else { continue };
                    let v =
                        at(path, PathStep::Attr(name.clone()), |p| apply_opt(conv.as_ref(), v, p))?;
                    out.insert(name.clone(), v);
                }
                for (name, ty) in optional {
                    out.entry(name.clone()).or_insert_with(|| Value::Null(ty.clone()));
                }
                Ok(Value::Object(out))
            }
            Kind::TupleToTuple(convs) => {
                let items = value.elements().unwrap_or(&[]);
                let out = items
                    .iter()
                    .zip(convs)
                    .enumerate()
                    .map(|(i, (v, c))| at(path, index(i), |p| apply_opt(c.as_ref(), v, p)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Value::Tuple(out))
            }
            Kind::CollectionToList { ety, conv } => {
                let (in_ety, items) = collection_parts(value);
                if matches!(value, Value::Set(..)) && !set_length_known(items) {
                    // Unknown elements might coalesce: the length is not known yet.
                    return Ok(Value::unknown(Type::list(in_ety)));
                }
                let elems = convert_elements(items, conv.as_deref(), path)?;
                if elems.is_empty() {
                    let ety = if ety.is_dynamic() { in_ety } else { ety.to_type() };
                    return Ok(Value::List(ety, elems));
                }
                let ty = common_type(&elems).ok_or_else(|| {
                    ConvertError::new(path, "element types must all match for conversion to list")
                })?;
                Ok(Value::List(ty, elems))
            }
            Kind::CollectionToSet { ety, conv } => {
                let (in_ety, items) = collection_parts(value);
                let elems = convert_elements(items, conv.as_deref(), path)?;
                if elems.is_empty() {
                    let ety = if ety.is_dynamic() { in_ety } else { ety.to_type() };
                    return Ok(Value::set(ety, elems));
                }
                let ty = common_type(&elems).ok_or_else(|| {
                    ConvertError::new(path, "element types must all match for conversion to set")
                })?;
                Ok(Value::set_hoisting_marks(ty, elems))
            }
            Kind::CollectionToMap { ety, conv } => {
                let in_ety = match value {
                    Value::Map(t, _) => t.clone(),
                    _ => Type::Dynamic,
                };
                let entries = value.entries().map_or(&EMPTY, |e| e);
                let mut elems = BTreeMap::new();
                for (k, v) in entries {
                    let v = at(path, PathStep::Key(k.clone()), |p| conv.apply(v, p))?;
                    elems.insert(k.clone(), v);
                }
                if elems.is_empty() {
                    let ety = if ety.is_dynamic() { in_ety } else { ety.to_type() };
                    return Ok(Value::Map(ety, elems));
                }
                let elems = if is_collection_or_object(ety) {
                    unify_map_elements(elems, path, false)?
                } else {
                    elems
                };
                let ty = common_type_map(&elems).ok_or_else(|| {
                    ConvertError::new(path, "element types must all match for conversion to map")
                })?;
                Ok(Value::Map(ty, elems))
            }
            Kind::TupleToList { ety, convs, unsafe_ } => {
                if convs.is_empty() {
                    return Ok(Value::List(ety.to_type(), Vec::new()));
                }
                let items = value.elements().unwrap_or(&[]);
                let elems = items
                    .iter()
                    .zip(convs)
                    .enumerate()
                    .map(|(i, (v, c))| at(path, index(i), |p| apply_opt(c.as_ref(), v, p)))
                    .collect::<Result<Vec<_>, _>>()?;
                let elems = unify_list_elements(elems, path, *unsafe_)?;
                let ty = common_type(&elems).ok_or_else(|| {
                    ConvertError::new(path, "element types must all match for conversion to list")
                })?;
                Ok(Value::List(ty, elems))
            }
            Kind::TupleToSet { ety, convs } => {
                if convs.is_empty() {
                    return Ok(Value::set(ety.to_type(), Vec::new()));
                }
                let items = value.elements().unwrap_or(&[]);
                let elems = items
                    .iter()
                    .zip(convs)
                    .enumerate()
                    .map(|(i, (v, c))| {
                        at(path, index(i), |p| apply_opt(c.as_ref(), v, p))
                            .map(null_without_optional)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let ty = common_type(&elems).ok_or_else(|| {
                    ConvertError::new(path, "element types must all match for conversion to set")
                })?;
                Ok(Value::set_hoisting_marks(ty, elems))
            }
            Kind::ObjectToMap { ety, convs, unsafe_ } => {
                let entries = value.entries().map_or(&EMPTY, |e| e);
                if entries.is_empty() {
                    return Ok(Value::Map(ety.to_type(), BTreeMap::new()));
                }
                let mut elems = BTreeMap::new();
                for (k, v) in entries {
                    let conv = convs.get(k).and_then(Option::as_ref);
                    let v = at(path, PathStep::Key(k.clone()), |p| apply_opt(conv, v, p))?;
                    elems.insert(k.clone(), v);
                }
                let elems = if is_collection_or_object(ety) {
                    unify_map_elements(elems, path, *unsafe_)?
                } else {
                    elems
                };
                let ty = common_type_map(&elems).ok_or_else(|| {
                    ConvertError::new(path, "attribute types must all match for conversion to map")
                })?;
                Ok(Value::Map(ty, elems))
            }
            Kind::MapToObject { attrs, optional, convs } => {
                let entries = value.entries().map_or(&EMPTY, |e| e);
                let mut out = BTreeMap::new();
                for (k, v) in entries {
                    if !attrs.contains_key(k) {
                        continue;
                    }
                    let v = match convs.get(k) {
                        Some(AttrSlot::Convert(conv)) => {
                            at(path, PathStep::Key(k.clone()), |p| conv.apply(v, p))?
                        }
                        Some(AttrSlot::Impossible(want)) => {
                            return Err(ConvertError::new(
                                path,
                                format!(
                                    "map element type is incompatible with attribute {}: {}",
                                    super::go_quote(k),
                                    mismatch_message(&v.ty(), want)
                                ),
                            ));
                        }
                        None => v.clone(),
                    };
                    out.insert(k.clone(), v);
                }
                for (name, ty) in attrs {
                    if out.contains_key(name) {
                        continue;
                    }
                    if optional.contains(name) {
                        out.insert(name.clone(), Value::Null(ty.clone()));
                    } else {
                        return Err(ConvertError::new(
                            path,
                            format!(
                                "map has no element for required attribute {}",
                                super::go_quote(name)
                            ),
                        ));
                    }
                }
                Ok(Value::Object(out))
            }
        }
    }
}

static EMPTY: BTreeMap<String, Value> = BTreeMap::new();

fn index(i: usize) -> PathStep {
    PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX))
}

/// cty's string-to-bool rule, with its hints for `True` and `FALSE`.
fn string_to_bool(s: &str) -> Result<Value, &'static str> {
    match s {
        "true" | "1" => Ok(Value::Bool(true)),
        "false" | "0" => Ok(Value::Bool(false)),
        _ => match s.to_lowercase().as_str() {
            "true" => Err("a bool is required; to convert from string, use lowercase \"true\""),
            "false" => Err("a bool is required; to convert from string, use lowercase \"false\""),
            _ => Err("a bool is required"),
        },
    }
}

fn collection_parts(value: &Value) -> (Type, &[Value]) {
    match value {
        Value::List(t, items) | Value::Set(t, items) => (t.clone(), items),
        other => (Type::Dynamic, other.elements().unwrap_or(&[])),
    }
}

/// cty's rule for sets: the length is known if there are no unknowns, or only one element.
pub(crate) fn set_length_known(items: &[Value]) -> bool {
    items.len() <= 1 || items.iter().all(Value::is_wholly_known)
}

fn convert_elements(
    items: &[Value],
    conv: Option<&Conversion>,
    path: &mut Vec<PathStep>,
) -> Result<Vec<Value>, ConvertError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| at(path, index(i), |p| apply_opt(conv, v, p)).map(null_without_optional))
        .collect()
}

/// Our types carry no optional markers, so a null is already as cty leaves it.
fn null_without_optional(v: Value) -> Value {
    v
}

fn is_collection_or_object(ty: &TypeConstraint) -> bool {
    matches!(
        ty,
        TypeConstraint::List(_)
            | TypeConstraint::Set(_)
            | TypeConstraint::Map(_)
            | TypeConstraint::Object(_)
    )
}

/// The type all elements share, or None (cty's `CanListVal`: elements of type `dynamic`
/// fit with any other type).
pub(crate) fn common_type<'a>(elems: impl IntoIterator<Item = &'a Value>) -> Option<Type> {
    let mut ety = Type::Dynamic;
    for v in elems {
        let t = v.ty();
        if ety == Type::Dynamic {
            ety = t;
        } else if t != Type::Dynamic && t != ety {
            return None;
        }
    }
    Some(ety)
}

fn common_type_map(elems: &BTreeMap<String, Value>) -> Option<Type> {
    common_type(elems.values())
}

/// cty's `conversionUnifyListElements`: convert elements to their unified type.
fn unify_list_elements(
    elems: Vec<Value>,
    path: &mut Vec<PathStep>,
    unsafe_: bool,
) -> Result<Vec<Value>, ConvertError> {
    let types: Vec<Type> = elems.iter().map(Value::ty).collect();
    let unified = unify_mode(&types, unsafe_).ok_or_else(|| {
        ConvertError::new(path, "cannot find a common base type for all elements")
    })?;
    elems
        .iter()
        .enumerate()
        .map(|(i, v)| at(path, index(i), |p| unified.convert_at(i, v, p)))
        .collect()
}

/// cty's `conversionUnifyCollectionElements`, for maps.
fn unify_map_elements(
    elems: BTreeMap<String, Value>,
    path: &mut Vec<PathStep>,
    unsafe_: bool,
) -> Result<BTreeMap<String, Value>, ConvertError> {
    let types: Vec<Type> = elems.values().map(Value::ty).collect();
    let unified = unify_mode(&types, unsafe_).ok_or_else(|| {
        ConvertError::new(path, "cannot find a common base type for all elements")
    })?;
    elems
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let v = at(path, PathStep::Key(k.clone()), |p| unified.convert_at(i, v, p))?;
            Ok((k.clone(), v))
        })
        .collect()
}
