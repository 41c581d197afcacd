//! `/v1/batches`: create (with the real request checks), retrieve, list, cancel. Status is
//! computed from the clock on every read; a batch that has stopped gets its result files on
//! the first read of it, of any file, of the file list, or at start ([`settle_due`]).

use super::files::check_ttl;
use super::{CreateError, List, RequestCtx, Shared, internal, parse_limit, unknown_cursor};
use crate::error::{ApiError, json_kind};
use crate::ids;
use crate::lifecycle::{self, Status, View};
use crate::model::{BatchRecord, ENDPOINTS, Validation};
use crate::{results, validate};
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

const CREATE_FIELDS: &[&str] =
    &["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"];

pub async fn create(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let req = parse_json_object(&body)?;
    let record = create_batch(&st, cx.project, &req, None).await.map_err(CreateError::into_api)?;
    let view = lifecycle::observe(&record, st.clock.now_ms());
    Ok(Json(wire(&record, &view)).into_response())
}

/// A caller-chosen identity for a new batch (seeding): its id and when it was created.
pub struct FixedBatch {
    pub id: String,
    /// Unix milliseconds, not after the clock's now.
    pub created_at_ms: i64,
}

/// Check a create request as the API does (fields, values, the input file), validate the
/// input file's lines, build the record and persist it. The one path for API creates and
/// seeded batches; `fixed` is `None` for a fresh random id created now.
pub async fn create_batch(
    st: &Shared,
    project: String,
    req: &Map<String, Value>,
    fixed: Option<FixedBatch>,
) -> Result<BatchRecord, CreateError> {
    if let Some(unknown) = req.keys().find(|k| !CREATE_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "Unrecognized request argument supplied: {unknown}"
        ))
        .into());
    }
    let input_file_id = required_str(req, "input_file_id")?;
    let endpoint = required_str(req, "endpoint")?;
    let completion_window = required_str(req, "completion_window")?;
    if !ENDPOINTS.contains(&endpoint) {
        return Err(ApiError::invalid_value("endpoint", endpoint, ENDPOINTS).into());
    }
    if completion_window != "24h" {
        return Err(
            ApiError::invalid_value("completion_window", completion_window, &["24h"]).into()
        );
    }
    let metadata = parse_metadata(req.get("metadata"))?;
    let output_expires_after = parse_output_expires_after(req.get("output_expires_after"))?;

    let now_s = st.clock.now();
    let file = st
        .store
        .reserve_input(&project, input_file_id, now_s)
        .ok_or_else(|| ApiError::file_not_found(input_file_id, "input_file_id"))?;
    let reservation = InputReservation { st: st.clone(), file_id: file.id.clone() };
    if file.purpose != "batch" {
        return Err(ApiError::bad_request(format!(
            "The input file {input_file_id} has purpose '{}', but batches need a file uploaded with purpose 'batch'.",
            file.purpose
        ))
        .param("input_file_id")
        .into());
    }

    let (id, created_at_ms) = match fixed {
        Some(fixed) => (fixed.id, fixed.created_at_ms),
        None => (ids::new_batch_id(), st.clock.now_ms()),
    };
    let batch = NewBatch {
        id,
        project,
        endpoint: endpoint.to_string(),
        input_file_id: input_file_id.to_string(),
        completion_window: completion_window.to_string(),
        metadata,
        output_expires_after,
        created_at_ms,
        timing: st.timing,
    };
    // Without fsync, a batch whose input was checked before is a lookup and one `write`:
    // done here, not on a blocking thread (each hand-off costs a wake-up and a context
    // switch per create). A journal rewrite due with it goes to the blocking thread.
    if st.store.batch_write_is_quick()
        && let Some(validation) = st.validation(&file.id, &batch.endpoint)
    {
        let _reservation = reservation;
        let record = batch.into_record(st.store.next_seq(), validation);
        st.store.put_batch(record.clone())?;
        return Ok(record);
    }
    let blob = st.store.blob_path(&file.id);
    let st2 = st.clone();
    // One blocking task for the input check and the record's durable write.
    let record = tokio::task::spawn_blocking(move || -> std::io::Result<BatchRecord> {
        // Reserved, so the blob stays even if the file is deleted meanwhile; the recorded
        // batch keeps it while it needs it.
        let _reservation = reservation;
        let validation = match st2.validation(&file.id, &batch.endpoint) {
            Some(v) => v,
            None => {
                let input = std::io::BufReader::new(std::fs::File::open(&blob)?);
                let v = validate::validate(input, &batch.endpoint)?;
                st2.remember_validation(&file.id, &batch.endpoint, &v);
                v
            }
        };
        let record = batch.into_record(st2.store.next_seq(), validation);
        st2.store.put_batch(record.clone())?;
        Ok(record)
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(record)
}

/// A checked create request, before its input's lines are validated.
struct NewBatch {
    id: String,
    project: String,
    endpoint: String,
    input_file_id: String,
    completion_window: String,
    metadata: Option<BTreeMap<String, String>>,
    output_expires_after: Option<i64>,
    created_at_ms: i64,
    timing: crate::config::Timing,
}

impl NewBatch {
    fn into_record(self, seq: u64, validation: Validation) -> BatchRecord {
        BatchRecord {
            id: self.id,
            seq,
            project: self.project,
            endpoint: self.endpoint,
            input_file_id: self.input_file_id,
            completion_window: self.completion_window,
            metadata: self.metadata,
            output_expires_after: self.output_expires_after,
            created_at_ms: self.created_at_ms,
            timing: self.timing,
            validation,
            cancel_requested_ms: None,
            outcome: None,
        }
    }
}

/// A create's hold on its input file's blob ([`crate::store::Store::reserve_input`]),
/// released when dropped.
struct InputReservation {
    st: Shared,
    file_id: String,
}

impl Drop for InputReservation {
    fn drop(&mut self) {
        // Only a file deleted meanwhile makes this remove a blob; a failure leaves it for
        // the next start to collect.
        let _ = self.st.store.release_input(&self.file_id);
    }
}

pub async fn retrieve(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = st.store.batch(&cx.project, &id).ok_or_else(|| ApiError::batch_not_found(&id))?;
    let (rec, view) = settle(&st, rec).await?;
    Ok(Json(wire(&rec, &view)).into_response())
}

pub async fn list(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = parse_limit(q.get("limit").map(String::as_str), 20, 100)?;
    let after = q.get("after").map(String::as_str);
    let page = st
        .store
        .list_batches(&cx.project, after, limit)
        .map_err(|_| unknown_cursor(after.unwrap_or("")))?;
    let mut settled = Vec::with_capacity(page.items.len());
    for rec in page.items {
        settled.push(settle(&st, rec).await?);
    }
    let data: Vec<BatchWire<'_>> = settled.iter().map(|(rec, view)| wire(rec, view)).collect();
    let list = List {
        object: "list",
        first_id: data.first().map(|b| b.id.to_string()),
        last_id: data.last().map(|b| b.id.to_string()),
        has_more: page.has_more,
        data,
    };
    Ok(Json(list).into_response())
}

pub async fn cancel(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lock = st.batch_lock(&id);
    let _guard = lock.lock().await;
    let mut rec = st.store.batch(&cx.project, &id).ok_or_else(|| ApiError::batch_not_found(&id))?;
    let now = st.clock.now_ms();
    let view = lifecycle::observe(&rec, now);
    match view.status() {
        Status::Validating | Status::InProgress | Status::Finalizing => {
            rec.cancel_requested_ms = Some(now);
            let st2 = st.clone();
            let rec2 = rec.clone();
            tokio::task::spawn_blocking(move || st2.store.put_batch(rec2))
                .await
                .map_err(internal)?
                .map_err(internal)?;
            let view = lifecycle::observe(&rec, now);
            Ok(Json(wire(&rec, &view)).into_response())
        }
        Status::Cancelling => Ok(Json(wire(&rec, &view)).into_response()),
        terminal => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("Cannot cancel a batch with status '{}'.", terminal.as_str()),
        )),
    }
}

/// Write the result files of every batch that has stopped by now and has none yet, so a
/// file listing or lookup shows them without anyone having read the batch first. Only the
/// due batches are visited (see [`crate::store::Store::due_batches`]). A batch whose files
/// cannot be written (I/O) stays due and is retried by the next caller.
pub async fn settle_due(st: &Shared) {
    for rec in st.store.due_batches(st.clock.now_ms()) {
        let _ = settle(st, rec).await;
    }
}

/// Observe a batch now; if it has stopped and its result files are not written yet, write
/// them (once, under the batch lock) and record them.
async fn settle(st: &Shared, rec: BatchRecord) -> Result<(BatchRecord, View), ApiError> {
    let view = lifecycle::observe(&rec, st.clock.now_ms());
    let Some(term) = view.terminal else {
        return Ok((rec, view));
    };
    if rec.outcome.is_some() || term.status == Status::Failed {
        return Ok((rec, view));
    }
    let lock = st.batch_lock(&rec.id);
    let _guard = lock.lock().await;
    let Some(mut rec) = st.store.batch(&rec.project, &rec.id) else {
        return Err(ApiError::batch_not_found(&rec.id));
    };
    if rec.outcome.is_some() {
        return Ok((rec, view));
    }
    let st2 = st.clone();
    let rec = tokio::task::spawn_blocking(move || -> std::io::Result<BatchRecord> {
        let outcome = results::produce(&st2.store, &rec, &term)?;
        rec.outcome = Some(outcome);
        st2.store.put_batch(rec.clone())?;
        Ok(rec)
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    Ok((rec, view))
}

/// The Batch object, fields in the real order, explicit nulls.
#[derive(Serialize)]
pub struct BatchWire<'a> {
    id: &'a str,
    object: &'static str,
    endpoint: &'a str,
    model: Option<&'a str>,
    errors: Option<Value>,
    input_file_id: &'a str,
    completion_window: &'a str,
    status: &'static str,
    output_file_id: Option<&'a str>,
    error_file_id: Option<&'a str>,
    created_at: i64,
    in_progress_at: Option<i64>,
    expires_at: i64,
    finalizing_at: Option<i64>,
    completed_at: Option<i64>,
    failed_at: Option<i64>,
    expired_at: Option<i64>,
    cancelling_at: Option<i64>,
    cancelled_at: Option<i64>,
    request_counts: Value,
    usage: Value,
    metadata: Option<&'a BTreeMap<String, String>>,
}

fn secs(ms: Option<i64>) -> Option<i64> {
    ms.map(|m| m.div_euclid(1000))
}

pub fn wire<'a>(rec: &'a BatchRecord, view: &View) -> BatchWire<'a> {
    let (model, errors) = match (&rec.validation, view.validated) {
        (Validation::Valid { model, .. }, true) => (model.as_deref(), None),
        (Validation::Failed { errors }, true) => {
            (None, Some(json!({"object": "list", "data": errors})))
        }
        _ => (None, None),
    };
    let outcome = rec.outcome.as_ref().filter(|_| view.terminal.is_some());
    BatchWire {
        id: &rec.id,
        object: "batch",
        endpoint: &rec.endpoint,
        model,
        errors,
        input_file_id: &rec.input_file_id,
        completion_window: &rec.completion_window,
        status: view.status().as_str(),
        output_file_id: outcome.and_then(|o| o.output_file_id.as_deref()),
        error_file_id: outcome.and_then(|o| o.error_file_id.as_deref()),
        created_at: rec.created_at_ms.div_euclid(1000),
        in_progress_at: secs(view.in_progress_at),
        expires_at: lifecycle::expires_at(rec),
        finalizing_at: secs(view.finalizing_at),
        completed_at: secs(view.completed_at),
        failed_at: secs(view.failed_at),
        expired_at: secs(view.expired_at),
        cancelling_at: secs(view.cancelling_at),
        cancelled_at: secs(view.cancelled_at),
        request_counts: json!({"total": view.total, "completed": view.completed, "failed": view.failed}),
        usage: outcome.map(|o| o.usage).unwrap_or_default().to_json(),
        metadata: rec.metadata.as_ref(),
    }
}

/// Parse a JSON request body that must be an object.
fn parse_json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_request(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        )),
    }
}

fn required_str<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match req.get(name) {
        None | Some(Value::Null) => Err(ApiError::missing(name)),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ApiError::invalid_type(name, "a string", other)),
    }
}

fn too_long(param: &str, max: usize, len: usize) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid '{param}': string too long. Expected a string with maximum length {max}, but got a string with length {len} instead."
    ))
    .param(param)
    .code("string_above_max_length")
}

fn parse_metadata(v: Option<&Value>) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    let map = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(other) => return Err(ApiError::invalid_type("metadata", "an object", other)),
    };
    if map.len() > 16 {
        return Err(ApiError::bad_request(format!(
            "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with {} properties instead.",
            map.len()
        ))
        .param("metadata")
        .code("object_above_max_properties"));
    }
    let mut out = BTreeMap::new();
    for (k, val) in map {
        let klen = k.chars().count();
        if klen > 64 {
            return Err(too_long("metadata", 64, klen).param(format!("metadata.{k}")));
        }
        let param = format!("metadata.{k}");
        let s = val.as_str().ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid type for '{param}': expected a string, but got {} instead.",
                json_kind(val)
            ))
            .param(param.clone())
            .code("invalid_type")
        })?;
        let vlen = s.chars().count();
        if vlen > 512 {
            return Err(too_long(&param, 512, vlen));
        }
        out.insert(k.clone(), s.to_string());
    }
    Ok(Some(out))
}

fn parse_output_expires_after(v: Option<&Value>) -> Result<Option<i64>, ApiError> {
    let map = match v {
        None => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(ApiError::invalid_type("output_expires_after", "an object", other));
        }
    };
    let anchor = match map.get("anchor") {
        None | Some(Value::Null) => return Err(ApiError::missing("output_expires_after.anchor")),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(ApiError::invalid_type("output_expires_after.anchor", "a string", other));
        }
    };
    if anchor != "created_at" {
        return Err(ApiError::invalid_value(
            "output_expires_after.anchor",
            anchor,
            &["created_at"],
        ));
    }
    let seconds = match map.get("seconds") {
        None | Some(Value::Null) => return Err(ApiError::missing("output_expires_after.seconds")),
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().unwrap_or_default(),
        Some(other) => {
            return Err(ApiError::invalid_type(
                "output_expires_after.seconds",
                "an integer",
                other,
            ));
        }
    };
    check_ttl("output_expires_after.seconds", seconds)?;
    Ok(Some(seconds))
}
