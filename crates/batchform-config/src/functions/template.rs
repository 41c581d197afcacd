//! `templatefile` (Terraform `funcs/filesystem.go`), and the [`TemplateRenderer`] hook through
//! which the HCL evaluator parses and evaluates templates for it.

use super::spec::prelude::*;
use std::collections::BTreeMap;

/// Parses HCL templates for `templatefile`. The evaluator implements it.
pub trait TemplateRenderer {
    /// Parse `source` (the content of the file `filename`, as the user wrote its path) as an
    /// HCL template, as `hclsyntax.ParseTemplate` does.
    fn parse<'a>(
        &'a self,
        source: &str,
        filename: &str,
    ) -> std::result::Result<Box<dyn ParsedTemplate + 'a>, TemplateError>;
}

/// A parsed template.
pub trait ParsedTemplate {
    /// The root names of the variables the template refers to, each with where the first
    /// reference is, written as HCL writes ranges (`tmpl.tftpl:1,3-6`).
    fn variables(&self) -> Vec<(String, String)>;

    /// Evaluate the template with only these variables in scope. Functions called in the
    /// template must be called with `ctx` (which forbids `templatefile` itself).
    fn render(
        &self,
        vars: &BTreeMap<String, Value>,
        ctx: &FunctionContext<'_>,
    ) -> std::result::Result<Value, TemplateError>;
}

/// A template that does not parse or evaluate. The message is what Terraform prints after
/// `Call to function "templatefile" failed: `, that is HCL's `Diagnostics.Error()`:
/// `tmpl.tftpl:1,3-4: Summary; Detail` (several joined as HCL joins them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
}

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(Function::new(
        "templatefile",
        vec![Param::new("path", Type::String).marked(), Param::new("vars", Type::Dynamic)],
        Ret::Computed(|args, ctx| {
            if !(arg(args, 0).is_known() && arg(args, 1).is_known()) {
                return Ok(Type::Dynamic);
            }
            render(args, ctx).map(|v| v.ty())
        }),
        |args, _, ctx| {
            let marked = arg(args, 0).is_sensitive();
            render(args, ctx).map(|v| v.with_sensitive(marked))
        },
    ));
}

fn render(args: &[Value], ctx: &FunctionContext<'_>) -> Result<Value> {
    if ctx.in_template {
        return Err(CallError::msg(
            "cannot recursively call templatefile from inside templatefile call",
        ));
    }
    let (path, marked) = arg(args, 0).unmarked();
    let path = path.as_str().unwrap_or_default();
    let Some(renderer) = ctx.templates else {
        return Err(CallError::msg("templates cannot be rendered here"));
    };
    let bytes = super::filesystem::read_file_bytes(ctx, path, marked)?;
    let source = String::from_utf8(bytes).map_err(|_| {
        CallError::msg(format!(
            "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
            super::encoding::redact(path, marked)
        ))
    })?;
    let template = renderer.parse(&source, path).map_err(|e| CallError::msg(e.message))?;
    let vars_value = arg(args, 1);
    let vars: BTreeMap<String, Value> = match vars_value.unmarked().0 {
        Value::Map(_, entries) | Value::Object(entries) => entries.clone(),
        _ => return Err(CallError::arg(1, "invalid vars value: must be a map")),
    };
    for name in vars.keys() {
        if !valid_identifier(name) {
            return Err(CallError::arg(
                1,
                format!(
                    "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores",
                    batchform_core::convert::go_quote(name)
                ),
            ));
        }
    }
    for (name, range) in template.variables() {
        if !vars.contains_key(&name) {
            return Err(CallError::arg(
                1,
                format!(
                    "vars map does not contain key {}, referenced at {range}",
                    batchform_core::convert::go_quote(&name)
                ),
            ));
        }
    }
    let inner = FunctionContext { in_template: true, ..*ctx };
    template.render(&vars, &inner).map_err(|e| CallError::msg(e.message))
}

/// `hclsyntax.ValidIdentifier`: a letter or `_`... then letters, digits, `_` and `-`.
fn valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
