//! The apply walk: run a plan's changes in dependency order (reverse order for destroys), at
//! most `parallelism` provider calls at once. Every completed change is made durable through
//! the [`Persister`] before anything that depends on it starts, so an interrupted or killed
//! apply never loses an object it created. A failed change stops only its dependents.

use crate::graph::DepGraph;
use crate::hooks::Event;
use crate::operation::{Operation, instance_context, locate, with_address};
use crate::plan::{Action, InstanceChange, Plan, PlanMode};
use crate::planner::proposed_new;
use crate::values::{InstanceValues, Repetition, object_from_state, object_to_state};
use batchform_core::provider::{
    ApplyResourceChangeRequest, PlanResourceChangeRequest, ReadDataSourceRequest,
};
use batchform_core::{Diagnostic, Diagnostics, InstanceAddr, Mode, ResourceAddr, Value};
use batchform_state::{ObjectState, State, StateChange};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Where completed changes go: durable before `persist` returns.
#[async_trait::async_trait]
pub trait Persister: Send + Sync {
    async fn persist(&self, change: StateChange) -> Result<(), String>;

    /// Persist `changes` in order; a persister that can make them durable together (one
    /// sync) should. A crash may keep a prefix of them.
    async fn persist_all(&self, changes: Vec<StateChange>) -> Result<(), String> {
        for change in changes {
            self.persist(change).await?;
        }
        Ok(())
    }
}

/// The walk's view of its persister: notes the first failure, after which no new provider
/// call starts (a change made then could not be recorded).
struct Watched {
    inner: Arc<dyn Persister>,
    failed: Arc<AtomicBool>,
}

impl Watched {
    fn noted(&self, result: Result<(), String>) -> Result<(), String> {
        if result.is_err() {
            self.failed.store(true, Ordering::SeqCst);
        }
        result
    }
}

#[async_trait::async_trait]
impl Persister for Watched {
    async fn persist(&self, change: StateChange) -> Result<(), String> {
        self.noted(self.inner.persist(change).await)
    }
    async fn persist_all(&self, changes: Vec<StateChange>) -> Result<(), String> {
        self.noted(self.inner.persist_all(changes).await)
    }
}

/// A persister that only keeps changes in memory (tests, `-lock=false` dry runs).
#[derive(Default)]
pub struct MemoryPersister {
    pub changes: std::sync::Mutex<Vec<StateChange>>,
}

#[async_trait::async_trait]
impl Persister for MemoryPersister {
    async fn persist(&self, change: StateChange) -> Result<(), String> {
        self.changes.lock().map_err(|_| "poisoned".to_string())?.push(change);
        Ok(())
    }
}

/// Ctrl-C: once set, no new operation starts; running ones finish.
#[derive(Default, Clone)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What an apply did.
pub struct ApplyOutcome {
    /// The state after the apply (everything that succeeded), to be written as the final
    /// snapshot.
    pub state: State,
    pub diagnostics: Diagnostics,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    pub imported: usize,
    /// Stopped early by Ctrl-C.
    pub interrupted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepKind {
    /// Create, update, read or import the instance's current object.
    Apply,
    /// Destroy the instance's current object.
    Destroy,
    /// Destroy the object a `create_before_destroy` replacement deposed.
    DestroyDeposed,
    /// Ordering only: all of a resource's applies (or destroys) are done.
    Barrier,
}

struct Step {
    kind: StepKind,
    change: Option<usize>,
    successors: Vec<usize>,
    waiting_for: usize,
    /// Finished without errors.
    done: bool,
}

/// The result a step's task hands back to the walk.
struct Done {
    step: usize,
    diagnostics: Diagnostics,
    /// The new current object of the instance (`None`: it no longer exists).
    object: Option<Option<(Value, ObjectState)>>,
    counted: Option<&'static str>,
    /// Changes the task persisted besides the current object (deposing and its undoing,
    /// destroyed deposed objects), to apply to the walk's state in order.
    persisted: Vec<StateChange>,
    /// Ctrl-C came before the task's provider call: nothing was done (what it had
    /// prepared durably is undone in `persisted`), and the step is still to do.
    skipped: bool,
}

impl Done {
    fn skipped(step: usize, persisted: Vec<StateChange>) -> Done {
        Done {
            step,
            diagnostics: Diagnostics::new(),
            object: None,
            counted: None,
            persisted,
            skipped: true,
        }
    }
}

/// How a task gets to make its provider call: a slot among `-parallelism`, unless the apply
/// was interrupted or a change failed to persist meanwhile.
#[derive(Clone)]
struct Admission {
    slots: Arc<tokio::sync::Semaphore>,
    cancel: Cancel,
    persist_failed: Arc<AtomicBool>,
}

impl Admission {
    /// A call slot, or `None` when Ctrl-C or a failed persist came first (no new operation
    /// starts).
    async fn slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let slot = self.slots.clone().acquire_owned().await.ok()?;
        (!self.cancel.is_cancelled() && !self.persisting_failed()).then_some(slot)
    }

    fn persisting_failed(&self) -> bool {
        self.persist_failed.load(Ordering::SeqCst)
    }
}

/// Run `plan`.
pub async fn apply(
    op: &Operation<'_>,
    plan: &Plan,
    persister: Arc<dyn Persister>,
    cancel: &Cancel,
) -> ApplyOutcome {
    let mut outcome = ApplyOutcome {
        state: plan.refreshed_state.clone(),
        diagnostics: Diagnostics::new(),
        added: 0,
        changed: 0,
        destroyed: 0,
        imported: 0,
        interrupted: false,
    };
    // What refresh found and data sources read at plan time become state first.
    // Imported objects are recorded first (with the rest of the refreshed state).
    for change in plan.changes.iter() {
        if let Some(id) = &change.importing {
            op.hooks.event(Event::Importing { addr: change.addr.clone(), id: id.clone() });
        }
    }
    // In one sync: a refresh that found N objects changed costs one flush, not N.
    let found = refresh_changes(&plan.prior_state, &plan.refreshed_state, op.config);
    if let Err(e) = persister.persist_all(found.clone()).await {
        outcome.diagnostics.push(persist_error(&e));
        return outcome;
    }
    for change in &found {
        outcome.state.apply(change);
    }
    for change in plan.changes.iter() {
        if let Some(id) = &change.importing {
            op.hooks.event(Event::ImportComplete { addr: change.addr.clone(), id: id.clone() });
        }
    }
    if plan.mode == PlanMode::RefreshOnly {
        finish_outputs(op, plan, &mut outcome, &initial_values(op, plan), persister.as_ref()).await;
        return outcome;
    }
    let graph = match DepGraph::build(op.config) {
        Ok(g) => g,
        Err(d) => {
            outcome.diagnostics.extend(d);
            return outcome;
        }
    };
    // Once a change cannot be persisted, no new provider call starts: the walk ends with
    // what is under way (whose intents, if any, are durable for the next plan to find).
    let persist_failed = Arc::new(AtomicBool::new(false));
    let persister: Arc<dyn Persister> =
        Arc::new(Watched { inner: persister, failed: persist_failed.clone() });
    let halted = || cancel.is_cancelled() || persist_failed.load(Ordering::SeqCst);
    let mut values = initial_values(op, plan);
    let changes: Vec<&InstanceChange> = plan.effective_changes().collect();
    let mut steps = build_steps(&changes, &graph);
    let mut ready: VecDeque<usize> =
        (0..steps.len()).filter(|i| steps[*i].waiting_for == 0).collect();
    let mut failed: HashSet<usize> = HashSet::new();
    let mut checked = BTreeMap::new();
    let each_cache = ForEachCache::default();
    let mut running = tokio::task::JoinSet::new();
    // `-parallelism` bounds provider calls, not the durable writes around each one. Up to
    // twice as many tasks as calls run: a task makes its create intent durable before it
    // waits for a call slot, and gives the slot back as soon as its call returns, so the
    // next call starts at once while the previous result is being synced (dependents still
    // wait for the sync). Bounding the tasks bounds the intents open at any time.
    let parallelism = op.call_slots();
    let admission = Admission {
        slots: Arc::new(tokio::sync::Semaphore::new(parallelism)),
        cancel: cancel.clone(),
        persist_failed: persist_failed.clone(),
    };
    let window = Arc::new(tokio::sync::Semaphore::new(2 * parallelism));
    loop {
        while !halted() && !ready.is_empty() {
            let Ok(permit) = window.clone().try_acquire_owned() else { break };
            let Some(step) = ready.pop_front() else { break };
            if failed.contains(&step) {
                // A dependency failed: skip, and skip everything after it.
                for s in steps[step].successors.clone() {
                    mark_failed(&mut steps, s, &mut failed);
                }
                continue;
            }
            match prepare(
                op,
                &steps[step],
                step,
                &changes,
                &values,
                &outcome.state,
                persister.clone(),
                &each_cache,
                admission.clone(),
                permit,
            ) {
                Prepared::Task(task) => {
                    running.spawn(task);
                }
                Prepared::Immediate(done) => {
                    complete(
                        op,
                        *done,
                        &mut steps,
                        &mut ready,
                        &mut failed,
                        &mut values,
                        &mut outcome,
                        &changes,
                        &mut checked,
                        &each_cache,
                    );
                }
            }
        }
        if running.is_empty() {
            if ready.is_empty() || halted() {
                break;
            }
            continue;
        }
        // Wait for a task to finish, or (with work ready) for room to start one.
        let joined = if ready.is_empty() || halted() {
            running.join_next().await
        } else {
            tokio::select! {
                joined = running.join_next() => joined,
                permit = window.clone().acquire_owned() => {
                    drop(permit);
                    continue;
                }
            }
        };
        match joined {
            Some(Ok(done)) => complete(
                op,
                done,
                &mut steps,
                &mut ready,
                &mut failed,
                &mut values,
                &mut outcome,
                &changes,
                &mut checked,
                &each_cache,
            ),
            Some(Err(e)) => {
                outcome.diagnostics.push(Diagnostic::error("Internal error", e.to_string()))
            }
            None => {}
        }
    }
    outcome.interrupted =
        cancel.is_cancelled() && (!ready.is_empty() || steps.iter().any(|s| s.waiting_for > 0));
    if !outcome.diagnostics.has_errors() && !outcome.interrupted {
        // Data sources no longer in the configuration (or all of them, after a destroy)
        // leave state quietly.
        let stale: Vec<InstanceAddr> = outcome
            .state
            .instance_addrs()
            .filter(|a| {
                a.resource.mode == Mode::Data
                    && (plan.mode == PlanMode::Destroy
                        || !op.config.resources.contains_key(&a.resource))
            })
            .collect();
        for addr in stale {
            let change = StateChange::RemoveCurrent { addr };
            if persister.persist(change.clone()).await.is_ok() {
                outcome.state.apply(&change);
            }
        }
        finish_outputs(op, plan, &mut outcome, &values, persister.as_ref()).await;
    }
    // Custom condition results, recorded in state as Terraform's check_results.
    let unfinished: HashSet<InstanceAddr> = steps
        .iter()
        .enumerate()
        .filter(|(i, s)| failed.contains(i) || s.waiting_for > 0 || !s.done)
        .filter_map(|(_, s)| s.change.map(|ci| changes[ci].addr.clone()))
        .collect();
    outcome.state.check_results = crate::checks::results(
        op,
        &values,
        &checked,
        &unfinished,
        !outcome.diagnostics.has_errors() && !outcome.interrupted,
        &each_cache,
    );
    // Imported objects were recorded with the refreshed state at the start.
    outcome.imported = plan.changes.iter().filter(|c| c.importing.is_some()).count();
    // Freeing every instance's value and step one allocation at a time takes milliseconds
    // (5-6 ms for 1000 batches), which the caller need not wait for.
    drop_in_background((values, steps));
    outcome
}

/// Drop `garbage` on a thread of its own (inline if no thread can be started).
fn drop_in_background<T: Send + 'static>(garbage: T) {
    let _ = std::thread::Builder::new().name("batchform-free".into()).spawn(move || drop(garbage));
}

/// Undoing what a create task made durable before its call, when the call is not made.
struct Undo<'a> {
    persister: &'a dyn Persister,
    admission: &'a Admission,
}

impl Undo<'_> {
    /// Resolve the create intent `token` (nothing was created for it) and make the deposed
    /// object current again. Nothing is tried once the state can no longer be written: the
    /// open intent is then found by the next plan (which finds nothing to adopt and drops
    /// it), and the deposed object is planned as Terraform plans a leftover one.
    async fn run(
        &self,
        addr: &InstanceAddr,
        deposed_key: Option<&String>,
        token: Option<String>,
        persisted: &mut Vec<StateChange>,
        diagnostics: &mut Diagnostics,
    ) {
        if self.admission.persisting_failed() {
            return;
        }
        if let Some(token) = token {
            let resolve = StateChange::ResolveCreate { token };
            match self.persister.persist(resolve.clone()).await {
                Ok(()) => persisted.push(resolve),
                Err(e) => diagnostics.push(persist_error(&e)),
            }
        }
        if let Some(key) = deposed_key {
            restore_deposed(self.persister, addr, key, persisted, diagnostics).await;
        }
    }
}

/// Make a deposed object current again (its replacement failed or was never made), durably.
async fn restore_deposed(
    persister: &dyn Persister,
    addr: &batchform_core::InstanceAddr,
    deposed_key: &str,
    persisted: &mut Vec<StateChange>,
    diagnostics: &mut Diagnostics,
) {
    let change =
        StateChange::RestoreDeposed { addr: addr.clone(), deposed_key: deposed_key.to_string() };
    match persister.persist(change.clone()).await {
        Ok(()) => persisted.push(change),
        Err(e) => diagnostics.push(persist_error(&e)),
    }
}

fn persist_error(e: &str) -> Diagnostic {
    Diagnostic::error(
        "Failed to persist state",
        format!(
            "A change could not be written to the state: {e}. No further changes were started; the changes made so far are recorded."
        ),
    )
}

fn mark_failed(steps: &mut [Step], step: usize, failed: &mut HashSet<usize>) {
    let mut stack = vec![step];
    while let Some(s) = stack.pop() {
        if failed.insert(s) {
            stack.extend(steps[s].successors.iter().copied());
        }
    }
}

/// The instance values apply starts from: state for what does not change, the plan's
/// values (with their unknowns) for what will.
fn initial_values(op: &Operation<'_>, plan: &Plan) -> InstanceValues {
    let mut values = InstanceValues::new();
    for (addr, resource) in &op.config.resources {
        let repetition = Repetition::of(resource);
        values.declare(addr, repetition);
        let Some(schema) =
            op.providers.resource_schema(&resource.provider, addr.mode, &addr.type_name)
        else {
            continue;
        };
        if let Some(r) = plan.refreshed_state.resource(addr) {
            for (key, inst) in &r.instances {
                if let Some(obj) = &inst.current {
                    if let Ok(v) = object_from_state(obj, schema) {
                        values.set(addr, key.clone(), v);
                    }
                }
            }
        }
    }
    for d in &plan.deferred {
        values.set_unknown(&d.addr, batchform_core::Type::Dynamic);
    }
    for change in &plan.changes {
        match (&change.action, &change.after) {
            (Action::Delete, _) => values.remove(&change.addr.resource, &change.addr.key),
            (_, Some(after)) => {
                values.set(&change.addr.resource, change.addr.key.clone(), after.clone())
            }
            _ => {}
        }
    }
    values
}

/// Build the step graph: applies after the applies of their dependencies; destroys after
/// the destroys of what depends on them; `-/+` destroys before creating, `+/-` after.
fn build_steps(changes: &[&InstanceChange], graph: &DepGraph) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let add = |steps: &mut Vec<Step>, kind, change| {
        steps.push(Step { kind, change, successors: Vec::new(), waiting_for: 0, done: false });
        steps.len() - 1
    };
    let mut apply_barrier: HashMap<ResourceAddr, usize> = HashMap::new();
    let mut destroy_barrier: HashMap<ResourceAddr, usize> = HashMap::new();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut apply_step: HashMap<usize, usize> = HashMap::new();
    let mut destroy_step: HashMap<usize, usize> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        let r = &c.addr.resource;
        match c.action {
            Action::Create | Action::Update | Action::Read => {
                apply_step.insert(i, add(&mut steps, StepKind::Apply, Some(i)));
            }
            Action::Delete => {
                destroy_step.insert(i, add(&mut steps, StepKind::Destroy, Some(i)));
            }
            Action::DeleteThenCreate => {
                let d = add(&mut steps, StepKind::Destroy, Some(i));
                let a = add(&mut steps, StepKind::Apply, Some(i));
                edges.push((d, a));
                destroy_step.insert(i, d);
                apply_step.insert(i, a);
            }
            Action::CreateThenDelete => {
                let a = add(&mut steps, StepKind::Apply, Some(i));
                let d = add(&mut steps, StepKind::DestroyDeposed, Some(i));
                edges.push((a, d));
                apply_step.insert(i, a);
                destroy_step.insert(i, d);
            }
            Action::NoOp => {}
        }
        if apply_step.contains_key(&i) && !apply_barrier.contains_key(r) {
            let b = add(&mut steps, StepKind::Barrier, None);
            apply_barrier.insert(r.clone(), b);
        }
        if destroy_step.contains_key(&i) && !destroy_barrier.contains_key(r) {
            let b = add(&mut steps, StepKind::Barrier, None);
            destroy_barrier.insert(r.clone(), b);
        }
    }
    // Resource dependencies: from the configuration, or from state for resources it lost.
    let deps_of = |c: &InstanceChange| -> Vec<ResourceAddr> {
        match graph.direct.get(&c.addr.resource) {
            Some(d) => d.iter().cloned().collect(),
            None => c.dependencies.clone(),
        }
    };
    for (i, c) in changes.iter().enumerate() {
        let r = &c.addr.resource;
        if let Some(&a) = apply_step.get(&i) {
            edges.push((a, apply_barrier[r]));
            for dep in deps_of(c) {
                if let Some(&b) = apply_barrier.get(&dep) {
                    edges.push((b, a));
                }
            }
        }
        if let Some(&d) = destroy_step.get(&i) {
            edges.push((d, destroy_barrier[r]));
        }
    }
    // A destroy waits for the destroys of everything that depends on its resource.
    let mut dependents_of: HashMap<ResourceAddr, Vec<ResourceAddr>> = HashMap::new();
    for c in changes {
        for dep in deps_of(c) {
            dependents_of.entry(dep).or_default().push(c.addr.resource.clone());
        }
    }
    for (i, c) in changes.iter().enumerate() {
        let Some(&d) = destroy_step.get(&i) else { continue };
        if let Some(dependents) = dependents_of.get(&c.addr.resource) {
            for dependent in dependents {
                if dependent == &c.addr.resource {
                    continue;
                }
                if let Some(&b) = destroy_barrier.get(dependent) {
                    edges.push((b, d));
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    for (from, to) in edges {
        steps[from].successors.push(to);
        steps[to].waiting_for += 1;
    }
    steps
}

type StepTask = std::pin::Pin<Box<dyn std::future::Future<Output = Done> + Send>>;

enum Prepared {
    Task(StepTask),
    Immediate(Box<Done>),
}

/// Evaluate what a step needs (on the walk's thread, where the evaluator lives) and return
/// the provider work as a task.
#[allow(clippy::too_many_arguments)]
fn prepare(
    op: &Operation<'_>,
    step: &Step,
    index: usize,
    changes: &[&InstanceChange],
    values: &InstanceValues,
    state: &State,
    persister: Arc<dyn Persister>,
    each_cache: &ForEachCache,
    admission: Admission,
    // Held until the task's provider call returns: it bounds the tasks waiting for a call
    // (see `apply`).
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Prepared {
    let immediate = |diagnostics| {
        Prepared::Immediate(Box::new(Done {
            step: index,
            diagnostics,
            object: None,
            counted: None,
            persisted: Vec::new(),
            skipped: false,
        }))
    };
    let (Some(ci), kind) = (step.change, step.kind) else {
        return immediate(Diagnostics::new());
    };
    let change = changes[ci].clone();
    let addr = change.addr.clone();
    let Some(entry) = op.providers.get(&change.provider) else {
        return immediate(Diagnostics::from(Diagnostic::error(
            "Provider configuration not present",
            format!("There is no provider configuration {} available for {addr}.", change.provider),
        )));
    };
    let Some(schema) = op
        .providers
        .resource_schema(&change.provider, addr.resource.mode, &addr.resource.type_name)
        .cloned()
    else {
        return immediate(Diagnostics::from(Diagnostic::error(
            "Invalid resource type",
            format!("No schema for {addr}."),
        )));
    };
    let provider = entry.provider.clone();
    let hooks = op.hooks.clone();
    let resource = op.config.resources.get(&addr.resource);
    let current = state.current(&addr).and_then(|o| object_from_state(o, &schema).ok());
    let prior_object = state.current(&addr).cloned();
    match kind {
        StepKind::Barrier => immediate(Diagnostics::new()),
        StepKind::Destroy | StepKind::DestroyDeposed => {
            // A deposed object is found in state under the key its replacement gave it.
            let deposed_key = if let Some(key) = &change.deposed {
                // A leftover deposed object from an interrupted replacement.
                Some(key.clone())
            } else if kind == StepKind::DestroyDeposed {
                let key = state
                    .resource(&addr.resource)
                    .and_then(|r| r.instances.get(&addr.key))
                    .and_then(|i| i.deposed.keys().next().cloned());
                match key {
                    Some(k) => Some(k),
                    // Nothing was deposed (the old object was already gone): nothing to do.
                    None => return immediate(Diagnostics::new()),
                }
            } else {
                None
            };
            let before = match &deposed_key {
                Some(key) => state
                    .resource(&addr.resource)
                    .and_then(|r| r.instances.get(&addr.key))
                    .and_then(|i| i.deposed.get(key))
                    .and_then(|o| object_from_state(o, &schema).ok())
                    .or(change.before.clone()),
                None => current.or(change.before.clone()),
            };
            let Some(before) = before else {
                return immediate(Diagnostics::new());
            };
            Prepared::Task(Box::pin(async move {
                let Some(slot) = admission.slot().await else {
                    return Done::skipped(index, Vec::new());
                };
                let started = Instant::now();
                let no_change = |diagnostics| Done {
                    step: index,
                    diagnostics,
                    object: None,
                    counted: None,
                    persisted: Vec::new(),
                    skipped: false,
                };
                hooks.event(Event::ApplyStart {
                    addr: addr.clone(),
                    deposed: deposed_key.clone(),
                    action: Action::Delete,
                    prior: before.clone(),
                });
                let request = ApplyResourceChangeRequest {
                    type_name: addr.resource.type_name.clone(),
                    address: addr.to_string(),
                    prior_state: Some(before.clone()),
                    planned_state: None,
                    config: Value::NULL,
                    planned_private: Vec::new(),
                    create_token: None,
                };
                let response = with_progress(
                    &*hooks,
                    &addr,
                    Action::Delete,
                    before.clone(),
                    provider.apply_resource_change(request),
                )
                .await;
                drop((slot, permit));
                let mut diagnostics = with_address(response.diagnostics, &addr);
                if diagnostics.has_errors() {
                    hooks.event(Event::ApplyErrored {
                        addr: addr.clone(),
                        action: Action::Delete,
                        elapsed: started.elapsed(),
                    });
                    return no_change(diagnostics);
                }
                let removal = match &deposed_key {
                    Some(key) => {
                        StateChange::RemoveDeposed { addr: addr.clone(), deposed_key: key.clone() }
                    }
                    None => StateChange::RemoveCurrent { addr: addr.clone() },
                };
                if let Err(e) = persister.persist(removal.clone()).await {
                    diagnostics.push(persist_error(&e));
                    return no_change(diagnostics);
                }
                hooks.event(Event::ApplyComplete {
                    addr: addr.clone(),
                    action: Action::Delete,
                    new: None,
                    elapsed: started.elapsed(),
                });
                let counted = matches!(change.action, Action::Delete).then_some("destroyed");
                match deposed_key {
                    // The current object (the replacement) stays.
                    Some(_) => Done {
                        step: index,
                        diagnostics,
                        object: None,
                        counted,
                        persisted: vec![removal],
                        skipped: false,
                    },
                    None => Done {
                        step: index,
                        diagnostics,
                        object: Some(None),
                        counted,
                        persisted: Vec::new(),
                        skipped: false,
                    },
                }
            }))
        }
        StepKind::Apply => {
            // Evaluate the configuration now that every dependency has its final value.
            let scope = op.scope(values);
            let each_value = each_value_of(op, resource, &addr, values, each_cache);
            let iscope = scope.for_instance(instance_context(&addr.key, each_value.as_ref()));
            let (config, diags) = match resource {
                Some(r) => batchform_config::decode::decode_body(
                    &r.body,
                    &schema.block,
                    &r.open_brace_range,
                    &iscope,
                ),
                None => (Value::NULL, Diagnostics::new()),
            };
            let mut diags = with_address(diags, &addr);
            diags.extend(scope.take_diagnostics());
            if diags.has_errors() {
                return immediate(diags);
            }
            let (prior, create) = match change.action {
                Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
                    (None, true)
                }
                _ => (current.clone().or(change.before.clone()), false),
            };
            let config = match (&prior, resource) {
                (Some(prior), Some(r)) => crate::planner::instance::apply_ignore_changes(
                    config,
                    prior,
                    &r.lifecycle.ignore_changes,
                ),
                _ => config,
            };
            let action = if change.action == Action::Read {
                Action::Read
            } else if create {
                Action::Create
            } else {
                Action::Update
            };
            let cbd = change.create_before_destroy;
            let dependencies = change.dependencies.clone();
            let provider_state_addr = change.provider_state_addr.clone();
            let resource_for_locate = resource.cloned();
            // create_before_destroy: the old object is deposed (atomically, in the journal)
            // before the new one is created, so that a crash never loses track of either.
            let depose = change.action == Action::CreateThenDelete && prior_object.is_some();
            Prepared::Task(Box::pin(async move {
                let mut persisted = Vec::new();
                let mut deposed_key = None;
                if depose {
                    let key = new_deposed_key();
                    let change =
                        StateChange::Depose { addr: addr.clone(), deposed_key: key.clone() };
                    if let Err(e) = persister.persist(change.clone()).await {
                        return Done {
                            step: index,
                            diagnostics: Diagnostics::from(persist_error(&e)),
                            object: None,
                            counted: None,
                            persisted,
                            skipped: false,
                        };
                    }
                    persisted.push(change);
                    deposed_key = Some(key);
                }
                // A create the provider can find again by a token is announced durably
                // first, so that an object made by a call whose answer is lost (a kill) is
                // adopted by the next plan instead of being orphaned.
                let mut create_token = None;
                if action == Action::Create && provider.finds_created(&addr.resource.type_name) {
                    let token = new_create_token();
                    let change = StateChange::IntendCreate {
                        intent: batchform_state::CreateIntent {
                            addr: addr.clone(),
                            provider: provider_state_addr.clone(),
                            token: token.clone(),
                            time: unix_now(),
                        },
                    };
                    if let Err(e) = persister.persist(change.clone()).await {
                        let mut diagnostics = Diagnostics::from(persist_error(&e));
                        let undo = Undo { persister: &*persister, admission: &admission };
                        undo.run(
                            &addr,
                            deposed_key.as_ref(),
                            None,
                            &mut persisted,
                            &mut diagnostics,
                        )
                        .await;
                        return Done {
                            step: index,
                            diagnostics,
                            object: None,
                            counted: None,
                            persisted,
                            skipped: false,
                        };
                    }
                    persisted.push(change);
                    create_token = Some(token);
                }
                let Some(slot) = admission.slot().await else {
                    // Stopped before the call: what was made ready is undone.
                    let mut diagnostics = Diagnostics::new();
                    let undo = Undo { persister: &*persister, admission: &admission };
                    undo.run(
                        &addr,
                        deposed_key.as_ref(),
                        create_token,
                        &mut persisted,
                        &mut diagnostics,
                    )
                    .await;
                    let mut done = Done::skipped(index, persisted);
                    done.diagnostics = diagnostics;
                    return done;
                };
                let started = Instant::now();
                let shown_prior =
                    if create { Value::NULL } else { prior.clone().unwrap_or(Value::NULL) };
                hooks.event(Event::ApplyStart {
                    addr: addr.clone(),
                    deposed: None,
                    action,
                    prior: shown_prior.clone(),
                });
                let result = if action == Action::Read {
                    let response = provider
                        .read_data_source(ReadDataSourceRequest {
                            type_name: addr.resource.type_name.clone(),
                            address: addr.to_string(),
                            config: config.clone(),
                        })
                        .await;
                    (response.state, Vec::new(), response.diagnostics)
                } else {
                    let proposed = proposed_new(&schema.block, &config, prior.as_ref());
                    let planned = provider
                        .plan_resource_change(PlanResourceChangeRequest {
                            type_name: addr.resource.type_name.clone(),
                            address: addr.to_string(),
                            prior_state: prior.clone(),
                            proposed_new_state: proposed.clone(),
                            config: config.clone(),
                            prior_private: Vec::new(),
                        })
                        .await;
                    if planned.diagnostics.has_errors() {
                        (None, Vec::new(), planned.diagnostics)
                    } else {
                        let request = ApplyResourceChangeRequest {
                            type_name: addr.resource.type_name.clone(),
                            address: addr.to_string(),
                            prior_state: prior.clone(),
                            planned_state: Some(planned.planned_state.unwrap_or(proposed)),
                            config: config.clone(),
                            planned_private: planned.planned_private,
                            create_token: create_token.clone(),
                        };
                        let response = with_progress(
                            &*hooks,
                            &addr,
                            action,
                            shown_prior.clone(),
                            provider.apply_resource_change(request),
                        )
                        .await;
                        (response.new_state, response.private, response.diagnostics)
                    }
                };
                drop((slot, permit));
                // The task the slot went to runs first: its call is on the walk's critical
                // path, recording this result is not (dependents wait for it either way).
                tokio::task::yield_now().await;
                let (new_state, _private, diags) = result;
                let mut diagnostics =
                    locate(with_address(diags, &addr), resource_for_locate.as_ref());
                let failed = diagnostics.has_errors();
                // Whatever the provider says exists is recorded, even after an error, so
                // that nothing it created is ever lost.
                let mut object_out = None;
                if let Some(new_value) = new_state {
                    let new_value = crate::values::copy_marks(new_value, &config);
                    match object_to_state(&new_value, &schema) {
                        Ok((json, paths)) => {
                            let mut object = prior_object
                                .filter(|_| !create)
                                .unwrap_or_else(|| ObjectState::new(serde_json::Value::Null));
                            object.attributes = json;
                            object.sensitive_attributes = paths;
                            object.schema_version = schema.version;
                            object.dependencies = dependencies;
                            object.create_before_destroy = cbd;
                            object.status = if failed && create {
                                batchform_state::ObjectStatus::Tainted
                            } else {
                                batchform_state::ObjectStatus::Ready
                            };
                            let mut changes = vec![StateChange::SetCurrent {
                                addr: addr.clone(),
                                provider: provider_state_addr,
                                object: object.clone(),
                            }];
                            // The object is recorded: the intent is accounted for, in the same
                            // sync (a crash that keeps only the object leaves an intent the next
                            // plan finds already in state).
                            let resolve = create_token
                                .take()
                                .map(|token| StateChange::ResolveCreate { token });
                            changes.extend(resolve.clone());
                            match persister.persist_all(changes).await {
                                Ok(()) => persisted.extend(resolve),
                                Err(e) => diagnostics.push(persist_error(&e)),
                            }
                            object_out = Some(Some((new_value, object)));
                        }
                        Err(e) => diagnostics.push(Diagnostic::error(
                            "Provider produced invalid object",
                            format!("{addr}: {e}"),
                        )),
                    }
                }
                if let (Some(key), None) = (&deposed_key, &object_out) {
                    // No replacement exists: the old object is current again.
                    restore_deposed(&*persister, &addr, key, &mut persisted, &mut diagnostics)
                        .await;
                }
                if diagnostics.has_errors() {
                    hooks.event(Event::ApplyErrored {
                        addr: addr.clone(),
                        action,
                        elapsed: started.elapsed(),
                    });
                    return Done {
                        step: index,
                        diagnostics,
                        object: object_out,
                        counted: None,
                        persisted,
                        skipped: false,
                    };
                }
                let new = object_out.as_ref().and_then(|o| o.as_ref()).map(|(v, _)| v.clone());
                hooks.event(Event::ApplyComplete {
                    addr: addr.clone(),
                    action,
                    new,
                    elapsed: started.elapsed(),
                });
                let counted = match (action, create) {
                    (Action::Read, _) => None,
                    (_, true) => Some("added"),
                    (_, false) => Some("changed"),
                };
                Done {
                    step: index,
                    diagnostics,
                    object: object_out,
                    counted,
                    persisted,
                    skipped: false,
                }
            }))
        }
    }
}

/// A create intent's token: 16 random bytes in hex, prefixed `bf-`.
fn new_create_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes = (nanos ^ u128::from(std::process::id())).to_be_bytes();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("bf-{hex}")
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A deposed object's key: 8 random hex digits, as Terraform's.
pub(crate) fn new_deposed_key() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        // Unique enough within one instance when randomness is unavailable.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        bytes = nanos.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `for_each` maps of resources, evaluated once per resource (a resource's instances are
/// applied after all its dependencies, so the map is final when the first one asks).
#[derive(Default)]
pub(crate) struct ForEachCache(
    std::cell::RefCell<HashMap<ResourceAddr, Option<BTreeMap<String, Value>>>>,
);

/// `each.value` of a `for_each` instance: the configuration's value for its key.
pub(crate) fn each_value_of(
    op: &Operation<'_>,
    resource: Option<&batchform_config::model::Resource>,
    addr: &InstanceAddr,
    values: &InstanceValues,
    cache: &ForEachCache,
) -> Option<Value> {
    let resource = resource?;
    let expr = resource.for_each.as_ref()?;
    let key = match &addr.key {
        batchform_core::InstanceKey::Str(s) => s.clone(),
        _ => return None,
    };
    let mut cache = cache.0.borrow_mut();
    let items = cache.entry(addr.resource.clone()).or_insert_with(|| {
        let scope = op.scope(values);
        let v = scope.eval(expr).ok()?;
        let items = batchform_config::validate::for_each_value(&v, &expr.range).ok()??;
        Some(items.into_iter().collect())
    });
    items.as_ref()?.get(&key).cloned()
}

/// Run a provider call, reporting progress every 10 seconds.
async fn with_progress<F: std::future::Future>(
    hooks: &dyn crate::hooks::Hooks,
    addr: &InstanceAddr,
    action: Action,
    prior: Value,
    fut: F,
) -> F::Output {
    let started = Instant::now();
    tokio::pin!(fut);
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(10),
        Duration::from_secs(10),
    );
    loop {
        tokio::select! {
            out = &mut fut => return out,
            _ = ticker.tick() => hooks.event(Event::ApplyProgress { addr: addr.clone(), action, prior: prior.clone(), elapsed: started.elapsed() }),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn complete(
    op: &Operation<'_>,
    done: Done,
    steps: &mut [Step],
    ready: &mut VecDeque<usize>,
    failed: &mut HashSet<usize>,
    values: &mut InstanceValues,
    outcome: &mut ApplyOutcome,
    changes: &[&InstanceChange],
    checked: &mut BTreeMap<InstanceAddr, crate::planner::instance::RulesOutcome>,
    each_cache: &ForEachCache,
) {
    let step = done.step;
    let mut ok = !done.diagnostics.has_errors();
    outcome.diagnostics.extend(done.diagnostics);
    for change in &done.persisted {
        outcome.state.apply(change);
    }
    if done.skipped {
        // Still to do: the walk ends interrupted with this step ready.
        ready.push_back(step);
        return;
    }
    if let Some(ci) = steps[step].change {
        let addr = &changes[ci].addr;
        match done.object {
            Some(Some((value, object))) => {
                values.set(&addr.resource, addr.key.clone(), value.clone());
                outcome.state.set_current(addr, &changes[ci].provider_state_addr, object);
                // Postconditions see the new object; a failure stops the dependents (the
                // object stays recorded, as Terraform does).
                if ok && steps[step].kind == StepKind::Apply {
                    if let Some(result) =
                        crate::checks::conditions(op, values, addr, Some(value), each_cache)
                    {
                        if result.diagnostics.has_errors() {
                            ok = false;
                        }
                        outcome.diagnostics.extend(result.diagnostics.clone());
                        checked.insert(addr.clone(), result);
                    }
                }
            }
            Some(None) => {
                values.remove(&addr.resource, &addr.key);
                outcome.state.remove_current(addr);
            }
            None => {}
        }
        if ok {
            match done.counted {
                Some("added") => outcome.added += 1,
                Some("changed") => outcome.changed += 1,
                Some("destroyed") => outcome.destroyed += 1,
                _ => {}
            }
            if changes[ci].action.is_replace() && steps[step].kind != StepKind::Apply {
                outcome.destroyed += 1;
            }
        }
    }
    steps[step].done = ok;
    if !ok {
        for s in steps[step].successors.clone() {
            mark_failed(steps, s, failed);
        }
    }
    for s in steps[step].successors.clone() {
        steps[s].waiting_for -= 1;
        if steps[s].waiting_for == 0 {
            ready.push_back(s);
        }
    }
}

/// Evaluate and persist the outputs once everything else is done.
async fn finish_outputs(
    op: &Operation<'_>,
    plan: &Plan,
    outcome: &mut ApplyOutcome,
    values: &InstanceValues,
    persister: &dyn Persister,
) {
    let (changes, diags) = if plan.mode == PlanMode::Destroy {
        let removed = outcome.state.outputs.keys().map(|n| crate::plan::OutputChange {
            name: n.clone(),
            action: Action::Delete,
            before: None,
            after: None,
            sensitive: false,
        });
        (removed.collect(), Diagnostics::new())
    } else {
        crate::planner::plan_outputs(op, values, &outcome.state, PlanMode::Normal)
    };
    outcome.diagnostics.extend(diags);
    for change in changes {
        let state_change = match (&change.action, &change.after) {
            (Action::Delete, _) => StateChange::RemoveOutput { name: change.name.clone() },
            // Terraform keeps no null outputs in state: `output -json` omits them.
            (_, Some(v)) if v.is_null() => {
                if !outcome.state.outputs.contains_key(&change.name) {
                    continue;
                }
                StateChange::RemoveOutput { name: change.name.clone() }
            }
            (_, Some(v)) => {
                let (bare, _) = v.clone().unmark_deep();
                let Ok(json) = batchform_core::json::to_json(&bare) else { continue };
                StateChange::SetOutput {
                    name: change.name.clone(),
                    output: batchform_state::OutputValue {
                        value: json,
                        value_type: bare.ty().to_json(),
                        sensitive: change.sensitive,
                    },
                }
            }
            _ => continue,
        };
        if let Err(e) = persister.persist(state_change.clone()).await {
            outcome.diagnostics.push(persist_error(&e));
            return;
        }
        outcome.state.apply(&state_change);
    }
}

/// The state changes that turn `prior` into `refreshed` (drift, deletions found by refresh,
/// data sources read while planning).
fn refresh_changes(
    prior: &State,
    refreshed: &State,
    config: &batchform_config::model::Config,
) -> Vec<StateChange> {
    let _ = config;
    let mut out = Vec::new();
    let before: BTreeMap<InstanceAddr, &ObjectState> = prior.current_objects().collect();
    let after: BTreeMap<InstanceAddr, &ObjectState> = refreshed.current_objects().collect();
    for (addr, obj) in &after {
        if before.get(addr) != Some(obj) {
            let provider = refreshed.provider(&addr.resource).unwrap_or_default().to_string();
            out.push(StateChange::SetCurrent {
                addr: addr.clone(),
                provider,
                object: (*obj).clone(),
            });
        }
    }
    for addr in before.keys() {
        if !after.contains_key(addr) {
            out.push(StateChange::RemoveCurrent { addr: addr.clone() });
        }
    }
    // Deposed objects adopted from interrupted creates.
    for (raddr, resource) in refreshed.ordered_resources() {
        for (key, instance) in &resource.instances {
            let addr = raddr.instance(key.clone());
            let old = prior.resource(raddr).and_then(|r| r.instances.get(key));
            for (deposed_key, object) in &instance.deposed {
                if old.and_then(|i| i.deposed.get(deposed_key)) != Some(object) {
                    out.push(StateChange::SetDeposed {
                        addr: addr.clone(),
                        deposed_key: deposed_key.clone(),
                        provider: resource.provider.clone(),
                        object: object.clone(),
                    });
                }
            }
        }
    }
    // Create intents the plan resolved, after the objects they found.
    for token in prior.pending_creates.keys() {
        if !refreshed.pending_creates.contains_key(token) {
            out.push(StateChange::ResolveCreate { token: token.clone() });
        }
    }
    out
}
