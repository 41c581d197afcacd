//! The engine: expand `count` / `for_each` into instances, build the dependency graph
//! (petgraph), refresh what state holds through the providers, diff configuration against it
//! into a [`plan::Plan`], and walk the plan in dependency order with bounded parallelism,
//! handing every completed change to the [`apply::Persister`] it is given, which returns once
//! the change is durable. Also the built-in `terraform_data` resource.
//!
//! The engine reaches the world only through the `Provider`s and the `Persister` it is given
//! (the CLI's persister writes through `batchform_state`'s group-committed `Backend`; the
//! engine itself neither locks, reads nor writes state files). It does no terminal, file or
//! network I/O of its own.

pub mod apply;
pub mod builtin;
mod checks;
pub mod graph;
pub mod hooks;
pub mod operation;
pub mod plan;
pub mod planfile;
pub mod planner;
pub mod providers;
pub mod relevant;
pub mod values;
