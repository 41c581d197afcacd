//! Terraform's built-in functions (`length`, `format`, `jsonencode`, `file`, ...), with the
//! semantics of go-cty's `function/stdlib` and Terraform's `internal/lang/funcs` (1.11).
//!
//! # Calling a function
//!
//! [`call`] takes the function name, the argument values (after `...` expansion) and a
//! [`FunctionContext`], and does what HCL and cty do around every call:
//!
//! 1. checks the number of arguments (`Not enough function arguments`, `Too many function
//!    arguments`);
//! 2. converts each argument to its parameter's type with [`batchform_core::convert`]
//!    (`Invalid value for "num" parameter: a number is required.`), collecting every
//!    argument's error as HCL does;
//! 3. rejects nulls where a parameter does not allow them (`argument must not be null`);
//! 4. short-circuits unknowns: an unknown argument to a parameter that does not handle
//!    unknowns makes the result an unknown of the function's return type (which is why
//!    `upper(x)` of an unknown `x` is an unknown string, while `length([a, b])` with
//!    unknown elements is 2);
//! 5. propagates marks: a sensitive argument makes the result sensitive, unless the
//!    function handles marks itself (`sensitive`, `nonsensitive`, `length`, `lookup`, ...);
//! 6. impure functions (`uuid`, `timestamp`) return an unknown during plan and validate
//!    ([`Impurity::Unknown`]), as Terraform does.
//!
//! Errors come back as [`FunctionError`]s, which know Terraform's diagnostic summary and
//! detail word for word ([`FunctionError::summary`], [`FunctionError::detail`]) and which
//! argument they are about, so the evaluator can point at the argument's source range.
//!
//! # What the caller provides
//!
//! The configuration crate does no I/O: file functions read through the [`FileSystem`]
//! trait (the CLI implements it over `std::fs`), relative paths are resolved against
//! [`FunctionContext::base_dir`] (the module directory, as Terraform does), and
//! `templatefile` parses and evaluates templates through the [`TemplateRenderer`] trait,
//! which the HCL evaluator implements.
//!
//! `can` and `try` are not here: they need unevaluated expressions, so the evaluator
//! implements them. `type` exists only in console mode ([`FunctionContext::console`]).

mod collection;
mod conversion;
mod crypto;
mod csv;
mod datetime;
mod encoding;
mod error;
mod filesystem;
mod format;
mod general;
mod glob;
mod maps;
mod network;
mod number;
mod regex;
mod sequence;
mod set;
mod spec;
mod string;
mod template;
mod timeparse;
mod yaml;
mod yaml_decode;
mod yaml_resolve;

#[cfg(test)]
mod tests;

pub use error::FunctionError;
pub use filesystem::{DirEntry, EmptyFileSystem, FileKind, FileSystem};
pub use template::{ParsedTemplate, TemplateError, TemplateRenderer};

use batchform_core::Value;
use std::path::Path;
use std::time::SystemTime;

/// Whether impure functions (`uuid`, `timestamp`, `bcrypt`) give real values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impurity {
    /// Plan and validate: the result is an unknown of the function's return type.
    Unknown,
    /// Apply and console: a fresh value on every call.
    Evaluate,
}

/// What functions may use from their surroundings.
#[derive(Clone, Copy)]
pub struct FunctionContext<'a> {
    /// Where file functions read.
    pub fs: &'a dyn FileSystem,
    /// The directory relative paths are resolved against (the module's directory).
    pub base_dir: &'a Path,
    pub impurity: Impurity,
    /// Parses and evaluates `templatefile` templates; None makes `templatefile` fail.
    pub templates: Option<&'a dyn TemplateRenderer>,
    /// `terraform console` mode, where the `type` function exists.
    pub console: bool,
    /// The time `timestamp()` reports; None reads the system clock.
    pub now: Option<SystemTime>,
    /// Set while rendering a template: `templatefile` may not call itself.
    pub in_template: bool,
}

/// Call the function `name` with the given arguments (already evaluated, `...` expanded).
///
/// On failure, every error is returned: argument conversion errors are collected for all
/// arguments before giving up, as HCL does.
pub fn call(
    name: &str,
    args: Vec<Value>,
    ctx: &FunctionContext<'_>,
) -> Result<Value, Vec<FunctionError>> {
    let Some(function) = spec::lookup(name).filter(|_| name != "type" || ctx.console) else {
        return Err(vec![FunctionError::UnknownFunction { name: name.to_string() }]);
    };
    function.call(args, ctx)
}

/// Whether a function of that name exists (in console mode, where `type` exists too).
pub fn exists(name: &str) -> bool {
    spec::lookup(name).is_some()
}

/// Every function name, sorted (for "Did you mean" suggestions). Includes `type`, which
/// only console mode allows.
pub fn names() -> impl Iterator<Item = &'static str> {
    spec::names()
}

/// Names of the parameters of a function, the variadic one last (None if no such
/// function).
pub fn parameter_names(name: &str) -> Option<Vec<&'static str>> {
    spec::lookup(name).map(spec::Function::parameter_names)
}
