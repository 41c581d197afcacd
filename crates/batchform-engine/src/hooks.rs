//! Progress events of an operation, for the CLI to render (Terraform's UI hooks). The engine
//! reports; it never prints.

use crate::plan::Action;
use batchform_core::{InstanceAddr, Value};
use std::time::Duration;

/// One thing that happened. Objects are carried whole so that the renderers pick the id to
/// show the way Terraform does (`id`, else `name`, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `ADDR: Preparing import... [id=X]` (an `import` block).
    ImportPrepare {
        addr: InstanceAddr,
        id: String,
    },
    /// `ADDR: Importing... [id=X]` (apply).
    Importing {
        addr: InstanceAddr,
        id: String,
    },
    /// `ADDR: Import complete [id=X]` (apply).
    ImportComplete {
        addr: InstanceAddr,
        id: String,
    },
    /// `ADDR: Refreshing state... [id=X]`
    RefreshStart {
        addr: InstanceAddr,
        deposed: Option<String>,
        prior: Value,
    },
    RefreshComplete {
        addr: InstanceAddr,
        prior: Value,
    },
    /// `ADDR: Creating...` (and Modifying, Destroying, Reading); `prior` is null for creates
    /// and reads.
    ApplyStart {
        addr: InstanceAddr,
        deposed: Option<String>,
        action: Action,
        prior: Value,
    },
    /// Every 10 s while an operation runs.
    ApplyProgress {
        addr: InstanceAddr,
        action: Action,
        prior: Value,
        elapsed: Duration,
    },
    /// `new` is the object afterwards (`None` after a destroy).
    ApplyComplete {
        addr: InstanceAddr,
        action: Action,
        new: Option<Value>,
        elapsed: Duration,
    },
    ApplyErrored {
        addr: InstanceAddr,
        action: Action,
        elapsed: Duration,
    },
}

/// Receives events; called from the engine's tasks, so it must be thread-safe.
pub trait Hooks: Send + Sync {
    fn event(&self, event: Event);
}

/// Discards every event.
pub struct NoHooks;

impl Hooks for NoHooks {
    fn event(&self, _event: Event) {}
}

/// The id Terraform shows next to an address: `id`, else `name`, else `tags.Name`; never a
/// sensitive or unknown value.
pub fn display_id(object: &batchform_core::Value) -> Option<String> {
    for name in ["id", "name"] {
        if let Some(v) = object.get_attr(name) {
            if !v.is_sensitive() {
                if let Some(s) = v.as_str() {
                    if !s.is_empty() {
                        return Some(s.to_string());
                    }
                }
            }
        }
    }
    object
        .get_attr("tags")
        .and_then(|t| t.get_attr("Name"))
        .filter(|v| !v.is_sensitive())
        .and_then(|v| v.as_str().map(str::to_string))
}
