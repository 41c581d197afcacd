//! Producing a stopped batch's output and error files (purpose `batch_output`), streaming
//! the input line by line.
//!
//! Line format: `{"id":"batch_req_…","custom_id":…,"response":{"status_code","request_id","body"}|null,
//! "error":{"code","message"}|null}`. Successes go to the output file; requests the endpoint
//! rejected (with `response.status_code` 400) and requests cut off by expiry
//! (`batch_expired`, `response: null`) go to the error file. Requests cut off by a cancel get
//! no line. Lines come out of order (shuffled in blocks), as with the real API: match them
//! by `custom_id`. Ids are derived from the batch, so producing the files twice (after a
//! crash before the batch record was updated) yields the same objects.

use crate::execute::{self, LineContext};
use crate::ids;
use crate::lifecycle::{self, Status, Terminal};
use crate::model::{BatchRecord, FileRecord, Outcome, Usage};
use crate::store::Store;
use crate::validate;
use serde_json::{Value, json};
use std::io::{BufReader, BufWriter, Write};
use tempfile::NamedTempFile;

/// Output files keep this long unless the batch set `output_expires_after`.
const DEFAULT_OUTPUT_TTL: i64 = 30 * 86_400;
/// Lines are shuffled within blocks of this many.
const SHUFFLE_BLOCK: usize = 64;

/// Write the result files of `rec`, stopped as `term`, into `store`. Blocking I/O.
pub fn produce(store: &Store, rec: &BatchRecord, term: &Terminal) -> std::io::Result<Outcome> {
    if term.status == Status::Failed {
        return Ok(Outcome::default());
    }
    let mut out = Sink::new(store, rec, "output")?;
    let mut err = Sink::new(store, rec, "error")?;
    let mut usage = Usage::default();
    let input_path = store.blob_path(&rec.input_file_id);
    let validated = matches!(rec.validation, crate::model::Validation::Valid { .. })
        && rec
            .cancel_requested_ms
            .is_none_or(|k| k >= rec.created_at_ms + crate::Timing::ms(rec.timing.validating_secs));
    if validated {
        let input = BufReader::new(std::fs::File::open(&input_path)?);
        let mut io_err = None;
        validate::for_each_request(input, |_, index, bytes| {
            // Validation refused over-long lines, so a valid batch has none.
            let line: Value =
                bytes.and_then(|b| serde_json::from_slice(b).ok()).unwrap_or(Value::Null);
            let custom_id = line.get("custom_id").and_then(Value::as_str).unwrap_or("");
            let line_id = ids::derived_hex_id("batch_req_", &[&rec.id, custom_id]);
            let result = if index < term.done {
                let created = lifecycle::request_finished_at(rec, index).div_euclid(1000);
                let cx = LineContext { batch_id: &rec.id, custom_id, created };
                let request_id = ids::derived_hex_id("req_", &[&rec.id, custom_id, "request"]);
                let body = line.get("body").unwrap_or(&Value::Null);
                match execute::execute(&rec.endpoint, body, &cx) {
                    Ok(done) => {
                        usage.input_tokens += done.usage.input_tokens;
                        usage.output_tokens += done.usage.output_tokens;
                        out.push(&Line {
                            id: &line_id,
                            custom_id,
                            response: Some(LineResponse {
                                status_code: 200,
                                request_id: &request_id,
                                body: done.body,
                            }),
                            error: None,
                        })
                    }
                    Err(rejected) => err.push(&Line {
                        id: &line_id,
                        custom_id,
                        response: Some(LineResponse {
                            status_code: rejected.status.as_u16(),
                            request_id: &request_id,
                            body: rejected.envelope(),
                        }),
                        error: None,
                    }),
                }
            } else if term.status == Status::Expired {
                err.push(&Line {
                    id: &line_id,
                    custom_id,
                    response: None,
                    error: Some(json!({"code": "batch_expired",
                        "message": "This request could not be executed before the completion window expired."})),
                })
            } else {
                return false;
            };
            match result {
                Ok(()) => true,
                Err(e) => {
                    io_err = Some(e);
                    false
                }
            }
        })?;
        if let Some(e) = io_err {
            return Err(e);
        }
    }
    Ok(Outcome { output_file_id: out.finish(term)?, error_file_id: err.finish(term)?, usage })
}

/// One output/error line, fields in the real order.
#[derive(serde::Serialize)]
struct Line<'a> {
    id: &'a str,
    custom_id: &'a str,
    response: Option<LineResponse<'a>>,
    error: Option<Value>,
}

#[derive(serde::Serialize)]
struct LineResponse<'a> {
    status_code: u16,
    request_id: &'a str,
    body: Value,
}

/// One result file being written: lines are buffered in blocks and shuffled.
struct Sink<'a> {
    store: &'a Store,
    rec: &'a BatchRecord,
    kind: &'static str,
    file: BufWriter<NamedTempFile>,
    block: Vec<String>,
    blocks: u64,
    lines: u64,
    bytes: u64,
}

impl<'a> Sink<'a> {
    fn new(store: &'a Store, rec: &'a BatchRecord, kind: &'static str) -> std::io::Result<Self> {
        Ok(Sink {
            store,
            rec,
            kind,
            file: BufWriter::new(store.temp_file()?),
            block: Vec::with_capacity(SHUFFLE_BLOCK),
            blocks: 0,
            lines: 0,
            bytes: 0,
        })
    }

    fn push(&mut self, line: &Line<'_>) -> std::io::Result<()> {
        self.block.push(serde_json::to_string(line).map_err(std::io::Error::other)?);
        self.lines += 1;
        if self.block.len() == SHUFFLE_BLOCK {
            self.flush_block()?;
        }
        Ok(())
    }

    fn flush_block(&mut self) -> std::io::Result<()> {
        let seed = ids::hash(&[&self.rec.id, self.kind, &self.blocks.to_string()]);
        let mut rng = fastrand::Rng::with_seed(u64::from_le_bytes([
            seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7],
        ]));
        rng.shuffle(&mut self.block);
        for line in self.block.drain(..) {
            self.file.write_all(line.as_bytes())?;
            self.file.write_all(b"\n")?;
            self.bytes += line.len() as u64 + 1;
        }
        self.blocks += 1;
        Ok(())
    }

    /// Publish the file if it has any line; its id.
    fn finish(mut self, term: &Terminal) -> std::io::Result<Option<String>> {
        self.flush_block()?;
        if self.lines == 0 {
            return Ok(None);
        }
        let tmp = self.file.into_inner().map_err(|e| e.into_error())?;
        let id = ids::derived_file_id(&[&self.rec.id, self.kind]);
        let created_at = term.at_ms.div_euclid(1000);
        let ttl = self.rec.output_expires_after.unwrap_or(DEFAULT_OUTPUT_TTL);
        let record = FileRecord {
            id: id.clone(),
            seq: self.store.next_seq(),
            project: self.rec.project.clone(),
            bytes: self.bytes,
            created_at,
            filename: format!("{}_{}.jsonl", self.rec.id, self.kind),
            purpose: "batch_output".into(),
            expires_at: Some(created_at + ttl),
        };
        self.store.insert_file(record, tmp)?;
        Ok(Some(id))
    }
}
