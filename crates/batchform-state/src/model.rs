//! The in-memory state: Terraform's v4 model, root module only.
//!
//! Resources are kept in a `BTreeMap` keyed by address and instances by key, so iteration is
//! always in Terraform's order (mode, type, name; then no key, integers, strings) and every
//! lookup or update is O(log N).

use batchform_core::{InstanceAddr, InstanceKey, ResourceAddr};
use serde_json::Value;
use std::collections::BTreeMap;

/// The version of batchform written into `terraform_version`.
pub const WRITER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One state snapshot: outputs and resource instances, with the identity of its history.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The version of the program that last wrote this snapshot. Replaced by
    /// [`WRITER_VERSION`] whenever batchform writes it.
    pub terraform_version: String,
    /// Bumped by the backend on every write whose content differs.
    pub serial: u64,
    /// Made once (a random UUID) when a state is first created; never changed.
    pub lineage: String,
    /// Root module outputs, by name.
    pub outputs: BTreeMap<String, OutputValue>,
    /// Resources, in Terraform's order.
    pub resources: BTreeMap<ResourceAddr, Resource>,
    /// `check_results` kept verbatim (`null` or Terraform's array); batchform does not
    /// interpret it.
    pub check_results: Value,
    /// Creates that were started and whose outcome is not recorded yet, by token. Not part
    /// of the Terraform-format file: the local backend keeps them in the journal and, when
    /// folding it, in the `<state>.intents` sidecar.
    pub pending_creates: BTreeMap<String, CreateIntent>,
}

/// A create about to be sent: recorded durably before the request goes out, so that an
/// object made by a create whose answer was lost (a crash, a kill) can be found again by
/// its token and adopted into state instead of being orphaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIntent {
    /// The instance the object is for.
    pub addr: InstanceAddr,
    /// Provider configuration address, as stored on resources.
    pub provider: String,
    /// The engine-chosen token the provider attaches to (or matches) the object.
    pub token: String,
    /// Local Unix time (seconds) when the create was about to be sent.
    pub time: i64,
}

/// A root module output as stored in state.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputValue {
    /// The value as JSON (cty's JSON encoding for its type).
    pub value: Value,
    /// cty's type JSON: `"string"`, `["list","string"]`, `["object",{"a":"number"}]`.
    pub value_type: Value,
    pub sensitive: bool,
}

/// All instances of one resource block, with the provider configuration that manages them.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Provider configuration address, e.g. `provider["terraform.io/builtin/terraform"]`.
    pub provider: String,
    pub instances: BTreeMap<InstanceKey, Instance>,
}

/// The objects of one resource instance: the current one and any deposed by
/// `create_before_destroy` replacements that have not been destroyed yet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instance {
    pub current: Option<ObjectState>,
    /// Deposed objects by their 8-hex-digit key.
    pub deposed: BTreeMap<String, ObjectState>,
}

impl Instance {
    fn is_empty(&self) -> bool {
        self.current.is_none() && self.deposed.is_empty()
    }
}

/// Whether an object is usable or must be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObjectStatus {
    #[default]
    Ready,
    /// Creation failed part-way; the next plan replaces it.
    Tainted,
}

/// One remote object as recorded in state.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectState {
    pub status: ObjectStatus,
    pub schema_version: u64,
    /// The full object as JSON, exactly as stored (null for unset attributes).
    pub attributes: Value,
    /// Paths of sensitive values inside `attributes`.
    pub sensitive_attributes: Vec<AttrPath>,
    /// Provider-private bytes, base64, as stored (opaque to batchform).
    pub private: Option<String>,
    /// Resources this object depended on when it was last changed (transitive, sorted).
    pub dependencies: Vec<ResourceAddr>,
    pub create_before_destroy: bool,
    /// Terraform 1.12+ resource identity, kept verbatim when present.
    pub identity_schema_version: Option<u64>,
    pub identity: Option<Value>,
}

impl ObjectState {
    /// A ready object with these attributes and nothing else recorded.
    pub fn new(attributes: Value) -> Self {
        ObjectState {
            status: ObjectStatus::Ready,
            schema_version: 0,
            attributes,
            sensitive_attributes: Vec::new(),
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            identity_schema_version: None,
            identity: None,
        }
    }

    /// The attribute `name` of the object, if the attributes are an object holding it.
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name)
    }
}

/// A path into an attribute value, as in `sensitive_attributes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath(pub Vec<PathStep>);

/// One step of an [`AttrPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name`
    GetAttr(String),
    /// `[key]`: a list index or a map key. Stored as cty's dynamic JSON
    /// (`{"value": 0, "type": "number"}`); [`PathStep::index_key`] decodes it.
    Index(Value),
}

impl PathStep {
    /// An index step for a list position.
    pub fn index(i: u64) -> Self {
        PathStep::Index(serde_json::json!({ "value": i, "type": "number" }))
    }

    /// An index step for a map key.
    pub fn key(k: &str) -> Self {
        PathStep::Index(serde_json::json!({ "value": k, "type": "string" }))
    }

    /// The key of an index step: a number or a string, unwrapped from cty's dynamic JSON.
    pub fn index_key(&self) -> Option<&Value> {
        match self {
            PathStep::GetAttr(_) => None,
            PathStep::Index(v) => Some(v.get("value").unwrap_or(v)),
        }
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> Self {
        State {
            terraform_version: WRITER_VERSION.to_string(),
            serial: 0,
            lineage: new_lineage(),
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
            check_results: Value::Null,
            pending_creates: BTreeMap::new(),
        }
    }

    /// Whether there are no resources and no outputs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty()
    }

    /// Resources in Terraform's order: by mode as a string ("data" before "managed"), type
    /// and name. (The map's own order puts managed resources first.)
    pub fn ordered_resources(&self) -> Vec<(&ResourceAddr, &Resource)> {
        let mut resources: Vec<(&ResourceAddr, &Resource)> = self.resources.iter().collect();
        resources.sort_by(|(a, _), (b, _)| {
            (a.mode.as_str(), &a.type_name, &a.name).cmp(&(b.mode.as_str(), &b.type_name, &b.name))
        });
        resources
    }

    pub fn resource(&self, addr: &ResourceAddr) -> Option<&Resource> {
        self.resources.get(addr)
    }

    /// The current object of an instance.
    pub fn current(&self, addr: &InstanceAddr) -> Option<&ObjectState> {
        self.resources.get(&addr.resource)?.instances.get(&addr.key)?.current.as_ref()
    }

    /// The provider address recorded for a resource.
    pub fn provider(&self, addr: &ResourceAddr) -> Option<&str> {
        self.resources.get(addr).map(|r| r.provider.as_str())
    }

    /// Every instance that has a current object, in Terraform's order.
    pub fn current_objects(&self) -> impl Iterator<Item = (InstanceAddr, &ObjectState)> + '_ {
        self.ordered_resources().into_iter().flat_map(|(raddr, resource)| {
            resource.instances.iter().filter_map(move |(key, instance)| {
                instance.current.as_ref().map(|obj| (raddr.instance(key.clone()), obj))
            })
        })
    }

    /// Every instance address (with a current or deposed object), in Terraform's order.
    pub fn instance_addrs(&self) -> impl Iterator<Item = InstanceAddr> + '_ {
        self.ordered_resources().into_iter().flat_map(|(raddr, resource)| {
            resource.instances.keys().map(move |key| raddr.instance(key.clone()))
        })
    }

    /// Record the current object of an instance, creating the resource if needed. The
    /// resource's provider is set to `provider`.
    pub fn set_current(&mut self, addr: &InstanceAddr, provider: &str, object: ObjectState) {
        let instance = self.instance_entry(addr, provider);
        instance.current = Some(object);
    }

    /// Record a deposed object of an instance.
    pub fn set_deposed(
        &mut self,
        addr: &InstanceAddr,
        deposed_key: &str,
        provider: &str,
        object: ObjectState,
    ) {
        let instance = self.instance_entry(addr, provider);
        instance.deposed.insert(deposed_key.to_string(), object);
    }

    /// Forget the current object of an instance. Empty instances and resources are pruned,
    /// as Terraform does before writing.
    pub fn remove_current(&mut self, addr: &InstanceAddr) -> Option<ObjectState> {
        let removed = self.instance_mut(addr)?.current.take();
        self.prune(addr);
        removed
    }

    /// Forget a deposed object of an instance.
    pub fn remove_deposed(
        &mut self,
        addr: &InstanceAddr,
        deposed_key: &str,
    ) -> Option<ObjectState> {
        let removed = self.instance_mut(addr)?.deposed.remove(deposed_key);
        self.prune(addr);
        removed
    }

    /// Remove an instance with all its objects.
    pub fn remove_instance(&mut self, addr: &InstanceAddr) -> Option<Instance> {
        let resource = self.resources.get_mut(&addr.resource)?;
        let removed = resource.instances.remove(&addr.key);
        if resource.instances.is_empty() {
            self.resources.remove(&addr.resource);
        }
        removed
    }

    /// Apply one journaled change.
    pub fn apply(&mut self, change: &crate::StateChange) {
        use crate::StateChange as C;
        match change {
            C::SetCurrent { addr, provider, object } => {
                self.set_current(addr, provider, object.clone())
            }
            C::RemoveCurrent { addr } => {
                self.remove_current(addr);
            }
            C::SetDeposed { addr, deposed_key, provider, object } => {
                self.set_deposed(addr, deposed_key, provider, object.clone())
            }
            C::RemoveDeposed { addr, deposed_key } => {
                self.remove_deposed(addr, deposed_key);
            }
            C::Depose { addr, deposed_key } => {
                if let Some(instance) = self.instance_mut(addr)
                    && let Some(current) = instance.current.take()
                {
                    instance.deposed.insert(deposed_key.clone(), current);
                }
            }
            C::RestoreDeposed { addr, deposed_key } => {
                if let Some(instance) = self.instance_mut(addr)
                    && instance.current.is_none()
                    && let Some(object) = instance.deposed.remove(deposed_key)
                {
                    instance.current = Some(object);
                }
            }
            C::SetOutput { name, output } => {
                self.outputs.insert(name.clone(), output.clone());
            }
            C::RemoveOutput { name } => {
                self.outputs.remove(name);
            }
            C::IntendCreate { intent } => {
                self.pending_creates.insert(intent.token.clone(), intent.clone());
            }
            C::ResolveCreate { token } => {
                self.pending_creates.remove(token);
            }
        }
    }

    /// Whether two snapshots hold the same content, ignoring `serial` and
    /// `terraform_version` (the backend bumps the serial only when this is false). Pending
    /// creates are not part of the snapshot and are not compared.
    pub fn same_content(&self, other: &State) -> bool {
        self.lineage == other.lineage
            && self.outputs == other.outputs
            && self.resources == other.resources
            && self.check_results == other.check_results
    }

    fn instance_entry(&mut self, addr: &InstanceAddr, provider: &str) -> &mut Instance {
        let resource = self.resources.entry(addr.resource.clone()).or_insert_with(|| Resource {
            provider: provider.to_string(),
            instances: BTreeMap::new(),
        });
        if resource.provider != provider {
            resource.provider = provider.to_string();
        }
        resource.instances.entry(addr.key.clone()).or_default()
    }

    fn instance_mut(&mut self, addr: &InstanceAddr) -> Option<&mut Instance> {
        self.resources.get_mut(&addr.resource)?.instances.get_mut(&addr.key)
    }

    fn prune(&mut self, addr: &InstanceAddr) {
        let Some(resource) = self.resources.get_mut(&addr.resource) else { return };
        if resource.instances.get(&addr.key).is_some_and(Instance::is_empty) {
            resource.instances.remove(&addr.key);
        }
        if resource.instances.is_empty() {
            self.resources.remove(&addr.resource);
        }
    }
}

/// A fresh lineage: a random UUID, as Terraform makes.
pub fn new_lineage() -> String {
    uuid::Uuid::new_v4().to_string()
}
