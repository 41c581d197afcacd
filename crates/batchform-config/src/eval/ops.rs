//! Operators, as hclsyntax implements them with cty's stdlib functions: operands are converted
//! to the operator's parameter type ("Invalid operand"), unknown operands give unknown
//! results, null operands are refused ("argument must not be null"), marks propagate.

use crate::ast::{BinaryOp, UnaryOp};
use batchform_core::{Diagnostic, Diagnostics, Number, Refinement, SourceRange, Type, Value};

use super::EvalResult;

/// cty's primitive conversion to string (numbers print as Terraform prints them).
pub fn to_string(v: &Value) -> Result<String, String> {
    match v.unmarked().0 {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_text()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{} required", mismatch_name(&Type::String, &other.ty()))),
    }
}

/// cty's primitive conversion to number.
pub fn to_number(v: &Value) -> Result<Number, String> {
    match v.unmarked().0 {
        Value::Number(n) => Ok(n.clone()),
        Value::String(s) => Number::parse(s).map_err(|_| "a number is required".to_string()),
        other => Err(format!("{} required", mismatch_name(&Type::Number, &other.ty()))),
    }
}

/// cty's primitive conversion to bool.
pub fn to_bool(v: &Value) -> Result<bool, String> {
    match v.unmarked().0 {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::String(_) => Err("a bool is required".to_string()),
        other => Err(format!("{} required", mismatch_name(&Type::Bool, &other.ty()))),
    }
}

/// How cty names the wanted type in a mismatch message ("number required").
fn mismatch_name(want: &Type, _got: &Type) -> String {
    want.friendly_name()
}

fn operand_error(side: &str, msg: &str, range: &SourceRange, context: &SourceRange) -> Diagnostic {
    Diagnostic::error("Invalid operand", format!("Unsuitable value for {side} operand: {msg}."))
        .with_subject(Some(range.clone()))
        .with_context(Some(context.clone()))
}

fn operation_failed(msg: &str, range: &SourceRange) -> Diagnostics {
    Diagnostics::from(
        Diagnostic::error("Operation failed", format!("Error during operation: {msg}."))
            .with_subject(Some(range.clone())),
    )
}

/// An operand converted to the parameter type: `Some(None)` when unknown or null (nulls are
/// refused after both operands are checked), `None` after recording a conversion error.
fn convert_operand<T>(
    v: &Value,
    convert: fn(&Value) -> Result<T, String>,
    target: &Type,
    side: &str,
    range: &SourceRange,
    context: &SourceRange,
    diags: &mut Diagnostics,
) -> Option<Option<T>> {
    let (bare, _) = v.unmarked();
    if bare.is_null() {
        return Some(None);
    }
    if !bare.is_known() {
        let ty = bare.ty();
        if ty != Type::Dynamic && !ty.is_primitive() {
            let msg = format!("{} required", target.friendly_name());
            diags.push(operand_error(side, &msg, range, context));
            return None;
        }
        return Some(None);
    }
    match convert(bare) {
        Ok(x) => Some(Some(x)),
        Err(msg) => {
            diags.push(operand_error(side, &msg, range, context));
            None
        }
    }
}

/// The unknown result of an operator: never null (the cty functions behind operators refine
/// their results so).
fn not_null_unknown(ty: Type) -> Value {
    Value::refined_unknown(ty, Refinement::NOT_NULL)
}

/// cty's function machinery checks arguments in order: an unknown one makes the result
/// unknown, a null one is an error.
fn unknown_or_null(
    lhs: &Value,
    rhs: &Value,
    result_ty: Type,
    marked: bool,
    range: &SourceRange,
) -> Option<EvalResult> {
    for v in [lhs, rhs] {
        if !v.is_known() {
            return Some(Ok(not_null_unknown(result_ty).with_sensitive(marked)));
        }
        if v.is_null() {
            return Some(Err(operation_failed("argument must not be null", range)));
        }
    }
    None
}

/// Evaluate a unary operator.
/// `operand_range` is where conversion errors point, `range` (the whole operation) is where
/// a null operand is reported, as in hclsyntax.
pub fn unary_op(
    op: UnaryOp,
    v: Value,
    operand_range: &SourceRange,
    range: &SourceRange,
) -> EvalResult {
    let marked = v.contains_sensitive();
    let (bare, _) = v.unmark_deep();
    let result_ty = match op {
        UnaryOp::Neg => Type::Number,
        UnaryOp::Not => Type::Bool,
    };
    if bare.is_null() {
        return Err(operation_failed("argument must not be null", range));
    }
    if !bare.is_known() {
        return Ok(not_null_unknown(result_ty).with_sensitive(marked));
    }
    let result = match op {
        UnaryOp::Neg => match to_number(&bare) {
            Ok(n) => Value::Number(n.neg()),
            Err(msg) => return Err(unary_error(&msg, operand_range)),
        },
        UnaryOp::Not => match to_bool(&bare) {
            Ok(b) => Value::Bool(!b),
            Err(msg) => return Err(unary_error(&msg, operand_range)),
        },
    };
    Ok(result.with_sensitive(marked))
}

fn unary_error(msg: &str, range: &SourceRange) -> Diagnostics {
    Diagnostics::from(
        Diagnostic::error("Invalid operand", format!("Unsuitable value for unary operand: {msg}."))
            .with_subject(Some(range.clone())),
    )
}

/// Evaluate a binary operator.
pub fn binary_op(
    op: BinaryOp,
    lhs: Value,
    rhs: Value,
    lhs_range: &SourceRange,
    rhs_range: &SourceRange,
    range: &SourceRange,
) -> EvalResult {
    match op {
        BinaryOp::Eq | BinaryOp::NotEq => {
            // Terraform's console marks type values so that comparing them is refused.
            if [&lhs, &rhs].iter().any(|v| matches!(v.unmarked().0, Value::Type(_))) {
                return Err(Diagnostics::from(
                    Diagnostic::error(
                        "Invalid use of type function",
                        "The console-only \"type\" function cannot be used as part of an expression.",
                    )
                    .with_subject(Some(range.clone())),
                ));
            }
            let marked = lhs.contains_sensitive() || rhs.contains_sensitive();
            let (l, _) = lhs.unmark_deep();
            let (r, _) = rhs.unmark_deep();
            let eq = equals(&l, &r);
            let result = match (eq, op) {
                (Some(b), BinaryOp::Eq) => Value::Bool(b),
                (Some(b), _) => Value::Bool(!b),
                (None, _) => not_null_unknown(Type::Bool),
            };
            Ok(result.with_sensitive(marked))
        }
        BinaryOp::And | BinaryOp::Or => logical(op, lhs, rhs, lhs_range, rhs_range, range),
        _ => arithmetic(op, lhs, rhs, lhs_range, rhs_range, range),
    }
}

fn logical(
    op: BinaryOp,
    lhs: Value,
    rhs: Value,
    lhs_range: &SourceRange,
    rhs_range: &SourceRange,
    range: &SourceRange,
) -> EvalResult {
    let marked = lhs.contains_sensitive() || rhs.contains_sensitive();
    let mut diags = Diagnostics::new();
    let l = convert_operand(&lhs, to_bool, &Type::Bool, "left", lhs_range, range, &mut diags);
    let r = convert_operand(&rhs, to_bool, &Type::Bool, "right", rhs_range, range, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    if let Some(unknown) = unknown_or_null(&lhs, &rhs, Type::Bool, marked, range) {
        return unknown;
    }
    let (Some(Some(a)), Some(Some(b))) = (l, r) else {
        return Ok(not_null_unknown(Type::Bool).with_sensitive(marked));
    };
    let v = if op == BinaryOp::And { a && b } else { a || b };
    Ok(Value::Bool(v).with_sensitive(marked))
}

fn arithmetic(
    op: BinaryOp,
    lhs: Value,
    rhs: Value,
    lhs_range: &SourceRange,
    rhs_range: &SourceRange,
    range: &SourceRange,
) -> EvalResult {
    let marked = lhs.contains_sensitive() || rhs.contains_sensitive();
    let mut diags = Diagnostics::new();
    let l = convert_operand(&lhs, to_number, &Type::Number, "left", lhs_range, range, &mut diags);
    let r = convert_operand(&rhs, to_number, &Type::Number, "right", rhs_range, range, &mut diags);
    if diags.has_errors() {
        return Err(diags);
    }
    let result_ty = match op {
        BinaryOp::Lt | BinaryOp::Gt | BinaryOp::LtEq | BinaryOp::GtEq => Type::Bool,
        _ => Type::Number,
    };
    if let Some(early) = unknown_or_null(&lhs, &rhs, result_ty.clone(), marked, range) {
        return early;
    }
    let (Some(Some(l)), Some(Some(r))) = (l, r) else {
        return Ok(not_null_unknown(result_ty).with_sensitive(marked));
    };
    let result = match op {
        BinaryOp::Add => {
            l.add(&r).map(Value::Number).ok_or("can't compute sum of opposing infinities")
        }
        BinaryOp::Sub => l.sub(&r).map(Value::Number).ok_or("can't subtract infinity from itself"),
        BinaryOp::Mul => l.mul(&r).map(Value::Number).ok_or("can't multiply zero by infinity"),
        BinaryOp::Div => {
            l.div(&r).map(Value::Number).ok_or("can't divide zero by zero or infinity by infinity")
        }
        BinaryOp::Mod => {
            l.rem(&r).map(Value::Number).ok_or("can't use modulo with zero and infinity")
        }
        BinaryOp::Lt => Ok(Value::Bool(l < r)),
        BinaryOp::Gt => Ok(Value::Bool(l > r)),
        BinaryOp::LtEq => Ok(Value::Bool(l <= r)),
        BinaryOp::GtEq => Ok(Value::Bool(l >= r)),
        _ => Ok(Value::unknown(result_ty)),
    };
    match result {
        Ok(v) => Ok(v.with_sensitive(marked)),
        Err(msg) => Err(operation_failed(msg, range)),
    }
}

/// cty's `Equals`: `None` when the answer is not known yet.
pub fn equals(a: &Value, b: &Value) -> Option<bool> {
    // Refinements decide some comparisons with unknowns: null against a value known not to
    // be null, and a string against one known to start differently.
    if a.is_null() && b.definitely_not_null() || b.is_null() && a.definitely_not_null() {
        return Some(false);
    }
    let a_known = a.is_known();
    let b_known = b.is_known();
    if !a_known && !b_known {
        return None;
    }
    if a_known != b_known {
        let (known, unknown) = if a_known { (a, b) } else { (b, a) };
        let prefix = unknown.refinement().and_then(|r| r.prefix.as_deref());
        if let (Some(prefix), Some(s)) = (prefix, known.as_str()) {
            if !s.starts_with(prefix) {
                return Some(false);
            }
        }
        if known.is_null() || unknown.ty().has_dynamic() {
            return None;
        }
        if known.ty() != unknown.ty() {
            return Some(false);
        }
        return None;
    }
    match (a.is_null(), b.is_null()) {
        (true, true) => return Some(true),
        (true, false) | (false, true) => return Some(false),
        _ => {}
    }
    if !a.is_wholly_known() || !b.is_wholly_known() {
        if a.ty() != b.ty() && !a.ty().has_dynamic() && !b.ty().has_dynamic() {
            return Some(false);
        }
        // Compare the known parts; any difference decides it.
        return match structural_equal(a, b) {
            Some(false) => Some(false),
            _ => None,
        };
    }
    if a.ty() != b.ty() {
        return Some(false);
    }
    structural_equal(a, b)
}

fn structural_equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Unknown(..), _) | (_, Value::Unknown(..)) => None,
        (Value::Null(_), Value::Null(_)) => Some(true),
        (Value::Null(_), _) | (_, Value::Null(_)) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (
            Value::List(_, x) | Value::Tuple(x) | Value::Set(_, x),
            Value::List(_, y) | Value::Tuple(y) | Value::Set(_, y),
        ) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.iter().zip(y) {
                match structural_equal(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        (Value::Map(_, x) | Value::Object(x), Value::Map(_, y) | Value::Object(y)) => {
            if x.len() != y.len() || x.keys().ne(y.keys()) {
                return Some(false);
            }
            let mut unknown = false;
            for (p, q) in x.values().zip(y.values()) {
                match structural_equal(p, q) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        (Value::Sensitive(x), y) | (y, Value::Sensitive(x)) => structural_equal(x, y),
        _ => Some(false),
    }
}
