//! Value comparison shared by several functions: cty's `Value.Equals` (used by `contains`,
//! `index`, `matchkeys`) and an equality key for de-duplicating (`distinct`, set
//! operations).

use super::spec::prelude::*;

pub(super) fn register(_: &mut Vec<Function>) {}

/// cty's `Value.Equals`: None when the answer depends on unknowns. Nulls are equal to each
/// other whatever their types; values of different types are never equal.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    let (a, _) = a.unmarked();
    let (b, _) = b.unmarked();
    match (a.is_known(), b.is_known()) {
        (false, false) => return None,
        (true, false) => return known_vs_unknown(a, b),
        (false, true) => return known_vs_unknown(b, a),
        (true, true) => {}
    }
    match (a.is_null(), b.is_null()) {
        (true, true) => return Some(true),
        (true, false) | (false, true) => return Some(false),
        (false, false) => {}
    }
    let (ta, tb) = (a.ty(), b.ty());
    if has_unknown_type(a) || has_unknown_type(b) {
        if !conforms(&ta, &tb) && !conforms(&tb, &ta) {
            return Some(false);
        }
        return None;
    }
    if ta != tb {
        return Some(false);
    }
    fn all<'v>(pairs: impl Iterator<Item = (&'v Value, &'v Value)>) -> Option<bool> {
        for (x, y) in pairs {
            if !equals(x, y)? {
                return Some(false);
            }
        }
        Some(true)
    }
    Some(match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Object(x), Value::Object(y)) => all(x.values().zip(y.values()))?,
        (Value::Tuple(x), Value::Tuple(y)) | (Value::List(_, x), Value::List(_, y)) => {
            x.len() == y.len() && all(x.iter().zip(y))?
        }
        (Value::Map(_, x), Value::Map(_, y)) => {
            x.len() == y.len() && x.keys().eq(y.keys()) && all(x.values().zip(y.values()))?
        }
        (Value::Set(_, x), Value::Set(_, y)) => {
            if !x.iter().chain(y).all(Value::is_wholly_known) {
                return None;
            }
            let kx: std::collections::HashSet<Key> = x.iter().map(canonical_key).collect();
            let ky: std::collections::HashSet<Key> = y.iter().map(canonical_key).collect();
            kx == ky
        }
        _ => false,
    })
}

fn known_vs_unknown(known: &Value, unknown: &Value) -> Option<bool> {
    let ut = unknown.ty();
    if known.is_null() || ut.has_dynamic() {
        return None;
    }
    if known.ty() != ut {
        return Some(false);
    }
    None
}

/// Whether `dynamic` appears in the type of some unknown part of the value (cty's
/// `HasWhollyKnownType` negated).
fn has_unknown_type(v: &Value) -> bool {
    match v.unmarked().0 {
        Value::Unknown(t, _) => t.has_dynamic(),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            items.iter().any(has_unknown_type)
        }
        Value::Map(_, e) | Value::Object(e) => e.values().any(has_unknown_type),
        _ => false,
    }
}

/// cty's `TestConformance`: whether a value of type `have` fits `want` (`dynamic` matches
/// anything).
pub(crate) fn conforms(have: &Type, want: &Type) -> bool {
    match (have, want) {
        (_, Type::Dynamic) | (Type::Dynamic, _) => true,
        (Type::List(a), Type::List(b))
        | (Type::Set(a), Type::Set(b))
        | (Type::Map(a), Type::Map(b)) => conforms(a, b),
        (Type::Tuple(a), Type::Tuple(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| conforms(x, y))
        }
        (Type::Object(a), Type::Object(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((ka, x), (kb, y))| ka == kb && conforms(x, y))
        }
        (a, b) => a == b,
    }
}

/// A hashable stand-in for a known value: equal values (by cty's rules, all nulls equal)
/// have equal keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    Seq(Vec<Key>),
    Map(Vec<(String, Key)>),
    Type(batchform_core::Type),
}

pub(crate) fn canonical_key(v: &Value) -> Key {
    match v.unmarked().0 {
        Value::Null(_) => Key::Null,
        Value::Unknown(..) => Key::Unknown,
        Value::Bool(b) => Key::Bool(*b),
        Value::Number(n) => Key::Number(n.clone()),
        Value::String(s) => Key::String(s.clone()),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            Key::Seq(items.iter().map(canonical_key).collect())
        }
        Value::Map(_, e) | Value::Object(e) => {
            Key::Map(e.iter().map(|(k, v)| (k.clone(), canonical_key(v))).collect())
        }
        Value::Sensitive(inner) => canonical_key(inner),
        Value::Type(t) => Key::Type((**t).clone()),
    }
}
