//! Refresh: read every managed object in state from its provider, at most `parallelism`
//! at a time, and note what changed outside batchform.

use crate::hooks::Event;
use crate::operation::{Operation, with_address};
use crate::plan::Drift;
use crate::providers::parse_state_address;
use crate::values::{object_from_state, object_to_state};
use batchform_config::model::ProviderConfigAddr;
use batchform_core::provider::ReadResourceRequest;
use batchform_core::{Diagnostic, Diagnostics, Mode};
use batchform_state::State;
use std::sync::Arc;

/// The refreshed state, the drift found, and any errors.
pub(crate) async fn refresh(op: &Operation<'_>, prior: &State) -> (State, Vec<Drift>, Diagnostics) {
    let mut refreshed = prior.clone();
    let mut drift = Vec::new();
    let mut diags = Diagnostics::new();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(op.parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (addr, object) in prior.current_objects() {
        if addr.resource.mode != Mode::Managed {
            continue;
        }
        let provider_addr = prior
            .provider(&addr.resource)
            .and_then(parse_state_address)
            .unwrap_or_else(|| ProviderConfigAddr::implied_by_type(&addr.resource.type_name));
        let Some(entry) = op.providers.get(&provider_addr) else {
            diags.push(Diagnostic::error(
                "Provider configuration not present",
                format!(
                    "To work with {addr} its original provider configuration at {} is required, but it has been removed. This occurs when a provider configuration is removed while objects created by that provider still exist in the state. Re-add the provider configuration to destroy {addr}, after which you can remove the provider configuration again.",
                    prior.provider(&addr.resource).unwrap_or_default()
                ),
            ));
            continue;
        };
        let Some(schema) = entry.schema.resources.get(&addr.resource.type_name).cloned() else {
            continue;
        };
        let before = match object_from_state(object, &schema) {
            Ok(v) => v,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Invalid resource instance data in state",
                    format!("{addr}: {e}"),
                ));
                continue;
            }
        };
        let provider = entry.provider.clone();
        let hooks = op.hooks.clone();
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
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
            (addr, provider_addr, schema, before, response)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((addr, provider_addr, schema, before, response)) = joined else { continue };
        let failed = response.diagnostics.has_errors();
        diags.extend(with_address(response.diagnostics, &addr));
        if failed {
            continue;
        }
        match response.new_state {
            None => {
                refreshed.remove_current(&addr);
                drift.push(Drift { addr, provider: provider_addr, before, after: None });
            }
            Some(after) => {
                let changed = after.clone().unmark_deep().0 != before.clone().unmark_deep().0;
                if changed {
                    if let (Ok((json, paths)), Some(existing)) =
                        (object_to_state(&after, &schema), refreshed.current(&addr).cloned())
                    {
                        let mut object = existing;
                        object.attributes = json;
                        object.sensitive_attributes = paths;
                        let provider =
                            refreshed.provider(&addr.resource).unwrap_or_default().to_string();
                        refreshed.set_current(&addr, &provider, object);
                    }
                    drift.push(Drift { addr, provider: provider_addr, before, after: Some(after) });
                }
            }
        }
    }
    drift.sort_by(|a, b| a.addr.cmp(&b.addr));
    (refreshed, drift, diags)
}
