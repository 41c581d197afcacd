//! Planning: refresh what state holds, walk the resources in dependency order expanding
//! `count` / `for_each`, ask each instance's provider for its planned object, decide the
//! action with Terraform's rules and reasons, plan deletions of what the configuration no
//! longer has, and evaluate the outputs.

pub(crate) mod instance;
mod intents;
mod prepare;
mod refresh;

use refresh::Refreshing;

pub use instance::{check_rules, expr_to_path, proposed_new};

use crate::graph::DepGraph;
use crate::operation::Operation;
use crate::plan::{
    Action, ActionReason, Deferred, DeferredReason, InstanceChange, OutputChange, Plan, PlanMode,
};
use crate::values::{InstanceValues, Repetition, object_from_state};
use batchform_config::validate::{count_value, for_each_value};
use batchform_core::{
    Diagnostic, Diagnostics, InstanceAddr, InstanceKey, Mode, ResourceAddr, TargetAddr, Type, Value,
};
use batchform_state::State;
use std::collections::{BTreeMap, BTreeSet};

/// How to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub mode: PlanMode,
    /// Read every object in state from its provider first (`-refresh=false` turns it off).
    pub refresh: bool,
    pub targets: Vec<TargetAddr>,
    /// `-replace=ADDR`.
    pub replace: Vec<InstanceAddr>,
}

/// Make a plan from `prior` (the state as read).
pub async fn plan(op: &Operation<'_>, prior: State, opts: &PlanOptions) -> Plan {
    let mut diags = Diagnostics::new();
    // Implied moves apply before the refresh; the prior state keeps the old addresses so
    // that applying the plan records the move.
    let mut moved_prior = prior.clone();
    let moved = prepare::implied_moves(op.config, &mut moved_prior);
    // Creates interrupted before their result was recorded: adopt what they made, so that
    // it is refreshed and planned like everything else.
    diags.extend(intents::recover(op, &mut moved_prior).await);
    // The reads start now; the walk waits for each instance's read just before planning it.
    let mut refreshed = moved_prior;
    let graph = DepGraph::build(op.config);
    let order = graph.as_ref().map(|g| g.order.as_slice()).unwrap_or_default();
    let mut refreshing = opts.refresh.then(|| refresh::start(op, &refreshed, order));
    // Everything but the normal walk looks at the whole refreshed state first; so does a
    // plan with import blocks (an import needs to know whether the object is in state).
    // A configuration the graph rejects ends the plan before the walk: its refresh is whole.
    let overlap = graph.is_ok() && opts.mode != PlanMode::Destroy && op.config.imports.is_empty();
    let mut drift = Vec::new();
    if !overlap && let Some(r) = refreshing.take() {
        let (found, d) = r.finish(&mut refreshed).await;
        drift = found;
        diags.extend(d);
    }
    let mut importing = BTreeMap::new();
    if opts.mode == PlanMode::Normal && !diags.has_errors() {
        let (imported, d) = prepare::import_blocks(op, &mut refreshed).await;
        importing = imported;
        diags.extend(d);
    }
    let mut plan = Plan {
        mode: opts.mode,
        changes: Vec::new(),
        outputs: Vec::new(),
        drift,
        deferred: Vec::new(),
        variables: op.variables.clone(),
        targets: opts.targets.clone(),
        replace: opts.replace.clone(),
        prior_state: prior,
        refreshed_state: refreshed,
        diagnostics: Diagnostics::new(),
        errored: false,
        timestamp: String::new(),
        relevant_attributes: Vec::new(),
        checks: serde_json::Value::Null,
    };
    // A failed read stops the plan at the refresh: the walk's findings are dropped.
    let refresh_failed = |plan: &mut Plan, diags: Diagnostics| {
        plan.diagnostics = diags;
        plan.errored = true;
    };
    if diags.has_errors() || refreshing.as_ref().is_some_and(Refreshing::has_errors) {
        if let Some(r) = refreshing.take() {
            let (found, d) = r.finish(&mut plan.refreshed_state).await;
            plan.drift = found;
            diags.extend(d);
        }
        refresh_failed(&mut plan, diags);
        return plan;
    }
    let graph = match graph {
        Ok(g) => g,
        Err(d) => {
            diags.extend(d);
            plan.diagnostics = diags;
            plan.errored = true;
            return plan;
        }
    };
    match opts.mode {
        PlanMode::Destroy => {
            diags.extend(plan_destroy(op, &mut plan, opts));
            if !opts.targets.is_empty() {
                diags.push(targeting_warning());
            }
        }
        PlanMode::RefreshOnly | PlanMode::Normal => {
            let mut walk = Walk::new(op, &graph, &mut plan, opts);
            walk.importing = importing;
            walk.moved = moved;
            walk.refreshing = refreshing;
            walk.run().await;
            let Walk { values, changes, deferred, diags: walk_diags, refreshing, .. } = walk;
            if let Some(r) = refreshing {
                let (found, d) = r.finish(&mut plan.refreshed_state).await;
                plan.drift = found;
                if d.has_errors() {
                    diags.extend(d);
                    refresh_failed(&mut plan, diags);
                    return plan;
                }
                diags.extend(d);
            }
            diags.extend(walk_diags);
            if opts.mode == PlanMode::Normal {
                plan.changes = changes.into_values().collect();
            }
            plan.deferred = deferred
                .into_iter()
                .map(|(addr, (reason, kind))| Deferred { addr, reason, kind })
                .collect();
            if !opts.targets.is_empty() {
                diags.push(targeting_warning());
            }
            if !diags.has_errors() {
                let (outputs, d) = plan_outputs(op, &values, &plan.refreshed_state, plan.mode);
                plan.outputs = outputs;
                diags.extend(d);
            }
            plan.checks = crate::checks::results(
                op,
                &values,
                &BTreeMap::new(),
                &std::collections::HashSet::new(),
                !diags.has_errors(),
                &crate::apply::ForEachCache::default(),
            );
        }
    }
    if matches!(opts.mode, PlanMode::Normal | PlanMode::Destroy) {
        plan_deposed(op, &mut plan, opts);
    }
    plan.relevant_attributes = crate::relevant::relevant_attributes(op.config, &plan);
    plan.errored = diags.has_errors();
    plan.diagnostics = diags;
    plan
}

/// Objects left deposed by an interrupted `create_before_destroy` replacement are destroyed
/// (Terraform's "left over from a partially-failed replacement").
fn plan_deposed(op: &Operation<'_>, plan: &mut Plan, opts: &PlanOptions) {
    let mut leftovers = Vec::new();
    for (resource_addr, resource) in plan.refreshed_state.ordered_resources() {
        for (key, instance) in &resource.instances {
            let addr = resource_addr.instance(key.clone());
            if !opts.targets.is_empty() && !opts.targets.iter().any(|t| t.contains(&addr)) {
                continue;
            }
            for (deposed_key, object) in &instance.deposed {
                let provider = crate::providers::parse_state_address(&resource.provider)
                    .unwrap_or_else(|| {
                        batchform_config::model::ProviderConfigAddr::implied_by_type(
                            &resource_addr.type_name,
                        )
                    });
                let before = op
                    .providers
                    .resource_schema(&provider, Mode::Managed, &resource_addr.type_name)
                    .and_then(|s| object_from_state(object, s).ok());
                leftovers.push(InstanceChange {
                    addr: addr.clone(),
                    provider,
                    provider_state_addr: resource.provider.clone(),
                    action: Action::Delete,
                    reason: None,
                    before,
                    after: None,
                    replace_paths: Vec::new(),
                    private: Vec::new(),
                    schema_version: object.schema_version,
                    create_before_destroy: object.create_before_destroy,
                    dependencies: object.dependencies.clone(),
                    importing: None,
                    previous_address: None,
                    deposed: Some(deposed_key.clone()),
                });
            }
        }
    }
    plan.changes.extend(leftovers);
}

fn targeting_warning() -> Diagnostic {
    Diagnostic::warning(
        "Resource targeting is in effect",
        "You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when batchform specifically suggests to use it as part of an error message.",
    )
}

/// Every object in state is destroyed, dependents first (the apply walk orders them). With
/// `-target`, only the targeted instances and the objects that depend on them (by the
/// dependencies recorded in state). `prevent_destroy` in the configuration fails the plan.
fn plan_destroy(op: &Operation<'_>, plan: &mut Plan, opts: &PlanOptions) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let state = &plan.refreshed_state;
    let targeted_resources: std::collections::BTreeSet<&ResourceAddr> =
        opts.targets.iter().map(|t| t.resource()).collect();
    for (addr, object) in state.current_objects() {
        if addr.resource.mode == Mode::Data {
            continue;
        }
        if !opts.targets.is_empty()
            && !opts.targets.iter().any(|t| t.contains(&addr))
            && !object.dependencies.iter().any(|d| targeted_resources.contains(d))
        {
            continue;
        }
        if let Some(resource) = op.config.resources.get(&addr.resource)
            && resource.lifecycle.prevent_destroy
        {
            diags.push(prevent_destroy_error(&addr, resource));
        }
        let provider_state_addr = state.provider(&addr.resource).unwrap_or_default().to_string();
        let provider =
            crate::providers::parse_state_address(&provider_state_addr).unwrap_or_else(|| {
                batchform_config::model::ProviderConfigAddr::implied_by_type(
                    &addr.resource.type_name,
                )
            });
        let before = op
            .providers
            .resource_schema(&provider, Mode::Managed, &addr.resource.type_name)
            .and_then(|s| object_from_state(object, s).ok());
        plan.changes.push(InstanceChange {
            addr: addr.clone(),
            provider,
            provider_state_addr,
            action: Action::Delete,
            reason: None,
            before,
            after: None,
            replace_paths: Vec::new(),
            private: Vec::new(),
            schema_version: object.schema_version,
            create_before_destroy: false,
            dependencies: object.dependencies.clone(),
            importing: None,
            previous_address: None,
            deposed: None,
        });
    }
    if !opts.targets.is_empty() {
        // Outputs are left alone by a targeted destroy.
        return diags;
    }
    plan.outputs = plan
        .refreshed_state
        .outputs
        .iter()
        .map(|(name, o)| OutputChange {
            name: name.clone(),
            action: Action::Delete,
            before: output_value(o),
            after: None,
            sensitive: o.sensitive,
        })
        .collect();
    diags
}

/// A state output as a value.
pub(crate) fn output_value(o: &batchform_state::OutputValue) -> Option<Value> {
    let ty = Type::from_json(&o.value_type)?;
    batchform_core::json::from_json_typed(&o.value, &ty).ok().map(|v| v.with_sensitive(o.sensitive))
}

/// Evaluate the outputs against the planned values and compare with state.
pub(crate) fn plan_outputs(
    op: &Operation<'_>,
    values: &InstanceValues,
    state: &State,
    mode: PlanMode,
) -> (Vec<OutputChange>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut out = Vec::new();
    let scope = op.scope(values);
    for (name, output) in &op.config.outputs {
        let Some(expr) = &output.value else { continue };
        let after = match scope.eval(expr) {
            Ok(v) => v,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        if after.contains_sensitive() && !output.sensitive {
            diags.push(
                Diagnostic::error(
                    "Output refers to sensitive values",
                    "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, batchform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                )
                .with_subject(Some(output.decl_range.clone())),
            );
            continue;
        }
        let after = after.with_sensitive(output.sensitive);
        let stored = state.outputs.get(name);
        let before = stored.and_then(output_value);
        let before_null = before.as_ref().is_none_or(Value::is_null);
        // Terraform's output actions (node_output.go); the state keeps no null outputs.
        let action = match &before {
            _ if after.is_null() && before_null => Action::NoOp,
            _ if after.is_null() => Action::Delete,
            None => Action::Create,
            _ if before_null => Action::Create,
            Some(b)
                if after.is_wholly_known()
                    && b.eq_ignoring_marks(&after)
                    && stored.is_some_and(|o| o.sensitive == output.sensitive) =>
            {
                Action::NoOp
            }
            Some(_) => Action::Update,
        };
        out.push(OutputChange {
            name: name.clone(),
            action,
            before,
            after: Some(after),
            sensitive: output.sensitive,
        });
    }
    diags.extend(scope.take_diagnostics());
    if mode != PlanMode::RefreshOnly || !op.config.outputs.is_empty() {
        for (name, o) in &state.outputs {
            if !op.config.outputs.contains_key(name) {
                out.push(OutputChange {
                    name: name.clone(),
                    action: Action::Delete,
                    before: output_value(o),
                    after: None,
                    sensitive: o.sensitive,
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, diags)
}

/// The planning walk over resources in dependency order.
struct Walk<'w, 'a> {
    op: &'w Operation<'a>,
    graph: &'w DepGraph,
    plan: &'w mut Plan,
    opts: &'w PlanOptions,
    values: InstanceValues,
    changes: BTreeMap<InstanceAddr, InstanceChange>,
    deferred: BTreeMap<ResourceAddr, (String, DeferredReason)>,
    diags: Diagnostics,
    /// Targeted resources and their dependencies, when `-target` is used.
    allowed: Option<BTreeSet<ResourceAddr>>,
    /// Instances being imported by `import` blocks, with their ids.
    importing: BTreeMap<InstanceAddr, String>,
    /// Instances that moved: new address → previous address.
    moved: BTreeMap<InstanceAddr, InstanceAddr>,
    /// Reads of the refresh still in flight.
    refreshing: Option<Refreshing>,
}

impl<'w, 'a> Walk<'w, 'a> {
    fn new(
        op: &'w Operation<'a>,
        graph: &'w DepGraph,
        plan: &'w mut Plan,
        opts: &'w PlanOptions,
    ) -> Self {
        let allowed = (!opts.targets.is_empty()).then(|| {
            let targeted: BTreeSet<ResourceAddr> =
                opts.targets.iter().map(|t| t.resource().clone()).collect();
            graph.with_dependencies(&targeted)
        });
        Walk {
            op,
            graph,
            plan,
            opts,
            values: InstanceValues::new(),
            changes: BTreeMap::new(),
            deferred: BTreeMap::new(),
            diags: Diagnostics::new(),
            allowed,
            importing: BTreeMap::new(),
            moved: BTreeMap::new(),
            refreshing: None,
        }
    }

    /// Wait for the refresh of `inst` (if it is being read).
    async fn refreshed_instance(&mut self, inst: &InstanceAddr) {
        if let Some(r) = &mut self.refreshing {
            r.instance(&mut self.plan.refreshed_state, inst).await;
        }
    }

    /// Wait for the refresh of every instance of `addr`.
    async fn refreshed_resource(&mut self, addr: &ResourceAddr) {
        if let Some(r) = &mut self.refreshing {
            r.resource(&mut self.plan.refreshed_state, addr).await;
        }
    }

    /// Whether a read of the refresh failed (the walk stops: the plan ends at the refresh).
    fn refresh_failed(&self) -> bool {
        self.refreshing.as_ref().is_some_and(Refreshing::has_errors)
    }

    fn targeted(&self, addr: &InstanceAddr) -> bool {
        self.opts.targets.is_empty() || self.opts.targets.iter().any(|t| t.contains(addr))
    }

    async fn run(&mut self) {
        let order = self.graph.order.clone();
        for addr in &order {
            if self.refresh_failed() {
                return;
            }
            self.resource(addr).await;
        }
        if self.opts.mode == PlanMode::Normal {
            if let Some(r) = &mut self.refreshing {
                r.all(&mut self.plan.refreshed_state).await;
            }
            self.orphaned_resources();
        }
    }

    /// Values of a resource from the refreshed state (skipped by targeting or refresh-only).
    fn values_from_state(&mut self, addr: &ResourceAddr, repetition: Repetition) {
        let op = self.op;
        let Some(resource) = op.config.resources.get(addr) else { return };
        self.values.declare(addr, repetition);
        let Some(state_resource) = self.plan.refreshed_state.resource(addr) else { return };
        let Some(schema) =
            op.providers.resource_schema(&resource.provider, addr.mode, &addr.type_name)
        else {
            return;
        };
        for (key, inst) in &state_resource.instances {
            if let Some(obj) = &inst.current {
                if let Ok(v) = object_from_state(obj, schema) {
                    self.values.set(addr, key.clone(), v);
                }
            }
        }
    }

    async fn resource(&mut self, addr: &ResourceAddr) {
        let op = self.op;
        let Some(resource) = op.config.resources.get(addr) else { return };
        let repetition = Repetition::of(resource);
        // A refresh-only plan changes nothing, but reads data sources again (Terraform does).
        if self.allowed.as_ref().is_some_and(|a| !a.contains(addr))
            || (self.opts.mode == PlanMode::RefreshOnly && addr.mode == Mode::Managed)
        {
            self.refreshed_resource(addr).await;
            self.values_from_state(addr, repetition);
            return;
        }
        // Waiting for a deferred resource?
        if let Some(dep) = self
            .graph
            .direct
            .get(addr)
            .and_then(|deps| deps.iter().find(|d| self.deferred.contains_key(*d)))
        {
            let reason = format!("it depends on {dep}, which is deferred");
            self.deferred.insert(addr.clone(), (reason, DeferredReason::DeferredPrereq));
            self.values.set_unknown(addr, Type::Dynamic);
            return;
        }
        let Some(entry) = op.providers.get(&resource.provider) else {
            self.diags.push(
                Diagnostic::error(
                    "Provider configuration not present",
                    format!(
                        "There is no provider configuration {} available for {addr}.",
                        resource.provider
                    ),
                )
                .with_subject(Some(resource.decl_range.clone())),
            );
            self.values.set_unknown(addr, Type::Dynamic);
            return;
        };
        let schema = match addr.mode {
            Mode::Managed => entry.schema.resources.get(&addr.type_name),
            Mode::Data => entry.schema.data_sources.get(&addr.type_name),
        };
        let Some(schema) = schema.cloned() else {
            self.diags.push(
                Diagnostic::error(
                    if addr.mode == Mode::Data {
                        "Invalid data source"
                    } else {
                        "Invalid resource type"
                    },
                    format!(
                        "The provider {} does not support {} {:?}.",
                        entry.state_addr,
                        if addr.mode == Mode::Data { "data source" } else { "resource type" },
                        addr.type_name
                    ),
                )
                .with_subject(Some(resource.decl_range.clone())),
            );
            self.values.set_unknown(addr, Type::Dynamic);
            return;
        };
        // Expand count / for_each.
        let keys = match self.expand(addr, resource) {
            Ok(Some(keys)) => keys,
            Ok(None) => return,
            Err(d) => {
                self.diags.extend(d);
                self.values.set_unknown(addr, Type::Dynamic);
                return;
            }
        };
        self.values.declare(addr, repetition);
        let wanted: BTreeSet<InstanceKey> = keys.iter().map(|(k, _)| k.clone()).collect();
        for (key, each_value) in keys {
            let inst = addr.instance(key.clone());
            self.refreshed_instance(&inst).await;
            if self.refresh_failed() {
                return;
            }
            if !self.targeted(&inst) {
                if let Some(v) = self.state_value(&inst, &schema) {
                    self.values.set(addr, key, v);
                }
                continue;
            }
            let plan_inst =
                instance::InstancePlanner { walk: self, resource, schema: &schema, entry };
            plan_inst.plan(&inst, each_value.as_ref()).await;
        }
        if addr.mode == Mode::Managed {
            self.refreshed_resource(addr).await;
            self.orphaned_instances(addr, resource, &wanted, repetition);
        }
    }

    fn state_value(
        &self,
        inst: &InstanceAddr,
        schema: &batchform_core::schema::Schema,
    ) -> Option<Value> {
        self.plan.refreshed_state.current(inst).and_then(|o| object_from_state(o, schema).ok())
    }

    /// The instance keys of a resource; `Ok(None)` when it is deferred.
    #[allow(clippy::type_complexity)]
    fn expand(
        &mut self,
        addr: &ResourceAddr,
        resource: &batchform_config::model::Resource,
    ) -> Result<Option<Vec<(InstanceKey, Option<Value>)>>, Diagnostics> {
        enum Expansion {
            Keys(Vec<(InstanceKey, Option<Value>)>),
            Deferred(&'static str),
        }
        let scope = self.op.scope(&self.values);
        let result = (|| -> Result<Expansion, Diagnostics> {
            if let Some(count) = &resource.count {
                let v = scope.eval(count)?;
                Ok(match count_value(&v, &count.range).map_err(Diagnostics::from)? {
                    Some(n) => {
                        Expansion::Keys((0..n).map(|i| (InstanceKey::Int(i), None)).collect())
                    }
                    None => Expansion::Deferred(
                        "its \"count\" depends on values known only after apply",
                    ),
                })
            } else if let Some(for_each) = &resource.for_each {
                let v = scope.eval(for_each)?;
                Ok(match for_each_value(&v, &for_each.range).map_err(Diagnostics::from)? {
                    Some(items) => Expansion::Keys(
                        items.into_iter().map(|(k, v)| (InstanceKey::Str(k), Some(v))).collect(),
                    ),
                    None => Expansion::Deferred(
                        "its \"for_each\" keys depend on values known only after apply",
                    ),
                })
            } else {
                Ok(Expansion::Keys(vec![(InstanceKey::None, None)]))
            }
        })();
        let more = scope.take_diagnostics();
        drop(scope);
        if more.has_errors() {
            return Err(more);
        }
        match result? {
            Expansion::Keys(keys) => Ok(Some(keys)),
            Expansion::Deferred(reason) => {
                self.defer(addr, reason);
                Ok(None)
            }
        }
    }

    fn defer(&mut self, addr: &ResourceAddr, reason: &str) {
        self.deferred
            .insert(addr.clone(), (reason.to_string(), DeferredReason::InstanceCountUnknown));
        self.values.set_unknown(addr, Type::Dynamic);
    }

    /// Instances in state that the configuration no longer has.
    fn orphaned_instances(
        &mut self,
        addr: &ResourceAddr,
        resource: &batchform_config::model::Resource,
        wanted: &BTreeSet<InstanceKey>,
        repetition: Repetition,
    ) {
        let Some(state_resource) = self.plan.refreshed_state.resource(addr) else { return };
        let orphans: Vec<InstanceKey> =
            state_resource.instances.keys().filter(|k| !wanted.contains(*k)).cloned().collect();
        for key in orphans {
            let inst = addr.instance(key.clone());
            if !self.targeted(&inst) {
                continue;
            }
            let reason = match (&key, repetition) {
                (InstanceKey::Int(_), Repetition::Count) => ActionReason::DeleteBecauseCountIndex,
                (InstanceKey::Str(_), Repetition::ForEach) => ActionReason::DeleteBecauseEachKey,
                _ => ActionReason::DeleteBecauseWrongRepetition,
            };
            self.plan_delete(
                &inst,
                Some(reason),
                resource.lifecycle.prevent_destroy.then_some(resource),
            );
        }
    }

    /// Resources in state that the configuration no longer has.
    fn orphaned_resources(&mut self) {
        let orphans: Vec<InstanceAddr> = self
            .plan
            .refreshed_state
            .instance_addrs()
            .filter(|a| {
                a.resource.mode == Mode::Managed
                    && !self.op.config.resources.contains_key(&a.resource)
            })
            .collect();
        for inst in orphans {
            if self.targeted(&inst) {
                self.plan_delete(&inst, Some(ActionReason::DeleteBecauseNoResourceConfig), None);
            }
        }
    }

    fn plan_delete(
        &mut self,
        inst: &InstanceAddr,
        reason: Option<ActionReason>,
        prevent: Option<&batchform_config::model::Resource>,
    ) {
        let state = &self.plan.refreshed_state;
        let Some(object) = state.current(inst) else { return };
        let provider_state_addr = state.provider(&inst.resource).unwrap_or_default().to_string();
        let provider =
            crate::providers::parse_state_address(&provider_state_addr).unwrap_or_else(|| {
                batchform_config::model::ProviderConfigAddr::implied_by_type(
                    &inst.resource.type_name,
                )
            });
        if let Some(resource) = prevent {
            self.diags.push(prevent_destroy_error(inst, resource));
            return;
        }
        let before = self
            .op
            .providers
            .resource_schema(&provider, Mode::Managed, &inst.resource.type_name)
            .and_then(|s| object_from_state(object, s).ok());
        let change = InstanceChange {
            addr: inst.clone(),
            provider,
            provider_state_addr,
            action: Action::Delete,
            reason,
            before,
            after: None,
            replace_paths: Vec::new(),
            private: Vec::new(),
            schema_version: object.schema_version,
            create_before_destroy: object.create_before_destroy,
            dependencies: object.dependencies.clone(),
            importing: None,
            previous_address: self.moved.get(inst).cloned(),
            deposed: None,
        };
        self.changes.insert(inst.clone(), change);
    }
}

pub(crate) fn prevent_destroy_error(
    inst: &InstanceAddr,
    resource: &batchform_config::model::Resource,
) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!(
            "Resource {} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option.",
            inst.resource
        ),
    )
    .with_subject(Some(resource.decl_range.clone()))
}
