//! Type conversion and mark functions (Terraform `funcs/conversion.go`, `sensitive.go`):
//! tobool, tolist, tomap, tonumber, toset, tostring, type, sensitive, nonsensitive,
//! issensitive, ephemeralasnull.

use super::spec::prelude::*;
use batchform_core::convert::{TypeConstraint, can_convert, convert, mismatch_message};

pub(super) fn register(all: &mut Vec<Function>) {
    macro_rules! to_function {
        ($name:literal, $want:expr) => {
            all.push(Function::new(
                $name,
                vec![Param::new("v", Type::Dynamic).null().marked().dynamic()],
                Ret::Computed(|a, _| to_type(a, &$want)),
                |a, r, _| to_impl(a, r, &$want),
            ))
        };
    }
    to_function!("tostring", Type::String);
    to_function!("tonumber", Type::Number);
    to_function!("tobool", Type::Bool);
    to_function!("tolist", Type::list(Type::Dynamic));
    to_function!("toset", Type::set(Type::Dynamic));
    to_function!("tomap", Type::map(Type::Dynamic));
    let any = || Param::new("value", Type::Dynamic).unknown().null().marked().dynamic();
    all.push(Function::new(
        "sensitive",
        vec![any()],
        Ret::Computed(|a, _| Ok(arg(a, 0).ty())),
        |a, _, _| Ok(arg(a, 0).clone().unmark().0.mark_sensitive()),
    ));
    all.push(Function::new(
        "nonsensitive",
        vec![any()],
        Ret::Computed(|a, _| Ok(arg(a, 0).ty())),
        |a, _, _| Ok(arg(a, 0).clone().unmark().0),
    ));
    all.push(Function::new("issensitive", vec![any()], Ret::Static(|| Type::Bool), |a, _, _| {
        let v = arg(a, 0);
        Ok(match (v.is_sensitive(), v.is_known()) {
            (true, _) => Value::Bool(true),
            (false, false) => Value::unknown(Type::Bool),
            (false, true) => Value::Bool(false),
        })
    }));
    // batchform has no ephemeral values, so there is nothing to replace with null.
    all.push(Function::new(
        "ephemeralasnull",
        vec![any()],
        Ret::Computed(|a, _| Ok(arg(a, 0).ty())),
        |a, _, _| Ok(arg(a, 0).clone()),
    ));
    // The console's type values carry no marks: `type(var.secret)` shows `string`.
    all.push(Function::new(
        "type",
        vec![Param::new("value", Type::Dynamic).dynamic().unknown().null().marked()],
        Ret::Static(|| Type::TypeType),
        |a, _, _| Ok(Value::Type(Box::new(arg(a, 0).ty()))),
    ));
}

/// The friendly name Terraform uses for the wanted type: "list of any single type".
fn want_name(want: &Type) -> String {
    TypeConstraint::from(want).friendly_constraint_name()
}

fn to_type(args: &[Value], want: &Type) -> Result<Type> {
    let got = arg(args, 0).ty();
    if got == *want || can_convert(&got, want) {
        return Ok(want.clone());
    }
    let constraint = TypeConstraint::from(want);
    Err(CallError::arg(
        0,
        match (&got, want) {
            (Type::Tuple(_), Type::Tuple(_)) => format!(
                "incompatible tuple type for conversion: {}",
                mismatch_message(&got, &constraint)
            ),
            (Type::Object(_), Type::Object(_)) => format!(
                "incompatible object type for conversion: {}",
                mismatch_message(&got, &constraint)
            ),
            _ => format!("cannot convert {} to {}", got.friendly_name(), want_name(want)),
        },
    ))
}

fn to_impl(args: &[Value], ret: &Type, want: &Type) -> Result<Value> {
    let v = arg(args, 0);
    convert(v, ret).map_err(|_| {
        let (bare, _) = v.clone().unmark_deep();
        let got = bare.ty();
        let what = || match bare.as_str() {
            Some(s) => batchform_core::convert::go_quote(s),
            None => "string".to_string(),
        };
        CallError::arg(
            0,
            if v.contains_sensitive() {
                format!("cannot convert this sensitive {} to {}", got.friendly_name(), want_name(want))
            } else if got == Type::String && *want == Type::Bool {
                format!(
                    "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                    what()
                )
            } else if got == Type::String && *want == Type::Number {
                format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    what()
                )
            } else {
                format!("cannot convert {} to {}", got.friendly_name(), want_name(want))
            },
        )
    })
}
