//! `/files`: upload (multipart, streamed from disk, through [`super::create`]), retrieve,
//! content, delete, list.

use super::batches::{path_segment, wrong_kind};
use super::create::{Created, Creation};
use super::{ApiError, Client, Ctx};
use crate::wire::{ExpiresAfter, FileObject, ListPage};
use futures_util::StreamExt;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

/// A file to upload.
#[derive(Debug, Clone)]
pub struct Upload {
    pub purpose: String,
    pub filename: String,
    pub source: UploadSource,
    /// The content's size, sent as the part's length.
    pub bytes: u64,
    pub expires_after: Option<ExpiresAfter>,
}

#[derive(Debug, Clone)]
pub enum UploadSource {
    /// Streamed from disk (never held in memory).
    Path(PathBuf),
    Inline(Arc<str>),
}

impl Upload {
    /// A fresh multipart body (each attempt needs its own, the file is read again).
    pub(crate) fn form(&self) -> std::io::Result<Form> {
        let part = match &self.source {
            UploadSource::Path(path) => {
                let file = std::fs::File::open(path)?;
                let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
                Part::stream_with_length(reqwest::Body::wrap_stream(stream), self.bytes)
            }
            UploadSource::Inline(text) => Part::bytes(text.as_bytes().to_vec()),
        };
        let mut form = Form::new()
            .text("purpose", self.purpose.clone())
            .part("file", part.file_name(self.filename.clone()));
        if let Some(expires) = &self.expires_after {
            form = form
                .text("expires_after[anchor]", expires.anchor.clone())
                .text("expires_after[seconds]", expires.seconds.to_string());
        }
        Ok(form)
    }

    pub(crate) fn display_path(&self) -> String {
        match &self.source {
            UploadSource::Path(p) => p.display().to_string(),
            UploadSource::Inline(_) => "content".to_string(),
        }
    }
}

impl Client {
    pub async fn upload_file(&self, upload: &Upload, ctx: Ctx<'_>) -> Result<FileObject, ApiError> {
        let op = self.operation("upload file", "POST", "/files", ctx);
        match self.create(&op, Creation::File(upload), ctx).await? {
            Created::File(file) => Ok(file),
            Created::Batch(_) => wrong_kind(&op),
        }
    }

    pub async fn retrieve_file(&self, id: &str, ctx: Ctx<'_>) -> Result<FileObject, ApiError> {
        let path = format!("/files/{}", path_segment(id));
        let op = self.operation("read file", "GET", &path, ctx);
        self.call_json(&op, || self.request(Method::GET, &op.url, ctx)).await
    }

    /// Delete a file. `Ok(false)` when it did not exist.
    pub async fn delete_file(&self, id: &str, ctx: Ctx<'_>) -> Result<bool, ApiError> {
        let path = format!("/files/{}", path_segment(id));
        let op = self.operation("delete file", "DELETE", &path, ctx);
        match self.call(&op, || self.request(Method::DELETE, &op.url, ctx)).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The content of a file of at most `max_bytes` bytes (`None` when it is larger).
    pub async fn file_content(
        &self,
        id: &str,
        max_bytes: u64,
        ctx: Ctx<'_>,
    ) -> Result<Option<Vec<u8>>, ApiError> {
        let path = format!("/files/{}/content", path_segment(id));
        let op = self.operation("download file", "GET", &path, ctx);
        let mut attempt = 0;
        loop {
            match self
                .stream_content(&op, ctx, attempt, |chunk, buf: &mut Vec<u8>| {
                    if buf.len() as u64 + chunk.len() as u64 > max_bytes {
                        return false;
                    }
                    buf.extend_from_slice(chunk);
                    true
                })
                .await
            {
                Ok((complete, buf)) => return Ok(complete.then_some(buf)),
                Err(f) if f.retryable && attempt < self.max_retries() => {
                    let delay = f.server_delay.unwrap_or_else(|| super::retry::backoff(attempt));
                    self.wait(&op, delay, &f.error).await?;
                    attempt += 1;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// SHA-256 (hex) and size of a file's content, streamed.
    pub async fn hash_file_content(
        &self,
        id: &str,
        ctx: Ctx<'_>,
    ) -> Result<(String, u64), ApiError> {
        let path = format!("/files/{}/content", path_segment(id));
        let op = self.operation("download file", "GET", &path, ctx);
        let mut attempt = 0;
        loop {
            let mut hasher = Sha256::new();
            let mut size = 0u64;
            let result = self
                .stream_content(&op, ctx, attempt, |chunk, _: &mut Vec<u8>| {
                    hasher.update(chunk);
                    size += chunk.len() as u64;
                    true
                })
                .await;
            match result {
                Ok(_) => return Ok((format!("{:x}", hasher.finalize()), size)),
                Err(f) if f.retryable && attempt < self.max_retries() => {
                    let delay = f.server_delay.unwrap_or_else(|| super::retry::backoff(attempt));
                    self.wait(&op, delay, &f.error).await?;
                    attempt += 1;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// Stream a content download into `sink`; `sink` returning false stops early
    /// (`complete = false`).
    async fn stream_content(
        &self,
        op: &super::Operation,
        ctx: Ctx<'_>,
        attempt: u32,
        mut sink: impl FnMut(&[u8], &mut Vec<u8>) -> bool,
    ) -> Result<(bool, Vec<u8>), super::Failure> {
        let rb = self.request(Method::GET, &op.url, ctx).header("Accept", "application/binary");
        tracing::debug!(target: "batchform_openai::http", method = op.method, url = %op.url, attempt, "request");
        let started = std::time::Instant::now();
        let response =
            self.transport.send(rb, self.timeout).await.map_err(|source| super::Failure {
                maybe_processed: !source.is_connect(),
                error: ApiError::Transport { op: op.clone(), source },
                retryable: true,
                server_delay: None,
            })?;
        let status = response.status;
        // As the common path logs answers (the body follows as a stream, so not its size).
        tracing::debug!(
            target: "batchform_openai::http",
            method = op.method,
            url = %op.url,
            attempt,
            status,
            request_id = response
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "response"
        );
        if !(200..300).contains(&status) {
            // Let the common path classify the error (body, retry headers).
            let headers = response.headers.clone();
            let request_id =
                headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body = response.bytes().await.unwrap_or_default();
            let error = super::error_from_body(op, status, request_id, &headers, &body);
            let server_delay = super::retry::server_delay(&headers);
            let retryable = super::retry::should_retry_header(&headers)
                .unwrap_or_else(|| super::retry::retryable_status(status))
                && server_delay.is_none_or(|d| d <= super::retry::MAX_SERVER_DELAY);
            return Err(super::Failure { error, retryable, server_delay, maybe_processed: false });
        }
        let mut buf = Vec::new();
        let mut stream = response.chunks();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|source| super::Failure {
                error: ApiError::Transport { op: op.clone(), source },
                retryable: true,
                server_delay: None,
                maybe_processed: false,
            })?;
            if !sink(&chunk, &mut buf) {
                return Ok((false, buf));
            }
        }
        Ok((true, buf))
    }

    /// One page of files, newest first.
    pub async fn list_files(
        &self,
        purpose: Option<&str>,
        after: Option<&str>,
        limit: u32,
        ctx: Ctx<'_>,
    ) -> Result<ListPage<FileObject>, ApiError> {
        let op = self.operation("list files", "GET", "/files", ctx);
        let mut query = vec![("limit", limit.to_string()), ("order", "desc".to_string())];
        if let Some(purpose) = purpose {
            query.push(("purpose", purpose.to_string()));
        }
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        self.call_json(&op, || self.request(Method::GET, &op.url, ctx).query(&query)).await
    }

    /// Every file, following the cursor until `has_more` is false.
    pub async fn all_files(
        &self,
        purpose: Option<&str>,
        page_size: u32,
        ctx: Ctx<'_>,
    ) -> Result<Vec<FileObject>, ApiError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.list_files(purpose, after.as_deref(), page_size, ctx).await?;
            let next = page.next_cursor();
            all.extend(page.data);
            match next {
                Some(cursor) if after.as_deref() != Some(cursor.as_str()) => after = Some(cursor),
                _ => return Ok(all),
            }
        }
    }
}
