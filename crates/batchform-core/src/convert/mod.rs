//! Type conversion and unification, a port of go-cty's `convert` package: what Terraform
//! does when a value meets a type constraint (function parameters, variables, resource
//! attributes) and when several values must share one type (conditionals, `concat`,
//! `coalesce`).
//!
//! - [`convert`] converts a value to a type, with cty's rules and messages: `"5"` becomes 5,
//!   a tuple becomes a list when its elements share a type, an object becomes a map, and a
//!   failure says why (`a number is required`, `element 1: string required`,
//!   `attribute "x" is required`). Marks stay where they were (a sensitive element stays
//!   sensitive), unknowns become unknowns of the target type, nulls typed nulls, and a
//!   `dynamic` target keeps the value as it is.
//! - [`unify`] finds the most general type a list of types can all convert to (Terraform's
//!   `UnifyUnsafe`; [`unify_safe`] is cty's safe `Unify`), tuples unifying as lists and
//!   objects as maps where that helps. The result converts each value with
//!   [`Unified::convert`].
//! - [`TypeConstraint`] is a type that may have `optional(type, default)` object attributes,
//!   as a variable's `type` argument has them; [`TypeConstraint::apply_defaults`] and
//!   [`convert_to_constraint`] do what Terraform does with a variable value.
//!
//! Conversions are planned from the types first (as cty does), so whether a conversion
//! exists never depends on the values; only then does the plan run over the value.

mod apply;
mod constraint;
mod conversion;
mod mismatch;
mod quote;
mod unify;

#[cfg(test)]
mod tests;

pub use constraint::{AttrConstraint, TypeConstraint};
pub use mismatch::mismatch_message;
pub use quote::go_quote;
pub use unify::{Unified, unify, unify_safe};

use crate::path::{AttrPath, PathStep};
use crate::types::Type;
use crate::value::Value;

/// Why a value could not be converted: cty's message, and where in the value it applies.
///
/// `Display` prints only the message, as cty's `PathError` does; Terraform prints it after
/// `Invalid value for "x" parameter: ` or `Invalid value for input variable: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConvertError {
    pub path: AttrPath,
    pub message: String,
}

impl ConvertError {
    pub(crate) fn new(path: &[PathStep], message: impl Into<String>) -> ConvertError {
        ConvertError { path: AttrPath(path.to_vec()), message: message.into() }
    }
}

/// Convert a value to a type, allowing the "unsafe" conversions Terraform allows everywhere
/// (string to number or bool, list to set, map to object), as cty's `convert.Convert` does.
pub fn convert(value: &Value, want: &Type) -> Result<Value, ConvertError> {
    if value.ty() == *want {
        return Ok(value.clone());
    }
    convert_to_constraint(value, &TypeConstraint::from(want))
}

/// Convert a value to a type, allowing only the safe conversions (those that never fail
/// and lose nothing: number or bool to string, set to list, tuple to list, object to map).
pub fn convert_safe(value: &Value, want: &Type) -> Result<Value, ConvertError> {
    let have = value.ty();
    if have == *want {
        return Ok(value.clone());
    }
    let target = TypeConstraint::from(want);
    match conversion::get_conversion(&have, &target, false) {
        Some(conv) => conv.apply(value, &mut Vec::new()),
        None => Err(ConvertError::new(&[], mismatch_message(&have, &target))),
    }
}

/// Convert a value to a type constraint that may have optional attributes: attributes the
/// value lacks become nulls. Defaults are not applied here; see
/// [`TypeConstraint::apply_defaults`] (Terraform applies them first, then converts).
pub fn convert_to_constraint(value: &Value, want: &TypeConstraint) -> Result<Value, ConvertError> {
    let have = value.ty();
    if have == want.to_type() {
        return Ok(value.clone());
    }
    match conversion::get_conversion(&have, want, true) {
        Some(conv) => conv.apply(value, &mut Vec::new()),
        None => Err(ConvertError::new(&[], mismatch_message(&have, want))),
    }
}

/// Whether a value of type `from` can be converted to `to` at all (unsafe conversions
/// allowed), without looking at any value.
pub fn can_convert(from: &Type, to: &Type) -> bool {
    from == to || conversion::get_conversion(from, &TypeConstraint::from(to), true).is_some()
}
