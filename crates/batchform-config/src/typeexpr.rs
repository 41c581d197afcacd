//! Type constraints as variables declare them: `string`, `list(string)`, `map(any)`,
//! `object({ name = string, size = optional(number, 1) })`, `tuple([string, bool])`, and the
//! legacy quoted `"string"`, `"list"`, `"map"`.

use crate::ast::{Expr, ExprKind, ObjectKey};
use batchform_core::Diagnostic;
use std::collections::BTreeMap;

pub use batchform_core::convert::{AttrConstraint, TypeConstraint};

fn invalid(expr: &Expr, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Invalid type specification", detail).with_subject(Some(expr.range.clone()))
}

/// Parse a type constraint expression.
pub fn parse(expr: &Expr) -> Result<TypeConstraint, Diagnostic> {
    parse_inner(expr, false)
}

fn parse_inner(expr: &Expr, in_object: bool) -> Result<TypeConstraint, Diagnostic> {
    match &expr.kind {
        ExprKind::Variable(name) => match name.as_str() {
            "any" => Ok(TypeConstraint::Dynamic),
            "bool" => Ok(TypeConstraint::Bool),
            "number" => Ok(TypeConstraint::Number),
            "string" => Ok(TypeConstraint::String),
            "list" | "set" | "map" | "tuple" | "object" => Err(invalid(
                expr,
                format!(
                    "The {name} type constructor requires one argument specifying the element type."
                ),
            )),
            other => Err(invalid(
                expr,
                format!("The keyword \"{other}\" is not a valid type specification."),
            )),
        },
        // Terraform 0.11 style quoted types.
        ExprKind::String(s) => match s.as_str() {
            "string" => Ok(TypeConstraint::String),
            "list" => Ok(TypeConstraint::List(Box::new(TypeConstraint::String))),
            "map" => Ok(TypeConstraint::Map(Box::new(TypeConstraint::String))),
            _ => Err(invalid(
                expr,
                "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
            )),
        },
        ExprKind::FuncCall { name, args, .. } => {
            let one_arg = |what: &str| -> Result<&Expr, Diagnostic> {
                match args.as_slice() {
                    [arg] => Ok(arg),
                    _ => Err(invalid(
                        expr,
                        format!(
                            "The {what} type constructor requires one argument specifying the element type."
                        ),
                    )),
                }
            };
            match name.as_str() {
                "list" => Ok(TypeConstraint::List(Box::new(parse_inner(one_arg("list")?, false)?))),
                "set" => Ok(TypeConstraint::Set(Box::new(parse_inner(one_arg("set")?, false)?))),
                "map" => Ok(TypeConstraint::Map(Box::new(parse_inner(one_arg("map")?, false)?))),
                "tuple" => {
                    let arg = one_arg("tuple")?;
                    let ExprKind::Tuple(items) = &arg.kind else {
                        return Err(invalid(
                            arg,
                            "The tuple type constructor requires a list of element types.",
                        ));
                    };
                    Ok(TypeConstraint::Tuple(
                        items.iter().map(|i| parse_inner(i, false)).collect::<Result<_, _>>()?,
                    ))
                }
                "object" => {
                    let arg = one_arg("object")?;
                    let ExprKind::Object(items) = &arg.kind else {
                        return Err(invalid(
                            arg,
                            "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.",
                        ));
                    };
                    let mut attrs = BTreeMap::new();
                    for item in items {
                        let key = match &item.key {
                            ObjectKey::Ident(k, _) => k.clone(),
                            ObjectKey::Expr(e) => match &e.kind {
                                ExprKind::String(s) => s.clone(),
                                ExprKind::Variable(v) => v.clone(),
                                _ => {
                                    return Err(invalid(
                                        e,
                                        "Object constructor map keys must be attribute names.",
                                    ));
                                }
                            },
                        };
                        attrs.insert(key, parse_attr(&item.value)?);
                    }
                    Ok(TypeConstraint::Object(attrs))
                }
                "optional" if !in_object => Err(invalid(
                    expr,
                    "Keyword \"optional\" is valid only as a modifier for object type attributes.",
                )),
                other => Err(invalid(
                    expr,
                    format!("Keyword \"{other}\" is not a valid type constructor."),
                )),
            }
        }
        _ => Err(invalid(
            expr,
            "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
        )),
    }
}

fn parse_attr(expr: &Expr) -> Result<AttrConstraint, Diagnostic> {
    if let ExprKind::FuncCall { name, args, .. } = &expr.kind {
        if name == "optional" {
            return match args.as_slice() {
                [ty] => Ok(AttrConstraint::optional(parse_inner(ty, true)?, None)),
                [ty, default] => {
                    let constraint = parse_inner(ty, true)?;
                    let value = crate::eval::eval_constant(default).map_err(|_| {
                        invalid(
                            default,
                            "The default value for an optional attribute must be a constant.",
                        )
                    })?;
                    let value = batchform_core::convert::convert_to_constraint(&value, &constraint)
                        .map_err(|e| {
                            invalid(
                                default,
                                format!("Invalid default value for optional attribute: {e}."),
                            )
                        })?;
                    Ok(AttrConstraint::optional(constraint, Some(value)))
                }
                _ => Err(invalid(
                    expr,
                    "Optional attribute modifier expects at most two arguments: an attribute type, and a default value.",
                )),
            };
        }
    }
    Ok(AttrConstraint::required(parse_inner(expr, true)?))
}
