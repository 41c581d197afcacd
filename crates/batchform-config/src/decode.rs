//! Decode a resource, data source or provider body against its schema into one object value:
//! every schema attribute present (null when not set), nested blocks as objects, lists or sets
//! of objects. Reports HCL's "Unsupported argument", "Missing required argument",
//! "Unsupported block type", "Too many ... blocks" and "Incorrect attribute value type".

use crate::ast::{Block as AstBlock, Body};
use crate::eval::EvalResult;
use batchform_core::schema::{Block, Nesting};
use batchform_core::{Diagnostic, Diagnostics, SourceRange, Type, Value};
use std::collections::BTreeMap;

/// Evaluates one expression in the right scope (module, or a resource instance).
pub trait ExprEval {
    fn eval_expr(&self, expr: &crate::ast::Expr) -> EvalResult;
}

impl ExprEval for crate::scope::ModuleScope<'_> {
    fn eval_expr(&self, expr: &crate::ast::Expr) -> EvalResult {
        self.eval(expr)
    }
}

impl ExprEval for crate::scope::InstanceScope<'_, '_> {
    fn eval_expr(&self, expr: &crate::ast::Expr) -> EvalResult {
        self.eval(expr)
    }
}

/// Decode `body` with `schema`; `open_brace` is where "Missing required argument" points.
pub fn decode_body(
    body: &Body,
    schema: &Block,
    open_brace: &SourceRange,
    scope: &dyn ExprEval,
) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut attrs = BTreeMap::new();
    for attr in &body.attributes {
        if schema.attributes.contains_key(&attr.name) {
            continue;
        }
        let mut detail = format!("An argument named \"{}\" is not expected here.", attr.name);
        if schema.block_types.contains_key(&attr.name) {
            detail.push_str(&format!(" Did you mean to define a block of type \"{}\"?", attr.name));
        } else if let Some(s) = batchform_core::diagnostic::name_suggestion(
            &attr.name,
            schema.attributes.keys().map(String::as_str),
        ) {
            detail.push_str(&format!(" Did you mean \"{s}\"?"));
        }
        diags.push(
            Diagnostic::error("Unsupported argument", detail)
                .with_subject(Some(attr.name_range.clone())),
        );
    }
    for (name, spec) in &schema.attributes {
        if let Some(block) = object_block(body, name, &spec.ty) {
            // The block form of an object-typed argument (`name { a = 1 }` for
            // `name = { a = 1 }`), which batchform accepts as well.
            if let Some(attr) = body.attribute(name) {
                diags.push(
                    Diagnostic::error(
                        "Duplicate argument",
                        format!(
                            "The argument \"{name}\" was already set at {}; it cannot also be written as a block.",
                            crate::model::range_text(&attr.name_range)
                        ),
                    )
                    .with_subject(Some(block.type_range.clone())),
                );
            }
            let value = object_from_block(block, name, scope, &mut diags);
            match crate::convert::convert_safe(&value, &spec.ty) {
                Ok(v) => {
                    attrs.insert(name.clone(), v.with_sensitive(spec.sensitive));
                }
                Err(msg) => {
                    diags.push(
                        Diagnostic::error(
                            "Incorrect attribute value type",
                            format!("Inappropriate value for attribute \"{name}\": {msg}."),
                        )
                        .with_subject(Some(block.type_range.clone())),
                    );
                    attrs.insert(name.clone(), Value::unknown(spec.ty.clone()));
                }
            }
            continue;
        }
        let Some(attr) = body.attribute(name) else {
            if spec.required {
                diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!(
                            "The argument \"{name}\" is required, but no definition was found."
                        ),
                    )
                    .with_subject(Some(open_brace.clone())),
                );
            }
            attrs.insert(name.clone(), Value::Null(spec.ty.clone()));
            continue;
        };
        if spec.computed && !spec.optional && !spec.required {
            diags.push(
                Diagnostic::error(
                    "Value for unconfigurable attribute",
                    format!(
                        "Can't configure a value for \"{name}\": its value will be decided automatically based on the result of applying this configuration."
                    ),
                )
                .with_subject(Some(attr.name_range.clone())),
            );
            attrs.insert(name.clone(), Value::Null(spec.ty.clone()));
            continue;
        }
        let value = match scope.eval_expr(&attr.expr) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                attrs.insert(name.clone(), Value::unknown(spec.ty.clone()));
                continue;
            }
        };
        match crate::convert::convert_safe(&value, &spec.ty) {
            Ok(v) => {
                let v = v.with_sensitive(spec.sensitive);
                attrs.insert(name.clone(), v);
            }
            Err(msg) => {
                diags.push(
                    Diagnostic::error(
                        "Incorrect attribute value type",
                        format!("Inappropriate value for attribute \"{name}\": {msg}."),
                    )
                    .with_subject(Some(attr.expr.range.clone())),
                );
                attrs.insert(name.clone(), Value::unknown(spec.ty.clone()));
            }
        }
    }
    for block in &body.blocks {
        let object_attribute = schema
            .attributes
            .get(&block.block_type)
            .is_some_and(|spec| object_block(body, &block.block_type, &spec.ty).is_some());
        if !schema.block_types.contains_key(&block.block_type) && !object_attribute {
            let mut detail =
                format!("Blocks of type \"{}\" are not expected here.", block.block_type);
            if schema.attributes.contains_key(&block.block_type) {
                detail.push_str(&format!(
                    " Did you mean to define argument \"{}\"? If so, use the equals sign to assign it a value.",
                    block.block_type
                ));
            }
            diags.push(
                Diagnostic::error("Unsupported block type", detail)
                    .with_subject(Some(block.type_range.clone())),
            );
        }
    }
    for (name, nested) in &schema.block_types {
        let blocks: Vec<&AstBlock> = body.blocks_of(name).collect();
        let mut objects = Vec::with_capacity(blocks.len());
        for b in &blocks {
            if !b.labels.is_empty() {
                diags.push(
                    Diagnostic::error(
                        format!("Extraneous label for {name}"),
                        format!("No labels are expected for {name} blocks."),
                    )
                    .with_subject(Some(b.label_ranges[0].clone())),
                );
            }
            let (v, d) = decode_body(&b.body, &nested.block, &b.open_brace_range, scope);
            diags.extend(d);
            objects.push(v);
        }
        let max = match nested.nesting {
            Nesting::Single => 1,
            _ => nested.max_items,
        };
        if max > 0 && blocks.len() > max {
            let extra = blocks[max];
            let detail = if max == 1 {
                format!("No more than 1 \"{name}\" block is allowed")
            } else {
                format!("No more than {max} \"{name}\" blocks are allowed")
            };
            diags.push(
                Diagnostic::error(format!("Too many {name} blocks"), detail)
                    .with_subject(Some(extra.type_range.clone())),
            );
        }
        if blocks.len() < nested.min_items {
            diags.push(
                Diagnostic::error(
                    format!("Insufficient {name} blocks"),
                    format!("At least {} \"{name}\" blocks are required.", nested.min_items),
                )
                .with_subject(Some(open_brace.clone())),
            );
        }
        let elem_ty = nested.block.implied_type();
        let value = match nested.nesting {
            Nesting::Single => objects.into_iter().next().unwrap_or(Value::Null(elem_ty)),
            Nesting::List => Value::List(elem_ty, objects),
            Nesting::Set => Value::set(elem_ty, objects),
        };
        attrs.insert(name.clone(), value);
    }
    (Value::Object(attrs), diags)
}

/// The object type a decoded body has.
pub fn body_type(schema: &Block) -> Type {
    schema.implied_type()
}

/// The block writing an object-typed argument, when the body has exactly one such block
/// without labels (more than one, or labels, are left to the "Unsupported block type" path).
fn object_block<'b>(body: &'b Body, name: &'b str, ty: &Type) -> Option<&'b AstBlock> {
    if !matches!(ty, Type::Object(_)) {
        return None;
    }
    let mut blocks = body.blocks_of(name);
    let block = blocks.next()?;
    (blocks.next().is_none() && block.labels.is_empty()).then_some(block)
}

/// The object a block writes: its arguments, evaluated.
fn object_from_block(
    block: &AstBlock,
    name: &str,
    scope: &dyn ExprEval,
    diags: &mut Diagnostics,
) -> Value {
    for nested in &block.body.blocks {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type \"{}\" are not expected here: \"{name}\" is an argument, written as a block; give its fields as arguments.",
                    nested.block_type
                ),
            )
            .with_subject(Some(nested.type_range.clone())),
        );
    }
    let mut fields = BTreeMap::new();
    let mut unknown = false;
    for attr in &block.body.attributes {
        match scope.eval_expr(&attr.expr) {
            Ok(v) => {
                fields.insert(attr.name.clone(), v);
            }
            Err(d) => {
                diags.extend(d);
                unknown = true;
            }
        }
    }
    if unknown { Value::DYNAMIC_UNKNOWN } else { Value::Object(fields) }
}
