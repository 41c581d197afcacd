//! Text rendering of values, shared by console, output, show and plan.

pub mod value;
