//! Refresh: read every managed object in state from its provider, at most `parallelism`
//! at a time, and note what changed outside batchform.
//!
//! The reads start together and the plan walk does not wait for all of them: before it
//! plans an instance it waits only for that instance's read ([`Refreshing::instance`]), so
//! planning overlaps the reads (as in Terraform, whose plan walk refreshes each instance
//! just before planning it) instead of starting after the slowest one.

use crate::hooks::Event;
use crate::operation::{Operation, with_address};
use crate::plan::Drift;
use crate::providers::parse_state_address;
use crate::values::{object_from_state, object_to_state};
use batchform_config::model::ProviderConfigAddr;
use batchform_core::provider::{ReadResourceRequest, ReadResourceResponse};
use batchform_core::schema::Schema;
use batchform_core::{Diagnostic, Diagnostics, InstanceAddr, Mode, ResourceAddr, Value};
use batchform_state::State;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::task::{Id, JoinSet};

/// One finished read.
struct Outcome {
    addr: InstanceAddr,
    provider: ProviderConfigAddr,
    schema: Arc<Schema>,
    before: Value,
    response: ReadResourceResponse,
}

/// Reads in flight, and what the finished ones found.
pub(crate) struct Refreshing {
    tasks: JoinSet<Outcome>,
    /// Which instance each task reads (to settle a task that panicked).
    task_addrs: HashMap<Id, InstanceAddr>,
    pending: HashSet<InstanceAddr>,
    pending_per_resource: HashMap<ResourceAddr, usize>,
    drift: Vec<Drift>,
    diags: Diagnostics,
}

/// Start reading every managed object of `prior`: the resources of `order` first, in that
/// order (the walk's, so the reads it waits for first are the first to be made), then the
/// rest in state order.
pub(crate) fn start(op: &Operation<'_>, prior: &State, order: &[ResourceAddr]) -> Refreshing {
    let mut r = Refreshing {
        tasks: JoinSet::new(),
        task_addrs: HashMap::new(),
        pending: HashSet::new(),
        pending_per_resource: HashMap::new(),
        drift: Vec::new(),
        diags: Diagnostics::new(),
    };
    let semaphore = Arc::new(tokio::sync::Semaphore::new(op.call_slots()));
    let first: HashSet<&ResourceAddr> = order.iter().collect();
    let mut schemas: HashMap<String, Option<Arc<Schema>>> = HashMap::new();
    let ordered =
        order.iter().filter_map(|r| Some((r, prior.resource(r)?))).flat_map(|(r, res)| {
            res.instances
                .iter()
                .filter_map(move |(key, i)| Some((r.instance(key.clone()), i.current.as_ref()?)))
        });
    let rest = prior.current_objects().filter(|(addr, _)| !first.contains(&addr.resource));
    for (addr, object) in ordered.chain(rest) {
        if addr.resource.mode != Mode::Managed {
            continue;
        }
        let provider_addr = prior
            .provider(&addr.resource)
            .and_then(parse_state_address)
            .unwrap_or_else(|| ProviderConfigAddr::implied_by_type(&addr.resource.type_name));
        let Some(entry) = op.providers.get(&provider_addr) else {
            r.diags.push(Diagnostic::error(
                "Provider configuration not present",
                format!(
                    "To work with {addr} its original provider configuration at {} is required, but it has been removed. This occurs when a provider configuration is removed while objects created by that provider still exist in the state. Re-add the provider configuration to destroy {addr}, after which you can remove the provider configuration again.",
                    prior.provider(&addr.resource).unwrap_or_default()
                ),
            ));
            continue;
        };
        let type_name = &addr.resource.type_name;
        if !schemas.contains_key(type_name) {
            let schema = entry.schema.resources.get(type_name).cloned().map(Arc::new);
            schemas.insert(type_name.clone(), schema);
        }
        let Some(schema) = schemas[type_name].clone() else {
            continue;
        };
        let before = match object_from_state(object, &schema) {
            Ok(v) => v,
            Err(e) => {
                r.diags.push(Diagnostic::error(
                    "Invalid resource instance data in state",
                    format!("{addr}: {e}"),
                ));
                continue;
            }
        };
        let provider = entry.provider.clone();
        let hooks = op.hooks.clone();
        let semaphore = semaphore.clone();
        let task_addr = addr.clone();
        let handle = r.tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            hooks.event(Event::RefreshStart {
                addr: addr.clone(),
                deposed: None,
                prior: before.clone(),
            });
            let response = provider
                .read_resource(ReadResourceRequest {
                    type_name: addr.resource.type_name.clone(),
                    address: addr.to_string(),
                    prior_state: before.clone(),
                    // batchform's providers keep no private data.
                    private: Vec::new(),
                })
                .await;
            hooks.event(Event::RefreshComplete { addr: addr.clone(), prior: before.clone() });
            Outcome { addr, provider: provider_addr, schema, before, response }
        });
        *r.pending_per_resource.entry(task_addr.resource.clone()).or_default() += 1;
        r.pending.insert(task_addr.clone());
        r.task_addrs.insert(handle.id(), task_addr);
    }
    r
}

impl Refreshing {
    /// Whether a read failed (or the refresh could not start): the plan stops at the refresh.
    pub(crate) fn has_errors(&self) -> bool {
        self.diags.has_errors()
    }

    /// Wait until `addr`'s read (if any) is recorded in `state`.
    pub(crate) async fn instance(&mut self, state: &mut State, addr: &InstanceAddr) {
        while self.pending.contains(addr) {
            self.next(state).await;
        }
    }

    /// Wait until the reads of every instance of `addr` are recorded in `state`.
    pub(crate) async fn resource(&mut self, state: &mut State, addr: &ResourceAddr) {
        while self.pending_per_resource.contains_key(addr) {
            self.next(state).await;
        }
    }

    /// Wait until every read is recorded in `state`.
    pub(crate) async fn all(&mut self, state: &mut State) {
        while !self.pending.is_empty() {
            self.next(state).await;
        }
    }

    /// Wait for every read; the drift found (in address order) and the diagnostics.
    pub(crate) async fn finish(mut self, state: &mut State) -> (Vec<Drift>, Diagnostics) {
        self.all(state).await;
        self.drift.sort_by(|a, b| a.addr.cmp(&b.addr));
        // In address order, whatever order the reads finished in.
        let mut diags: Vec<Diagnostic> = self.diags.into_iter().collect();
        diags.sort_by(|a, b| a.address.cmp(&b.address));
        (self.drift, diags.into_iter().collect())
    }

    /// Record the next read to finish.
    async fn next(&mut self, state: &mut State) {
        let Some(joined) = self.tasks.join_next_with_id().await else {
            // No task left: nothing can settle what is still pending.
            self.pending.clear();
            self.pending_per_resource.clear();
            return;
        };
        let (id, outcome, failure) = match joined {
            Ok((id, outcome)) => (id, Some(outcome), None),
            Err(e) => (e.id(), None, Some(e)),
        };
        if let Some(addr) = self.task_addrs.remove(&id) {
            if let Some(e) = failure {
                // A read that panicked found nothing: the plan must not go on from stale state.
                self.diags.push(Diagnostic::error(
                    "Internal error",
                    format!("{addr}: the refresh of this object failed: {e}"),
                ));
            }
            self.pending.remove(&addr);
            if let Some(n) = self.pending_per_resource.get_mut(&addr.resource) {
                *n -= 1;
                if *n == 0 {
                    self.pending_per_resource.remove(&addr.resource);
                }
            }
        }
        if let Some(outcome) = outcome {
            self.record(state, outcome);
        }
    }

    fn record(&mut self, state: &mut State, outcome: Outcome) {
        let Outcome { addr, provider, schema, before, response } = outcome;
        let failed = response.diagnostics.has_errors();
        self.diags.extend(with_address(response.diagnostics, &addr));
        if failed {
            return;
        }
        match response.new_state {
            None => {
                state.remove_current(&addr);
                self.drift.push(Drift { addr, provider, before, after: None });
            }
            Some(after) => {
                if !after.eq_ignoring_marks(&before) {
                    if let (Ok((json, paths)), Some(existing)) =
                        (object_to_state(&after, &schema), state.current(&addr).cloned())
                    {
                        let mut object = existing;
                        object.attributes = json;
                        object.sensitive_attributes = paths;
                        let provider_addr =
                            state.provider(&addr.resource).unwrap_or_default().to_string();
                        state.set_current(&addr, &provider_addr, object);
                    }
                    self.drift.push(Drift { addr, provider, before, after: Some(after) });
                }
            }
        }
    }
}
