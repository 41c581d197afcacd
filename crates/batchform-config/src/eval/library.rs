//! The function library as the evaluator calls it: [`crate::functions`] behind the
//! [`Functions`] trait, plus the `templatefile` hook (parse and render templates with our
//! evaluator).

use super::{CallError, CallSubject, Evaluator, Functions, NoReferences};
use crate::functions::{
    self, FunctionContext, FunctionError, ParsedTemplate, TemplateError, TemplateRenderer,
};
use crate::source::SourceFile;
use batchform_core::{Diagnostics, Value};
use std::collections::BTreeMap;

/// Terraform's function library with its context (filesystem, base directory, impurity).
pub struct Library<'a> {
    pub ctx: FunctionContext<'a>,
}

impl<'a> Library<'a> {
    pub fn new(ctx: FunctionContext<'a>) -> Library<'a> {
        Library { ctx }
    }
}

impl From<FunctionError> for CallError {
    fn from(e: FunctionError) -> CallError {
        CallError {
            summary: e.summary().to_string(),
            detail: e.detail(),
            subject: match e {
                FunctionError::UnknownFunction { .. } => CallSubject::Name,
                FunctionError::NotEnoughArguments { .. } => CallSubject::CloseParen,
                FunctionError::TooManyArguments { expected, .. } => CallSubject::Argument(expected),
                FunctionError::InvalidArgument { index, .. } => CallSubject::Argument(index),
                FunctionError::CallFailed { .. } => CallSubject::Start,
            },
        }
    }
}

impl Functions for Library<'_> {
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, Vec<CallError>> {
        let renderer = Renderer;
        let mut ctx = self.ctx;
        if ctx.templates.is_none() {
            ctx.templates = Some(&renderer);
        }
        functions::call(name, args, &ctx)
            .map_err(|errs| errs.into_iter().map(CallError::from).collect())
    }

    fn exists(&self, name: &str) -> bool {
        functions::exists(name) && (name != "type" || self.ctx.console)
    }

    fn names(&self) -> Vec<String> {
        functions::names()
            .filter(|n| *n != "type" || self.ctx.console)
            .map(str::to_string)
            .collect()
    }
}

/// Parses and renders `templatefile` templates.
pub struct Renderer;

struct Parsed {
    expr: crate::ast::Expr,
}

impl TemplateRenderer for Renderer {
    fn parse<'a>(
        &'a self,
        source: &str,
        filename: &str,
    ) -> Result<Box<dyn ParsedTemplate + 'a>, TemplateError> {
        let file = SourceFile::new(filename, source);
        match crate::lower::parse_template(&file) {
            Ok(expr) => Ok(Box::new(Parsed { expr })),
            // hcl-edit's error for unbalanced directives is a generic one: say what HCL says.
            Err(diags) => match super::directives::check(&file) {
                Some(unbalanced) => Err(template_error(&Diagnostics::from(unbalanced))),
                None => Err(template_error(&diags)),
            },
        }
    }
}

/// HCL's `Diagnostics.Error()`: `file:line,col-col: Summary; Detail`, joined with `, `.
fn template_error(diags: &Diagnostics) -> TemplateError {
    let parts: Vec<String> = diags
        .errors()
        .map(|d| match &d.subject {
            Some(r) => format!("{}: {}; {}", crate::model::range_text(r), d.summary, d.detail),
            None => format!("{}; {}", d.summary, d.detail),
        })
        .collect();
    let message = match parts.len() {
        0 => String::from("template failed"),
        1 => parts.into_iter().next().unwrap_or_default(),
        n => format!("{}, and {} other diagnostic(s)", parts[0], n - 1),
    };
    TemplateError { message }
}

impl ParsedTemplate for Parsed {
    fn variables(&self) -> Vec<(String, String)> {
        crate::refs::root_names(&self.expr)
            .into_iter()
            .map(|(name, range)| (name, crate::model::range_text(&range)))
            .collect()
    }

    fn render(
        &self,
        vars: &BTreeMap<String, Value>,
        ctx: &FunctionContext<'_>,
    ) -> Result<Value, TemplateError> {
        let library = Library { ctx: *ctx };
        let bindings = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut ev = Evaluator::new(&NoReferences, &library).with_bindings(bindings);
        ev.eval(&self.expr).map_err(|d| template_error(&d))
    }
}
