//! `/batches`: create (through [`super::create`]), retrieve, cancel, list.

use super::create::{Created, Creation};
use super::{ApiError, Client, Ctx};
use crate::wire::{Batch, CreateBatch, ListPage};
use reqwest::Method;

impl Client {
    pub async fn create_batch(
        &self,
        request: &CreateBatch,
        token: Option<&str>,
        ctx: Ctx<'_>,
    ) -> Result<Batch, ApiError> {
        let op = self.operation("create batch", "POST", "/batches", ctx);
        match self.create(&op, Creation::Batch { request, token }, ctx).await? {
            Created::Batch(batch) => Ok(*batch),
            Created::File(_) => unreachable_created(&op),
        }
    }

    pub async fn retrieve_batch(&self, id: &str, ctx: Ctx<'_>) -> Result<Batch, ApiError> {
        let path = format!("/batches/{}", path_segment(id));
        let op = self.operation("read batch", "GET", &path, ctx);
        self.call_json(&op, || self.request(Method::GET, &op.url, ctx)).await
    }

    pub async fn cancel_batch(&self, id: &str, ctx: Ctx<'_>) -> Result<Batch, ApiError> {
        let path = format!("/batches/{}/cancel", path_segment(id));
        let op = self.operation("cancel batch", "POST", &path, ctx);
        self.call_json(&op, || self.request(Method::POST, &op.url, ctx)).await
    }

    /// One page of batches (newest first).
    pub async fn list_batches(
        &self,
        after: Option<&str>,
        limit: u32,
        ctx: Ctx<'_>,
    ) -> Result<ListPage<Batch>, ApiError> {
        let op = self.operation("list batches", "GET", "/batches", ctx);
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_string()));
        }
        self.call_json(&op, || self.request(Method::GET, &op.url, ctx).query(&query)).await
    }

    /// Every batch, following the cursor until `has_more` is false.
    pub async fn all_batches(&self, page_size: u32, ctx: Ctx<'_>) -> Result<Vec<Batch>, ApiError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.list_batches(after.as_deref(), page_size, ctx).await?;
            let next = page.next_cursor();
            all.extend(page.data);
            match next {
                // A server repeating its cursor would loop forever.
                Some(cursor) if after.as_deref() != Some(cursor.as_str()) => after = Some(cursor),
                _ => return Ok(all),
            }
        }
    }
}

/// An id as one URL path segment (ids are plain, but a stray `/` must not change the route).
pub(crate) fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn unreachable_created<T>(op: &super::Operation) -> Result<T, ApiError> {
    Err(ApiError::Decode {
        op: op.clone(),
        status: 200,
        detail: "the create returned another kind of object".into(),
        request_id: None,
    })
}

pub(crate) use unreachable_created as wrong_kind;

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn ids_stay_one_segment() {
        assert_eq!(path_segment("batch_abc-1"), "batch_abc-1");
        assert_eq!(path_segment("../x y"), "..%2Fx%20y");
    }
}
