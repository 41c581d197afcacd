//! cty's `MismatchMessage`: why a type does not convert to another, in the words Terraform
//! prints ("list of string required", `attribute "a" is required`, "element 1: ...").

use super::constraint::{AttrConstraint, TypeConstraint};
use super::conversion::get_conversion;
use super::go_quote;
use crate::types::Type;
use std::collections::BTreeMap;

/// Why `got` does not conform to `want`, phrased as cty phrases it. Only meaningful after a
/// conversion failed.
pub fn mismatch_message(got: &Type, want: &TypeConstraint) -> String {
    use TypeConstraint as C;
    match (got, want) {
        (Type::Object(got_attrs), C::Object(want_attrs)) => objects(got_attrs, want_attrs),
        (Type::Tuple(_), C::List(e)) if e.is_dynamic() => {
            "all list elements must have the same type".into()
        }
        (Type::Tuple(_), C::Set(e)) if e.is_dynamic() => {
            "all set elements must have the same type".into()
        }
        (Type::Object(_), C::Map(e)) if e.is_dynamic() => {
            "all map elements must have the same type".into()
        }
        (Type::Tuple(_) | Type::Object(_), C::List(_) | C::Set(_) | C::Map(_)) => {
            collections_from_structural(got, want)
        }
        (Type::List(_) | Type::Set(_) | Type::Map(_), C::List(_) | C::Set(_) | C::Map(_)) => {
            collections_from_collections(got, want)
        }
        _ => required(want),
    }
}

fn required(want: &TypeConstraint) -> String {
    format!("{} required", want.friendly_constraint_name())
}

fn objects(got: &BTreeMap<String, Type>, want: &BTreeMap<String, AttrConstraint>) -> String {
    let mut missing = Vec::new();
    let mut unsafe_mismatch = None;
    let mut safe_mismatch = None;
    for (name, want_attr) in want {
        let Some(got_ty) = got.get(name) else {
            if !want_attr.optional {
                missing.push(name.as_str());
            }
            continue;
        };
        if want_attr.ty.equals_type(got_ty) {
            continue;
        }
        if unsafe_mismatch.is_some() {
            continue;
        }
        let describe =
            || format!("attribute {}: {}", go_quote(name), mismatch_message(got_ty, &want_attr.ty));
        if get_conversion(got_ty, &want_attr.ty, true).is_none() {
            unsafe_mismatch = Some(describe());
        }
        if safe_mismatch.is_none() && get_conversion(got_ty, &want_attr.ty, false).is_none() {
            safe_mismatch = Some(describe());
        }
    }
    match missing.as_slice() {
        [] => {}
        [one] => return format!("attribute {} is required", go_quote(one)),
        [a, b] => return format!("attributes {} and {} are required", go_quote(a), go_quote(b)),
        [init @ .., last] => {
            let mut list = String::new();
            for name in init {
                list.push_str(&go_quote(name));
                list.push_str(", ");
            }
            return format!("attributes {list}and {} are required", go_quote(last));
        }
    }
    unsafe_mismatch.or(safe_mismatch).unwrap_or_else(|| "incorrect object attributes".into())
}

fn collections_from_structural(got: &Type, want: &TypeConstraint) -> String {
    use TypeConstraint as C;
    let want_ety = match (got, want) {
        (Type::Tuple(_), C::List(e) | C::Set(e)) | (Type::Object(_), C::Map(e)) => e,
        _ => return required(want),
    };
    let fallback = || format!("all elements must be {}", want_ety.friendly_constraint_name());
    match got {
        Type::Tuple(etys) => {
            for (i, ety) in etys.iter().enumerate() {
                if want_ety.equals_type(ety) || get_conversion(ety, want_ety, true).is_some() {
                    continue;
                }
                return format!("element {i}: {}", mismatch_message(ety, want_ety));
            }
            fallback()
        }
        Type::Object(attrs) => {
            for (name, aty) in attrs {
                if want_ety.equals_type(aty) || get_conversion(aty, want_ety, true).is_some() {
                    continue;
                }
                return format!("element {}: {}", go_quote(name), mismatch_message(aty, want_ety));
            }
            fallback()
        }
        _ => required(want),
    }
}

fn collections_from_collections(got: &Type, want: &TypeConstraint) -> String {
    use TypeConstraint as C;
    let (got_ety, want_ety, noun) = match (got, want) {
        (Type::List(g) | Type::Set(g), C::List(w)) => (g, w, "list element type"),
        (Type::List(g) | Type::Set(g), C::Set(w)) => (g, w, "set element type"),
        (Type::Map(g), C::Map(w)) => (g, w, "map element type"),
        _ => return required(want),
    };
    format!("incorrect {noun}: {}", mismatch_message(got_ety, want_ety))
}
