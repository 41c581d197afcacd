//! Function call errors, with Terraform's diagnostic wording.

use batchform_core::convert::go_quote;

/// Why a function call failed. [`summary`](FunctionError::summary) and
/// [`detail`](FunctionError::detail) are Terraform's diagnostic text; the evaluator adds the
/// source range (the argument's for `InvalidArgument`, the call's otherwise).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionError {
    /// No such function (or `type` outside console mode). The evaluator adds Terraform's
    /// "Did you mean" suggestion from [`super::names`].
    #[error("There is no function named {}.", go_quote(name))]
    UnknownFunction { name: String },
    /// Fewer arguments than positional parameters. Terraform points at the closing
    /// parenthesis.
    #[error("{}", self.detail())]
    NotEnoughArguments { function: String, expected: usize, variadic: bool, missing: &'static str },
    /// More arguments than parameters. Terraform points at argument number `expected`.
    #[error("{}", self.detail())]
    TooManyArguments { function: String, expected: usize },
    /// One argument is wrong. `index` is the argument's position; when it is past the last
    /// argument (a variadic parameter that got none), Terraform points at the whole call.
    #[error("{}", self.detail())]
    InvalidArgument { function: String, index: usize, param: &'static str, message: String },
    /// The function itself failed.
    #[error("{}", self.detail())]
    CallFailed { function: String, message: String },
}

impl FunctionError {
    /// Terraform's diagnostic summary.
    pub fn summary(&self) -> &'static str {
        match self {
            FunctionError::UnknownFunction { .. } => "Call to unknown function",
            FunctionError::NotEnoughArguments { .. } => "Not enough function arguments",
            FunctionError::TooManyArguments { .. } => "Too many function arguments",
            FunctionError::InvalidArgument { .. } => "Invalid function argument",
            FunctionError::CallFailed { .. } => "Error in function call",
        }
    }

    /// Terraform's diagnostic detail.
    pub fn detail(&self) -> String {
        match self {
            FunctionError::UnknownFunction { name } => {
                format!("There is no function named {}.", go_quote(name))
            }
            FunctionError::NotEnoughArguments { function, expected, variadic, missing } => {
                format!(
                    "Function {} expects{} {expected} argument(s). Missing value for {}.",
                    go_quote(function),
                    if *variadic { " at least" } else { "" },
                    go_quote(missing)
                )
            }
            FunctionError::TooManyArguments { function, expected } => {
                format!("Function {} expects only {expected} argument(s).", go_quote(function))
            }
            FunctionError::InvalidArgument { param, message, .. } => {
                format!("Invalid value for {} parameter: {message}.", go_quote(param))
            }
            FunctionError::CallFailed { function, message } => {
                format!("Call to function {} failed: {message}.", go_quote(function))
            }
        }
    }

    /// The argument this error is about, if any.
    pub fn argument_index(&self) -> Option<usize> {
        match self {
            FunctionError::InvalidArgument { index, .. } => Some(*index),
            FunctionError::TooManyArguments { expected, .. } => Some(*expected),
            _ => None,
        }
    }
}

/// What function implementations return: cty's `ArgError` (about one argument) or a plain
/// error. `call` turns it into a [`FunctionError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    Arg(usize, String),
    Msg(String),
}

impl CallError {
    pub(crate) fn msg(message: impl Into<String>) -> CallError {
        CallError::Msg(message.into())
    }

    pub(crate) fn arg(index: usize, message: impl Into<String>) -> CallError {
        CallError::Arg(index, message.into())
    }
}

/// `?` on a message-only error inside function implementations.
impl From<String> for CallError {
    fn from(message: String) -> CallError {
        CallError::Msg(message)
    }
}

impl From<&str> for CallError {
    fn from(message: &str) -> CallError {
        CallError::Msg(message.to_string())
    }
}
