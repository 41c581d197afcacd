//! Attribute access, indexing and splats, with hcl's `GetAttr` / `Index` rules and messages.

use super::{EvalResult, Evaluator};
use crate::ast::{Step, StepKind};
use batchform_core::{Diagnostic, Diagnostics, Number, Refinement, SourceRange, Type, Value};

fn err(summary: &str, detail: impl Into<String>, range: &SourceRange) -> Diagnostics {
    Diagnostics::from(Diagnostic::error(summary, detail).with_subject(Some(range.clone())))
}

const INVALID_INDEX: &str = "Invalid index";
const UNSUPPORTED_ATTR: &str = "Unsupported attribute";

/// Apply traversal steps to a value. A splat applies the steps after it to each element.
pub(super) fn apply_steps(ev: &mut Evaluator<'_>, mut value: Value, steps: &[Step]) -> EvalResult {
    let mut i = 0;
    while i < steps.len() {
        let step = &steps[i];
        match &step.kind {
            StepKind::GetAttr(name) => value = get_attr(value, name, &step.range)?,
            StepKind::LegacyIndex(n) => {
                value = index(value, Value::Number(Number::from_u64(*n)), &step.range)?
            }
            StepKind::Index(key_expr) => {
                let key = ev.eval(key_expr)?;
                value = index(value, key, &step.range)?;
            }
            StepKind::FullSplat | StepKind::AttrSplat => {
                let attr_only = matches!(step.kind, StepKind::AttrSplat);
                // The splat covers following steps (only attribute steps for `.*`).
                let mut end = i + 1;
                while end < steps.len() {
                    let covered = match steps[end].kind {
                        StepKind::GetAttr(_) => true,
                        StepKind::Index(_) | StepKind::LegacyIndex(_) => !attr_only,
                        StepKind::FullSplat | StepKind::AttrSplat => false,
                    };
                    if !covered {
                        break;
                    }
                    end += 1;
                }
                value = splat(ev, value, &steps[i + 1..end], &step.range)?;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(value)
}

fn splat(ev: &mut Evaluator<'_>, source: Value, each: &[Step], range: &SourceRange) -> EvalResult {
    let (source, marked) = source.unmark();
    let source_ty = source.ty();
    let auto_upgrade = !matches!(source_ty, Type::List(_) | Type::Set(_) | Type::Tuple(_));
    if source.is_null() {
        if auto_upgrade {
            return Ok(Value::empty_tuple().with_sensitive(marked));
        }
        return Err(err(
            "Splat of null value",
            "Splat expressions (with the * symbol) cannot be applied to null sequences.",
            range,
        ));
    }
    if source_ty == Type::Dynamic {
        return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
    }
    if auto_upgrade {
        // A single value is treated as a one-element tuple; an unknown one is still checked
        // (so that `var.s[*].x` on a string is an error) but gives an unknown result.
        // An unknown known not to be null is still one element.
        let may_be_null = !source.definitely_not_null();
        let v = apply_steps(ev, source, each)?;
        if may_be_null {
            return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
        }
        return Ok(Value::Tuple(vec![v]).with_sensitive(marked));
    }
    let is_list = matches!(source_ty, Type::List(_) | Type::Set(_));
    let items = match source {
        // An unknown sequence: the result's type is known (a tuple keeps its length), and it
        // is not null.
        Value::Unknown(..) => {
            let each_type = |ev: &mut Evaluator<'_>, ty: &Type| {
                apply_steps(ev, Value::unknown(ty.clone()), each).map(|v| v.ty())
            };
            let ty = match &source_ty {
                Type::Tuple(etys) => {
                    Type::Tuple(etys.iter().map(|t| each_type(ev, t)).collect::<Result<_, _>>()?)
                }
                other => Type::list(each_type(ev, other.element_type().unwrap_or(&Type::Dynamic))?),
            };
            return Ok(Value::refined_unknown(ty, Refinement::NOT_NULL).with_sensitive(marked));
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => items,
        _ => Vec::new(),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut diags = Diagnostics::new();
    for item in items {
        match apply_steps(ev, item, each) {
            Ok(v) => out.push(v),
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let result = if is_list {
        let elem = match out.first() {
            Some(v) => v.ty(),
            // The element type an empty list's splat would have had.
            None => match source_ty.element_type() {
                Some(ety) => apply_steps(ev, Value::unknown(ety.clone()), each)
                    .map(|v| v.ty())
                    .unwrap_or(Type::Dynamic),
                None => Type::Dynamic,
            },
        };
        Value::List(elem, out)
    } else {
        Value::Tuple(out)
    };
    Ok(result.with_sensitive(marked))
}

/// hcl's `GetAttr`.
pub fn get_attr(value: Value, name: &str, range: &SourceRange) -> EvalResult {
    let (value, marked) = value.unmark();
    if value.is_null() {
        return Err(err(
            "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes.",
            range,
        ));
    }
    let result = match value {
        Value::Object(mut attrs) => match attrs.remove(name) {
            Some(v) => v,
            None => {
                return Err(err(
                    UNSUPPORTED_ATTR,
                    format!("This object does not have an attribute named {name:?}."),
                    range,
                ));
            }
        },
        Value::Map(_, mut items) => match items.remove(name) {
            Some(v) => v,
            None => {
                return Err(err(
                    "Missing map element",
                    format!("This map does not have an element with the key {name:?}."),
                    range,
                ));
            }
        },
        Value::Unknown(Type::Object(attrs), _) => match attrs.get(name) {
            Some(t) => Value::unknown(t.clone()),
            None => {
                return Err(err(
                    UNSUPPORTED_ATTR,
                    format!("This object does not have an attribute named {name:?}."),
                    range,
                ));
            }
        },
        Value::Unknown(Type::Map(elem), _) => Value::unknown(*elem),
        Value::Unknown(Type::Dynamic, _) => Value::DYNAMIC_UNKNOWN,
        other @ (Value::List(..) | Value::Unknown(Type::List(_), _))
            if matches!(other.ty().element_type(), Some(Type::Object(_))) =>
        {
            let has =
                matches!(other.ty().element_type(), Some(Type::Object(a)) if a.contains_key(name));
            let detail = if has {
                format!(
                    "Can't access attributes on a list of objects. Did you mean to access attribute {name:?} for a specific element of the list, or across all elements of the list?"
                )
            } else {
                "Can't access attributes on a list of objects. Did you mean to access an attribute for a specific element of the list, or across all elements of the list?".to_string()
            };
            return Err(err(UNSUPPORTED_ATTR, detail, range));
        }
        other @ (Value::Set(..) | Value::Unknown(Type::Set(_), _))
            if matches!(other.ty().element_type(), Some(Type::Object(_))) =>
        {
            return Err(err(
                UNSUPPORTED_ATTR,
                "Can't access attributes on a set of objects. Did you mean to access an attribute across all elements of the set?",
                range,
            ));
        }
        other => {
            let ty = other.ty();
            let detail = if ty.is_primitive() {
                format!(
                    "Can't access attributes on a primitive-typed value ({}).",
                    ty.friendly_name()
                )
            } else {
                format!("Can't access attributes on a {}.", ty.friendly_name())
            };
            return Err(err(UNSUPPORTED_ATTR, detail, range));
        }
    };
    Ok(result.with_sensitive(marked))
}

/// hcl's `Index`.
pub fn index(collection: Value, key: Value, range: &SourceRange) -> EvalResult {
    let (collection, c_marked) = collection.unmark();
    let (key, k_marked) = key.unmark();
    let marked = c_marked || k_marked;
    if collection.is_null() {
        return Err(err(
            "Attempt to index null value",
            "This value is null, so it does not have any indices.",
            range,
        ));
    }
    if key.is_null() {
        return Err(err(INVALID_INDEX, "Can't use a null value as an indexing key.", range));
    }
    let coll_ty = collection.ty();
    if matches!(coll_ty, Type::Dynamic) || key.ty() == Type::Dynamic && !key.is_known() {
        return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
    }
    let result = match &coll_ty {
        Type::List(_) | Type::Tuple(_) => {
            let n = match key_number(&key, range)? {
                Some(n) => n,
                None => return Ok(unknown_element(&collection).with_sensitive(marked)),
            };
            if !n.is_integer() {
                return Err(err(
                    INVALID_INDEX,
                    "The given key does not identify an element in this collection value: indexing a sequence requires a whole number, but the given index has a fractional part.",
                    range,
                ));
            }
            if n.is_negative() && !n.is_zero() {
                return Err(err(
                    INVALID_INDEX,
                    "The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence.",
                    range,
                ));
            }
            match collection {
                Value::Unknown(..) => {
                    // A tuple's length is part of its type, known even when its value is not.
                    if let Type::Tuple(elems) = &coll_ty {
                        let in_range = n
                            .to_i64()
                            .and_then(|i| usize::try_from(i).ok())
                            .is_some_and(|i| i < elems.len());
                        if !in_range {
                            return Err(out_of_range(elems.len(), &n, range));
                        }
                    }
                    unknown_element_of_type(&coll_ty, n.to_i64())
                }
                Value::List(_, items) | Value::Tuple(items) => {
                    let len = items.len();
                    match n
                        .to_i64()
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| items.into_iter().nth(i))
                    {
                        Some(v) => v,
                        None => return Err(out_of_range(len, &n, range)),
                    }
                }
                _ => Value::DYNAMIC_UNKNOWN,
            }
        }
        Type::Map(elem) => {
            let k = match key_string(&key, range)? {
                Some(k) => k,
                None => return Ok(Value::unknown((**elem).clone()).with_sensitive(marked)),
            };
            match collection {
                Value::Unknown(..) => Value::unknown((**elem).clone()),
                Value::Map(_, mut items) => match items.remove(&k) {
                    Some(v) => v,
                    None => {
                        return Err(err(
                            INVALID_INDEX,
                            "The given key does not identify an element in this collection value.",
                            range,
                        ));
                    }
                },
                _ => Value::DYNAMIC_UNKNOWN,
            }
        }
        Type::Object(attr_types) => {
            let was_number = key.ty() == Type::Number;
            let k = match key_string(&key, range)? {
                Some(k) => k,
                None => return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked)),
            };
            match collection {
                Value::Unknown(..) => match attr_types.get(&k) {
                    Some(t) => Value::unknown(t.clone()),
                    None => return Err(missing_attr_index(was_number, range)),
                },
                Value::Object(mut attrs) => match attrs.remove(&k) {
                    Some(v) => v,
                    None => return Err(missing_attr_index(was_number, range)),
                },
                _ => Value::DYNAMIC_UNKNOWN,
            }
        }
        Type::Set(_) => {
            return Err(err(
                INVALID_INDEX,
                "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
                range,
            ));
        }
        _ => return Err(err(INVALID_INDEX, "This value does not have any indices.", range)),
    };
    Ok(result.with_sensitive(marked))
}

/// hcl's `Index` on a sequence without that (whole, non-negative) index. Its specific
/// messages apply only when the index equals the length (it tests `index - length < 1`);
/// past that it falls back on the generic message, and so do we.
fn out_of_range(len: usize, index: &Number, range: &SourceRange) -> Diagnostics {
    let at_end = index.to_i64().and_then(|i| usize::try_from(i).ok()) == Some(len);
    let detail = match (at_end, len) {
        (true, 0) => {
            "The given key does not identify an element in this collection value: the collection has no elements."
        }
        (true, _) => {
            "The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection."
        }
        (false, _) => "The given key does not identify an element in this collection value.",
    };
    err(INVALID_INDEX, detail, range)
}

fn missing_attr_index(was_number: bool, range: &SourceRange) -> Diagnostics {
    let addendum = if was_number {
        " An object only supports looking up attributes by name, not by numeric index."
    } else {
        ""
    };
    err(
        INVALID_INDEX,
        format!("The given key does not identify an element in this collection value.{addendum}"),
        range,
    )
}

fn unknown_element(collection: &Value) -> Value {
    match collection.ty() {
        Type::List(elem) => Value::unknown(*elem),
        _ => Value::DYNAMIC_UNKNOWN,
    }
}

fn unknown_element_of_type(ty: &Type, idx: Option<i64>) -> Value {
    match ty {
        Type::List(elem) => Value::unknown((**elem).clone()),
        Type::Tuple(elems) => idx
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| elems.get(i))
            .map_or(Value::DYNAMIC_UNKNOWN, |t| Value::unknown(t.clone())),
        _ => Value::DYNAMIC_UNKNOWN,
    }
}

/// A sequence index: `None` when unknown.
fn key_number(key: &Value, range: &SourceRange) -> Result<Option<Number>, Diagnostics> {
    if !key.is_known() {
        return Ok(None);
    }
    match super::ops::to_number(key) {
        Ok(n) => Ok(Some(n)),
        Err(msg) => Err(err(
            INVALID_INDEX,
            format!("The given key does not identify an element in this collection value: {msg}."),
            range,
        )),
    }
}

/// A map or object key: `None` when unknown.
fn key_string(key: &Value, range: &SourceRange) -> Result<Option<String>, Diagnostics> {
    if !key.is_known() {
        return Ok(None);
    }
    match super::ops::to_string(key) {
        Ok(s) => Ok(Some(s)),
        Err(msg) => Err(err(
            INVALID_INDEX,
            format!("The given key does not identify an element in this collection value: {msg}."),
            range,
        )),
    }
}
