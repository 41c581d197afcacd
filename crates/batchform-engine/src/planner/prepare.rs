//! What happens to the prior state before the plan walk: Terraform's implied moves (an
//! instance follows its resource when `count` is added or removed) and `import` blocks (the
//! remote object is imported and read, then planned like any other prior object).

use crate::hooks::Event;
use crate::operation::{Operation, with_address};
use crate::values::{InstanceValues, object_to_state};
use batchform_config::ast::{ExprKind, StepKind};
use batchform_config::model::{Config, ImportBlock};
use batchform_core::provider::{ImportResourceStateRequest, ReadResourceRequest};
use batchform_core::{
    Diagnostic, Diagnostics, InstanceAddr, InstanceKey, Mode, ResourceAddr, Value,
};
use batchform_state::State;
use std::collections::BTreeMap;

/// Terraform's implied moves (`refactoring.ImpliedMoveStatements`): a resource without
/// `count`/`for_each` whose state has only `[0]` takes it as its no-key instance, and a
/// resource with `count` whose state has only the no-key instance takes it as `[0]`. Applied
/// to `state` in place; returns new address → previous address.
pub(crate) fn implied_moves(
    config: &Config,
    state: &mut State,
) -> BTreeMap<InstanceAddr, InstanceAddr> {
    let mut moved = BTreeMap::new();
    for (addr, resource) in &config.resources {
        if addr.mode != Mode::Managed || resource.for_each.is_some() {
            continue;
        }
        let (from, to) = if resource.count.is_some() {
            (InstanceKey::None, InstanceKey::Int(0))
        } else {
            (InstanceKey::Int(0), InstanceKey::None)
        };
        let Some(stored) = state.resource(addr) else { continue };
        if !stored.instances.contains_key(&from) || stored.instances.contains_key(&to) {
            continue;
        }
        let provider = stored.provider.clone();
        let (old, new) = (addr.instance(from), addr.instance(to));
        let Some(instance) = state.remove_instance(&old) else { continue };
        if let Some(current) = instance.current {
            state.set_current(&new, &provider, current);
        }
        for (key, object) in instance.deposed {
            state.set_deposed(&new, &key, &provider, object);
        }
        moved.insert(new, old);
    }
    moved
}

/// Run the `import` blocks whose target is not yet in `state`: import by id, read the object,
/// and put it in `state`. Returns target → imported id, and the problems found.
pub(crate) async fn import_blocks(
    op: &Operation<'_>,
    state: &mut State,
) -> (BTreeMap<InstanceAddr, String>, Diagnostics) {
    let mut importing = BTreeMap::new();
    let mut diags = Diagnostics::new();
    let values = InstanceValues::default();
    for block in &op.config.imports {
        let (addr, id) = match target_and_id(op, &values, block) {
            Ok(t) => t,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if state.current(&addr).is_some() {
            // Already managed: the block has done its job.
            continue;
        }
        if importing.contains_key(&addr) {
            diags.push(
                Diagnostic::error(
                    "Duplicate import configuration",
                    format!("An import block for the resource {addr} was already declared."),
                )
                .with_subject(Some(block.range.clone())),
            );
            continue;
        }
        match import_one(op, &addr, &id, block).await {
            Ok((provider, object)) => {
                state.set_current(&addr, &provider, object);
                importing.insert(addr, id);
            }
            Err(d) => diags.extend(d),
        }
    }
    (importing, diags)
}

/// The instance an import block targets and the id it imports, both known now.
fn target_and_id(
    op: &Operation<'_>,
    values: &InstanceValues,
    block: &ImportBlock,
) -> Result<(InstanceAddr, String), Box<Diagnostic>> {
    let invalid = |detail: &str| {
        Box::new(
            Diagnostic::error("Invalid import address", detail.to_string())
                .with_subject(Some(block.to.range.clone())),
        )
    };
    let scope = op.scope(values);
    let ExprKind::Traversal { source, steps } = &block.to.kind else {
        return Err(invalid(
            "The import target must be a resource instance address, like aws_instance.example or openai_batch.jobs[\"a\"].",
        ));
    };
    let ExprKind::Variable(type_name) = &source.kind else {
        return Err(invalid("The import target must be a resource instance address."));
    };
    let mut steps = steps.iter();
    let Some(StepKind::GetAttr(name)) = steps.next().map(|s| &s.kind) else {
        return Err(invalid("The import target must name a resource: TYPE.NAME."));
    };
    let key = match steps.next().map(|s| &s.kind) {
        None => InstanceKey::None,
        Some(StepKind::Index(k)) => match scope.eval(k).map(|v| v.unmark_deep().0) {
            Ok(Value::String(s)) => InstanceKey::Str(s),
            Ok(Value::Number(n)) => match n.to_i64() {
                Some(i) => InstanceKey::Int(i),
                None => return Err(invalid("An instance key must be a whole number or a string.")),
            },
            _ => {
                return Err(invalid(
                    "The instance key of an import target must be known while planning: a whole number or a string.",
                ));
            }
        },
        Some(StepKind::LegacyIndex(i)) => InstanceKey::Int(*i as i64),
        Some(_) => return Err(invalid("The import target must be a resource instance address.")),
    };
    if steps.next().is_some() {
        return Err(invalid(
            "The import target must be a resource instance address, with nothing after the instance key.",
        ));
    }
    let resource =
        ResourceAddr { mode: Mode::Managed, type_name: type_name.clone(), name: name.clone() };
    let addr = resource.instance(key);
    let id = match scope.eval(&block.id).map(|v| v.unmark_deep().0) {
        Ok(Value::String(s)) => s,
        Ok(v) if !v.is_known() => {
            return Err(Box::new(
                Diagnostic::error(
                    "Invalid import id argument",
                    "The import block \"id\" argument depends on resource attributes that cannot be determined until apply, so batchform cannot plan to import this resource.",
                )
                .with_subject(Some(block.id.range.clone())),
            ));
        }
        Ok(_) => {
            return Err(Box::new(
                Diagnostic::error(
                    "Invalid import id argument",
                    "The import ID must be a non-null string.",
                )
                .with_subject(Some(block.id.range.clone())),
            ));
        }
        Err(d) => {
            return Err(Box::new(d.into_iter().next().unwrap_or_else(|| {
                Diagnostic::error(
                    "Invalid import id argument",
                    "The import ID could not be evaluated.",
                )
            })));
        }
    };
    Ok((addr, id))
}

/// Import and read one object: (provider as state stores it, the stored object).
async fn import_one(
    op: &Operation<'_>,
    addr: &InstanceAddr,
    id: &str,
    block: &ImportBlock,
) -> Result<(String, batchform_state::ObjectState), Diagnostics> {
    let fail = |summary: &str, detail: String| -> Diagnostics {
        Diagnostic::error(summary, detail).with_subject(Some(block.range.clone())).into()
    };
    let Some(resource) = op.config.resources.get(&addr.resource) else {
        return Err(fail(
            "Configuration for import target does not exist",
            format!(
                "The configuration for the given import target {addr} does not exist. All target instances must have an associated configuration to be imported."
            ),
        ));
    };
    let Some(entry) = op.providers.get(&resource.provider) else {
        return Err(fail(
            "Provider configuration not present",
            format!("No provider configuration is available for {addr}."),
        ));
    };
    let Some(schema) = entry.schema.resources.get(&addr.resource.type_name) else {
        return Err(fail(
            "Invalid resource type",
            format!("The provider does not support resource type {:?}.", addr.resource.type_name),
        ));
    };
    op.hooks.event(Event::ImportPrepare { addr: addr.clone(), id: id.to_string() });
    let imported = entry
        .provider
        .import_resource_state(ImportResourceStateRequest {
            type_name: addr.resource.type_name.clone(),
            id: id.to_string(),
        })
        .await;
    if imported.diagnostics.has_errors() {
        return Err(with_address(imported.diagnostics, addr));
    }
    let missing = || {
        fail(
            "Cannot import non-existent remote object",
            format!(
                "While attempting to import an existing object to \"{addr}\", the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"batchform apply\" to create a new remote object for this resource."
            ),
        )
    };
    let Some(object) = imported.state else { return Err(missing()) };
    op.hooks.event(Event::RefreshStart {
        addr: addr.clone(),
        deposed: None,
        prior: object.clone(),
    });
    let read_prior = object.clone();
    let read = entry
        .provider
        .read_resource(ReadResourceRequest {
            type_name: addr.resource.type_name.clone(),
            address: addr.to_string(),
            prior_state: object.clone(),
            private: Vec::new(),
        })
        .await;
    op.hooks.event(Event::RefreshComplete { addr: addr.clone(), prior: read_prior });
    if read.diagnostics.has_errors() {
        return Err(with_address(read.diagnostics, addr));
    }
    let Some(value) = read.new_state.filter(|v| !v.is_null()) else { return Err(missing()) };
    let (json, sensitive) = object_to_state(&value, schema)
        .map_err(|e| fail("Provider produced invalid object", format!("{addr}: {e}")))?;
    let mut object = batchform_state::ObjectState::new(json);
    object.sensitive_attributes = sensitive;
    object.schema_version = schema.version;
    Ok((entry.state_addr.clone(), object))
}
