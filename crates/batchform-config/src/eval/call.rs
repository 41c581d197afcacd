//! Function calls: arguments evaluated and expanded (`...`), the call itself through
//! [`Functions`](super::Functions), and its errors pointed where hclsyntax points them;
//! `try` and `can`, which take unevaluated expressions.

use super::{CallError, CallSubject, EvalResult, Evaluator, diag};
use crate::ast::Expr;
use batchform_core::{Diagnostic, Diagnostics, SourceRange, Type, Value};

impl Evaluator<'_> {
    pub(super) fn call(
        &mut self,
        name: &str,
        name_range: &SourceRange,
        arg_exprs: &[Expr],
        expand_final: bool,
        range: &SourceRange,
    ) -> EvalResult {
        match name {
            "try" => return self.call_try(arg_exprs, name_range, range),
            "can" => return self.call_can(arg_exprs, range),
            _ => {}
        }
        if !self.functions.exists(name) {
            let err = self.functions.call(name, Vec::new()).err().into_iter().flatten();
            return Err(err.map(|e| self.call_error(name, e, name_range, &[], range)).collect());
        }
        let mut args = Vec::with_capacity(arg_exprs.len());
        let mut arg_ranges = Vec::with_capacity(arg_exprs.len());
        let mut diags = Diagnostics::new();
        for e in arg_exprs {
            match self.eval(e) {
                Ok(v) => {
                    args.push(v);
                    arg_ranges.push(e.start_range());
                }
                Err(d) => diags.extend(d),
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
        if expand_final {
            let Some(last) = args.pop() else {
                return Ok(Value::DYNAMIC_UNKNOWN);
            };
            // Expanded elements point at the whole `...` argument, and carry its marks.
            arg_ranges.pop();
            let last_range = arg_exprs.last().map_or_else(|| range.clone(), |e| e.range.clone());
            let (last, marked) = last.unmark();
            if last.is_null() {
                return Err(diag(
                    "Invalid expanding argument value",
                    "The expanding argument (indicated by ...) must not be null.",
                    &last_range,
                ));
            }
            match last {
                Value::Unknown(..) => return Ok(Value::DYNAMIC_UNKNOWN),
                Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
                    for item in items {
                        args.push(item.with_sensitive(marked));
                        arg_ranges.push(last_range.clone());
                    }
                }
                _ => {
                    return Err(diag(
                        "Invalid expanding argument value",
                        "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                        &last_range,
                    ));
                }
            }
        }
        match self.functions.call(name, args) {
            Ok(v) => Ok(v),
            Err(errs) => Err(errs
                .into_iter()
                .map(|err| self.call_error(name, err, name_range, &arg_ranges, range))
                .collect()),
        }
    }

    fn call_error(
        &self,
        name: &str,
        err: CallError,
        name_range: &SourceRange,
        arg_ranges: &[SourceRange],
        range: &SourceRange,
    ) -> Diagnostic {
        let subject = match err.subject {
            CallSubject::Name => {
                let names = self.functions.names();
                let mut detail = err.detail;
                if let Some(s) = batchform_core::diagnostic::name_suggestion(
                    name,
                    names.iter().map(String::as_str),
                ) {
                    detail.push_str(&format!(" Did you mean {s:?}?"));
                }
                return Diagnostic::error(err.summary, detail)
                    .with_subject(Some(name_range.clone()))
                    .with_context(Some(range.clone()));
            }
            CallSubject::CloseParen => close_paren(range),
            CallSubject::Argument(i) => arg_ranges.get(i).cloned().unwrap_or_else(|| range.clone()),
            CallSubject::Start => call_start(name_range),
        };
        Diagnostic::error(err.summary, err.detail)
            .with_subject(Some(subject))
            .with_context(Some(range.clone()))
    }

    /// `try(a, b, ...)`: the first argument that evaluates without errors (HCL's
    /// `ext/tryfunc`).
    fn call_try(
        &mut self,
        args: &[Expr],
        name_range: &SourceRange,
        range: &SourceRange,
    ) -> EvalResult {
        let failed = |message: String| {
            Diagnostics::from(
                Diagnostic::error(
                    "Error in function call",
                    format!("Call to function \"try\" failed: {message}."),
                )
                .with_subject(Some(call_start(name_range)))
                .with_context(Some(range.clone())),
            )
        };
        if args.is_empty() {
            return Err(failed("at least one argument is required".into()));
        }
        let mut errors = Diagnostics::new();
        for arg in args {
            match self.eval(arg) {
                Ok(v) => {
                    if !v.is_wholly_known() {
                        // It might still fail once known: the result is not known yet.
                        return Ok(Value::DYNAMIC_UNKNOWN);
                    }
                    return Ok(v);
                }
                Err(d) => errors.extend(d),
            }
        }
        let mut message = String::from("no expression succeeded:\n");
        for d in errors.errors() {
            match &d.subject {
                Some(at) => message.push_str(&format!(
                    "- {} (at {})\n  {}\n",
                    d.summary,
                    crate::model::range_text(at),
                    d.detail
                )),
                None => message.push_str(&format!("- {}\n  {}\n", d.summary, d.detail)),
            }
        }
        message.push_str("\nAt least one expression must produce a successful result");
        Err(failed(message))
    }

    /// `can(expr)`: whether `expr` evaluates without errors.
    fn call_can(&mut self, args: &[Expr], range: &SourceRange) -> EvalResult {
        let [arg] = args else {
            let (summary, detail, subject) = match args.get(1) {
                None => (
                    "Not enough function arguments",
                    "Function \"can\" expects 1 argument(s). Missing value for \"expression\".",
                    close_paren(range),
                ),
                Some(extra) => (
                    "Too many function arguments",
                    "Function \"can\" expects only 1 argument(s).",
                    extra.start_range(),
                ),
            };
            return Err(Diagnostics::from(
                Diagnostic::error(summary, detail)
                    .with_subject(Some(subject))
                    .with_context(Some(range.clone())),
            ));
        };
        match self.eval(arg) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::unknown(Type::Bool)),
            Ok(_) => Ok(Value::Bool(true)),
            Err(_) => Ok(Value::Bool(false)),
        }
    }
}

/// hclsyntax's `FunctionCallExpr.StartRange`: the name through the opening parenthesis, which
/// follows the name directly.
fn call_start(name_range: &SourceRange) -> SourceRange {
    let mut r = name_range.clone();
    r.end.byte += 1;
    r.end.column += 1;
    r
}

/// The closing parenthesis of a call.
fn close_paren(call: &SourceRange) -> SourceRange {
    let mut end = call.clone();
    end.start = call.end;
    end.start.byte = end.start.byte.saturating_sub(1);
    end.start.column = end.start.column.saturating_sub(1).max(1);
    end
}
