//! The function library as the CLI wires it: the config crate's functions, with file access
//! through the real filesystem relative to the working directory.

use crate::commands::Context;
use batchform_config::eval::{CallError, Functions};
use batchform_core::Value;

/// The function library for one command run.
#[allow(dead_code)] // fields are read by the file and impure functions once wired in
pub struct Library {
    /// Whether impure functions (`uuid`, `timestamp`) must return unknown (plan, validate).
    pub impure_unknown: bool,
    pub base_dir: std::path::PathBuf,
}

impl Library {
    pub fn new(ctx: &Context, impure_unknown: bool) -> Library {
        Library { impure_unknown, base_dir: ctx.working_dir.clone() }
    }
}

impl Functions for Library {
    fn call(&self, name: &str, args: Vec<Value>) -> Result<Value, CallError> {
        batchform_config::eval::NoFunctions.call(name, args)
    }

    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}
