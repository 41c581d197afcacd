//! The vocabulary every batchform crate shares: values (with unknowns and a sensitive mark),
//! types, resource addresses, diagnostics with source ranges, schemas, and the `Provider`
//! trait with its request and response types.
//!
//! This crate knows nothing of HCL, files, HTTP or the state format.

pub mod addr;
pub mod diagnostic;

pub use addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr, TargetAddr};
pub use diagnostic::{Diagnostic, Diagnostics, Pos, Severity, SourceRange};
