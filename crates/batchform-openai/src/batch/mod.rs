//! The `openai_batch` resource. The API has no update, so every argument forces a
//! replacement. `endpoint` is stored exactly as written. `model` is optional and computed:
//! when set it is not sent (the input lines decide the model) but checked against the input
//! file's lines at plan time where they are known, and against the batch's model once the API
//! has validated it; when unset it is read from the API. Status changes are drift, never a
//! diff. Destroy cancels a batch that is still running and forgets a finished one.

mod apply;

pub use apply::{apply, find_created, import, read};

use crate::client::CREATE_TOKEN_KEY;
use crate::jsonl::{BATCH_ENDPOINTS, model_matches};
use crate::provider::{Configured, InputFacts, OpenAiProvider, ctx, is_imported};
use crate::values::Arg;
use crate::{diag, plan, schema};
use batchform_core::provider::{PlanResourceChangeRequest, PlanResourceChangeResponse};
use batchform_core::{AttrPath, Diagnostic, Diagnostics, Value};

/// The arguments that are sent to the API; a change of any of them replaces the batch.
pub(crate) const SENT: [&str; 5] =
    ["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"];
/// Attributes only the API can tell (besides `model`).
pub(crate) const FROM_API: [&str; 16] = [
    "id",
    "status",
    "output_file_id",
    "error_file_id",
    "errors",
    "created_at",
    "request_counts",
    "usage",
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
];
/// Input files up to this size are downloaded at plan time to check their lines.
const CHECK_DOWNLOAD_LIMIT: u64 = 16 * 1024 * 1024;

/// Static checks (values may be unknown).
pub fn validate_config(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let Some(endpoint) = Arg::of(config, "endpoint").str() {
        if !BATCH_ENDPOINTS.contains(&endpoint) {
            let mut detail = format!(
                "The endpoint {endpoint:?} is not one the Batch API supports: {}.",
                BATCH_ENDPOINTS.join(", ")
            );
            let prefixed = format!("/v1{endpoint}");
            if BATCH_ENDPOINTS.contains(&prefixed.as_str()) {
                detail.push_str(&format!(" Did you mean {prefixed:?}?"));
            } else if let Some(s) =
                batchform_core::diagnostic::name_suggestion(endpoint, BATCH_ENDPOINTS)
            {
                detail.push_str(&format!(" Did you mean {s:?}?"));
            }
            diags.push(diag::invalid_argument(
                AttrPath::attr("endpoint"),
                "Invalid batch endpoint",
                detail,
            ));
        }
    }
    if let Some(window) = Arg::of(config, "completion_window").str() {
        if window != "24h" {
            diags.push(diag::invalid_argument(
                AttrPath::attr("completion_window"),
                "Invalid completion window",
                format!(
                    "completion_window is {window:?}, but the Batch API supports only \"24h\"."
                ),
            ));
        }
    }
    if let Some(id) = Arg::of(config, "input_file_id").str() {
        if id.trim().is_empty() {
            diags.push(diag::invalid_argument(
                AttrPath::attr("input_file_id"),
                "Invalid input file id",
                "input_file_id must not be empty.".into(),
            ));
        }
    }
    if let Some(model) = Arg::of(config, "model").str() {
        if model.trim().is_empty() {
            diags.push(diag::invalid_argument(
                AttrPath::attr("model"),
                "Invalid model",
                "model must not be empty.".into(),
            ));
        }
    }
    diags.extend(validate_metadata(config));
    diags.extend(crate::file::validate_expires(config, "output_expires_after"));
    diags
}

fn validate_metadata(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Some(entries) =
        config.get_attr("metadata").filter(|v| v.is_known()).and_then(Value::entries)
    else {
        return diags;
    };
    if entries.len() > 16 {
        diags.push(diag::invalid_argument(
            AttrPath::attr("metadata"),
            "Too many metadata pairs",
            format!("metadata has {} pairs; the API allows at most 16.", entries.len()),
        ));
    }
    for (key, value) in entries {
        let path = AttrPath(vec![
            batchform_core::PathStep::Attr("metadata".into()),
            batchform_core::PathStep::Key(key.clone()),
        ]);
        let key_len = key.chars().count();
        if key_len > 64 {
            diags.push(diag::invalid_argument(
                path.clone(),
                "Metadata key too long",
                format!(
                    "The metadata key {key:?} has {key_len} characters; keys may have at most 64."
                ),
            ));
        }
        if key == CREATE_TOKEN_KEY {
            diags.push(diag::invalid_argument(
                path.clone(),
                "Reserved metadata key",
                format!("The metadata key {CREATE_TOKEN_KEY:?} is reserved: batchform uses it to recognise the batches it creates."),
            ));
        }
        if let Some(text) = value.as_str() {
            let len = text.chars().count();
            if len > 512 {
                diags.push(diag::invalid_argument(
                    path,
                    "Metadata value too long",
                    format!("The value of metadata key {key:?} has {len} characters; values may have at most 512."),
                ));
            }
        }
    }
    diags
}

pub async fn plan(
    provider: &OpenAiProvider,
    configured: &Configured,
    req: PlanResourceChangeRequest,
) -> PlanResourceChangeResponse {
    let address = req.address.as_str();
    let mut diags: Diagnostics =
        validate_config(&req.config).into_iter().map(|d| d.with_address(address)).collect();
    if diags.has_errors() {
        return PlanResourceChangeResponse { diagnostics: diags, ..Default::default() };
    }
    let mut planned = req.proposed_new_state;
    let config_model = Arg::of(&req.config, "model");
    let prior = req.prior_state.as_ref().filter(|p| !p.is_null());
    let mut private = req.prior_private;
    let mut replace = Vec::new();
    let creating = match prior {
        None => true,
        Some(prior) => {
            let mut prior = std::borrow::Cow::Borrowed(prior);
            if is_imported(&private) {
                // Write-only in the API: take it from the configuration.
                if let Some(v) = planned.get_attr("output_expires_after") {
                    plan::set(prior.to_mut(), "output_expires_after", v.clone());
                }
                private.clear();
            }
            replace = plan::changed(&prior, &planned, &SENT);
            let prior_model = prior.get_attr("model").and_then(Value::as_str);
            match (config_model, prior_model) {
                // The batch being kept runs another model than configured (a replacement
                // reads other input, so its model is checked against that instead).
                (Arg::Known(m), Some(actual)) if replace.is_empty() => {
                    let configured_model = m.as_str().unwrap_or_default();
                    if !model_matches(configured_model, actual) {
                        // The API names a batch's model once it has validated the input
                        // (in_progress_at is set from then on); before that the state holds
                        // the model configured when the batch was created.
                        let validated = prior
                            .get_attr("in_progress_at")
                            .is_some_and(|v| v.is_known() && !v.is_null());
                        diags.push(if validated {
                            model_mismatch(
                                address,
                                configured_model,
                                actual,
                                "the API reports for this batch",
                            )
                        } else {
                            Diagnostic::error(
                                "Batch model does not match",
                                format!(
                                    "model is {configured_model:?}, but this batch was created with model = {actual:?}, and the API has not validated it yet, so it has not reported the batch's model. The model is decided by the input file's lines (it is not sent with the batch), so changing the argument cannot change it; set model = {actual:?} again, or remove the argument."
                                ),
                            )
                            .with_attribute(AttrPath::attr("model"))
                            .with_address(address)
                        });
                    }
                }
                // Not validated yet: a changed model is a changed argument.
                (Arg::Known(_) | Arg::Unknown, None)
                    if !plan::same(prior.get_attr("model"), planned.get_attr("model")) =>
                {
                    replace.push(AttrPath::attr("model"));
                }
                _ => {}
            }
            !replace.is_empty()
        }
    };
    if creating {
        plan::mark_unknown(schema::BATCH, &mut planned, &FROM_API);
        if config_model.is_null() {
            plan::mark_unknown(schema::BATCH, &mut planned, &["model"]);
        }
        if let Some(file_id) = Arg::of(&req.config, "input_file_id").str() {
            diags.extend(
                check_input(provider, configured, &req.config, file_id, address, true).await,
            );
        }
    } else if let Some(prior) = prior {
        for name in FROM_API.iter().chain(["model"].iter()) {
            if let Some(v) = prior.get_attr(name) {
                plan::set(&mut planned, name, v.clone());
            }
        }
    }
    if diags.has_errors() {
        return PlanResourceChangeResponse { diagnostics: diags, ..Default::default() };
    }
    PlanResourceChangeResponse {
        planned_state: Some(planned),
        requires_replace: replace,
        planned_private: private,
        diagnostics: diags,
    }
}

/// Check a batch against what is known of its input file: its purpose, its lines' url and
/// model, its problems. `fetch`: download a file the provider has not seen (plan time).
pub(crate) async fn check_input(
    provider: &OpenAiProvider,
    configured: &Configured,
    config: &Value,
    file_id: &str,
    address: &str,
    fetch: bool,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let facts = match provider.known_input(file_id) {
        Some(f) => f,
        None if !fetch => return diags,
        None => match fetch_facts(configured, file_id, address).await {
            Ok(f) => {
                provider.remember_input(file_id, f.clone());
                f
            }
            Err(err) if err.is_not_found() => {
                diags.push(
                    diag::api_error("Input file not found", &err, Some(address))
                        .with_attribute(AttrPath::attr("input_file_id")),
                );
                return diags;
            }
            Err(err) => {
                let mut d =
                    diag::api_error("Could not check the batch input file", &err, Some(address))
                        .with_attribute(AttrPath::attr("input_file_id"));
                d.severity = batchform_core::Severity::Warning;
                diags.push(d);
                return diags;
            }
        },
    };
    if let Some(purpose) = facts.purpose.as_deref().filter(|p| *p != "batch") {
        diags.push(diag::invalid_argument(
            AttrPath::attr("input_file_id"),
            "Input file has the wrong purpose",
            format!("The file {file_id} was uploaded with purpose {purpose:?}; a batch reads only files uploaded with purpose \"batch\"."),
        ).with_address(address));
    }
    if let Some(problem) = &facts.problem {
        let more = facts.problem_count.saturating_sub(1);
        let tail = if more > 0 { format!(" (and {more} more problems)") } else { String::new() };
        diags.push(
            diag::invalid_argument(
                AttrPath::attr("input_file_id"),
                "Invalid batch input file",
                format!("The input file {file_id} would fail the batch: {problem}{tail}."),
            )
            .with_address(address),
        );
    }
    if let (Some(url), Some(endpoint)) = (&facts.url, Arg::of(config, "endpoint").str()) {
        if url != endpoint {
            diags.push(diag::invalid_argument(
                AttrPath::attr("endpoint"),
                "Endpoint does not match the input file",
                format!("endpoint is {endpoint:?}, but the requests in the input file {file_id} use url {url:?}. Every request's url must equal the batch's endpoint."),
            ).with_address(address));
        }
    }
    if let (Some(model), Some(configured_model)) = (&facts.model, Arg::of(config, "model").str()) {
        if !model_matches(configured_model, model) {
            diags.push(model_mismatch(
                address,
                configured_model,
                model,
                &format!("the requests in the input file {file_id} use"),
            ));
        }
    }
    diags
}

async fn fetch_facts(
    configured: &Configured,
    file_id: &str,
    address: &str,
) -> Result<InputFacts, crate::client::ApiError> {
    let object = configured.client.retrieve_file(file_id, ctx(address)).await?;
    let mut facts = InputFacts { purpose: object.purpose.clone(), ..Default::default() };
    if facts.purpose.as_deref() != Some("batch")
        || object.bytes.is_some_and(|b| b as u64 > CHECK_DOWNLOAD_LIMIT)
    {
        return Ok(facts);
    }
    if let Some(content) =
        configured.client.file_content(file_id, CHECK_DOWNLOAD_LIMIT, ctx(address)).await?
    {
        if let Ok(scan) = crate::jsonl::scan(&content[..], true) {
            if let Some(input) = scan.batch {
                facts = crate::file::facts(object.purpose.as_deref(), &input);
            }
        }
    }
    Ok(facts)
}

fn model_mismatch(address: &str, configured: &str, actual: &str, source: &str) -> Diagnostic {
    Diagnostic::error(
        "Batch model does not match",
        format!(
            "model is {configured:?}, but {source} model {actual:?}. The model is decided by the input file's lines (it is not sent with the batch); set model = {actual:?} or remove the argument."
        ),
    )
    .with_attribute(AttrPath::attr("model"))
    .with_address(address)
}
