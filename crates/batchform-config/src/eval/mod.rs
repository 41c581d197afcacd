//! The expression evaluator: HCL's semantics (hclsyntax) over our AST, with unknown values
//! and sensitive marks propagated as Terraform does.
//!
//! The evaluator is given a [`Resolver`] (what `var.x`, `local.y`, `openai_batch.z` and
//! friends are) and a [`Functions`] implementation (the function library); it does no I/O.

mod call;
mod directives;
mod library;
mod ops;
mod refine;
mod traverse;

pub use library::{Library, Renderer};

pub use ops::{binary_op, unary_op};
pub use ops::{to_bool, to_number, to_string as ops_to_string};
pub use traverse::{get_attr, index};

use crate::ast::{Expr, ExprKind, ForExpr, ObjectKey, StepKind, TemplatePart};
use crate::refs::Subject;
use batchform_core::{
    Diagnostic, Diagnostics, InstanceKey, Refinement, ResourceAddr, SourceRange, Type, Value,
};
use std::collections::BTreeMap;

/// Supplies the values of references.
pub trait Resolver {
    /// The value of a reference subject (for resources: the whole resource, i.e. one object,
    /// a tuple of instances for `count`, or an object of instances for `for_each`).
    fn resolve(&self, subject: &Subject, range: &SourceRange) -> Result<Value, Diagnostic>;

    /// One instance of a resource, without building the whole collection. `None` means "not
    /// supported here, resolve the whole resource and index it".
    fn resolve_instance(
        &self,
        _addr: &ResourceAddr,
        _key: &InstanceKey,
        _range: &SourceRange,
    ) -> Option<Result<Value, Diagnostic>> {
        None
    }
}

/// Why a function call failed, in Terraform's words, and where it points.
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub summary: String,
    pub detail: String,
    pub subject: CallSubject,
}

/// Where a function call's diagnostic points, as hclsyntax's `FunctionCallExpr.Value` has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSubject {
    /// The function name: no such function (the evaluator adds a "Did you mean").
    Name,
    /// The closing parenthesis: missing arguments.
    CloseParen,
    /// The start range of this argument (`StartRange`); the whole call when the call has no
    /// such argument (a variadic parameter that got no arguments).
    Argument(usize),
    /// The name and the opening parenthesis: the function itself failed.
    Start,
}

/// The function library, as the evaluator sees it.
pub trait Functions {
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, Vec<CallError>>;
    /// Every function name, for did-you-mean suggestions.
    fn names(&self) -> Vec<String>;
    /// Whether a function of that name exists (checked before its arguments are evaluated,
    /// as HCL does).
    fn exists(&self, name: &str) -> bool {
        self.names().iter().any(|n| n == name)
    }
}

/// A library with no functions (for constant evaluation of defaults and tests).
pub struct NoFunctions;

impl Functions for NoFunctions {
    fn call(&self, name: &str, _args: Vec<Value>) -> Result<Value, Vec<CallError>> {
        Err(vec![CallError {
            summary: "Call to unknown function".into(),
            detail: format!("There is no function named {name:?}."),
            subject: CallSubject::Name,
        }])
    }
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A resolver that knows no references.
pub struct NoReferences;

impl Resolver for NoReferences {
    fn resolve(&self, _subject: &Subject, range: &SourceRange) -> Result<Value, Diagnostic> {
        Err(Diagnostic::error("Variables not allowed", "Variables may not be used here.")
            .with_subject(Some(range.clone())))
    }
}

/// Evaluate a constant expression (no references, no functions), as defaults of optional
/// object attributes require.
pub fn eval_constant(expr: &Expr) -> Result<Value, Diagnostics> {
    Evaluator::new(&NoReferences, &NoFunctions).eval(expr)
}

pub type EvalResult = Result<Value, Diagnostics>;

/// Evaluates expressions against a resolver and a function library.
pub struct Evaluator<'a> {
    resolver: &'a dyn Resolver,
    functions: &'a dyn Functions,
    /// Names bound by `for` expressions and directives, innermost last.
    bindings: Vec<(String, Value)>,
}

fn diag(summary: &str, detail: impl Into<String>, subject: &SourceRange) -> Diagnostics {
    Diagnostics::from(Diagnostic::error(summary, detail).with_subject(Some(subject.clone())))
}

impl<'a> Evaluator<'a> {
    pub fn new(resolver: &'a dyn Resolver, functions: &'a dyn Functions) -> Self {
        Evaluator { resolver, functions, bindings: Vec::new() }
    }

    /// Evaluate with extra names bound (for `templatefile` variables and tests).
    pub fn with_bindings(mut self, bindings: Vec<(String, Value)>) -> Self {
        self.bindings = bindings;
        self
    }

    pub fn eval(&mut self, expr: &Expr) -> EvalResult {
        match &expr.kind {
            ExprKind::Null => Ok(Value::NULL),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::Number(n) => Ok(Value::Number(n.clone())),
            ExprKind::String(s) => Ok(Value::String(s.clone())),
            ExprKind::Template(parts) => self.template(parts, &expr.range),
            ExprKind::TemplateWrap(inner) | ExprKind::Parens(inner) => self.eval(inner),
            ExprKind::Tuple(items) => {
                let mut values = Vec::with_capacity(items.len());
                let mut diags = Diagnostics::new();
                for item in items {
                    match self.eval(item) {
                        Ok(v) => values.push(v),
                        Err(d) => diags.extend(d),
                    }
                }
                if diags.has_errors() { Err(diags) } else { Ok(Value::Tuple(values)) }
            }
            ExprKind::Object(items) => self.object(items),
            ExprKind::Variable(_) | ExprKind::Traversal { .. } => self.traversal(expr),
            ExprKind::FuncCall { name, name_range, args, expand_final } => {
                self.call(name, name_range, args, *expand_final, &expr.range)
            }
            ExprKind::Conditional { cond, then, otherwise } => {
                self.conditional(cond, then, otherwise, &expr.range)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand)?;
                unary_op(*op, v, &operand.range, &expr.range)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.eval(lhs);
                let r = self.eval(rhs);
                let (l, r) = match (l, r) {
                    (Ok(l), Ok(r)) => (l, r),
                    (l, r) => {
                        let mut diags = Diagnostics::new();
                        if let Err(d) = l {
                            diags.extend(d);
                        }
                        if let Err(d) = r {
                            diags.extend(d);
                        }
                        return Err(diags);
                    }
                };
                binary_op(*op, l, r, &lhs.range, &rhs.range, &expr.range)
            }
            ExprKind::For(fe) => self.for_expr(fe, &expr.range),
        }
    }

    fn object(&mut self, items: &[crate::ast::ObjectItem]) -> EvalResult {
        let mut attrs = BTreeMap::new();
        let mut diags = Diagnostics::new();
        let mut known = true;
        let mut marked = false;
        for item in items {
            let key = match &item.key {
                ObjectKey::Ident(name, _) => Ok(Value::String(name.clone())),
                // A bare name in parentheses-free key position is a literal in HCL.
                ObjectKey::Expr(Expr { kind: ExprKind::Variable(name), .. }) => {
                    Ok(Value::String(name.clone()))
                }
                // `null`, `true` and `false` written bare are names here (`hcl.ExprAsKeyword`).
                ObjectKey::Expr(Expr { kind: ExprKind::Null, .. }) => Ok(Value::string("null")),
                ObjectKey::Expr(Expr { kind: ExprKind::Bool(b), .. }) => {
                    Ok(Value::string(b.to_string()))
                }
                ObjectKey::Expr(e) => self.eval(e),
            };
            let value = self.eval(&item.value);
            let (key, value) = match (key, value) {
                (Ok(k), Ok(v)) => (k, v),
                (k, v) => {
                    if let Err(d) = k {
                        diags.extend(d);
                    }
                    if let Err(d) = v {
                        diags.extend(d);
                    }
                    continue;
                }
            };
            let (key, key_marked) = key.unmark();
            marked |= key_marked;
            if key.is_null() {
                diags.extend(diag(
                    "Null value as key",
                    "Can't use a null value as a key.",
                    &item.value.range,
                ));
                continue;
            }
            if !key.is_known() {
                known = false;
                continue;
            }
            match ops::to_string(&key) {
                Ok(k) => {
                    attrs.insert(k, value);
                }
                Err(msg) => diags.extend(diag(
                    "Incorrect key type",
                    format!("Can't use this value as a key: {msg}."),
                    item.key.range(),
                )),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        if !known {
            return Ok(Value::DYNAMIC_UNKNOWN);
        }
        Ok(Value::Object(attrs).with_sensitive(marked))
    }

    fn template(&mut self, parts: &[TemplatePart], range: &SourceRange) -> EvalResult {
        let mut out = String::new();
        let mut known = true;
        let mut marked = false;
        let mut diags = Diagnostics::new();
        for part in parts {
            let value = match part {
                // Only the text before the first unknown part is kept: it is the known
                // prefix of the result.
                TemplatePart::Literal(s) => {
                    if known {
                        out.push_str(s);
                    }
                    continue;
                }
                TemplatePart::Interpolation(e) => match self.eval(e) {
                    Ok(v) => (v, &e.range),
                    Err(d) => {
                        diags.extend(d);
                        continue;
                    }
                },
                TemplatePart::If { cond, then, otherwise } => {
                    match self.template_if(cond, then, otherwise, range) {
                        Ok(v) => (v, &cond.range),
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                }
                TemplatePart::For { key_var, value_var, collection, body, range: for_range } => {
                    match self.template_for(
                        key_var.as_deref(),
                        value_var,
                        collection,
                        body,
                        for_range,
                    ) {
                        Ok(v) => (v, for_range),
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                }
            };
            let (v, subject) = value;
            let (v, m) = v.unmark_deep();
            marked |= m;
            if v.is_null() {
                diags.extend(diag(
                    "Invalid template interpolation value",
                    "The expression result is null. Cannot include a null value in a string template.",
                    subject,
                ));
                continue;
            }
            if !v.is_known() {
                known = false;
                continue;
            }
            match ops::to_string(&v) {
                Ok(s) if known => out.push_str(&s),
                Ok(_) => {}
                Err(msg) => diags.extend(diag(
                    "Invalid template interpolation value",
                    format!("Cannot include the given value in a string template: {msg}."),
                    subject,
                )),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let result = if known {
            Value::String(out)
        } else {
            Value::refined_unknown(Type::String, refine::template(&out))
        };
        Ok(result.with_sensitive(marked))
    }

    fn template_if(
        &mut self,
        cond: &Expr,
        then: &[TemplatePart],
        otherwise: &[TemplatePart],
        range: &SourceRange,
    ) -> EvalResult {
        let c = self.eval(cond)?;
        let (c, marked) = c.unmark();
        if c.is_null() {
            return Err(diag(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                &cond.range,
            ));
        }
        if !c.is_known() {
            // Still check both branches for errors.
            self.template(then, range)?;
            self.template(otherwise, range)?;
            return Ok(Value::unknown(Type::String).with_sensitive(marked));
        }
        let Ok(b) = ops::to_bool(&c) else {
            return Err(diag(
                "Incorrect condition type",
                "The condition expression must be of type bool.",
                &cond.range,
            ));
        };
        let v = if b { self.template(then, range)? } else { self.template(otherwise, range)? };
        Ok(v.with_sensitive(marked))
    }

    fn template_for(
        &mut self,
        key_var: Option<&str>,
        value_var: &str,
        collection: &Expr,
        body: &[TemplatePart],
        range: &SourceRange,
    ) -> EvalResult {
        let coll = self.eval(collection)?;
        let (coll, marked) = self.iterable(coll, collection, range)?;
        let Some(items) = coll else {
            return Ok(Value::unknown(Type::String).with_sensitive(marked));
        };
        let mut out = String::new();
        let mut known = true;
        let mut any_marked = marked;
        for (k, v) in items {
            let depth = self.bind(key_var, k, value_var, v);
            let r = self.template(body, range);
            self.bindings.truncate(depth);
            let (r, m) = r?.unmark();
            any_marked |= m;
            match r {
                Value::String(s) => out.push_str(&s),
                _ => known = false,
            }
        }
        let result = if known { Value::String(out) } else { Value::unknown(Type::String) };
        Ok(result.with_sensitive(any_marked))
    }

    fn bind(&mut self, key_var: Option<&str>, key: Value, value_var: &str, value: Value) -> usize {
        let depth = self.bindings.len();
        if let Some(k) = key_var {
            self.bindings.push((k.to_string(), key));
        }
        self.bindings.push((value_var.to_string(), value));
        depth
    }

    /// Check a `for` collection: `Ok((None, marked))` when it is unknown.
    #[allow(clippy::type_complexity)]
    fn iterable(
        &self,
        coll: Value,
        expr: &Expr,
        context: &SourceRange,
    ) -> Result<(Option<Vec<(Value, Value)>>, bool), Diagnostics> {
        if coll.is_null() {
            return Err(Diagnostics::from(
                Diagnostic::error(
                    "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.",
                )
                .with_subject(Some(expr.range.clone()))
                .with_context(Some(context.clone())),
            ));
        }
        let (coll, marked) = coll.unmark();
        let items = match coll {
            Value::Unknown(t, _) => {
                if matches!(t, Type::Bool | Type::Number | Type::String) {
                    return Err(non_iterable(&t, expr));
                }
                return Ok((None, marked));
            }
            // A set's elements are their own keys.
            Value::Set(_, items) => items.into_iter().map(|v| (v.clone(), v)).collect(),
            Value::List(_, items) | Value::Tuple(items) => {
                items.into_iter().enumerate().map(|(i, v)| (Value::number(i as i64), v)).collect()
            }
            Value::Map(_, items) | Value::Object(items) => {
                items.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
            }
            other => return Err(non_iterable(&other.ty(), expr)),
        };
        Ok((Some(items), marked))
    }

    fn for_expr(&mut self, fe: &ForExpr, range: &SourceRange) -> EvalResult {
        let coll = self.eval(&fe.collection)?;
        let (items, mut marked) = self.iterable(coll, &fe.collection, range)?;
        let Some(items) = items else {
            return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
        };
        if let Some(cond) = &fe.cond {
            self.precheck_for_condition(fe, cond, range)?;
        }
        let mut known = true;
        let mut diags = Diagnostics::new();
        let mut tuple = Vec::new();
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (k, v) in items {
            let depth = self.bind(fe.key_var.as_deref(), k, &fe.value_var, v);
            let step = self.for_item(fe, &mut known, &mut marked);
            self.bindings.truncate(depth);
            match step {
                Ok(None) => {}
                Ok(Some((key, value))) => match key {
                    None => tuple.push(value),
                    Some(key) if fe.grouping => groups.entry(key).or_default().push(value),
                    Some(key) => match object.entry(key) {
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            slot.insert(value);
                        }
                        std::collections::btree_map::Entry::Occupied(slot) => {
                            let key_range = fe.key_expr.as_ref().map_or(range, |k| &k.range);
                            diags.push(
                                Diagnostic::error(
                                    "Duplicate object key",
                                    format!("Two different items produced the key {:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", slot.key()),
                                )
                                .with_subject(Some(key_range.clone()))
                                .with_context(Some(range.clone())),
                            );
                        }
                    },
                },
                Err(d) => diags.extend(d),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        if !known {
            return Ok(Value::DYNAMIC_UNKNOWN.with_sensitive(marked));
        }
        let result = if fe.key_expr.is_none() {
            Value::Tuple(tuple)
        } else if fe.grouping {
            Value::Object(groups.into_iter().map(|(k, vs)| (k, Value::Tuple(vs))).collect())
        } else {
            Value::Object(object)
        };
        Ok(result.with_sensitive(marked))
    }

    /// hclsyntax checks the `if` clause once with the names bound to unknowns, so that a
    /// condition of the wrong type is reported once rather than per element.
    fn precheck_for_condition(
        &mut self,
        fe: &ForExpr,
        cond: &Expr,
        range: &SourceRange,
    ) -> Result<(), Diagnostics> {
        let depth = self.bind(
            fe.key_var.as_deref(),
            Value::DYNAMIC_UNKNOWN,
            &fe.value_var,
            Value::DYNAMIC_UNKNOWN,
        );
        let result = self.eval(cond);
        self.bindings.truncate(depth);
        let result = result?;
        let with_context = |summary: &str, detail: String| {
            Diagnostics::from(
                Diagnostic::error(summary, detail)
                    .with_subject(Some(cond.range.clone()))
                    .with_context(Some(range.clone())),
            )
        };
        if result.is_null() {
            return Err(with_context(
                "Condition is null",
                "The value of the 'if' clause must not be null.".into(),
            ));
        }
        if let Err(e) = batchform_core::convert::convert(&result, &Type::Bool) {
            return Err(with_context(
                "Invalid 'for' condition",
                format!("The 'if' clause value is invalid: {e}."),
            ));
        }
        Ok(())
    }

    /// One iteration: `Ok(None)` when filtered out; the key is `None` for tuple results.
    #[allow(clippy::type_complexity)]
    fn for_item(
        &mut self,
        fe: &ForExpr,
        known: &mut bool,
        marked: &mut bool,
    ) -> Result<Option<(Option<String>, Value)>, Diagnostics> {
        if let Some(cond) = &fe.cond {
            let c = self.eval(cond)?;
            if c.is_null() {
                return Err(diag(
                    "Invalid 'for' condition",
                    "The value of the 'if' clause must not be null.",
                    &cond.range,
                ));
            }
            let (c, m) = c.unmark();
            *marked |= m;
            if !c.is_known() {
                *known = false;
                return Ok(None);
            }
            match ops::to_bool(&c) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(msg) => {
                    return Err(diag(
                        "Invalid 'for' condition",
                        format!("The 'if' clause value is invalid: {msg}."),
                        &cond.range,
                    ));
                }
            }
        }
        let key = match &fe.key_expr {
            None => None,
            Some(key_expr) => {
                let k = self.eval(key_expr)?;
                if k.is_null() {
                    return Err(diag(
                        "Invalid object key",
                        "Key expression in 'for' expression must not produce a null value.",
                        &key_expr.range,
                    ));
                }
                let (k, m) = k.unmark();
                *marked |= m;
                if !k.is_known() {
                    *known = false;
                    // Keep evaluating the value for its errors.
                    self.eval(&fe.value_expr)?;
                    return Ok(None);
                }
                match ops::to_string(&k) {
                    Ok(s) => Some(s),
                    Err(msg) => {
                        return Err(diag(
                            "Invalid object key",
                            format!("The key expression produced an invalid result: {msg}."),
                            &key_expr.range,
                        ));
                    }
                }
            }
        };
        let value = self.eval(&fe.value_expr)?;
        Ok(Some((key, value)))
    }

    fn conditional(
        &mut self,
        cond: &Expr,
        then: &Expr,
        otherwise: &Expr,
        range: &SourceRange,
    ) -> EvalResult {
        let then_result = self.eval(then);
        let else_result = self.eval(otherwise);
        let then_ty = then_result.as_ref().map_or(Type::Dynamic, Value::ty);
        let else_ty = else_result.as_ref().map_or(Type::Dynamic, Value::ty);
        let then_sensitive = then_result.as_ref().is_ok_and(Value::is_sensitive);
        let else_sensitive = else_result.as_ref().is_ok_and(Value::is_sensitive);
        let then_null_dynamic = matches!(&then_result, Ok(Value::Null(Type::Dynamic)));
        let else_null_dynamic = matches!(&else_result, Ok(Value::Null(Type::Dynamic)));
        // The branch conversions, when the types differ and unify.
        let mut unified = None;
        let result_ty = if then_null_dynamic {
            Some(else_ty.clone())
        } else if else_null_dynamic {
            Some(then_ty.clone())
        } else if then_ty == Type::Dynamic || else_ty == Type::Dynamic {
            Some(Type::Dynamic)
        } else if then_ty == else_ty {
            Some(then_ty.clone())
        } else {
            unified = batchform_core::convert::unify(&[then_ty.clone(), else_ty.clone()]);
            unified.as_ref().map(|u| u.ty.clone())
        };
        let Some(result_ty) = result_ty else {
            return Err(Diagnostics::from(
                Diagnostic::error(
                    "Inconsistent conditional result types",
                    format!(
                        "The true and false result expressions must have consistent types. {}.",
                        crate::convert::describe_type_mismatch(&then_ty, &else_ty)
                    ),
                )
                .with_subject(Some(then.range.to(&otherwise.range)))
                .with_context(Some(range.clone())),
            ));
        };
        let c = self.eval(cond)?;
        if c.is_null() {
            return Err(Diagnostics::from(
                Diagnostic::error(
                    "Null condition",
                    "The condition value is null. Conditions must either be true or false.",
                )
                .with_subject(Some(cond.range.clone()))
                .with_context(Some(range.clone())),
            ));
        }
        let (c, marked) = c.unmark_deep();
        if !c.is_known() {
            // The result carries the marks of the condition and of both branches, and is
            // null when both are, not null when neither can be.
            let sensitive = marked || then_sensitive || else_sensitive;
            let branches = [&then_result, &else_result];
            if branches.iter().all(|r| r.as_ref().is_ok_and(Value::is_null)) {
                return Ok(Value::Null(result_ty).with_sensitive(sensitive));
            }
            let not_null =
                branches.iter().all(|r| r.as_ref().is_ok_and(Value::definitely_not_null));
            let refinement = if not_null { Refinement::NOT_NULL } else { Refinement::NONE };
            return Ok(Value::refined_unknown(result_ty, refinement).with_sensitive(sensitive));
        }
        let Ok(b) = ops::to_bool(&c) else {
            return Err(Diagnostics::from(
                Diagnostic::error(
                    "Incorrect condition type",
                    "The condition expression must be of type bool.",
                )
                .with_subject(Some(cond.range.clone()))
                .with_context(Some(range.clone())),
            ));
        };
        let (chosen, which, expr, index) =
            if b { (then_result, "true", then, 0) } else { (else_result, "false", otherwise, 1) };
        let chosen = chosen?;
        let converted = if result_ty == Type::Dynamic || chosen.ty() == result_ty {
            chosen
        } else {
            let conversion = match &unified {
                Some(u) => u.convert(index, &chosen),
                None => batchform_core::convert::convert(&chosen, &result_ty),
            };
            conversion.map_err(|msg| {
                Diagnostics::from(
                    Diagnostic::error(
                        "Inconsistent conditional result types",
                        format!("The {which} result value has the wrong type: {msg}."),
                    )
                    .with_subject(Some(expr.range.clone()))
                    .with_context(Some(range.clone())),
                )
            })?
        };
        // Terraform marks the result with the other branch's sensitivity too, so that which
        // branch was taken does not reveal anything.
        let other_sensitive = match (index, &then_sensitive, &else_sensitive) {
            (0, _, s) | (_, s, _) => *s,
        };
        Ok(converted.with_sensitive(marked || other_sensitive))
    }

    fn traversal(&mut self, expr: &Expr) -> EvalResult {
        let (source, steps): (&Expr, &[crate::ast::Step]) = match &expr.kind {
            ExprKind::Traversal { source, steps } => (source, steps),
            _ => (expr, &[]),
        };
        // A name bound by a for expression?
        let (value, consumed) = match &source.kind {
            ExprKind::Variable(name) => {
                if let Some((_, v)) = self.bindings.iter().rev().find(|(n, _)| n == name) {
                    (v.clone(), 0)
                } else {
                    self.reference(name, steps, expr)?
                }
            }
            _ => (self.eval(source)?, 0),
        };
        traverse::apply_steps(self, value, &steps[consumed..])
    }

    /// Resolve a root reference; returns its value and how many steps it consumed.
    fn reference(
        &mut self,
        name: &str,
        steps: &[crate::ast::Step],
        whole: &Expr,
    ) -> Result<(Value, usize), Diagnostics> {
        let single = Expr { kind: whole.kind.clone(), range: whole.range.clone() };
        let (refs, diags) = crate::refs::references_checked(&root_only(&single));
        if diags.has_errors() {
            return Err(diags);
        }
        let Some(reference) = refs.into_iter().next() else {
            return Err(diag(
                "Invalid reference",
                "This reference is not valid here.",
                &whole.range,
            ));
        };
        let consumed = match &reference.subject {
            Subject::Resource(addr) if addr.mode == batchform_core::Mode::Data => 2,
            Subject::Resource(_) if name == "resource" => 2,
            Subject::SelfObject => 0,
            _ => 1,
        };
        // Fast path: `r[key]` without building all of `r`.
        if let Subject::Resource(addr) = &reference.subject {
            if let Some(crate::ast::Step { kind: StepKind::Index(key_expr), range: key_range }) =
                steps.get(consumed)
            {
                let key = self.eval(key_expr)?;
                if let Some(instance_key) = instance_key_of(&key) {
                    let range = reference.range.to(key_range);
                    if let Some(result) =
                        self.resolver.resolve_instance(addr, &instance_key, &range)
                    {
                        return Ok((result.map_err(Diagnostics::from)?, consumed + 1));
                    }
                }
            }
        }
        let value = self
            .resolver
            .resolve(&reference.subject, &reference.range)
            .map_err(Diagnostics::from)?;
        Ok((value, consumed))
    }
}

/// An instance key from an index value (number for count, string for for_each).
fn instance_key_of(key: &Value) -> Option<InstanceKey> {
    match key.unmarked().0 {
        Value::String(s) => Some(InstanceKey::Str(s.clone())),
        Value::Number(n) => n.to_i64().map(InstanceKey::Int),
        _ => None,
    }
}

/// The traversal with index expressions removed from its steps (references inside index
/// keys are resolved separately when the step is applied).
fn root_only(expr: &Expr) -> Expr {
    match &expr.kind {
        ExprKind::Traversal { source, steps } => {
            let kept: Vec<_> = steps
                .iter()
                .take_while(|s| matches!(s.kind, StepKind::GetAttr(_)))
                .cloned()
                .collect();
            Expr {
                kind: ExprKind::Traversal { source: source.clone(), steps: kept },
                range: expr.range.clone(),
            }
        }
        _ => expr.clone(),
    }
}

fn non_iterable(ty: &Type, expr: &Expr) -> Diagnostics {
    diag(
        "Iteration over non-iterable value",
        format!(
            "A value of type {} cannot be used as the collection in a 'for' expression.",
            ty.friendly_name()
        ),
        &expr.range,
    )
}
