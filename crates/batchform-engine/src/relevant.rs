//! Terraform's `relevant_attributes`: the resource attributes that planned changes depend on,
//! directly or through other resources and locals (`globalref.ContributingResourceReferences`
//! over the references of every changing resource and output). Drift is shown only where it
//! touches one of these.

use crate::plan::{Action, Plan, RelevantAttribute};
use batchform_config::ast::{Expr, ExprKind, StepKind};
use batchform_config::model::Config;
use batchform_config::refs::{Reference, Subject, references};
use batchform_core::{AttrPath, InstanceKey, PathStep, ResourceAddr};
use std::collections::{BTreeSet, HashSet, VecDeque};

/// The relevant attributes of `plan`, in the order found (Terraform's own order depends on map
/// iteration; consumers treat the list as a set).
pub fn relevant_attributes(config: &Config, plan: &Plan) -> Vec<RelevantAttribute> {
    let mut pending: VecDeque<Reference> = VecDeque::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        if let Some(resource) = config.resources.get(&change.addr.resource) {
            pending.extend(resource_references(config, &change.addr.resource, resource));
        }
    }
    for output in plan.outputs.iter().filter(|o| o.action != Action::NoOp) {
        if let Some(expr) = config.outputs.get(&output.name).and_then(|o| o.value.as_ref()) {
            pending.extend(references(expr));
        }
    }
    let mut seen_keys: HashSet<String> = HashSet::new();
    let mut followed_resources: BTreeSet<ResourceAddr> = BTreeSet::new();
    let mut followed_locals: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(reference) = pending.pop_front() {
        match &reference.subject {
            Subject::Resource(addr) => {
                let attribute = resource_attribute(addr, &reference);
                let key = format!("{}{:?}", attribute.resource, attribute.attribute);
                if seen_keys.insert(key) {
                    out.push(attribute);
                }
                if followed_resources.insert(addr.clone())
                    && let Some(resource) = config.resources.get(addr)
                {
                    pending.extend(resource_references(config, addr, resource));
                }
            }
            Subject::Local(name) => {
                if followed_locals.insert(name.clone())
                    && let Some(local) = config.locals.get(name)
                {
                    pending.extend(references(&local.expr));
                }
            }
            _ => {}
        }
    }
    out
}

/// References in a resource's arguments and blocks, and its `count` / `for_each`.
fn resource_references(
    _config: &Config,
    _addr: &ResourceAddr,
    resource: &batchform_config::model::Resource,
) -> Vec<Reference> {
    let mut exprs: Vec<&Expr> = Vec::new();
    crate::graph::body_exprs(&resource.body, &mut exprs);
    exprs.extend(resource.count.iter());
    exprs.extend(resource.for_each.iter());
    exprs.into_iter().flat_map(references).collect()
}

/// The resource instance and attribute path a reference's static traversal names: a literal
/// first index is the instance key; attribute names and literal indexes follow, up to the
/// first step that is not static (as hcl's `Variables()` stops there).
fn resource_attribute(addr: &ResourceAddr, reference: &Reference) -> RelevantAttribute {
    let mut steps = reference.remaining.iter().peekable();
    let mut key = InstanceKey::None;
    if let Some(first) = steps.peek() {
        match literal_index(&first.kind) {
            Some(PathStep::Index(i)) => {
                key = InstanceKey::Int(i);
                steps.next();
            }
            Some(PathStep::Key(k)) => {
                key = InstanceKey::Str(k);
                steps.next();
            }
            _ => {}
        }
    }
    let mut path = Vec::new();
    for step in steps {
        match &step.kind {
            StepKind::GetAttr(name) => path.push(PathStep::Attr(name.clone())),
            other => match literal_index(other) {
                Some(p) => path.push(p),
                None => break,
            },
        }
    }
    RelevantAttribute { resource: addr.instance(key), attribute: AttrPath(path) }
}

fn literal_index(kind: &StepKind) -> Option<PathStep> {
    match kind {
        StepKind::LegacyIndex(i) => i64::try_from(*i).ok().map(PathStep::Index),
        StepKind::Index(expr) => match &expr.kind {
            ExprKind::Number(n) => n.to_i64().map(PathStep::Index),
            ExprKind::String(s) => Some(PathStep::Key(s.clone())),
            _ => None,
        },
        _ => None,
    }
}
