//! The plan: what `plan` decided and `apply` will do. It is the contract between the planner,
//! the apply walker and the renderers (human text, plan JSON, the streaming JSON UI), and is
//! saved whole by `plan -out` (see [`crate::planfile`]).
//!
//! Values carry unknowns (`Value::Unknown`, "known after apply") and sensitive marks; the
//! renderers derive Terraform's `after_unknown` / `after_sensitive` masks from them with
//! `batchform_core::plan_value`.

use batchform_config::model::ProviderConfigAddr;
use batchform_core::{AttrPath, Diagnostics, InstanceAddr, ResourceAddr, TargetAddr, Value};
use std::collections::BTreeMap;

/// What a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanMode {
    /// Make infrastructure match the configuration.
    #[default]
    Normal,
    /// Destroy everything in state (`destroy`, `plan -destroy`).
    Destroy,
    /// Only update state from the remote objects (`-refresh-only`, `refresh`).
    RefreshOnly,
}

/// One planned action on one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    NoOp,
    Create,
    /// A data source read (during apply when its configuration is not known at plan time).
    Read,
    Update,
    /// `-/+`: destroy the old object, then create the new one.
    DeleteThenCreate,
    /// `+/-` (`create_before_destroy`): create the new object, then destroy the old one.
    CreateThenDelete,
    Delete,
}

impl Action {
    /// Terraform's plan JSON `actions` list.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// Why an action was chosen (Terraform's `action_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionReason {
    ReplaceBecauseTainted,
    ReplaceBecauseCannotUpdate,
    ReplaceByRequest,
    ReplaceByTriggers,
    DeleteBecauseNoResourceConfig,
    DeleteBecauseWrongRepetition,
    DeleteBecauseCountIndex,
    DeleteBecauseEachKey,
    ReadBecauseConfigUnknown,
    ReadBecauseDependencyPending,
}

impl ActionReason {
    /// The `action_reason` string of Terraform's plan JSON.
    pub fn json_name(self) -> &'static str {
        match self {
            ActionReason::ReplaceBecauseTainted => "replace_because_tainted",
            ActionReason::ReplaceBecauseCannotUpdate => "replace_because_cannot_update",
            ActionReason::ReplaceByRequest => "replace_by_request",
            ActionReason::ReplaceByTriggers => "replace_by_triggers",
            ActionReason::DeleteBecauseNoResourceConfig => "delete_because_no_resource_config",
            ActionReason::DeleteBecauseWrongRepetition => "delete_because_wrong_repetition",
            ActionReason::DeleteBecauseCountIndex => "delete_because_count_index",
            ActionReason::DeleteBecauseEachKey => "delete_because_each_key",
            ActionReason::ReadBecauseConfigUnknown => "read_because_config_unknown",
            ActionReason::ReadBecauseDependencyPending => "read_because_dependency_pending",
        }
    }
}

/// One change to one resource instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceChange {
    pub addr: InstanceAddr,
    /// The provider configuration that manages it.
    pub provider: ProviderConfigAddr,
    /// The provider address as state stores it (`provider["registry.terraform.io/…"]`).
    pub provider_state_addr: String,
    pub action: Action,
    pub reason: Option<ActionReason>,
    /// The object before (the refreshed prior object); `None` for create and read.
    pub before: Option<Value>,
    /// The planned object, with unknowns for values known only after apply; `None` for
    /// delete.
    pub after: Option<Value>,
    /// Attributes whose change forces the replacement.
    pub replace_paths: Vec<AttrPath>,
    /// Provider-private data planned for the new object.
    pub private: Vec<u8>,
    pub schema_version: u64,
    pub create_before_destroy: bool,
    /// Resources this instance depends on (transitively), stored in state.
    pub dependencies: Vec<ResourceAddr>,
    /// For `import` blocks and `import` plans: the remote id being adopted.
    pub importing: Option<String>,
    /// Where the object was in the previous run's state, when it moved (Terraform's implied
    /// moves between `count` and no `count`).
    pub previous_address: Option<InstanceAddr>,
    /// For the destroy of an object left deposed by an interrupted `create_before_destroy`
    /// replacement: its key (the change is about that object, not the current one).
    pub deposed: Option<String>,
}

impl InstanceChange {
    /// Whether applying this change does anything: an action, an import or a move.
    pub fn is_effective(&self) -> bool {
        self.action != Action::NoOp || self.importing.is_some() || self.previous_address.is_some()
    }
}

/// How an output changes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// A change made outside batchform that refresh found.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub provider: ProviderConfigAddr,
    pub before: Value,
    /// `None` when the object was deleted outside.
    pub after: Option<Value>,
}

/// A resource whose instances cannot be known yet because its `count` or `for_each` depends
/// on values known only after apply; it and everything depending on it wait for the next run.
#[derive(Debug, Clone, PartialEq)]
pub struct Deferred {
    pub addr: ResourceAddr,
    /// Human explanation: which argument is unknown, or which deferred resource it waits for.
    pub reason: String,
    /// The reason as a code (Terraform's `deferred_changes[].reason`).
    pub kind: DeferredReason,
}

/// Why a resource is deferred, as plan JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeferredReason {
    /// Its own `count` or `for_each` is not known yet.
    InstanceCountUnknown,
    /// It depends on a deferred resource.
    DeferredPrereq,
}

impl DeferredReason {
    /// The `reason` string of Terraform's `deferred_changes`.
    pub fn json_name(self) -> &'static str {
        match self {
            DeferredReason::InstanceCountUnknown => "instance_count_unknown",
            DeferredReason::DeferredPrereq => "deferred_prereq",
        }
    }
}

/// An attribute of a resource instance that a planned change depends on (Terraform's
/// `relevant_attributes`): outside refresh-only mode, drift is shown only where it touches
/// one of these.
#[derive(Debug, Clone, PartialEq)]
pub struct RelevantAttribute {
    pub resource: InstanceAddr,
    pub attribute: AttrPath,
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: PlanMode,
    /// Changes, sorted by instance address (no-ops included, as plan JSON lists them).
    pub changes: Vec<InstanceChange>,
    pub outputs: Vec<OutputChange>,
    /// Refresh drift; the renderers decide what to show (relevant attributes only, except in
    /// refresh-only mode).
    pub drift: Vec<Drift>,
    /// Attributes of drifted instances that planned changes depend on.
    pub relevant_attributes: Vec<RelevantAttribute>,
    /// Custom condition results as known at plan time, in state's `check_results` form
    /// (`null` when nothing is checkable).
    pub checks: serde_json::Value,
    pub deferred: Vec<Deferred>,
    /// The input variable values the plan was made with.
    pub variables: BTreeMap<String, Value>,
    pub targets: Vec<TargetAddr>,
    pub replace: Vec<InstanceAddr>,
    /// The state as it was read (before refresh).
    pub prior_state: batchform_state::State,
    /// The state after refresh; what apply starts from.
    pub refreshed_state: batchform_state::State,
    /// Warnings (and, when `errored`, the errors) found while planning.
    pub diagnostics: Diagnostics,
    /// Planning stopped on errors; such a plan cannot be applied.
    pub errored: bool,
    /// RFC 3339 time the plan was made.
    pub timestamp: String,
}

impl Plan {
    /// Changes that do something (everything but no-ops).
    pub fn effective_changes(&self) -> impl Iterator<Item = &InstanceChange> {
        self.changes.iter().filter(|c| c.action != Action::NoOp)
    }

    /// Whether applying would change anything (resources, outputs or, in refresh-only mode,
    /// state).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(InstanceChange::is_effective)
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }

    /// Terraform's summary counts: (add, change, destroy, import). Replacements count in both
    /// add and destroy; data source reads are not counted.
    pub fn summary(&self) -> (usize, usize, usize, usize) {
        let (mut add, mut change, mut destroy, mut import) = (0, 0, 0, 0);
        // An import with nothing else to do is a no-op that still counts as an import.
        for c in &self.changes {
            if c.importing.is_some() {
                import += 1;
            }
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::Delete => destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        (add, change, destroy, import)
    }
}
