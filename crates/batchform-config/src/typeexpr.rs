//! Type constraints as variables declare them: `string`, `list(string)`, `map(any)`,
//! `object({ name = string, size = optional(number, 1) })`, `tuple([string, bool])`, and the
//! legacy quoted `"string"`, `"list"`, `"map"`.

use crate::ast::{Expr, ExprKind, ObjectKey};
use batchform_core::{Diagnostic, Type, Value};
use std::collections::BTreeMap;

/// A type constraint, which unlike a [`Type`] may have optional object attributes with
/// defaults.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeConstraint {
    /// `any`: the value keeps its own type.
    Any,
    Bool,
    Number,
    String,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
    Object(BTreeMap<String, ObjectAttr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectAttr {
    pub constraint: TypeConstraint,
    pub optional: bool,
    /// The default of an optional attribute (a constant expression, evaluated at load).
    pub default: Option<Value>,
}

impl TypeConstraint {
    pub fn any() -> TypeConstraint {
        TypeConstraint::Any
    }

    /// The plain type (optional attributes become ordinary ones; `any` becomes dynamic).
    pub fn to_type(&self) -> Type {
        match self {
            TypeConstraint::Any => Type::Dynamic,
            TypeConstraint::Bool => Type::Bool,
            TypeConstraint::Number => Type::Number,
            TypeConstraint::String => Type::String,
            TypeConstraint::List(t) => Type::list(t.to_type()),
            TypeConstraint::Set(t) => Type::set(t.to_type()),
            TypeConstraint::Map(t) => Type::map(t.to_type()),
            TypeConstraint::Tuple(ts) => {
                Type::Tuple(ts.iter().map(TypeConstraint::to_type).collect())
            }
            TypeConstraint::Object(attrs) => Type::Object(
                attrs.iter().map(|(k, a)| (k.clone(), a.constraint.to_type())).collect(),
            ),
        }
    }

    /// Whether `any` appears anywhere.
    pub fn has_any(&self) -> bool {
        match self {
            TypeConstraint::Any => true,
            TypeConstraint::Bool | TypeConstraint::Number | TypeConstraint::String => false,
            TypeConstraint::List(t) | TypeConstraint::Set(t) | TypeConstraint::Map(t) => {
                t.has_any()
            }
            TypeConstraint::Tuple(ts) => ts.iter().any(TypeConstraint::has_any),
            TypeConstraint::Object(attrs) => attrs.values().any(|a| a.constraint.has_any()),
        }
    }
}

impl std::fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::List(t) => write!(f, "list({t})"),
            TypeConstraint::Set(t) => write!(f, "set({t})"),
            TypeConstraint::Map(t) => write!(f, "map({t})"),
            TypeConstraint::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            TypeConstraint::Object(attrs) => {
                f.write_str("object({")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{k}=optional({})", a.constraint)?;
                    } else {
                        write!(f, "{k}={}", a.constraint)?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

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
            "any" => Ok(TypeConstraint::Any),
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

fn parse_attr(expr: &Expr) -> Result<ObjectAttr, Diagnostic> {
    if let ExprKind::FuncCall { name, args, .. } = &expr.kind {
        if name == "optional" {
            return match args.as_slice() {
                [ty] => Ok(ObjectAttr {
                    constraint: parse_inner(ty, true)?,
                    optional: true,
                    default: None,
                }),
                [ty, default] => {
                    let constraint = parse_inner(ty, true)?;
                    let value = crate::eval::eval_constant(default).map_err(|_| {
                        invalid(
                            default,
                            "The default value for an optional attribute must be a constant.",
                        )
                    })?;
                    Ok(ObjectAttr { constraint, optional: true, default: Some(value) })
                }
                _ => Err(invalid(
                    expr,
                    "Optional attribute modifier expects at most two arguments: an attribute type, and a default value.",
                )),
            };
        }
    }
    Ok(ObjectAttr { constraint: parse_inner(expr, true)?, optional: false, default: None })
}
