//! Conversions as the evaluator uses them, on top of `batchform_core::convert` (cty's rules),
//! plus hcl's description of why two conditional branches cannot share a type.

use batchform_core::convert::{self, TypeConstraint};
use batchform_core::{Type, Value};

/// cty's `Convert`, with the message only.
pub fn convert_unsafe(value: &Value, want: &Type) -> Result<Value, String> {
    convert::convert(value, want).map_err(|e| e.to_string())
}

/// The conversion hcldec applies to schema attributes (cty's `Convert`): the message only,
/// as "Inappropriate value for attribute" prints it.
pub fn convert_safe(value: &Value, want: &Type) -> Result<Value, String> {
    convert::convert(value, want).map_err(|e| e.to_string())
}

/// Convert a variable value to its type constraint: defaults of optional attributes first,
/// then the conversion (as Terraform does).
pub fn convert_to_constraint(value: &Value, constraint: &TypeConstraint) -> Result<Value, String> {
    let with_defaults = constraint.apply_defaults(value);
    convert::convert_to_constraint(&with_defaults, constraint).map_err(|e| e.to_string())
}

/// hcl's `describeConditionalTypeMismatch`.
pub fn describe_type_mismatch(t: &Type, f: &Type) -> String {
    match (t, f) {
        (Type::Object(ta), Type::Object(fa)) => {
            for (name, tty) in ta {
                match fa.get(name) {
                    None => {
                        return format!(
                            "The 'true' value includes object attribute {name:?}, which is absent in the 'false' value"
                        );
                    }
                    Some(fty) if fty != tty => {
                        return format!(
                            "Type mismatch for object attribute {name:?}: {}",
                            describe_type_mismatch(tty, fty)
                        );
                    }
                    Some(_) => {}
                }
            }
            if let Some(name) = fa.keys().find(|n| !ta.contains_key(*n)) {
                return format!(
                    "The 'false' value includes object attribute {name:?}, which is absent in the 'true' value"
                );
            }
        }
        (Type::Tuple(te), Type::Tuple(fe)) => {
            if te.len() != fe.len() {
                return format!(
                    "The 'true' tuple has length {}, but the 'false' tuple has length {}",
                    te.len(),
                    fe.len()
                );
            }
            for (i, (a, b)) in te.iter().zip(fe).enumerate() {
                if a != b {
                    return format!(
                        "Type mismatch for tuple element {i}: {}",
                        describe_type_mismatch(a, b)
                    );
                }
            }
        }
        (Type::List(a), Type::List(b))
        | (Type::Map(a), Type::Map(b))
        | (Type::Set(a), Type::Set(b))
            if matches!(
                (&**a, &**b),
                (Type::Object(_), Type::Object(_)) | (Type::Tuple(_), Type::Tuple(_))
            ) =>
        {
            let noun = match t {
                Type::List(_) => "list",
                Type::Set(_) => "set",
                _ => "map",
            };
            return format!("Mismatched {noun} element types: {}", describe_type_mismatch(a, b));
        }
        _ => {}
    }
    let (tn, fn_) = (t.friendly_name(), f.friendly_name());
    if tn == fn_ {
        return "At least one deeply-nested attribute or element is not compatible across both the 'true' and the 'false' value".into();
    }
    format!("The 'true' value is {tn}, but the 'false' value is {fn_}")
}
