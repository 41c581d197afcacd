//! Creating, cancelling, refreshing and importing batches.

use super::{FROM_API, check_input};
use crate::client::{ApiError, Ctx};
use crate::provider::{Configured, IMPORTED, OpenAiProvider, ctx};
use crate::values::{Arg, batch_computed, expires_after, metadata_value, opt_str, string_map};
use crate::wire::{Batch, CreateBatch};
use crate::{diag, plan, schema};
use batchform_core::provider::{
    ApplyResourceChangeRequest, ApplyResourceChangeResponse, FindCreatedRequest,
    FindCreatedResponse, ImportResourceStateResponse, ReadResourceRequest, ReadResourceResponse,
};
use batchform_core::{Diagnostic, Diagnostics, Type, Value};

pub async fn apply(
    provider: &OpenAiProvider,
    configured: &Configured,
    req: ApplyResourceChangeRequest,
) -> ApplyResourceChangeResponse {
    let address = req.address.clone();
    match (&req.prior_state, &req.planned_state) {
        (Some(prior), None) => destroy(configured, prior, &address).await,
        (None, Some(planned)) => {
            let token = req.create_token.as_deref();
            create(provider, configured, &req.config, planned, token, &address).await
        }
        (Some(prior), Some(planned)) => {
            // Only the plan's adoptions after an import get here (no API call can change a
            // batch); anything else would have been planned as a replacement.
            if plan::changed(
                prior,
                planned,
                &["input_file_id", "endpoint", "completion_window", "metadata"],
            )
            .is_empty()
            {
                let mut state = planned.clone();
                for name in FROM_API.iter().chain(["model"].iter()) {
                    if state.get_attr(name).is_some_and(|v| !v.is_wholly_known()) {
                        if let Some(v) = prior.get_attr(name) {
                            plan::set(&mut state, name, v.clone());
                        }
                    }
                }
                ApplyResourceChangeResponse {
                    new_state: Some(state),
                    private: req.planned_private,
                    ..Default::default()
                }
            } else {
                ApplyResourceChangeResponse {
                    new_state: Some(prior.clone()),
                    diagnostics: Diagnostic::error(
                        "Batches cannot be updated in place",
                        "The Batch API has no update: this change must replace the batch. This is a bug in batchform's plan; please report it.",
                    )
                    .with_address(address)
                    .into(),
                    ..Default::default()
                }
            }
        }
        (None, None) => ApplyResourceChangeResponse::default(),
    }
}

async fn create(
    provider: &OpenAiProvider,
    configured: &Configured,
    config: &Value,
    planned: &Value,
    engine_token: Option<&str>,
    address: &str,
) -> ApplyResourceChangeResponse {
    let fail = |diagnostics: Diagnostics| ApplyResourceChangeResponse {
        new_state: None,
        diagnostics,
        ..Default::default()
    };
    let text = |name: &str| Arg::of(config, name).str().map(str::to_string);
    let (Some(input_file_id), Some(endpoint), Some(completion_window)) =
        (text("input_file_id"), text("endpoint"), text("completion_window"))
    else {
        return fail(
            Diagnostic::error(
                "Value not known at apply",
                "input_file_id, endpoint and completion_window must be known when the batch is created. This is a bug in batchform; please report it.",
            )
            .with_address(address)
            .into(),
        );
    };
    // The input file's facts are known by now when it was uploaded in this run: a mismatch
    // found here costs nothing, a failed batch costs a day.
    let checks = check_input(provider, configured, config, &input_file_id, address, false).await;
    if checks.has_errors() {
        return fail(checks);
    }
    let metadata = config.get_attr("metadata").filter(|v| !v.is_null()).and_then(string_map);
    let request = CreateBatch {
        input_file_id,
        endpoint,
        completion_window,
        metadata: metadata.clone(),
        output_expires_after: config.get_attr("output_expires_after").and_then(expires_after),
    };
    // The engine's token (recorded in its create intent before this call) when it gave one,
    // so that the batch can be found again if this call's answer is lost.
    let token = (metadata.as_ref().map_or(0, |m| m.len()) < 16).then(|| {
        engine_token
            .map(str::to_string)
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
    });
    let batch = match configured.client.create_batch(&request, token.as_deref(), ctx(address)).await
    {
        Ok(b) => b,
        Err(err) => {
            return fail(diag::api_error("Failed to create batch", &err, Some(address)).into());
        }
    };
    let mut state = planned.clone();
    for (name, value) in batch_computed(&batch) {
        plan::set(&mut state, &name, value);
    }
    if state.get_attr("model").is_none_or(|m| !m.is_known() || m.is_null()) {
        plan::set(&mut state, "model", opt_str(batch.model.as_deref()));
    }
    ApplyResourceChangeResponse {
        new_state: Some(state),
        diagnostics: checks,
        ..Default::default()
    }
}

/// Cancel a running batch; forget a finished one. Never waits for `cancelled`.
async fn destroy(
    configured: &Configured,
    prior: &Value,
    address: &str,
) -> ApplyResourceChangeResponse {
    let Some(id) = prior.get_attr("id").and_then(Value::as_str) else {
        return ApplyResourceChangeResponse::default();
    };
    let terminal = prior
        .get_attr("status")
        .and_then(Value::as_str)
        .is_some_and(crate::wire::is_terminal_status);
    if terminal {
        return ApplyResourceChangeResponse::default();
    }
    let keep = |err: &ApiError| ApplyResourceChangeResponse {
        new_state: Some(prior.clone()),
        diagnostics: diag::api_error("Failed to cancel batch", err, Some(address)).into(),
        ..Default::default()
    };
    match configured.client.cancel_batch(id, ctx(address)).await {
        Ok(_) => ApplyResourceChangeResponse::default(),
        // Already gone, or already finished ("Cannot cancel a batch with status 'completed'.").
        Err(err) if err.is_not_found() || err.status() == Some(409) => {
            ApplyResourceChangeResponse::default()
        }
        // Other servers answer a terminal batch with 400: look before deciding.
        Err(err) if err.status().is_some_and(|s| (400..500).contains(&s)) => {
            match configured.client.retrieve_batch(id, ctx(address)).await {
                Ok(batch) if batch.is_terminal() => ApplyResourceChangeResponse::default(),
                Err(e) if e.is_not_found() => ApplyResourceChangeResponse::default(),
                _ => keep(&err),
            }
        }
        Err(err) => keep(&err),
    }
}

pub async fn read(configured: &Configured, req: ReadResourceRequest) -> ReadResourceResponse {
    let address = req.address.as_str();
    let Some(id) = req.prior_state.get_attr("id").and_then(Value::as_str).map(str::to_string)
    else {
        return ReadResourceResponse {
            new_state: Some(req.prior_state),
            private: req.private,
            ..Default::default()
        };
    };
    configured.client.claims.claim(&id);
    match configured.client.retrieve_batch(&id, ctx(address)).await {
        // An expired batch will never run: like a deleted one, it leaves state at this
        // refresh, so the next plan creates it again (Terraform's "has been deleted" drift).
        Ok(batch) if batch.status.as_deref() == Some("expired") => {
            ReadResourceResponse { new_state: None, ..Default::default() }
        }
        Ok(batch) => ReadResourceResponse {
            new_state: Some(refreshed(&req.prior_state, &batch)),
            private: req.private,
            ..Default::default()
        },
        Err(err) if err.is_not_found() => {
            ReadResourceResponse { new_state: None, ..Default::default() }
        }
        Err(err) => ReadResourceResponse {
            new_state: Some(req.prior_state),
            private: req.private,
            diagnostics: diag::api_error("Failed to read batch", &err, Some(address)).into(),
        },
    }
}

/// The prior state with what the API says now. Arguments the API echoes keep their
/// configured spelling; `model` keeps the configured alias when the API's model is its
/// dated snapshot.
fn refreshed(prior: &Value, batch: &Batch) -> Value {
    let mut state = prior.clone();
    for (name, value) in batch_computed(batch) {
        plan::set(&mut state, &name, value);
    }
    for (name, api) in [
        ("input_file_id", &batch.input_file_id),
        ("endpoint", &batch.endpoint),
        ("completion_window", &batch.completion_window),
    ] {
        if prior.get_attr(name).is_none_or(Value::is_null) {
            plan::set(&mut state, name, opt_str(api.as_deref()));
        }
    }
    let api_metadata = metadata_value(batch.metadata.as_ref());
    if plan::empty_or_null(prior.get_attr("metadata")) && plan::empty_or_null(Some(&api_metadata)) {
        // null and {} are the same: keep the configured spelling.
    } else if !plan::same(prior.get_attr("metadata"), Some(&api_metadata)) {
        plan::set(&mut state, "metadata", api_metadata);
    }
    if let Some(api_model) = batch.model.as_deref() {
        let keep = prior
            .get_attr("model")
            .and_then(Value::as_str)
            .is_some_and(|m| crate::jsonl::model_matches(m, api_model));
        if !keep {
            plan::set(&mut state, "model", Value::string(api_model));
        }
    }
    state
}

pub async fn import(configured: &Configured, id: &str) -> ImportResourceStateResponse {
    let batch = match configured.client.retrieve_batch(id, Ctx::default()).await {
        Ok(b) => b,
        Err(err) => {
            return ImportResourceStateResponse {
                diagnostics: diag::api_error("Cannot import batch", &err, None).into(),
                ..Default::default()
            };
        }
    };
    configured.client.claims.claim(&batch.id);
    ImportResourceStateResponse {
        state: Some(state_of(&batch)),
        private: IMPORTED.to_vec(),
        ..Default::default()
    }
}

/// The batch an interrupted create with this token made, if any.
pub async fn find_created(configured: &Configured, req: FindCreatedRequest) -> FindCreatedResponse {
    let address = req.address.as_str();
    match configured.client.find_batch_by_token(&req.token, req.since, ctx(address)).await {
        Ok(batch) => {
            FindCreatedResponse { state: batch.as_ref().map(state_of), ..Default::default() }
        }
        Err(err) => FindCreatedResponse {
            state: None,
            diagnostics: diag::api_error(
                "Failed to look for the batch of an interrupted create",
                &err,
                Some(address),
            )
            .into(),
        },
    }
}

/// A batch as state records it when nothing but the API's view is known (import, adoption).
fn state_of(batch: &Batch) -> Value {
    let mut state = plan::conform(plan::resource_schema(schema::BATCH), batch_computed(batch));
    plan::set(&mut state, "input_file_id", opt_str(batch.input_file_id.as_deref()));
    plan::set(&mut state, "endpoint", opt_str(batch.endpoint.as_deref()));
    plan::set(&mut state, "completion_window", opt_str(batch.completion_window.as_deref()));
    let metadata = metadata_value(batch.metadata.as_ref());
    plan::set(
        &mut state,
        "metadata",
        if plan::empty_or_null(Some(&metadata)) {
            Value::Null(Type::map(Type::String))
        } else {
            metadata
        },
    );
    plan::set(&mut state, "model", opt_str(batch.model.as_deref()));
    plan::set(&mut state, "output_expires_after", Value::Null(schema::expires_after_type()));
    state
}
