//! Recovery of creates whose answer was lost: every create intent left unresolved in state
//! (a kill or crash between the intent record and the object's record) is looked up with
//! its provider. A found object is put into state at the intent's address, as the current
//! object when the address has none and as a deposed object (which the plan then destroys)
//! when it has; normal planning then keeps it or destroys it like any other object. An
//! intent whose create made nothing is dropped. Lookups that fail leave the intent for the
//! next run.

use crate::operation::{Operation, with_address};
use crate::providers::parse_state_address;
use crate::values::object_to_state;
use batchform_config::model::ProviderConfigAddr;
use batchform_core::provider::FindCreatedRequest;
use batchform_core::{Diagnostic, Diagnostics};
use batchform_state::{ObjectState, State};
use std::sync::Arc;

/// Resolve `state`'s pending creates in place.
pub(crate) async fn recover(op: &Operation<'_>, state: &mut State) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if state.pending_creates.is_empty() {
        return diags;
    }
    let semaphore = Arc::new(tokio::sync::Semaphore::new(op.call_slots()));
    let mut tasks = tokio::task::JoinSet::new();
    for intent in state.pending_creates.values().cloned().collect::<Vec<_>>() {
        let provider_addr = parse_state_address(&intent.provider).unwrap_or_else(|| {
            ProviderConfigAddr::implied_by_type(&intent.addr.resource.type_name)
        });
        let Some(entry) = op.providers.get(&provider_addr) else {
            diags.push(Diagnostic::warning(
                "Unfinished create cannot be checked",
                format!(
                    "A create of {} was interrupted, and its provider configuration {} is not present, so it cannot be checked whether the object exists. Re-add the provider configuration; until then the check is kept for a later run.",
                    intent.addr, intent.provider
                ),
            ));
            continue;
        };
        let type_name = intent.addr.resource.type_name.clone();
        let schema = entry.schema.resources.get(&type_name).cloned();
        let (Some(schema), true) = (schema, entry.provider.finds_created(&type_name)) else {
            // Nothing can find it: nothing more is known than without the intent.
            state.pending_creates.remove(&intent.token);
            continue;
        };
        let provider = entry.provider.clone();
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let response = provider
                .find_created(FindCreatedRequest {
                    type_name,
                    address: intent.addr.to_string(),
                    token: intent.token.clone(),
                    since: intent.time,
                })
                .await;
            (intent, schema, response)
        });
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((intent, schema, response)) = joined else { continue };
        let failed = response.diagnostics.has_errors();
        diags.extend(with_address(response.diagnostics, &intent.addr));
        if !failed {
            found.push((intent, schema, response.state));
        }
    }
    // In a stable order, whatever order the lookups finished in.
    found.sort_by(|a, b| a.0.token.cmp(&b.0.token));
    for (intent, schema, object) in found {
        state.pending_creates.remove(&intent.token);
        let Some(value) = object else { continue };
        let (json, paths) = match object_to_state(&value, &schema) {
            Ok(x) => x,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Provider produced invalid object",
                    format!("{}: {e}", intent.addr),
                ));
                continue;
            }
        };
        let id = json.get("id").cloned();
        let instance =
            state.resource(&intent.addr.resource).and_then(|r| r.instances.get(&intent.addr.key));
        let already = instance.is_some_and(|i| {
            i.current
                .iter()
                .chain(i.deposed.values())
                .any(|o| id.is_some() && o.attribute("id") == id.as_ref())
        });
        if already {
            continue;
        }
        let mut object = ObjectState::new(json);
        object.sensitive_attributes = paths;
        object.schema_version = schema.version;
        let has_current = instance.is_some_and(|i| i.current.is_some());
        if has_current {
            let key = crate::apply::new_deposed_key();
            state.set_deposed(&intent.addr, &key, &intent.provider, object);
        } else {
            state.set_current(&intent.addr, &intent.provider, object);
        }
        diags.push(Diagnostic::warning(
            "Object from an interrupted create adopted",
            format!(
                "A create of {} was interrupted before its result was recorded; the object it made{} was found and is now in state{}.",
                intent.addr,
                id.as_ref().and_then(|v| v.as_str()).map(|s| format!(" ({s})")).unwrap_or_default(),
                if has_current { " as a deposed object, to be destroyed" } else { "" },
            ),
        ));
    }
    diags
}
