//! The `openai_file` resource: a local file (or inline content) uploaded to the Files API.
//!
//! Files cannot be changed after upload, so every argument forces a replacement, and so does
//! an edit of the content: `sha256` is computed from the local content at every plan. Batch
//! input files (`purpose = "batch"`) are checked line by line at plan time. Destroy deletes
//! the file (already gone counts as done); a file deleted or expired outside is dropped from
//! state at refresh.

mod source;
mod validate;

use crate::client::{Upload, UploadSource};
use crate::provider::{Configured, IMPORTED, InputFacts, OpenAiProvider, ctx, is_imported};
use crate::values::{Arg, expires_after, file_fields, opt_num, opt_str};
use crate::{diag, plan, schema};
use batchform_core::provider::{
    ApplyResourceChangeRequest, ApplyResourceChangeResponse, ImportResourceStateResponse,
    PlanResourceChangeRequest, PlanResourceChangeResponse, ReadResourceRequest,
    ReadResourceResponse,
};
use batchform_core::{AttrPath, Diagnostic, Diagnostics, Value};
pub use source::Source;
pub use validate::{validate_config, validate_expires};

/// Purposes accepted on upload.
pub const PURPOSES: [&str; 6] =
    ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];
/// The arguments; a change of any of them (or of `sha256`) replaces the file.
const ARGUMENTS: [&str; 5] = ["file", "content", "purpose", "filename", "expires_after"];
/// Attributes only the API can tell.
const FROM_API: [&str; 5] = ["id", "created_at", "expires_at", "status", "status_details"];

pub async fn plan(
    provider: &OpenAiProvider,
    configured: &Configured,
    req: PlanResourceChangeRequest,
) -> PlanResourceChangeResponse {
    let address = req.address.as_str();
    let mut diags = validate_config(&req.config);
    if diags.has_errors() {
        return response(None, Vec::new(), Vec::new(), with_address(diags, address));
    }
    let mut planned = req.proposed_new_state.clone();
    let purpose = Arg::of(&req.config, "purpose").str().map(str::to_string);
    let source = Source::from_config(&req.config, &configured.working_dir).ok().flatten();
    // What the local content says: sha256, bytes, and the default filename.
    let mut scanned = None;
    if let (Some(source), Some(purpose)) = (&source, &purpose) {
        match source.scan(purpose == "batch").await {
            Ok(scan) => {
                if let Some(input) = &scan.batch {
                    diags.extend(diag::batch_input_problems(
                        input,
                        source.display(),
                        source.attribute(),
                        address,
                    ));
                }
                scanned = Some(scan);
            }
            Err(err) => diags.push(unreadable(source, &err, address)),
        }
    }
    if diags.has_errors() {
        return response(None, Vec::new(), Vec::new(), diags);
    }
    match &scanned {
        Some(scan) => {
            plan::set(&mut planned, "sha256", Value::string(&scan.sha256));
            plan::set(&mut planned, "bytes", Value::number(scan.bytes as i64));
        }
        None => plan::mark_unknown(schema::FILE, &mut planned, &["sha256", "bytes"]),
    }
    if Arg::of(&req.config, "filename").is_null() {
        match (&source, &purpose) {
            (Some(source), Some(purpose)) => {
                plan::set(&mut planned, "filename", Value::string(source.default_filename(purpose)))
            }
            _ => plan::mark_unknown(schema::FILE, &mut planned, &["filename"]),
        }
    }

    let Some(prior) = req.prior_state.as_ref().filter(|p| !p.is_null()) else {
        plan::mark_unknown(schema::FILE, &mut planned, &FROM_API);
        return response(Some(planned), Vec::new(), Vec::new(), diags);
    };
    let mut prior = prior.clone();
    let mut private = req.prior_private.clone();
    if is_imported(&private) {
        adopt_after_import(&mut prior, &planned);
        private.clear();
    }
    let mut names: Vec<&str> = ARGUMENTS.to_vec();
    names.push("sha256");
    let replace = plan::changed(&prior, &planned, &names);
    if replace.is_empty() {
        // Unchanged: everything the API told stays as it is.
        for name in FROM_API.iter().chain(["bytes", "sha256"].iter()) {
            if let Some(v) = prior.get_attr(name) {
                plan::set(&mut planned, name, v.clone());
            }
        }
        if let (Some(id), Some(scan)) = (prior.get_attr("id").and_then(Value::as_str), &scanned) {
            if let Some(input) = &scan.batch {
                provider.remember_input(id, facts(purpose.as_deref(), input));
            }
        }
    } else {
        plan::mark_unknown(schema::FILE, &mut planned, &FROM_API);
    }
    response(Some(planned), replace, private, diags)
}

/// After an import the local source, filename and expiry are not known from the API: take
/// them from the configuration when the content is the same.
fn adopt_after_import(prior: &mut Value, planned: &Value) {
    let same_content = match prior.get_attr("sha256").filter(|v| !v.is_null()) {
        Some(_) => plan::same(prior.get_attr("sha256"), planned.get_attr("sha256")),
        None => plan::same(prior.get_attr("bytes"), planned.get_attr("bytes")),
    };
    if !same_content {
        return;
    }
    for name in ["file", "content", "filename", "expires_after", "sha256"] {
        if let Some(v) = planned.get_attr(name) {
            plan::set(prior, name, v.clone());
        }
    }
}

pub fn facts(purpose: Option<&str>, input: &crate::jsonl::BatchInput) -> InputFacts {
    InputFacts {
        purpose: purpose.map(str::to_string),
        url: input.url.clone(),
        model: input.model.clone(),
        problem: input.problems.first().map(|p| format!("line {}: {}", p.line, p.message)),
        problem_count: input.problem_count,
    }
}

pub async fn apply(
    provider: &OpenAiProvider,
    configured: &Configured,
    req: ApplyResourceChangeRequest,
) -> ApplyResourceChangeResponse {
    let address = req.address.clone();
    match (&req.prior_state, &req.planned_state) {
        (Some(prior), None) => destroy(configured, prior, &address).await,
        (None, Some(planned)) => create(provider, configured, &req.config, planned, &address).await,
        (Some(prior), Some(planned)) => {
            // Only the plan's adoptions after an import get here (the local source of an
            // uploaded file); anything else would have been planned as a replacement.
            if plan::changed(prior, planned, &["purpose", "id"]).is_empty() {
                let mut state = planned.clone();
                for name in FROM_API.iter().chain(["bytes", "sha256", "filename"].iter()) {
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
                        "Files cannot be updated in place",
                        "An uploaded file cannot be changed: this change must replace it. This is a bug in batchform's plan; please report it.",
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
    address: &str,
) -> ApplyResourceChangeResponse {
    let fail = |diagnostics: Diagnostics| ApplyResourceChangeResponse {
        new_state: None,
        diagnostics,
        ..Default::default()
    };
    let Some(purpose) = Arg::of(config, "purpose").str().map(str::to_string) else {
        return fail(not_known(address, "purpose"));
    };
    let source = match Source::from_config(config, &configured.working_dir) {
        Ok(Some(s)) => s,
        _ => return fail(not_known(address, "file")),
    };
    let scan = match source.scan(purpose == "batch").await {
        Ok(s) => s,
        Err(err) => return fail(unreadable(&source, &err, address).into()),
    };
    if let Some(input) = &scan.batch {
        let problems =
            diag::batch_input_problems(input, source.display(), source.attribute(), address);
        if !problems.is_empty() {
            return fail(problems.into_iter().collect());
        }
    }
    if let Some(planned_sha) = planned.get_attr("sha256").and_then(Value::as_str) {
        if planned_sha != scan.sha256 {
            return fail(
                Diagnostic::error(
                    "File changed after the plan was made",
                    format!(
                        "{} changed between plan and apply (its SHA-256 was {planned_sha}, now {}). Nothing was uploaded; plan again to upload the new content.",
                        source.display(),
                        scan.sha256
                    ),
                )
                .with_attribute(AttrPath::attr(source.attribute()))
                .with_address(address)
                .into(),
            );
        }
    }
    let filename = planned
        .get_attr("filename")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| source.default_filename(&purpose));
    let upload = Upload {
        purpose: purpose.clone(),
        filename: filename.clone(),
        source: match &source {
            Source::Path { resolved, .. } => UploadSource::Path(resolved.clone()),
            Source::Inline(text) => UploadSource::Inline(text.clone()),
        },
        bytes: scan.bytes,
        expires_after: config.get_attr("expires_after").and_then(expires_after),
    };
    let object = match configured.client.upload_file(&upload, ctx(address)).await {
        Ok(o) => o,
        Err(err) => {
            return fail(diag::api_error("Failed to upload file", &err, Some(address)).into());
        }
    };
    if let Some(input) = &scan.batch {
        provider.remember_input(&object.id, facts(Some(&purpose), input));
    }
    let mut state = planned.clone();
    let mut fields = file_fields(&object);
    // The arguments stay as configured (the API echoes them).
    fields.remove("purpose");
    fields.remove("filename");
    for (name, value) in fields {
        plan::set(&mut state, &name, value);
    }
    let stored_name = match Arg::of(config, "filename") {
        Arg::Known(_) => filename.as_str(),
        _ => object.filename.as_deref().unwrap_or(&filename),
    };
    plan::set(&mut state, "filename", Value::string(stored_name));
    plan::set(&mut state, "sha256", Value::string(&scan.sha256));
    if object.bytes.is_none() {
        plan::set(&mut state, "bytes", Value::number(scan.bytes as i64));
    }
    ApplyResourceChangeResponse { new_state: Some(state), ..Default::default() }
}

async fn destroy(
    configured: &Configured,
    prior: &Value,
    address: &str,
) -> ApplyResourceChangeResponse {
    let Some(id) = prior.get_attr("id").and_then(Value::as_str) else {
        return ApplyResourceChangeResponse::default();
    };
    match configured.client.delete_file(id, ctx(address)).await {
        Ok(_) => ApplyResourceChangeResponse::default(),
        Err(err) => ApplyResourceChangeResponse {
            new_state: Some(prior.clone()),
            diagnostics: diag::api_error("Failed to delete file", &err, Some(address)).into(),
            ..Default::default()
        },
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
    match configured.client.retrieve_file(&id, ctx(address)).await {
        Ok(object) => {
            let mut state = req.prior_state.clone();
            for name in ["bytes", "created_at", "expires_at", "status", "status_details"] {
                let value = match name {
                    "bytes" => opt_num(object.bytes),
                    "created_at" => opt_num(object.created_at),
                    "expires_at" => opt_num(object.expires_at),
                    "status" => opt_str(object.status.as_deref()),
                    _ => opt_str(object.status_details.as_deref()),
                };
                plan::set(&mut state, name, value);
            }
            for name in ["filename", "purpose"] {
                if state.get_attr(name).is_none_or(Value::is_null) {
                    let v = if name == "filename" { &object.filename } else { &object.purpose };
                    plan::set(&mut state, name, opt_str(v.as_deref()));
                }
            }
            ReadResourceResponse {
                new_state: Some(state),
                private: req.private,
                ..Default::default()
            }
        }
        Err(err) if err.is_not_found() => {
            ReadResourceResponse { new_state: None, ..Default::default() }
        }
        Err(err) => ReadResourceResponse {
            new_state: Some(req.prior_state),
            private: req.private,
            diagnostics: diag::api_error("Failed to read file", &err, Some(address)).into(),
        },
    }
}

pub async fn import(configured: &Configured, id: &str) -> ImportResourceStateResponse {
    let c = crate::client::Ctx::default();
    let object = match configured.client.retrieve_file(id, c).await {
        Ok(o) => o,
        Err(err) => {
            return ImportResourceStateResponse {
                diagnostics: diag::api_error("Cannot import file", &err, None).into(),
                ..Default::default()
            };
        }
    };
    configured.client.claims.claim(&object.id);
    // The content's hash, when the purpose allows downloads; otherwise the size decides.
    let sha256 = configured.client.hash_file_content(&object.id, c).await.ok().map(|(sha, _)| sha);
    let mut state = plan::conform(plan::resource_schema(schema::FILE), file_fields(&object));
    for name in ["file", "content"] {
        plan::set(&mut state, name, Value::Null(batchform_core::Type::String));
    }
    plan::set(&mut state, "expires_after", Value::Null(schema::expires_after_type()));
    plan::set(&mut state, "sha256", opt_str(sha256.as_deref()));
    ImportResourceStateResponse {
        state: Some(state),
        private: IMPORTED.to_vec(),
        ..Default::default()
    }
}

fn response(
    planned: Option<Value>,
    requires_replace: Vec<AttrPath>,
    private: Vec<u8>,
    diagnostics: Diagnostics,
) -> PlanResourceChangeResponse {
    PlanResourceChangeResponse {
        planned_state: planned,
        requires_replace,
        planned_private: private,
        diagnostics,
    }
}

fn with_address(diags: Diagnostics, address: &str) -> Diagnostics {
    diags.into_iter().map(|d| d.with_address(address)).collect()
}

fn unreadable(source: &Source, err: &source::ScanError, address: &str) -> Diagnostic {
    Diagnostic::error("Cannot read file", format!("{}: {err}.", source.display()))
        .with_attribute(AttrPath::attr(source.attribute()))
        .with_address(address)
}

fn not_known(address: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        "Value not known at apply",
        format!("{name} must be known when the file is uploaded. This is a bug in batchform; please report it."),
    )
    .with_address(address)
    .into()
}
