//! Progress events of an operation, for the CLI to render (Terraform's UI hooks). The engine
//! reports; it never prints.

use crate::plan::Action;
use batchform_core::InstanceAddr;
use std::time::Duration;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `ADDR: Preparing import... [id=X]` (an `import` block).
    ImportPrepare {
        addr: InstanceAddr,
        id: String,
    },
    /// `ADDR: Refreshing state... [id=X]`
    RefreshStart {
        addr: InstanceAddr,
        id: Option<String>,
    },
    RefreshComplete {
        addr: InstanceAddr,
        id: Option<String>,
    },
    /// `ADDR: Creating...` (and Modifying, Destroying, Reading).
    ApplyStart {
        addr: InstanceAddr,
        action: Action,
        id: Option<String>,
    },
    /// Every 10 s while an operation runs.
    ApplyProgress {
        addr: InstanceAddr,
        action: Action,
        id: Option<String>,
        elapsed: Duration,
    },
    ApplyComplete {
        addr: InstanceAddr,
        action: Action,
        id: Option<String>,
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
