//! A batch's status at any moment, computed from its record and the clock alone.
//!
//! Timeline (simulated, from the batch's stored [`Timing`]):
//! `validating` for `validating_secs`; then `failed` (invalid input) or `in_progress`, during
//! which the N requests finish evenly over `max(N * per_request_secs, min_in_progress_secs)`;
//! then `finalizing` for `finalizing_secs`; then `completed`. If `in_progress` would run past
//! `expires_at` (created + completion window) the batch becomes `expired` at `expires_at`.
//! A cancel accepted at time k gives `cancelling` from k and `cancelled` `cancelling_secs`
//! later, with the requests finished before k as partial results.

use crate::config::Timing;
use crate::model::{BatchRecord, Validation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Validating,
    Failed,
    InProgress,
    Finalizing,
    Completed,
    Expired,
    Cancelling,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Validating => "validating",
            Status::Failed => "failed",
            Status::InProgress => "in_progress",
            Status::Finalizing => "finalizing",
            Status::Completed => "completed",
            Status::Expired => "expired",
            Status::Cancelling => "cancelling",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Failed | Status::Completed | Status::Expired | Status::Cancelled)
    }
}

/// The state reached when a batch stops, which decides the files it produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub status: Status,
    /// When it reached this status (simulated Unix ms).
    pub at_ms: i64,
    /// How many requests (in input order) finished before the batch stopped.
    pub done: u64,
}

/// Everything about a batch that depends on the time. Timestamps are Unix milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub status: Option<Status>,
    pub in_progress_at: Option<i64>,
    pub finalizing_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub expired_at: Option<i64>,
    pub cancelling_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub total: u64,
    pub completed: u64,
    pub failed: u64,
    /// Validation has finished (so `model` and `errors` show).
    pub validated: bool,
    pub terminal: Option<Terminal>,
}

impl View {
    pub fn status(&self) -> Status {
        self.status.unwrap_or(Status::Validating)
    }
}

/// Derived times of a valid batch.
struct Plan<'a> {
    n: u64,
    failing: &'a [u32],
    in_progress_at: i64,
    run_ms: i64,
}

impl Plan<'_> {
    fn finalizing_at(&self) -> i64 {
        self.in_progress_at + self.run_ms
    }

    /// Requests finished by `t`.
    fn done_at(&self, t: i64) -> u64 {
        if t <= self.in_progress_at || self.n == 0 {
            return 0;
        }
        if self.run_ms <= 0 {
            return self.n;
        }
        let elapsed = (t - self.in_progress_at) as u128;
        let done = elapsed * self.n as u128 / self.run_ms as u128;
        done.min(self.n as u128) as u64
    }

    /// Of the first `done` requests, how many the endpoint rejected.
    fn failed_among(&self, done: u64) -> u64 {
        self.failing.partition_point(|&i| u64::from(i) < done) as u64
    }

    /// When request `index` (0-based) finished.
    pub fn finished_at(&self, index: u64) -> i64 {
        if self.n == 0 {
            return self.in_progress_at;
        }
        let offset = (self.run_ms.max(0) as u128 * (index as u128 + 1)) / self.n as u128;
        self.in_progress_at + offset as i64
    }
}

fn plan<'a>(rec: &BatchRecord, total: u64, failing: &'a [u32]) -> Plan<'a> {
    let t = &rec.timing;
    let in_progress_at = rec.created_at_ms + Timing::ms(t.validating_secs);
    let per_request = (t.per_request_secs.max(0.0) * total as f64 * 1000.0).round() as i64;
    let run_ms = per_request.max(Timing::ms(t.min_in_progress_secs));
    Plan { n: total, failing, in_progress_at, run_ms }
}

/// When request `index` of a valid batch finished (simulated Unix ms), for result bodies.
pub fn request_finished_at(rec: &BatchRecord, index: u64) -> i64 {
    match &rec.validation {
        Validation::Valid { total, failing, .. } => plan(rec, *total, failing).finished_at(index),
        Validation::Failed { .. } => rec.created_at_ms,
    }
}

/// `expires_at` in Unix seconds: creation + the completion window.
pub fn expires_at(rec: &BatchRecord) -> i64 {
    rec.created_at_ms.div_euclid(1000) + rec.timing.completion_window_secs
}

/// The batch as seen at `now_ms`.
pub fn observe(rec: &BatchRecord, now_ms: i64) -> View {
    let t = &rec.timing;
    let validated_at = rec.created_at_ms + Timing::ms(t.validating_secs);
    let mut v = View { status: Some(Status::Validating), ..View::default() };
    let (total, failing) = match &rec.validation {
        Validation::Failed { .. } => {
            if let Some(k) = rec.cancel_requested_ms {
                cancel(&mut v, rec, k, now_ms);
                return v;
            }
            if now_ms >= validated_at {
                v.validated = true;
                v.status = Some(Status::Failed);
                v.failed_at = Some(validated_at);
                v.terminal =
                    Some(Terminal { status: Status::Failed, at_ms: validated_at, done: 0 });
            }
            return v;
        }
        Validation::Valid { total, failing, .. } => (*total, failing.as_slice()),
    };
    let p = plan(rec, total, failing);
    let expires_ms = expires_at(rec) * 1000;
    let runs_past_window = p.finalizing_at() > expires_ms;

    if let Some(k) = rec.cancel_requested_ms {
        if k >= validated_at {
            v.validated = true;
            v.total = total;
            v.in_progress_at = Some(p.in_progress_at);
            if k >= p.finalizing_at() {
                v.finalizing_at = Some(p.finalizing_at());
            }
            let done = p.done_at(k.min(p.finalizing_at()));
            v.failed = p.failed_among(done);
            v.completed = done - v.failed;
        }
        cancel(&mut v, rec, k, now_ms);
        if let Some(term) = v.terminal.as_mut() {
            term.done = v.completed + v.failed;
        }
        return v;
    }
    if now_ms < validated_at {
        return v;
    }
    v.validated = true;
    v.total = total;
    v.in_progress_at = Some(p.in_progress_at);
    if runs_past_window && now_ms >= expires_ms {
        let done = p.done_at(expires_ms);
        let failed = p.failed_among(done);
        v.status = Some(Status::Expired);
        v.expired_at = Some(expires_ms);
        v.completed = done - failed;
        // Requests that never ran are reported as failed `batch_expired` lines.
        v.failed = failed + (total - done);
        v.terminal = Some(Terminal { status: Status::Expired, at_ms: expires_ms, done });
        return v;
    }
    if now_ms < p.finalizing_at() {
        let done = p.done_at(now_ms);
        v.status = Some(Status::InProgress);
        v.failed = p.failed_among(done);
        v.completed = done - v.failed;
        return v;
    }
    v.finalizing_at = Some(p.finalizing_at());
    v.failed = p.failed_among(total);
    v.completed = total - v.failed;
    let completed_at = p.finalizing_at() + Timing::ms(t.finalizing_secs);
    if now_ms < completed_at {
        v.status = Some(Status::Finalizing);
    } else {
        v.status = Some(Status::Completed);
        v.completed_at = Some(completed_at);
        v.terminal = Some(Terminal { status: Status::Completed, at_ms: completed_at, done: total });
    }
    v
}

fn cancel(v: &mut View, rec: &BatchRecord, k: i64, now_ms: i64) {
    v.cancelling_at = Some(k);
    let cancelled_at = k + Timing::ms(rec.timing.cancelling_secs);
    if now_ms >= cancelled_at {
        v.status = Some(Status::Cancelled);
        v.cancelled_at = Some(cancelled_at);
        v.terminal = Some(Terminal { status: Status::Cancelled, at_ms: cancelled_at, done: 0 });
    } else {
        v.status = Some(Status::Cancelling);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::BatchError;

    pub(crate) fn rec(validation: Validation) -> BatchRecord {
        BatchRecord {
            id: "batch_x".into(),
            seq: 0,
            project: String::new(),
            endpoint: "/v1/chat/completions".into(),
            input_file_id: "file-x".into(),
            completion_window: "24h".into(),
            metadata: None,
            output_expires_after: None,
            created_at_ms: 1_000_000,
            timing: Timing {
                validating_secs: 10.0,
                per_request_secs: 1.0,
                min_in_progress_secs: 0.0,
                finalizing_secs: 5.0,
                cancelling_secs: 3.0,
                completion_window_secs: 100,
            },
            validation,
            cancel_requested_ms: None,
            outcome: None,
        }
    }

    fn valid(total: u64, failing: Vec<u32>) -> Validation {
        Validation::Valid { total, model: Some("m".into()), failing }
    }

    #[test]
    fn a_valid_batch_walks_every_phase() {
        let r = rec(valid(4, vec![1]));
        let at = |s: i64| observe(&r, 1_000_000 + s * 1000);
        assert_eq!(at(0).status(), Status::Validating);
        assert_eq!(at(9).total, 0);
        let v = at(10);
        assert_eq!(v.status(), Status::InProgress);
        assert_eq!((v.total, v.completed, v.failed), (4, 0, 0));
        let v = at(12); // two requests done, the second was rejected
        assert_eq!((v.completed, v.failed), (1, 1));
        let v = at(14);
        assert_eq!(v.status(), Status::Finalizing);
        assert_eq!(v.finalizing_at, Some(1_014_000));
        let v = at(19);
        assert_eq!(v.status(), Status::Completed);
        assert_eq!(v.completed_at, Some(1_019_000));
        assert_eq!((v.completed, v.failed), (3, 1));
        assert_eq!(v.terminal.map(|t| t.done), Some(4));
    }

    #[test]
    fn invalid_input_fails_after_validating() {
        let r = rec(Validation::Failed {
            errors: vec![BatchError {
                code: "empty_file".into(),
                message: "m".into(),
                param: None,
                line: None,
            }],
        });
        assert_eq!(observe(&r, 1_005_000).status(), Status::Validating);
        let v = observe(&r, 1_010_000);
        assert_eq!(v.status(), Status::Failed);
        assert_eq!(v.failed_at, Some(1_010_000));
        assert!(v.in_progress_at.is_none());
    }

    #[test]
    fn a_batch_past_its_window_expires_with_partial_results() {
        let r = rec(valid(200, vec![]));
        let v = observe(&r, 1_000_000 + 99_000);
        assert_eq!(v.status(), Status::InProgress);
        let v = observe(&r, 1_000_000 + 100_000);
        assert_eq!(v.status(), Status::Expired);
        assert_eq!(v.expired_at, Some(1_100_000));
        assert_eq!((v.completed, v.failed), (90, 110));
        assert_eq!(v.terminal.map(|t| t.done), Some(90));
    }

    #[test]
    fn cancel_freezes_progress_then_cancels() {
        let mut r = rec(valid(10, vec![]));
        r.cancel_requested_ms = Some(1_013_500);
        let v = observe(&r, 1_014_000);
        assert_eq!(v.status(), Status::Cancelling);
        assert_eq!((v.completed, v.failed), (3, 0));
        let v = observe(&r, 1_016_500);
        assert_eq!(v.status(), Status::Cancelled);
        assert_eq!(v.cancelled_at, Some(1_016_500));
        assert_eq!(v.terminal.map(|t| t.done), Some(3));
        assert!(v.completed_at.is_none());

        // Cancelled while validating: nothing ran, nothing is counted.
        r.cancel_requested_ms = Some(1_002_000);
        let v = observe(&r, 1_010_000);
        assert_eq!(v.status(), Status::Cancelled);
        assert_eq!((v.total, v.completed), (0, 0));
        assert!(v.in_progress_at.is_none());
    }
}
