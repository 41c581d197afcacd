//! Creating objects without ever making two. The API has no idempotency keys, so a create
//! whose outcome is unknown (a 5xx or 408 answer, a timeout, a connection dropped after the
//! request went out, a garbled success) is never simply sent again: the recent objects are
//! listed first, and if the one this call made is there it is adopted. Only when it is not
//! is the create sent again.
//!
//! How "the one this call made" is recognised:
//! - a batch carries a random token in its metadata (`batchform_create_token`), stripped
//!   again from everything the provider reports; when the user's metadata already has 16
//!   pairs there is no room, and the batch is matched by its request (input file, endpoint,
//!   window, metadata) among batches created since the call started;
//! - a file is matched by purpose, filename and size among files created since the call
//!   started.
//!
//! Objects this provider instance has already created or adopted (or seen in state) are
//! never adopted again ([`Claims`]), and identical creates matched without a token run one
//! at a time in a process so two of them cannot take each other's object.

use super::{ApiError, Client, Ctx, Failure, Operation, Reply, decode, unix_now};
use crate::wire::{Batch, CreateBatch, FileObject};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The metadata key of the create token.
pub const CREATE_TOKEN_KEY: &str = "batchform_create_token";
/// Listing goes back this far before the call started (clock skew between us and the API).
const SKEW_SECS: i64 = 300;
/// Whether `batch` carries the create token `token` in its metadata.
fn carries_token(batch: &Batch, token: &str) -> bool {
    batch.metadata.as_ref().and_then(|m| m.get(CREATE_TOKEN_KEY)).is_some_and(|t| t == token)
}

/// At most this many pages are searched when reconciling.
const MAX_RECONCILE_PAGES: usize = 20;

/// Ids created, adopted or seen in state by this provider, and the per-request locks.
#[derive(Default)]
pub struct Claims {
    ids: Mutex<HashSet<String>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Server time minus local time, learned from created objects' `created_at`.
    offset: Mutex<Option<i64>>,
}

impl Claims {
    /// Remember an id as taken.
    pub fn claim(&self, id: &str) {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_string());
    }

    fn is_claimed(&self, id: &str) -> bool {
        self.ids.lock().unwrap_or_else(|e| e.into_inner()).contains(id)
    }

    fn lock_for(&self, fingerprint: String) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(fingerprint).or_default().clone()
    }

    fn learn_offset(&self, created_at: Option<i64>) {
        if let Some(created) = created_at {
            *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = Some(created - unix_now());
        }
    }

    /// The earliest `created_at` an object made by a call started at local time `started`
    /// can have.
    fn lower_bound(&self, started: i64) -> i64 {
        let offset = self.offset.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(0);
        started + offset.min(0) - SKEW_SECS
    }
}

/// What is being created.
pub(crate) enum Creation<'a> {
    Batch { request: &'a CreateBatch, token: Option<&'a str> },
    File(&'a super::Upload),
}

/// What was created.
pub(crate) enum Created {
    Batch(Box<Batch>),
    File(FileObject),
}

impl Created {
    fn id(&self) -> &str {
        match self {
            Created::Batch(b) => &b.id,
            Created::File(f) => &f.id,
        }
    }

    fn created_at(&self) -> Option<i64> {
        match self {
            Created::Batch(b) => b.created_at,
            Created::File(f) => f.created_at,
        }
    }
}

impl Client {
    /// Create, reconciling unknown outcomes by listing. Exactly one object exists after a
    /// success; after an error none was made by this call (or the error says it is unknown).
    pub(crate) async fn create(
        &self,
        op: &Operation,
        creation: Creation<'_>,
        ctx: Ctx<'_>,
    ) -> Result<Created, ApiError> {
        // Without a token two identical creates could adopt each other's object: those run
        // one at a time. Token-carrying creates are matched exactly and run in parallel.
        let lock = match &creation {
            Creation::Batch { token: Some(_), .. } => None,
            _ => Some(self.claims.lock_for(fingerprint(&creation))),
        };
        let _serial = match &lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let started = unix_now();
        let mut attempt = 0;
        loop {
            let failure = match self.send_create(op, &creation, ctx, attempt).await {
                Ok(reply) => match decode_created(op, &creation, &reply) {
                    Ok(created) => return Ok(self.accept(created)),
                    // A success we cannot read: the object probably exists.
                    Err(error) => Failure {
                        error,
                        retryable: true,
                        server_delay: None,
                        maybe_processed: true,
                    },
                },
                Err(f) => f,
            };
            let out_of_retries = !failure.retryable || attempt >= self.max_retries();
            if failure.maybe_processed {
                if !out_of_retries {
                    let delay =
                        failure.server_delay.unwrap_or_else(|| super::retry::backoff(attempt));
                    self.wait(op, delay, &failure.error).await?;
                }
                tracing::debug!(target: "batchform_openai::http", url = %op.url, error = %failure.error, "create outcome unknown: listing to find the object");
                match self.find_created(&creation, started, ctx).await {
                    Ok(Some(found)) => {
                        tracing::info!(target: "batchform_openai::http", id = found.id(), "adopted the object created by an unconfirmed request");
                        return Ok(self.accept(found));
                    }
                    Ok(None) if out_of_retries => return Err(failure.error),
                    Ok(None) => {}
                    Err(list_error) => {
                        let find = match &creation {
                            Creation::Batch { token: Some(token), .. } => format!(
                                "a batch made by it carries metadata {CREATE_TOKEN_KEY} = \"{token}\""
                            ),
                            Creation::Batch { request, .. } => format!(
                                "a batch made by it reads {} for {}",
                                request.input_file_id, request.endpoint
                            ),
                            Creation::File(upload) => format!(
                                "a file made by it is named {:?} with purpose {:?}",
                                upload.filename, upload.purpose
                            ),
                        };
                        return Err(ApiError::Unconfirmed {
                            op: op.clone(),
                            detail: format!(
                                "the create may have succeeded ({}), and listing to check failed ({list_error}). It was not sent again, so that no duplicate is made. Before running again, check the API for the object ({find}); if it exists, import it or delete it.",
                                failure.error
                            ),
                        });
                    }
                }
            } else if out_of_retries {
                return Err(failure.error);
            } else {
                let delay = failure.server_delay.unwrap_or_else(|| super::retry::backoff(attempt));
                self.wait(op, delay, &failure.error).await?;
            }
            attempt += 1;
        }
    }

    fn accept(&self, created: Created) -> Created {
        self.claims.claim(created.id());
        self.claims.learn_offset(created.created_at());
        created
    }

    async fn send_create(
        &self,
        op: &Operation,
        creation: &Creation<'_>,
        ctx: Ctx<'_>,
        attempt: u32,
    ) -> Result<Reply, Failure> {
        let rb = match creation {
            Creation::Batch { request, token } => {
                let mut body = (*request).clone();
                if let Some(token) = token {
                    body.metadata
                        .get_or_insert_with(Default::default)
                        .insert(CREATE_TOKEN_KEY.to_string(), token.to_string());
                }
                self.request(reqwest::Method::POST, &op.url, ctx).json(&body)
            }
            Creation::File(upload) => {
                let form = upload.form().map_err(|source| Failure {
                    error: ApiError::Local { op: op.clone(), path: upload.display_path(), source },
                    retryable: false,
                    server_delay: None,
                    maybe_processed: false,
                })?;
                self.request(reqwest::Method::POST, &op.url, ctx).multipart(form)
            }
        };
        self.send_once(op, rb, attempt).await
    }

    /// The batch carrying metadata `batchform_create_token` = `token`, made by a create
    /// sent after local time `since` (an intent the engine recorded before a create whose
    /// answer was lost). Lists newest first, following pages until they hold only batches
    /// older than `since` (less the clock-skew margin).
    pub async fn find_batch_by_token(
        &self,
        token: &str,
        since: i64,
        ctx: Ctx<'_>,
    ) -> Result<Option<Batch>, ApiError> {
        let since = self.claims.lower_bound(since);
        let found =
            self.find_recent_batch(since, usize::MAX, ctx, |b| carries_token(b, token)).await?;
        if let Some(batch) = &found {
            self.claims.claim(&batch.id);
        }
        Ok(found)
    }

    /// The newest batch for which `hit` holds, listing newest first and stopping at the
    /// end of the listing, at a page holding only batches created before `since`, at a
    /// repeated cursor (a server repeating it would loop forever) or after `max_pages`.
    async fn find_recent_batch(
        &self,
        since: i64,
        max_pages: usize,
        ctx: Ctx<'_>,
        hit: impl Fn(&Batch) -> bool,
    ) -> Result<Option<Batch>, ApiError> {
        let mut after: Option<String> = None;
        for _ in 0..max_pages {
            let page = self.list_batches(after.as_deref(), 100, ctx).await?;
            if let Some(batch) = page.data.iter().find(|b| hit(b)) {
                return Ok(Some(batch.clone()));
            }
            let all_older = page.data.iter().all(|b| b.created_at.is_some_and(|c| c < since));
            match page.next_cursor() {
                Some(cursor) if !all_older && after.as_deref() != Some(cursor.as_str()) => {
                    after = Some(cursor)
                }
                _ => break,
            }
        }
        Ok(None)
    }

    /// Look for the object an unconfirmed create made.
    async fn find_created(
        &self,
        creation: &Creation<'_>,
        started: i64,
        ctx: Ctx<'_>,
    ) -> Result<Option<Created>, ApiError> {
        let since = self.claims.lower_bound(started);
        match creation {
            Creation::Batch { request, token } => {
                let hit = |batch: &Batch| {
                    !self.claims.is_claimed(&batch.id)
                        && match token {
                            Some(token) => carries_token(batch, token),
                            None => {
                                same_batch_request(batch, request)
                                    && batch.created_at.is_none_or(|c| c >= since)
                            }
                        }
                };
                let found = self.find_recent_batch(since, MAX_RECONCILE_PAGES, ctx, hit).await?;
                Ok(found.map(|batch| Created::Batch(Box::new(batch))))
            }
            Creation::File(upload) => {
                let mut after: Option<String> = None;
                for _ in 0..MAX_RECONCILE_PAGES {
                    let page =
                        self.list_files(Some(&upload.purpose), after.as_deref(), 100, ctx).await?;
                    let found = page.data.iter().find(|f| {
                        !self.claims.is_claimed(&f.id)
                            && f.filename.as_deref() == Some(upload.filename.as_str())
                            && f.bytes == i64::try_from(upload.bytes).ok()
                            && f.purpose.as_deref().is_none_or(|p| p == upload.purpose)
                            && f.created_at.is_none_or(|c| c >= since)
                    });
                    if let Some(file) = found {
                        return Ok(Some(Created::File(file.clone())));
                    }
                    let all_older =
                        page.data.iter().all(|f| f.created_at.is_some_and(|c| c < since));
                    match page.next_cursor() {
                        Some(cursor) if !all_older => after = Some(cursor),
                        _ => break,
                    }
                }
                Ok(None)
            }
        }
    }
}

fn decode_created(
    op: &Operation,
    creation: &Creation<'_>,
    reply: &Reply,
) -> Result<Created, ApiError> {
    Ok(match creation {
        Creation::Batch { .. } => Created::Batch(Box::new(decode(op, reply)?)),
        Creation::File(_) => Created::File(decode(op, reply)?),
    })
}

/// Identical requests share a lock.
fn fingerprint(creation: &Creation<'_>) -> String {
    match creation {
        Creation::Batch { request, .. } => format!(
            "batch\0{}\0{}\0{}\0{:?}",
            request.input_file_id, request.endpoint, request.completion_window, request.metadata
        ),
        Creation::File(upload) => {
            format!("file\0{}\0{}\0{}", upload.purpose, upload.filename, upload.bytes)
        }
    }
}

fn same_batch_request(batch: &Batch, request: &CreateBatch) -> bool {
    let metadata_empty = |m: &Option<std::collections::BTreeMap<String, String>>| {
        m.as_ref().is_none_or(|m| m.is_empty())
    };
    batch.input_file_id.as_deref() == Some(request.input_file_id.as_str())
        && batch.endpoint.as_deref() == Some(request.endpoint.as_str())
        && batch.completion_window.as_deref().is_none_or(|w| w == request.completion_window)
        && (batch.metadata == request.metadata
            || (metadata_empty(&batch.metadata) && metadata_empty(&request.metadata)))
}
