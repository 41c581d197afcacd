//! `/v1/files`: upload (multipart, streamed to disk), list, retrieve, content, delete.

use super::{
    AppState, CreateError, List, MAX_FILE_BYTES, RequestCtx, Shared, internal, parse_limit,
    unknown_cursor,
};
use crate::error::ApiError;
use crate::ids;
use crate::model::{FileRecord, UPLOAD_PURPOSES};
use crate::store::Order;
use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use tokio::io::AsyncWriteExt;

/// Batch input files may be at most this large.
const MAX_BATCH_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Files uploaded for `batch` expire after this long unless `expires_after` says otherwise.
const BATCH_FILE_TTL: i64 = 30 * 86_400;
const MIN_TTL: i64 = 3600;
const MAX_TTL: i64 = 2_592_000;

/// The uploaded `file` part, streamed into a temporary file.
pub struct Upload {
    pub tmp: tempfile::NamedTempFile,
    pub filename: String,
    pub bytes: u64,
    pub utf8: bool,
}

impl Upload {
    /// Copy a file from disk into the store's temporary area, checking size and UTF-8 as an
    /// upload would (used for seeded files). Blocking I/O.
    pub fn from_path(
        st: &AppState,
        path: &std::path::Path,
        filename: String,
    ) -> std::io::Result<Upload> {
        use std::io::{Read, Write};
        let mut input = std::fs::File::open(path)?;
        let tmp = st.store.temp_file()?;
        let mut out = std::io::BufWriter::new(tmp.as_file().try_clone()?);
        let mut buf = vec![0u8; 64 * 1024];
        let mut bytes = 0u64;
        let mut utf8 = Utf8Check::default();
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            if bytes > MAX_FILE_BYTES {
                // Enough to be refused as too large; no need to copy the rest.
                break;
            }
            utf8.feed(&buf[..n]);
            out.write_all(&buf[..n])?;
        }
        out.flush()?;
        Ok(Upload { tmp, filename, bytes, utf8: utf8.finish() })
    }
}

/// A file to create: what an upload request carried, before any check.
pub struct NewFile {
    /// `None`: a fresh random id (API uploads); `Some`: a caller-chosen id (seeding).
    pub id: Option<String>,
    pub project: String,
    pub purpose: Option<String>,
    pub upload: Option<Upload>,
    /// `expires_after[anchor]` and `expires_after[seconds]` as sent.
    pub expires_anchor: Option<String>,
    pub expires_seconds: Option<String>,
}

pub async fn create(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart.map_err(|_| {
        ApiError::bad_request(
            "Invalid Content-Type header, expected multipart/form-data with a 'file' and a 'purpose'.",
        )
    })?;
    let mut new = NewFile {
        id: None,
        project: cx.project,
        purpose: None,
        upload: None,
        expires_anchor: None,
        expires_seconds: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let filename = field.file_name().unwrap_or("upload").to_string();
                new.upload = Some(stream_to_disk(&st, &mut field, filename).await?);
            }
            "purpose" => new.purpose = Some(small_text(&mut field).await?),
            "expires_after[anchor]" => new.expires_anchor = Some(small_text(&mut field).await?),
            "expires_after[seconds]" => new.expires_seconds = Some(small_text(&mut field).await?),
            other => {
                return Err(ApiError::bad_request(format!(
                    "Unrecognized request argument supplied: {other}"
                )));
            }
        }
    }
    let record = create_file(&st, new).await.map_err(CreateError::into_api)?;
    Ok(Json(record.wire()).into_response())
}

/// Check a new file as the API does, build its record and persist it with its content. The
/// one path for uploads and seeded files.
pub async fn create_file(st: &Shared, new: NewFile) -> Result<FileRecord, CreateError> {
    let purpose = new.purpose.ok_or_else(|| ApiError::missing("purpose"))?;
    if !UPLOAD_PURPOSES.contains(&purpose.as_str()) {
        return Err(ApiError::invalid_value("purpose", &purpose, UPLOAD_PURPOSES).into());
    }
    let upload = new.upload.ok_or_else(|| ApiError::missing("file"))?;
    let ttl = expires_after(new.expires_anchor, new.expires_seconds)?;
    if upload.bytes > MAX_FILE_BYTES {
        return Err(ApiError::bad_request("File is too large.").into());
    }
    if purpose == "batch" {
        if !upload.filename.to_ascii_lowercase().ends_with(".jsonl") {
            return Err(
                ApiError::bad_request("Invalid file format for Batch API. Must be .jsonl").into()
            );
        }
        if !upload.utf8 {
            return Err(
                ApiError::bad_request("Invalid file for Batch API. Must be utf-8 encoded").into()
            );
        }
        if upload.bytes > MAX_BATCH_FILE_BYTES {
            return Err(ApiError::bad_request("File is too large.").into());
        }
    }
    let created_at = st.clock.now();
    let ttl = ttl.or((purpose == "batch").then_some(BATCH_FILE_TTL));
    let record = FileRecord {
        id: new.id.unwrap_or_else(ids::new_file_id),
        seq: st.store.next_seq(),
        project: new.project,
        bytes: upload.bytes,
        created_at,
        filename: upload.filename,
        purpose,
        expires_at: ttl.map(|t| created_at + t),
    };
    let st2 = st.clone();
    let rec2 = record.clone();
    tokio::task::spawn_blocking(move || st2.store.insert_file(rec2, upload.tmp))
        .await
        .map_err(std::io::Error::other)??;
    Ok(record)
}

/// A text form field, read with a size cap (uploads have no overall body limit).
async fn small_text(field: &mut axum::extract::multipart::Field<'_>) -> Result<String, ApiError> {
    const MAX: usize = 64 * 1024;
    let name = field.name().unwrap_or("").to_string();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > MAX {
            return Err(too_long(&name, MAX, bytes.len() + chunk.len()));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| {
        ApiError::bad_request(format!("Invalid '{name}': the value is not valid UTF-8."))
            .param(name)
    })
}

fn too_long(param: &str, max: usize, len: usize) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid '{param}': string too long. Expected a string with maximum length {max}, but got a string with length {len} instead."
    ))
    .param(param)
    .code("string_above_max_length")
}

fn malformed(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::bad_request(format!("Could not parse multipart form: {}", e.body_text()))
}

/// Stream a multipart part to a temporary file, checking size and UTF-8 as it goes.
async fn stream_to_disk(
    st: &Shared,
    field: &mut axum::extract::multipart::Field<'_>,
    filename: String,
) -> Result<Upload, ApiError> {
    let tmp = st.store.temp_file().map_err(internal)?;
    let std_file = tmp.as_file().try_clone().map_err(internal)?;
    let mut out = tokio::io::BufWriter::new(tokio::fs::File::from_std(std_file));
    let mut bytes = 0u64;
    let mut utf8 = Utf8Check::default();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        bytes += chunk.len() as u64;
        if bytes > MAX_FILE_BYTES {
            return Err(ApiError::bad_request("File is too large."));
        }
        utf8.feed(&chunk);
        out.write_all(&chunk).await.map_err(internal)?;
    }
    out.flush().await.map_err(internal)?;
    Ok(Upload { tmp, filename, bytes, utf8: utf8.finish() })
}

/// Incremental UTF-8 validation across chunk boundaries.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    bad: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.bad {
            return;
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            self.carry.extend_from_slice(chunk);
            joined = std::mem::take(&mut self.carry);
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.carry.clear(),
            Err(e) if e.error_len().is_none() => {
                self.carry = data[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.bad = true,
        }
    }

    fn finish(self) -> bool {
        !self.bad && self.carry.is_empty()
    }
}

/// `expires_after[anchor]` + `expires_after[seconds]` -> seconds to live.
fn expires_after(anchor: Option<String>, seconds: Option<String>) -> Result<Option<i64>, ApiError> {
    match (anchor, seconds) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(ApiError::missing("expires_after[anchor]")),
        (Some(_), None) => Err(ApiError::missing("expires_after[seconds]")),
        (Some(anchor), Some(seconds)) => {
            if anchor != "created_at" {
                return Err(ApiError::invalid_value(
                    "expires_after[anchor]",
                    &anchor,
                    &["created_at"],
                ));
            }
            let secs: i64 = seconds.trim().parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "Invalid 'expires_after[seconds]': expected an integer, but got '{seconds}' instead."
                ))
                .param("expires_after[seconds]")
                .code("invalid_type")
            })?;
            check_ttl("expires_after[seconds]", secs)?;
            Ok(Some(secs))
        }
    }
}

/// The 3600..=2592000 range of `expires_after` / `output_expires_after`.
pub fn check_ttl(param: &str, secs: i64) -> Result<(), ApiError> {
    if secs < MIN_TTL {
        return Err(ApiError::bad_request(format!(
            "Invalid '{param}': integer below minimum value. Expected a value >= {MIN_TTL}, but got {secs} instead."
        ))
        .param(param)
        .code("integer_below_min_value"));
    }
    if secs > MAX_TTL {
        return Err(ApiError::bad_request(format!(
            "Invalid '{param}': integer above maximum value. Expected a value <= {MAX_TTL}, but got {secs} instead."
        ))
        .param(param)
        .code("integer_above_max_value"));
    }
    Ok(())
}

pub async fn list(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = parse_limit(q.get("limit").map(String::as_str), 10_000, 10_000)?;
    super::batches::settle_due(&st).await;
    let order = match q.get("order").map(String::as_str) {
        None | Some("desc") => Order::Desc,
        Some("asc") => Order::Asc,
        Some(other) => return Err(ApiError::invalid_value("order", other, &["asc", "desc"])),
    };
    let after = q.get("after").map(String::as_str);
    let page = st
        .store
        .list_files(
            &cx.project,
            q.get("purpose").map(String::as_str),
            after,
            limit,
            order,
            st.clock.now(),
        )
        .map_err(|_| unknown_cursor(after.unwrap_or("")))?;
    let list = List {
        object: "list",
        first_id: page.items.first().map(|f| f.id.clone()),
        last_id: page.items.last().map(|f| f.id.clone()),
        has_more: page.has_more,
        data: page.items.iter().map(FileRecord::wire).collect(),
    };
    Ok(Json(list).into_response())
}

/// A live file of the caller's project. An id not found may be the result file of a batch
/// that has just stopped: those are written first.
async fn lookup(st: &Shared, cx: &RequestCtx, id: &str) -> Result<FileRecord, ApiError> {
    if let Some(f) = st.store.file(&cx.project, id, st.clock.now()) {
        return Ok(f);
    }
    super::batches::settle_due(st).await;
    st.store.file(&cx.project, id, st.clock.now()).ok_or_else(|| ApiError::file_not_found(id, "id"))
}

pub async fn retrieve(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = lookup(&st, &cx, &id).await?;
    Ok(Json(file.wire()).into_response())
}

pub async fn content(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = lookup(&st, &cx, &id).await?;
    if matches!(file.purpose.as_str(), "assistants" | "user_data") {
        return Err(ApiError::bad_request(format!(
            "Not allowed to download files of purpose: {}",
            file.purpose
        )));
    }
    let handle = tokio::fs::File::open(st.store.blob_path(&file.id)).await.map_err(internal)?;
    let stream = tokio_util::io::ReaderStream::with_capacity(handle, 64 * 1024);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, file.bytes.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file.filename.replace('"', "")),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

pub async fn delete(
    State(st): State<Shared>,
    Extension(cx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = lookup(&st, &cx, &id).await?;
    let st2 = st.clone();
    let id2 = file.id.clone();
    tokio::task::spawn_blocking(move || st2.store.delete_file(&id2))
        .await
        .map_err(internal)?
        .map_err(internal)?;
    st.forget_validations(&file.id);
    #[derive(serde::Serialize)]
    struct Deleted {
        id: String,
        object: &'static str,
        deleted: bool,
    }
    Ok(Json(Deleted { id: file.id, object: "file", deleted: true }).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_checked_across_chunk_boundaries() {
        let text = "héllo wörld ✓".as_bytes();
        for split in 0..text.len() {
            let mut c = Utf8Check::default();
            c.feed(&text[..split]);
            c.feed(&text[split..]);
            assert!(c.finish(), "split at {split}");
        }
        let mut c = Utf8Check::default();
        c.feed(b"ok \xff bad");
        assert!(!c.finish());
        let mut c = Utf8Check::default();
        c.feed("✓".as_bytes().split_at(1).0);
        assert!(!c.finish(), "truncated sequence at the end");
    }
}
