//! Custom condition results (`precondition`, `postcondition`, output preconditions, variable
//! validations) as Terraform records them in state's `check_results` after an apply.

use crate::apply::{ForEachCache, each_value_of};
use crate::operation::{Operation, instance_context};
use crate::planner::instance::{CheckStatus, RulesOutcome, evaluate_rules};
use crate::values::InstanceValues;
use batchform_core::{InstanceAddr, Value};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashSet};

/// Evaluate a resource instance's preconditions and postconditions (`self` is `value`);
/// `None` when the resource has none.
pub(crate) fn conditions(
    op: &Operation<'_>,
    values: &InstanceValues,
    addr: &InstanceAddr,
    value: Option<Value>,
    each_cache: &ForEachCache,
) -> Option<RulesOutcome> {
    let resource = op.config.resources.get(&addr.resource)?;
    let lifecycle = &resource.lifecycle;
    if lifecycle.preconditions.is_empty() && lifecycle.postconditions.is_empty() {
        return None;
    }
    let each_value = each_value_of(op, Some(resource), addr, values, each_cache);
    let scope = op.scope(values);
    let mut ctx = instance_context(&addr.key, each_value.as_ref());
    let pre = evaluate_rules(
        &lifecycle.preconditions,
        &scope.for_instance(ctx.clone()),
        "Resource precondition failed",
    );
    ctx.self_value = value;
    let post = evaluate_rules(
        &lifecycle.postconditions,
        &scope.for_instance(ctx),
        "Resource postcondition failed",
    );
    let mut diagnostics = pre.diagnostics;
    diagnostics.extend(post.diagnostics);
    let mut failure_messages = pre.failure_messages;
    failure_messages.extend(post.failure_messages);
    Some(RulesOutcome { status: pre.status.max(post.status), failure_messages, diagnostics })
}

/// The `check_results` array (or `null` when nothing in the configuration is checkable).
/// `checked`: results already found during the walk (postconditions at apply);
/// `unfinished`: instances whose apply failed or never ran (their results are unknown unless
/// found); `outputs_done`: whether outputs were evaluated (otherwise their checks are unknown).
pub(crate) fn results(
    op: &Operation<'_>,
    values: &InstanceValues,
    checked: &BTreeMap<InstanceAddr, RulesOutcome>,
    unfinished: &HashSet<InstanceAddr>,
    outputs_done: bool,
    each_cache: &ForEachCache,
) -> Json {
    let mut entries = Vec::new();
    for (name, variable) in &op.config.variables {
        if variable.validations.is_empty() {
            continue;
        }
        // The operation only runs when every validation passed.
        let config_addr = format!("var.{name}");
        entries.push(entry(
            "var",
            &config_addr,
            vec![(config_addr.clone(), CheckStatus::Pass, Vec::new())],
        ));
    }
    for (addr, resource) in &op.config.resources {
        let lifecycle = &resource.lifecycle;
        if lifecycle.preconditions.is_empty() && lifecycle.postconditions.is_empty() {
            continue;
        }
        let mut objects = Vec::new();
        for (key, value) in values.instances(addr) {
            let inst = addr.instance(key.clone());
            let (status, messages) = match checked.get(&inst) {
                Some(found) => (found.status, found.failure_messages.clone()),
                None if unfinished.contains(&inst) => (CheckStatus::Unknown, Vec::new()),
                None => match conditions(op, values, &inst, Some(value.clone()), each_cache) {
                    Some(found) => (found.status, found.failure_messages),
                    None => (CheckStatus::Pass, Vec::new()),
                },
            };
            objects.push((inst.to_string(), status, messages));
        }
        entries.push(entry("resource", &addr.to_string(), objects));
    }
    let scope = op.scope(values);
    for (name, output) in &op.config.outputs {
        if output.preconditions.is_empty() {
            continue;
        }
        let config_addr = format!("output.{name}");
        let (status, messages) = if outputs_done {
            let found = evaluate_rules(
                &output.preconditions,
                &scope.for_instance(Default::default()),
                "Module output value precondition failed",
            );
            (found.status, found.failure_messages)
        } else {
            (CheckStatus::Unknown, Vec::new())
        };
        entries.push(entry("output", &config_addr, vec![(config_addr.clone(), status, messages)]));
    }
    if entries.is_empty() { Json::Null } else { Json::Array(entries) }
}

/// One configuration object's entry: its objects and their aggregate status (fail beats
/// error beats unknown beats pass, as Terraform aggregates).
fn entry(kind: &str, config_addr: &str, objects: Vec<(String, CheckStatus, Vec<String>)>) -> Json {
    let status =
        objects.iter().map(|(_, s, _)| *s).fold(CheckStatus::Pass, |acc, s| match (acc, s) {
            (CheckStatus::Fail, _) | (_, CheckStatus::Fail) => CheckStatus::Fail,
            (CheckStatus::Error, _) | (_, CheckStatus::Error) => CheckStatus::Error,
            (CheckStatus::Unknown, _) | (_, CheckStatus::Unknown) => CheckStatus::Unknown,
            _ => CheckStatus::Pass,
        });
    let objects: Vec<Json> = objects
        .into_iter()
        .map(|(object_addr, status, messages)| {
            let mut o = json!({"object_addr": object_addr, "status": status.json_name()});
            if !messages.is_empty() {
                o["failure_messages"] = json!(messages);
            }
            o
        })
        .collect();
    let mut e =
        json!({"object_kind": kind, "config_addr": config_addr, "status": status.json_name()});
    if !objects.is_empty() {
        e["objects"] = Json::Array(objects);
    }
    e
}
