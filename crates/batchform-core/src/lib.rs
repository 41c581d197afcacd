//! The vocabulary every batchform crate shares: values (with unknowns and a sensitive mark),
//! types, resource addresses, diagnostics with source ranges, schemas, and the `Provider`
//! trait with its request and response types.
//!
//! This crate knows nothing of HCL, files, HTTP or the state format.

pub mod addr;
pub mod convert;
pub mod diagnostic;
pub mod json;
pub mod number;
pub mod path;
pub mod plan_value;
pub mod provider;
pub mod refinement;
pub mod schema;
pub mod types;
pub mod value;

pub use addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr, TargetAddr};
pub use diagnostic::{Diagnostic, Diagnostics, Pos, Severity, SourceRange};
pub use number::Number;
pub use path::{AttrPath, PathStep};
pub use provider::Provider;
pub use schema::{Attribute, Block, ProviderSchema, Schema};
pub use types::Type;
pub use value::{Refinement, Value};
