//! The HCL configuration language of batchform: load `(path, text)` pairs with hcl-edit
//! (spans kept), build the configuration model, check it statically, evaluate expressions
//! with unknown and sensitive values, and format files as `terraform fmt` does.
//!
//! This crate does no I/O: callers pass text in, and file functions read through a trait.

pub mod ast;
pub mod convert;
pub mod decode;
pub mod display;
pub mod eval;
pub mod functions;
pub mod lower;
pub mod model;
pub mod refs;
pub mod scope;
pub mod source;
pub mod typeexpr;
pub mod validate;
pub mod variables;
