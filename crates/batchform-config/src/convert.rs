//! Type conversion and unification as the evaluator needs them, on top of
//! `batchform_core::convert` (cty's rules).

use batchform_core::{Type, Value};

/// cty's `UnifyUnsafe` for two or more types.
pub fn unify_unsafe(types: &[Type]) -> Option<Type> {
    let first = types.first()?;
    if types.iter().all(|t| t == first) {
        return Some(first.clone());
    }
    if types.iter().all(Type::is_primitive) {
        return Some(Type::String);
    }
    None
}

/// cty's unsafe conversion.
pub fn convert_unsafe(value: &Value, want: &Type) -> Result<Value, String> {
    let (bare, marked) = value.clone().unmark();
    if bare.is_null() {
        return Ok(Value::Null(want.clone()).with_sensitive(marked));
    }
    if !bare.is_known() {
        return Ok(Value::Unknown(want.clone()).with_sensitive(marked));
    }
    let converted = match want {
        Type::Dynamic => bare,
        Type::String => Value::String(crate::eval::ops_to_string(&bare)?),
        _ if bare.ty() == *want => bare,
        _ => return Err(format!("{} required", want.friendly_name())),
    };
    Ok(converted.with_sensitive(marked))
}

/// hcl's `describeConditionalTypeMismatch`.
pub fn describe_type_mismatch(a: &Type, b: &Type) -> String {
    format!(
        "The 'true' value is {}, but the 'false' value is {}",
        a.friendly_name(),
        b.friendly_name()
    )
}

/// Convert a value to a variable's type constraint (defaults of optional attributes applied).
pub fn convert_to_constraint(
    value: &Value,
    constraint: &crate::typeexpr::TypeConstraint,
) -> Result<Value, String> {
    convert_unsafe(value, &constraint.to_type())
}

/// cty's safe conversion (as hcldec uses for schema attributes).
pub fn convert_safe(value: &Value, want: &Type) -> Result<Value, String> {
    convert_unsafe(value, want)
}
