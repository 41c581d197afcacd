//! Planning one instance: evaluate its configuration, merge it with the prior object, ask the
//! provider, and decide the action (Terraform's `NodePlannableResourceInstance`).

use super::Walk;
use crate::operation::{instance_context, locate, with_address};
use crate::plan::{Action, ActionReason, InstanceChange};
use crate::providers::ProviderEntry;
use crate::values::object_from_state;
use batchform_config::ast::{Expr, ExprKind, Step, StepKind};
use batchform_config::model::{CheckRule, IgnoreChanges, Resource};
use batchform_config::scope::InstanceScope;
use batchform_core::diagnostic::ExpressionValue;
use batchform_core::provider::{PlanResourceChangeRequest, ReadDataSourceRequest};
use batchform_core::schema::{Block, Schema};
use batchform_core::{
    AttrPath, Diagnostic, Diagnostics, InstanceAddr, InstanceKey, Mode, PathStep, Type, Value,
};
use std::collections::BTreeMap;

pub(super) struct InstancePlanner<'p, 'w, 'a> {
    pub walk: &'p mut Walk<'w, 'a>,
    pub resource: &'p Resource,
    pub schema: &'p Schema,
    pub entry: &'p ProviderEntry,
}

/// Terraform's `objchange.ProposedNew`: configured values where the configuration sets
/// them; for computed attributes left unset, the prior value (or unknown when creating).
pub fn proposed_new(block: &Block, config: &Value, prior: Option<&Value>) -> Value {
    let mut out = std::collections::BTreeMap::new();
    for (name, attr) in &block.attributes {
        let configured = config.get_attr(name).cloned().unwrap_or(Value::Null(attr.ty.clone()));
        let value = if attr.computed && configured.is_null() {
            match prior.and_then(|p| p.get_attr(name)) {
                Some(p) => p.clone(),
                None => Value::unknown(attr.ty.clone()),
            }
        } else {
            configured
        };
        out.insert(name.clone(), value);
    }
    for name in block.block_types.keys() {
        let v = config.get_attr(name).cloned().unwrap_or(Value::NULL);
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// A static traversal relative to a resource (`metadata["k"]`, `tags.Name`) as a path.
pub fn expr_to_path(expr: &Expr) -> Option<AttrPath> {
    let (root, steps) = match &expr.kind {
        ExprKind::Variable(name) => (name.clone(), &[][..]),
        ExprKind::Traversal { source, steps } => match &source.kind {
            ExprKind::Variable(name) => (name.clone(), steps.as_slice()),
            _ => return None,
        },
        _ => return None,
    };
    let mut path = vec![PathStep::Attr(root)];
    for step in steps {
        path.push(match &step.kind {
            StepKind::GetAttr(a) => PathStep::Attr(a.clone()),
            StepKind::LegacyIndex(i) => PathStep::Index(*i as i64),
            StepKind::Index(k) => match &k.kind {
                ExprKind::String(s) => PathStep::Key(s.clone()),
                ExprKind::Number(n) => PathStep::Index(n.to_i64()?),
                _ => return None,
            },
            _ => return None,
        });
    }
    Some(AttrPath(path))
}

impl InstancePlanner<'_, '_, '_> {
    pub async fn plan(self, inst: &InstanceAddr, each_value: Option<&Value>) {
        match inst.resource.mode {
            Mode::Managed => self.plan_managed(inst, each_value).await,
            Mode::Data => self.plan_data(inst, each_value).await,
        }
    }

    /// Evaluate the instance's configuration; `None` after reporting errors.
    fn config_value(
        &mut self,
        inst: &InstanceAddr,
        each_value: Option<&Value>,
        self_value: Option<Value>,
    ) -> Option<(Value, Diagnostics)> {
        let op = self.walk.op;
        let scope = op.scope(&self.walk.values);
        let mut ctx = instance_context(&inst.key, each_value);
        ctx.self_value = self_value;
        let iscope = scope.for_instance(ctx);
        let (value, diags) = batchform_config::decode::decode_body(
            &self.resource.body,
            &self.schema.block,
            &self.resource.open_brace_range,
            &iscope,
        );
        let mut diags = with_address(diags, inst);
        let preconditions = check_rules(
            &self.resource.lifecycle.preconditions,
            &iscope,
            "Resource precondition failed",
        );
        // Terraform's condition failures name no instance (no "with ADDR," line).
        diags.extend(preconditions);
        diags.extend(scope.take_diagnostics());
        if diags.has_errors() {
            self.walk.diags.extend(diags);
            return None;
        }
        Some((value, diags))
    }

    async fn plan_managed(mut self, inst: &InstanceAddr, each_value: Option<&Value>) {
        let addr = &inst.resource;
        let prior_object = self.walk.plan.refreshed_state.current(inst);
        let prior = prior_object.and_then(|o| object_from_state(o, self.schema).ok());
        let tainted =
            prior_object.is_some_and(|o| o.status == batchform_state::ObjectStatus::Tainted);
        let Some((mut config, warnings)) = self.config_value(inst, each_value, None) else {
            self.walk.values.set(
                addr,
                inst.key.clone(),
                Value::unknown(self.schema.block.implied_type()),
            );
            return;
        };
        self.walk.diags.extend(warnings);
        if let Some(prior) = &prior {
            config = apply_ignore_changes(config, prior, &self.resource.lifecycle.ignore_changes);
        }
        let proposed = proposed_new(&self.schema.block, &config, prior.as_ref());
        let provider = self.entry.provider.clone();
        let request = PlanResourceChangeRequest {
            type_name: addr.type_name.clone(),
            address: inst.to_string(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        };
        let response = provider.plan_resource_change(request).await;
        let diags = locate(with_address(response.diagnostics, inst), Some(self.resource));
        let failed = diags.has_errors();
        self.walk.diags.extend(diags);
        if failed {
            self.walk.values.set(addr, inst.key.clone(), proposed);
            return;
        }
        // The configuration's marks go back on the planned object (after ignore_changes).
        let mut planned =
            crate::values::copy_marks(response.planned_state.unwrap_or(proposed), &config);
        let mut private = response.planned_private;
        let forced = self.walk.opts.replace.iter().any(|r| r == inst);
        let triggered = self.replace_triggered(inst, each_value);
        let (action, reason, replace_paths) = match &prior {
            None => (Action::Create, None, Vec::new()),
            Some(prior) => {
                let unchanged = planned.is_wholly_known() && planned.eq_ignoring_marks(prior);
                let replace_paths: Vec<AttrPath> = response
                    .requires_replace
                    .into_iter()
                    .filter(|p| {
                        let (a, b) = (p.get(prior), p.get(&planned));
                        let same = match (a, b) {
                            (Some(a), Some(b)) => a.eq_ignoring_marks(b),
                            (a, b) => a.is_none() && b.is_none(),
                        };
                        !same || b.is_some_and(|v| !v.is_wholly_known())
                    })
                    .collect();
                let replace = |reason| {
                    let a = if self.resource.lifecycle.create_before_destroy {
                        Action::CreateThenDelete
                    } else {
                        Action::DeleteThenCreate
                    };
                    (a, Some(reason))
                };
                let (action, reason) = if tainted {
                    replace(ActionReason::ReplaceBecauseTainted)
                } else if forced {
                    replace(ActionReason::ReplaceByRequest)
                } else if triggered {
                    replace(ActionReason::ReplaceByTriggers)
                } else if unchanged {
                    (Action::NoOp, None)
                } else if !replace_paths.is_empty() {
                    replace(ActionReason::ReplaceBecauseCannotUpdate)
                } else {
                    (Action::Update, None)
                };
                (action, reason, replace_paths)
            }
        };
        if action.is_replace() {
            // The new object is planned as a create.
            let proposed = proposed_new(&self.schema.block, &config, None);
            let request = PlanResourceChangeRequest {
                type_name: addr.type_name.clone(),
                address: inst.to_string(),
                prior_state: None,
                proposed_new_state: proposed.clone(),
                config: config.clone(),
                prior_private: Vec::new(),
            };
            let response = provider.plan_resource_change(request).await;
            let diags = locate(with_address(response.diagnostics, inst), Some(self.resource));
            self.walk.diags.extend(diags);
            planned =
                crate::values::copy_marks(response.planned_state.unwrap_or(proposed), &config);
            private = response.planned_private;
            if self.resource.lifecycle.prevent_destroy {
                self.walk.diags.push(super::prevent_destroy_error(inst, self.resource));
            }
        }
        // Postconditions see the planned object as `self`; unknown results wait for apply.
        if !self.resource.lifecycle.postconditions.is_empty() {
            let scope = self.walk.op.scope(&self.walk.values);
            let mut ctx = instance_context(&inst.key, each_value);
            ctx.self_value = Some(planned.clone());
            let iscope = scope.for_instance(ctx);
            let d = check_rules(
                &self.resource.lifecycle.postconditions,
                &iscope,
                "Resource postcondition failed",
            );
            self.walk.diags.extend(d);
        }
        let after_for_values = if action == Action::NoOp {
            prior.clone().unwrap_or(planned.clone())
        } else {
            planned.clone()
        };
        self.walk.values.set(addr, inst.key.clone(), after_for_values);
        let dependencies = self.walk.graph.transitive(addr);
        if action == Action::NoOp {
            // Apply will not touch a no-op instance, so its dependencies are brought up to
            // date now, in the refreshed state the apply starts from (as Terraform does).
            let refreshed = &mut self.walk.plan.refreshed_state;
            if let Some(object) = refreshed.current(inst).filter(|o| o.dependencies != dependencies)
            {
                let mut object = object.clone();
                object.dependencies = dependencies.clone();
                refreshed.set_current(inst, &self.entry.state_addr, object);
            }
        }
        let change = InstanceChange {
            addr: inst.clone(),
            provider: self.resource.provider.clone(),
            provider_state_addr: self.entry.state_addr.clone(),
            action,
            reason,
            before: prior,
            after: Some(planned),
            replace_paths,
            private,
            schema_version: self.schema.version,
            create_before_destroy: self.resource.lifecycle.create_before_destroy,
            dependencies,
            importing: self.walk.importing.get(inst).cloned(),
            previous_address: self.walk.moved.get(inst).cloned(),
            deposed: None,
        };
        self.walk.changes.insert(inst.clone(), change);
    }

    /// Whether a `replace_triggered_by` reference changes (Terraform's
    /// `EvaluateReplaceTriggeredBy`: an update or replacement of the referenced instance, or a
    /// change of the referenced attribute).
    fn replace_triggered(&self, inst: &InstanceAddr, each_value: Option<&Value>) -> bool {
        for expr in &self.resource.lifecycle.replace_triggered_by {
            let Some(r) =
                batchform_config::refs::references(expr).into_iter().find_map(|r| {
                    match r.subject {
                        batchform_config::refs::Subject::Resource(a) => Some((a, r.remaining)),
                        _ => None,
                    }
                })
            else {
                continue;
            };
            let (target, remaining) = r;
            let mut steps = remaining.as_slice();
            let mut key = None;
            if let Some(first) = steps.first() {
                if let StepKind::Index(k) = &first.kind {
                    let scope = self.walk.op.scope(&self.walk.values);
                    let iscope = scope.for_instance(instance_context(&inst.key, each_value));
                    key = iscope.eval(k).ok().and_then(|v| match v.unmarked().0 {
                        Value::String(s) => Some(InstanceKey::Str(s.clone())),
                        Value::Number(n) => n.to_i64().map(InstanceKey::Int),
                        _ => None,
                    });
                    steps = &steps[1..];
                }
            }
            let path: Vec<PathStep> = steps
                .iter()
                .filter_map(|s| match &s.kind {
                    StepKind::GetAttr(a) => Some(PathStep::Attr(a.clone())),
                    _ => None,
                })
                .collect();
            let changes = self
                .walk
                .changes
                .range(target.instance(InstanceKey::None)..)
                .take_while(|(a, _)| a.resource == target);
            for (addr, change) in changes {
                if key.as_ref().is_some_and(|k| *k != addr.key) {
                    continue;
                }
                if !matches!(
                    change.action,
                    Action::Update | Action::DeleteThenCreate | Action::CreateThenDelete
                ) {
                    continue;
                }
                if path.is_empty() {
                    return true;
                }
                let p = AttrPath(path.clone());
                let before = change
                    .before
                    .as_ref()
                    .and_then(|b| p.get(b))
                    .map(|v| v.clone().unmark_deep().0);
                let after = change.after.as_ref().and_then(|a| p.get(a)).cloned();
                let differs = match (&before, &after) {
                    (Some(b), Some(a)) => !a.is_wholly_known() || *b != a.clone().unmark_deep().0,
                    (None, None) => false,
                    _ => true,
                };
                if differs {
                    return true;
                }
            }
        }
        false
    }

    async fn plan_data(mut self, inst: &InstanceAddr, each_value: Option<&Value>) {
        let addr = &inst.resource;
        let Some((config, warnings)) = self.config_value(inst, each_value, None) else {
            self.walk.values.set(
                addr,
                inst.key.clone(),
                Value::unknown(self.schema.block.implied_type()),
            );
            return;
        };
        self.walk.diags.extend(warnings);
        // Read now unless the configuration is not known yet, or a dependency named in
        // depends_on has changes pending.
        let pending = self.resource.depends_on.iter().any(|d| {
            batchform_config::refs::references(d).into_iter().any(|r| match r.subject {
                batchform_config::refs::Subject::Resource(a) => self
                    .walk
                    .changes
                    .iter()
                    .any(|(ia, c)| ia.resource == a && c.action != Action::NoOp),
                _ => false,
            })
        });
        let unknown_config = !config.is_wholly_known();
        if unknown_config || pending {
            let planned = proposed_new(&self.schema.block, &config, None);
            self.walk.values.set(addr, inst.key.clone(), planned.clone());
            let reason = if unknown_config {
                ActionReason::ReadBecauseConfigUnknown
            } else {
                ActionReason::ReadBecauseDependencyPending
            };
            self.walk.changes.insert(
                inst.clone(),
                InstanceChange {
                    addr: inst.clone(),
                    provider: self.resource.provider.clone(),
                    provider_state_addr: self.entry.state_addr.clone(),
                    action: Action::Read,
                    reason: Some(reason),
                    before: None,
                    after: Some(planned),
                    replace_paths: Vec::new(),
                    private: Vec::new(),
                    schema_version: self.schema.version,
                    create_before_destroy: false,
                    dependencies: self.walk.graph.transitive(addr),
                    importing: None,
                    previous_address: None,
                    deposed: None,
                },
            );
            return;
        }
        self.walk.op.hooks.event(crate::hooks::Event::ApplyStart {
            addr: inst.clone(),
            deposed: None,
            action: Action::Read,
            prior: Value::NULL,
        });
        let started = std::time::Instant::now();
        let response = self
            .entry
            .provider
            .read_data_source(ReadDataSourceRequest {
                type_name: addr.type_name.clone(),
                address: inst.to_string(),
                config: config.clone(),
            })
            .await;
        let diags = locate(with_address(response.diagnostics, inst), Some(self.resource));
        let failed = diags.has_errors();
        self.walk.diags.extend(diags);
        if failed {
            self.walk.op.hooks.event(crate::hooks::Event::ApplyErrored {
                addr: inst.clone(),
                action: Action::Read,
                elapsed: started.elapsed(),
            });
            self.walk.values.set(
                addr,
                inst.key.clone(),
                Value::unknown(self.schema.block.implied_type()),
            );
            return;
        }
        let value = match response.state {
            Some(state) => crate::values::copy_marks(state, &config),
            None => config,
        };
        self.walk.op.hooks.event(crate::hooks::Event::ApplyComplete {
            addr: inst.clone(),
            action: Action::Read,
            new: Some(value.clone()),
            elapsed: started.elapsed(),
        });
        // Postconditions see the result.
        if !self.resource.lifecycle.postconditions.is_empty() {
            let scope = self.walk.op.scope(&self.walk.values);
            let mut ctx = instance_context(&inst.key, each_value);
            ctx.self_value = Some(value.clone());
            let iscope = scope.for_instance(ctx);
            let d = check_rules(
                &self.resource.lifecycle.postconditions,
                &iscope,
                "Resource postcondition failed",
            );
            self.walk.diags.extend(d);
        }
        self.walk.values.set(addr, inst.key.clone(), value.clone());
        // The result goes into state when the plan is applied.
        if let Ok((json, paths)) = crate::values::object_to_state(&value, self.schema) {
            let mut object = batchform_state::ObjectState::new(json);
            object.sensitive_attributes = paths;
            object.schema_version = self.schema.version;
            self.walk.plan.refreshed_state.set_current(inst, &self.entry.state_addr, object);
        }
    }
}

/// Put back the prior values of ignored attributes.
pub(crate) fn apply_ignore_changes(config: Value, prior: &Value, ignore: &IgnoreChanges) -> Value {
    match ignore {
        IgnoreChanges::None => config,
        IgnoreChanges::All => {
            let mut config = config;
            if let (Value::Object(c), Some(p)) = (&mut config, prior.entries()) {
                for (k, v) in p {
                    if c.contains_key(k) {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
            config
        }
        IgnoreChanges::Paths(exprs) => {
            let paths: Vec<AttrPath> = exprs.iter().filter_map(expr_to_path).collect();
            ignore_paths(config, prior, &paths)
        }
    }
}

/// One ignored change: the prior value to keep at `path`, or (with `key`) at that key of the
/// map at `path`.
struct Ignored {
    path: Vec<PathStep>,
    value: Value,
    key: Option<String>,
}

/// Terraform's `processIgnoreChangesIndividual`, step for step. A trailing string index is
/// trimmed and applied key by key only where the value is a map; anywhere else the whole value
/// at the trimmed path reverts to the prior one (so `input["keep"]` on an object-typed `input`
/// keeps all of the prior `input`, as Terraform does). Paths that do not apply to both the
/// prior and the configured value are skipped.
fn ignore_paths(config: Value, prior: &Value, paths: &[AttrPath]) -> Value {
    let mut ignored: Vec<Ignored> = Vec::new();
    for path in paths {
        let mut steps = path.0.clone();
        let key = match steps.last() {
            Some(PathStep::Key(k)) => {
                let k = k.clone();
                steps.pop();
                Some(k)
            }
            _ => None,
        };
        let (Some(p), Some(c)) = (cty_path_apply(prior, &steps), cty_path_apply(&config, &steps))
        else {
            continue;
        };
        if p != c {
            ignored.push(Ignored { path: steps, value: p, key });
        }
    }
    if ignored.is_empty() {
        return config;
    }
    // cty.Transform visits children before their containers, and a replacement at a path
    // discards what was done below it: handle deeper paths first.
    let mut order: Vec<&[PathStep]> = Vec::new();
    for i in &ignored {
        if !order.contains(&i.path.as_slice()) {
            order.push(&i.path);
        }
    }
    order.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut config = config;
    for path in order {
        let here: Vec<&Ignored> = ignored.iter().filter(|i| i.path == path).collect();
        config = replace_at(config, path, &mut |v| revert(v, &here));
    }
    config
}

/// The transform callback at one ignored path.
fn revert(v: Value, ignored: &[&Ignored]) -> Value {
    if !matches!(v.ty(), Type::Map(_)) {
        return ignored.first().map_or(v, |i| i.value.clone());
    }
    if !v.is_null() && !v.is_known() {
        return v;
    }
    let (v, marked) = v.unmark();
    let elem_ty = match v.ty() {
        Type::Map(t) => *t,
        _ => Type::Dynamic,
    };
    let was_null = v.is_null();
    let mut items: BTreeMap<String, Value> = match v {
        Value::Map(_, items) => items,
        _ => BTreeMap::new(),
    };
    for i in ignored {
        let Some(key) = &i.key else { return i.value.clone() };
        let (prior, _) = i.value.clone().unmark();
        match prior.entries().and_then(|m| m.get(key)) {
            Some(elem) => {
                items.insert(key.clone(), elem.clone());
            }
            None => {
                items.remove(key);
            }
        }
    }
    let out = if !items.is_empty() {
        let ty = items.values().next().map(Value::ty).unwrap_or(elem_ty);
        Value::Map(ty, items)
    } else if was_null {
        Value::Null(Type::Map(Box::new(elem_ty)))
    } else {
        Value::Map(elem_ty, BTreeMap::new())
    };
    out.with_sensitive(marked)
}

/// cty's `Path.Apply`: attributes of objects, string keys of maps, numeric indices of lists
/// and tuples; `None` where a step does not apply (or the value there is null or missing).
fn cty_path_apply(v: &Value, path: &[PathStep]) -> Option<Value> {
    let Some((step, rest)) = path.split_first() else { return Some(v.clone()) };
    let (bare, marked) = v.clone().unmark();
    let next = match (&bare, step) {
        (Value::Object(attrs), PathStep::Attr(name)) => attrs.get(name)?.clone(),
        (Value::Map(_, items), PathStep::Key(k)) => items.get(k)?.clone(),
        (Value::List(_, items) | Value::Tuple(items), PathStep::Index(i)) => {
            items.get(usize::try_from(*i).ok()?)?.clone()
        }
        _ => return None,
    };
    cty_path_apply(&next.with_sensitive(marked), rest)
}

/// Rebuild `target` with `f` applied to the value at `path` (unchanged where the path does
/// not lead anywhere, as a transform walk would never visit it).
fn replace_at(target: Value, path: &[PathStep], f: &mut dyn FnMut(Value) -> Value) -> Value {
    let Some((step, rest)) = path.split_first() else { return f(target) };
    let (bare, marked) = target.unmark();
    let result = match (bare, step) {
        (Value::Object(mut attrs), PathStep::Attr(name)) => {
            if let Some(t) = attrs.remove(name) {
                attrs.insert(name.clone(), replace_at(t, rest, f));
            }
            Value::Object(attrs)
        }
        (Value::Map(ty, mut items), PathStep::Key(k)) => {
            if let Some(t) = items.remove(k) {
                items.insert(k.clone(), replace_at(t, rest, f));
            }
            Value::Map(ty, items)
        }
        (Value::List(ty, mut items), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| items.get_mut(i)) {
                *slot = replace_at(std::mem::replace(slot, Value::NULL), rest, f);
            }
            Value::List(ty, items)
        }
        (Value::Tuple(mut items), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| items.get_mut(i)) {
                *slot = replace_at(std::mem::replace(slot, Value::NULL), rest, f);
            }
            Value::Tuple(items)
        }
        (other, _) => other,
    };
    result.with_sensitive(marked)
}

/// Evaluate `condition` / `error_message` rules; unknown conditions are left for later.
pub fn check_rules(
    rules: &[CheckRule],
    scope: &InstanceScope<'_, '_>,
    summary: &str,
) -> Diagnostics {
    evaluate_rules(rules, scope, summary).diagnostics
}

/// The outcome of a set of custom conditions for one object (Terraform's check status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckStatus {
    Pass,
    Unknown,
    Fail,
    Error,
}

impl CheckStatus {
    /// The name state and plan JSON use.
    pub fn json_name(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Unknown => "unknown",
            CheckStatus::Fail => "fail",
            CheckStatus::Error => "error",
        }
    }
}

/// What evaluating an object's conditions found.
#[derive(Debug, Clone)]
pub struct RulesOutcome {
    pub status: CheckStatus,
    /// The error messages of the conditions that failed.
    pub failure_messages: Vec<String>,
    pub diagnostics: Diagnostics,
}

/// The values of the references in a failed condition, shown under its diagnostic's snippet
/// (Terraform's `DiagnosticExpressionValue`s): for each traversal, its longest static prefix
/// of at least two steps that evaluates, once per text, sorted; sensitive values and unknown
/// values of unknown type left out (the failure is neither caused by sensitive nor unknown
/// values).
fn expression_values(expr: &Expr, scope: &InstanceScope<'_, '_>) -> Vec<ExpressionValue> {
    let mut out: Vec<ExpressionValue> = Vec::new();
    for traversal in batchform_config::refs::traversals(expr) {
        let mut steps = traversal.steps.clone();
        while !steps.is_empty() {
            let source = Expr {
                kind: ExprKind::Variable(traversal.root.clone()),
                range: traversal.root_range.clone(),
            };
            let range = source.range.to(&steps[steps.len() - 1].range);
            let prefix = Expr {
                kind: ExprKind::Traversal { source: Box::new(source), steps: steps.clone() },
                range,
            };
            let Ok(value) = scope.eval(&prefix) else {
                steps.pop();
                continue;
            };
            let text = traversal_text(&traversal.root, &steps);
            if out.iter().any(|v| v.traversal == text) {
                break;
            }
            let statement = if value.is_sensitive() {
                None
            } else if !value.is_known() {
                let ty = value.ty();
                (ty != Type::Dynamic).then(|| format!("is a {}", ty.friendly_name()))
            } else {
                Some(format!("is {}", compact_value(&value)))
            };
            if let Some(statement) = statement {
                out.push(ExpressionValue { traversal: text, statement });
            }
            break;
        }
    }
    out.sort_by(|a, b| a.traversal.cmp(&b.traversal));
    out
}

/// A traversal as Terraform's diagnostics write it: `var.x`, `a[0]`, `b["k"]`.
fn traversal_text(root: &str, steps: &[Step]) -> String {
    let mut out = root.to_string();
    for step in steps {
        match &step.kind {
            StepKind::GetAttr(name) => {
                out.push('.');
                out.push_str(name);
            }
            StepKind::LegacyIndex(i) => out.push_str(&format!("[{i}]")),
            StepKind::Index(key) => {
                let key = match &key.kind {
                    ExprKind::Number(n) => compact_value(&Value::Number(n.clone())),
                    ExprKind::String(s) => batchform_core::convert::go_quote(s),
                    _ => "...".to_string(),
                };
                out.push_str(&format!("[{key}]"));
            }
            StepKind::FullSplat | StepKind::AttrSplat => {}
        }
    }
    out
}

/// Terraform's `compactValueStr`: a short description that never shows what is inside a
/// collection or structure.
fn compact_value(value: &Value) -> String {
    let value = value.unmarked().0;
    let ty = value.ty();
    match value {
        Value::Null(_) => "null".into(),
        Value::Unknown(..) => "(not yet known)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_text_format(b'g', 10),
        Value::String(s) => batchform_core::convert::go_quote(s),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            counted(&ty, items.len())
        }
        Value::Map(_, items) => counted(&ty, items.len()),
        Value::Object(attrs) => match attrs.len() {
            0 => "object with no attributes".into(),
            1 => format!(
                "object with 1 attribute {}",
                batchform_core::convert::go_quote(attrs.keys().next().map_or("", String::as_str))
            ),
            n => format!("object with {n} attributes"),
        },
        Value::Sensitive(_) | Value::Type(_) => ty.friendly_name(),
    }
}

fn counted(ty: &Type, n: usize) -> String {
    match n {
        0 => format!("empty {}", ty.friendly_name()),
        1 => format!("{} with 1 element", ty.friendly_name()),
        n => format!("{} with {n} elements", ty.friendly_name()),
    }
}

/// Evaluate rules: failures become errors with the rule's message as their detail (as
/// Terraform reports them), and the combined status.
pub fn evaluate_rules(
    rules: &[CheckRule],
    scope: &InstanceScope<'_, '_>,
    summary: &str,
) -> RulesOutcome {
    let mut out = RulesOutcome {
        status: CheckStatus::Pass,
        failure_messages: Vec::new(),
        diagnostics: Diagnostics::new(),
    };
    for rule in rules {
        let result = match scope.eval(&rule.condition) {
            Ok(v) => v,
            Err(d) => {
                out.diagnostics.extend(d);
                out.status = out.status.max(CheckStatus::Error);
                continue;
            }
        };
        let (result, _) = result.unmark_deep();
        if !result.is_known() {
            out.status = out.status.max(CheckStatus::Unknown);
            continue;
        }
        if result.as_bool() == Some(false) {
            let message = scope
                .eval(&rule.error_message)
                .ok()
                .and_then(|m| m.unmark_deep().0.as_str().map(str::to_string))
                .unwrap_or_default();
            out.diagnostics.push(
                Diagnostic::error(summary, message.clone())
                    .with_subject(Some(rule.condition.range.clone()))
                    .with_values(expression_values(&rule.condition, scope)),
            );
            out.failure_messages.push(message);
            out.status = out.status.max(CheckStatus::Fail);
        } else if result.is_null() {
            out.diagnostics.push(
                Diagnostic::error(
                    "Invalid condition result",
                    "Condition expression must return either true or false, not null.",
                )
                .with_subject(Some(rule.condition.range.clone())),
            );
            out.status = out.status.max(CheckStatus::Error);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use batchform_config::eval::NoFunctions;
    use batchform_config::lower::parse_expression;
    use batchform_config::model::Config;
    use batchform_config::scope::{InstanceContext, ModuleScope, Paths, UnknownResources};
    use batchform_config::source::SourceFile;
    use batchform_core::Number;

    fn expr(text: &str) -> Expr {
        parse_expression(&SourceFile::new("main.tf", text)).expect("expression")
    }

    /// A failed condition's diagnostic carries the values of what it refers to, as
    /// Terraform's `var.size is 0` lines under the snippet: sorted, once each, sensitive and
    /// wholly unknown values left out.
    #[test]
    fn failed_conditions_show_the_values_they_read() {
        let config = Config::default();
        let variables = BTreeMap::from([
            ("size".to_string(), Value::number(0)),
            ("secret".to_string(), Value::string("x").mark_sensitive()),
            ("names".to_string(), Value::list(Type::String, vec![Value::string("a")])),
        ]);
        let resources = UnknownResources;
        let scope =
            ModuleScope::new(&config, &variables, &resources, &NoFunctions, Paths::default());
        let self_value = Value::object([(
            "output",
            Value::object([("label", Value::string("BAD")), ("n", Value::unknown(Type::Number))]),
        )]);
        let iscope = scope
            .for_instance(InstanceContext { self_value: Some(self_value), ..Default::default() });
        let rule = CheckRule {
            condition: expr(
                "var.size > 0 ? self.output.n == 1 : var.secret == \"y\" && var.names == null && self.output.label == self.output.label",
            ),
            error_message: expr("\"Bad.\""),
            range: expr("true").range,
        };
        let outcome = evaluate_rules(&[rule], &iscope, "Resource precondition failed");
        let diag = outcome.diagnostics.iter().next().expect("a diagnostic");
        let shown: Vec<(&str, &str)> =
            diag.values.iter().map(|v| (v.traversal.as_str(), v.statement.as_str())).collect();
        assert_eq!(
            shown,
            [
                ("self.output.label", "is \"BAD\""),
                ("self.output.n", "is a number"),
                ("var.names", "is list of string with 1 element"),
                ("var.size", "is 0"),
            ]
        );
        assert_eq!(diag.address, None, "Terraform names no instance for a failed condition");
    }

    #[test]
    fn compact_values_never_show_contents() {
        let num = |t: &str| Value::Number(Number::parse(t).expect("number"));
        assert_eq!(compact_value(&num("1.5")), "1.5");
        assert_eq!(compact_value(&num("12345678901")), "1.23456789e+10");
        assert_eq!(compact_value(&Value::string("a\"b")), "\"a\\\"b\"");
        assert_eq!(compact_value(&Value::Null(Type::String)), "null");
        assert_eq!(compact_value(&Value::empty_tuple()), "empty tuple");
        assert_eq!(compact_value(&Value::empty_object()), "object with no attributes");
        assert_eq!(
            compact_value(&Value::object([("k", Value::bool(true))])),
            "object with 1 attribute \"k\""
        );
        assert_eq!(
            compact_value(&Value::map(
                Type::Bool,
                BTreeMap::from([("a".into(), Value::bool(true)), ("b".into(), Value::bool(false))])
            )),
            "map of bool with 2 elements"
        );
        let ExprKind::Traversal { steps, .. } = expr("a[0][\"k\"].b.1").kind else {
            panic!("a traversal")
        };
        assert_eq!(traversal_text("a", &steps), "a[0][\"k\"].b[1]");
    }
}
