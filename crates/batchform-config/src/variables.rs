//! Input variable values: from `TF_VAR_name`, `terraform.tfvars`, `terraform.tfvars.json`,
//! `*.auto.tfvars(.json)`, `-var` and `-var-file`, with Terraform's precedence (later sources
//! win; the caller passes them in that order), parsing rules and messages.

use crate::ast::Expr;
use crate::eval::{Evaluator, Functions, NoReferences};
use crate::model::{Config, Variable, range_text};
use crate::source::SourceFile;
use batchform_core::convert::TypeConstraint;
use batchform_core::{Diagnostic, Diagnostics, SourceRange, Value};
use std::collections::BTreeMap;

/// Where a value came from (for messages and precedence rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarSource {
    /// `TF_VAR_name`.
    Env,
    /// A `.tfvars` or `.tfvars.json` file (its name as given).
    File(String),
    /// `-var name=value`.
    CommandLine,
    /// Typed at Terraform's `var.NAME` / `Enter a value:` prompt.
    Input,
}

/// A value before it is matched to its declaration.
#[derive(Debug, Clone)]
pub enum RawValue {
    /// Text from `-var` or the environment: a literal string for primitive types, an HCL
    /// expression otherwise (Terraform's rule).
    Text(String),
    /// An expression from a `.tfvars` file.
    Expr(Expr),
    /// A value from a `.tfvars.json` file.
    Json(Value),
}

#[derive(Debug, Clone)]
pub struct RawVariable {
    pub name: String,
    pub value: RawValue,
    pub source: VarSource,
    pub range: Option<SourceRange>,
}

/// Parse a `.tfvars` file: only `name = value` arguments with constant values.
pub fn parse_tfvars(file: &SourceFile) -> (Vec<RawVariable>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let body = match crate::lower::parse_file(file) {
        Ok(body) => body,
        Err(d) => return (Vec::new(), d),
    };
    for block in &body.blocks {
        diags.push(
            Diagnostic::error(
                format!("Unexpected \"{}\" block", block.block_type),
                "Blocks are not allowed here.",
            )
            .with_subject(Some(block.type_range.clone())),
        );
    }
    let vars = body
        .attributes
        .into_iter()
        .map(|a| RawVariable {
            name: a.name,
            value: RawValue::Expr(a.expr),
            source: VarSource::File(file.name.to_string()),
            range: Some(a.range),
        })
        .collect();
    (vars, diags)
}

/// Parse a `.tfvars.json` file: a JSON object of values.
pub fn parse_tfvars_json(file: &SourceFile) -> (Vec<RawVariable>, Diagnostics) {
    let whole = file.range(0..file.text.len().min(1));
    let json: serde_json::Value = match serde_json::from_str(&file.text) {
        Ok(j) => j,
        Err(e) => {
            let pos = crate::source::SourceFile::pos(
                file,
                line_col_to_byte(&file.text, e.line(), e.column()),
            );
            let range = SourceRange { filename: file.name.clone(), start: pos, end: pos };
            return (
                Vec::new(),
                Diagnostic::error(
                    "Invalid JSON",
                    format!("The file could not be parsed as JSON: {e}."),
                )
                .with_subject(Some(range))
                .into(),
            );
        }
    };
    let Some(object) = json.as_object() else {
        return (
            Vec::new(),
            Diagnostic::error(
                "Invalid variables file",
                "The root value in a .tfvars.json file must be an object.",
            )
            .with_subject(Some(whole))
            .into(),
        );
    };
    let mut vars = Vec::new();
    let mut diags = Diagnostics::new();
    for (name, v) in object {
        match batchform_core::json::from_json_implied(v) {
            Ok(value) => vars.push(RawVariable {
                name: name.clone(),
                value: RawValue::Json(value),
                source: VarSource::File(file.name.to_string()),
                range: Some(whole.clone()),
            }),
            Err(e) => diags.push(
                Diagnostic::error(
                    "Invalid variable value",
                    format!("The value of {name:?} is invalid: {e}."),
                )
                .with_subject(Some(whole.clone())),
            ),
        }
    }
    (vars, diags)
}

fn line_col_to_byte(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// Parse `-var 'name=value'` into a raw variable.
pub fn parse_var_flag(arg: &str) -> Result<RawVariable, Diagnostic> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(Diagnostic::error(
            "Invalid -var option",
            format!(
                "The given -var option {arg:?} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\"."
            ),
        ));
    };
    Ok(RawVariable {
        name: name.trim().to_string(),
        value: RawValue::Text(value.to_string()),
        source: VarSource::CommandLine,
        range: None,
    })
}

/// The declared variables that are required (no default) and not given, sorted by name: the
/// ones Terraform asks for at the `var.NAME` prompt, with their descriptions.
pub fn unset_required<'a>(
    config: &'a Config,
    raw: &[RawVariable],
) -> Vec<(&'a str, Option<&'a str>)> {
    config
        .variables
        .iter()
        .filter(|(name, decl)| decl.default.is_none() && !raw.iter().any(|r| &r.name == *name))
        .map(|(name, decl)| (name.as_str(), decl.description.as_deref()))
        .collect()
}

/// A value typed at the prompt, parsed as `-var` text is (Terraform's rule).
pub fn input_value(name: &str, text: String) -> RawVariable {
    RawVariable {
        name: name.to_string(),
        value: RawValue::Text(text),
        source: VarSource::Input,
        range: None,
    }
}

fn describe_source(source: &VarSource, name: &str) -> String {
    match source {
        VarSource::Env => format!("using the TF_VAR_{name} environment variable"),
        VarSource::File(f) => format!("in {f}"),
        VarSource::CommandLine => format!("using -var=\"{name}=...\""),
        VarSource::Input => "using an interactive prompt".to_string(),
    }
}

/// Match raw values to declarations, convert them, apply defaults and check `nullable`.
/// Validation rules are checked separately (they may call functions).
pub fn resolve_variables(
    config: &Config,
    raw: Vec<RawVariable>,
    functions: &dyn Functions,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut given: BTreeMap<String, RawVariable> = BTreeMap::new();
    let mut undeclared_file_warnings = 0usize;
    for r in raw {
        if !config.variables.contains_key(&r.name) {
            match &r.source {
                VarSource::Env | VarSource::Input => {}
                VarSource::CommandLine => diags.push(Diagnostic::error(
                    "Value for undeclared variable",
                    format!(
                        "A variable named \"{}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.",
                        r.name
                    ),
                )),
                VarSource::File(f) => {
                    undeclared_file_warnings += 1;
                    if undeclared_file_warnings <= 2 {
                        diags.push(
                            Diagnostic::warning(
                                "Value for undeclared variable",
                                format!(
                                    "The root module does not declare a variable named \"{}\" but a value was found in file \"{f}\". If you meant to use this value, add a \"variable\" block to the configuration.\n\nTo silence these warnings, use TF_VAR_... environment variables to provide certain \"global\" settings to all configurations in your organization. To reduce the verbosity of these warnings, use the -compact-warnings option.",
                                    r.name
                                ),
                            )
                            .with_subject(r.range.clone()),
                        );
                    }
                }
            }
            continue;
        }
        given.insert(r.name.clone(), r);
    }
    if undeclared_file_warnings > 2 {
        diags.push(Diagnostic::warning(
            "Values for undeclared variables",
            format!(
                "In addition to the other similar warnings shown, {} other variable(s) defined without being declared.",
                undeclared_file_warnings - 2
            ),
        ));
    }
    let mut values = BTreeMap::new();
    for (name, decl) in &config.variables {
        match variable_value(decl, given.get(name), functions) {
            Ok(v) => {
                values.insert(name.clone(), v);
            }
            Err(d) => {
                diags.extend(d);
                values.insert(name.clone(), Value::unknown(decl.type_constraint.to_type()));
            }
        }
    }
    (values, diags)
}

/// A variable's default converted to its type: `None` when it has none, an error (Terraform's
/// "Invalid default value for variable", at the default's range) when it does not fit the
/// type or is null while `nullable = false`. A default is a constant: Terraform evaluates it
/// with no variables and no functions ("Variables not allowed", "Function calls not
/// allowed"). `validate` reports these too, as Terraform does when it loads the
/// configuration.
pub fn default_value(decl: &Variable) -> Result<Option<Value>, Diagnostics> {
    Ok(match &decl.default {
        Some(expr) => {
            let v = constant(expr)?;
            if v.is_null() && !decl.nullable {
                return Err(Diagnostic::error(
                    "Invalid default value for variable",
                    "A null default value is not valid when nullable=false.",
                )
                .with_subject(Some(expr.range.clone()))
                .into());
            }
            let converted = crate::convert::convert_to_constraint(&v, &decl.type_constraint).map_err(|msg| {
                Diagnostics::from(
                    Diagnostic::error(
                        "Invalid default value for variable",
                        format!("This default value is not compatible with the variable's type constraint: {msg}."),
                    )
                    .with_subject(Some(expr.range.clone())),
                )
            })?;
            Some(converted)
        }
        None => None,
    })
}

/// The value of an expression that must be a constant (a variable's default, a backend
/// argument): no references ("Variables not allowed") and no function calls ("Function calls
/// not allowed", at each outermost call), as Terraform evaluates these with no context.
pub(crate) fn constant(expr: &Expr) -> Result<Value, Diagnostics> {
    let calls = outermost_calls(expr);
    if !calls.is_empty() {
        return Err(Diagnostics(
            calls
                .into_iter()
                .map(|range| {
                    Diagnostic::error(
                        "Function calls not allowed",
                        "Functions may not be called here.",
                    )
                    .with_subject(Some(range))
                })
                .collect(),
        ));
    }
    crate::eval::eval_constant(expr)
}

/// The ranges of the function calls of an expression that are not arguments of another call
/// (HCL rejects a call before it evaluates its arguments).
fn outermost_calls(expr: &Expr) -> Vec<SourceRange> {
    let mut calls: Vec<SourceRange> = Vec::new();
    expr.walk(&mut |e| {
        if matches!(e.kind, crate::ast::ExprKind::FuncCall { .. })
            && !calls
                .iter()
                .any(|c| c.start.byte <= e.range.start.byte && e.range.end.byte <= c.end.byte)
        {
            calls.push(e.range.clone());
        }
    });
    calls
}

fn variable_value(
    decl: &Variable,
    given: Option<&RawVariable>,
    functions: &dyn Functions,
) -> Result<Value, Diagnostics> {
    let default = default_value(decl)?;
    let Some(given) = given else {
        return match default {
            Some(v) => Ok(v.with_sensitive(decl.sensitive)),
            None => Err(Diagnostic::error(
                "No value for required variable",
                format!(
                    "The root module input variable \"{}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.",
                    decl.name
                ),
            )
            .with_subject(Some(decl.decl_range.clone()))
            .into()),
        };
    };
    let raw_value = parse_given(decl, given, functions)?;
    if raw_value.is_null() && !decl.nullable {
        return Ok(default.unwrap_or(Value::NULL).with_sensitive(decl.sensitive));
    }
    let converted = crate::convert::convert_to_constraint(&raw_value, &decl.type_constraint)
        .map_err(|msg| {
            Diagnostics::from(
                Diagnostic::error(
                    "Invalid value for input variable",
                    match &given.source {
                        // Terraform words a value from a file against the declaration.
                        VarSource::File(_) => format!(
                            "The given value is not suitable for var.{} declared at {}: {msg}.",
                            decl.name,
                            range_text(&decl.decl_range)
                        ),
                        source => format!(
                            "Unsuitable value for var.{} set {}: {msg}.",
                            decl.name,
                            describe_source(source, &decl.name)
                        ),
                    },
                )
                .with_subject(given.range.clone().or_else(|| Some(decl.decl_range.clone()))),
            )
        })?;
    Ok(converted.with_sensitive(decl.sensitive))
}

/// A given value parsed as Terraform parses it, before conversion to the variable's type:
/// `-var` text is a literal string for primitive types and an expression otherwise.
fn parse_given(
    decl: &Variable,
    given: &RawVariable,
    functions: &dyn Functions,
) -> Result<Value, Diagnostics> {
    Ok(match &given.value {
        RawValue::Json(v) => v.clone(),
        RawValue::Expr(e) => Evaluator::new(&NoReferences, functions).eval(e)?,
        RawValue::Text(text) => {
            // Terraform's parsing mode: literal for primitive types and for a variable with
            // no `type` at all; an HCL expression for any other type (`any` included).
            if !decl.type_given
                || matches!(
                    decl.type_constraint,
                    TypeConstraint::String | TypeConstraint::Number | TypeConstraint::Bool
                )
            {
                Value::String(text.clone())
            } else {
                let file = SourceFile::new(format!("<value for var.{}>", decl.name), text.clone());
                let expr = crate::lower::parse_expression(&file)?;
                Evaluator::new(&NoReferences, functions).eval(&expr)?
            }
        }
    })
}

/// What a plan records as its variable values (Terraform's `plan.VariableValues`): each
/// declared variable's value as given, parsed but not converted to its type; else its
/// default (converted); else null. Call after [`resolve_variables`] succeeded.
pub fn given_values(
    config: &Config,
    raw: &[RawVariable],
    functions: &dyn Functions,
) -> BTreeMap<String, Value> {
    let given: BTreeMap<&str, &RawVariable> = raw.iter().map(|r| (r.name.as_str(), r)).collect();
    config
        .variables
        .iter()
        .map(|(name, decl)| {
            let value = match given.get(name.as_str()) {
                Some(g) => parse_given(decl, g, functions).unwrap_or(Value::NULL),
                None => variable_value(decl, None, functions)
                    .map(|v| v.unmark_deep().0)
                    .unwrap_or(Value::NULL),
            };
            (name.clone(), value)
        })
        .collect()
}

/// The variables to evaluate with, from values a plan recorded ([`given_values`]):
/// converted to their types, with defaults for null non-nullable ones and sensitive marks.
pub fn from_given(
    config: &Config,
    recorded: &BTreeMap<String, Value>,
) -> (BTreeMap<String, Value>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut values = BTreeMap::new();
    for (name, decl) in &config.variables {
        let given = recorded.get(name).cloned().unwrap_or(Value::NULL);
        let value = crate::convert::convert_to_constraint(&given, &decl.type_constraint)
            .unwrap_or_else(|msg| {
                diags.push(Diagnostic::error(
                    "Invalid value for input variable",
                    format!("The saved plan's value for var.{name} is not valid: {msg}."),
                ));
                Value::unknown(decl.type_constraint.to_type())
            });
        values.insert(name.clone(), value.with_sensitive(decl.sensitive));
    }
    (values, diags)
}

/// Check each variable's `validation` rules against its value.
pub fn check_validations(
    config: &Config,
    resolver: &dyn crate::eval::Resolver,
    functions: &dyn Functions,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for decl in config.variables.values() {
        for rule in &decl.validations {
            let mut ev = Evaluator::new(resolver, functions);
            let result = match ev.eval(&rule.condition) {
                Ok(v) => v,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            let (result, _) = result.unmark_deep();
            if !result.is_known() {
                continue;
            }
            match result {
                Value::Bool(true) => {}
                Value::Bool(false) => {
                    let message = match ev.eval(&rule.error_message) {
                        Ok(m) => m.as_str().map(str::to_string).unwrap_or_default(),
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    };
                    diags.push(
                        Diagnostic::error(
                            "Invalid value for variable",
                            format!(
                                "{message}\n\nThis was checked by the validation rule at {}.",
                                range_text(&rule.range)
                            ),
                        )
                        .with_subject(Some(decl.decl_range.clone())),
                    );
                }
                _ => diags.push(
                    Diagnostic::error(
                        "Invalid validation result",
                        "Validation condition expression must return either true or false.",
                    )
                    .with_subject(Some(rule.condition.range.clone())),
                ),
            }
        }
    }
    diags
}
