//! Validating a batch input file, streaming it line by line: the checks whose failure makes a
//! batch `failed` with `errors.data[]`, and which well-formed lines the endpoint will reject.

use crate::execute;
use crate::model::{BatchError, Validation};
use serde_json::Value;
use std::collections::HashSet;
use std::io::BufRead;

/// At most this many requests per batch.
pub const MAX_REQUESTS: u64 = 50_000;
/// At most this many embedding inputs across an `/v1/embeddings` batch.
pub const MAX_EMBEDDING_INPUTS: u64 = 50_000;
/// `errors.data` keeps at most this many entries.
const MAX_ERRORS: usize = 100;

/// A request line longer than this is refused (`invalid_json_line`) without being held in
/// memory: the emulator's own bound (the API documents none below the 200 MB file limit),
/// generous for any real request body.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;

/// Visit each non-blank line: `(line number (1-based), request index (0-based), bytes)`,
/// where bytes is `None` for a line longer than [`MAX_LINE_BYTES`] (skipped while reading,
/// never buffered whole). Stops early when `f` returns `false`.
pub fn for_each_request<R: BufRead>(
    input: R,
    f: impl FnMut(u64, u64, Option<&[u8]>) -> bool,
) -> std::io::Result<()> {
    for_each_request_capped(input, MAX_LINE_BYTES, f)
}

fn for_each_request_capped<R: BufRead>(
    mut input: R,
    cap: usize,
    mut f: impl FnMut(u64, u64, Option<&[u8]>) -> bool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut index = 0u64;
    loop {
        buf.clear();
        let Some(too_long) = read_line_capped(&mut input, &mut buf, cap)? else {
            return Ok(());
        };
        line_no += 1;
        let line = if too_long {
            buf = Vec::new(); // give back what the long line's prefix took
            None
        } else {
            let line = buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            Some(line)
        };
        if !f(line_no, index, line) {
            return Ok(());
        }
        index += 1;
    }
}

/// Read one line (through its `\n`) into `buf`, keeping at most `cap` bytes of it plus the
/// line end. `None` at the end of input; `Some(true)` when the line was longer than `cap`
/// (the rest is consumed without being kept, and `buf` holds no usable content).
fn read_line_capped<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<Option<bool>> {
    let mut any = false;
    let mut too_long = false;
    loop {
        let avail = match input.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(any.then_some(too_long));
        }
        any = true;
        let (n, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !too_long {
            let content = if done { n - 1 } else { n };
            let ends_cr = done && n >= 2 && avail[n - 2] == b'\r';
            let kept = buf.len() + content - usize::from(ends_cr);
            if kept > cap {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..n]);
            }
        }
        input.consume(n);
        if done {
            return Ok(Some(too_long));
        }
    }
}

/// Validate an input file for a batch on `endpoint`.
pub fn validate<R: BufRead>(input: R, endpoint: &str) -> std::io::Result<Validation> {
    let mut errors: Vec<BatchError> = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut model: Option<String> = None;
    let mut failing: Vec<u32> = Vec::new();
    let mut embedding_inputs = 0u64;
    let mut total = 0u64;
    let push = |errors: &mut Vec<BatchError>, e: BatchError| {
        if errors.len() < MAX_ERRORS {
            errors.push(e);
        }
    };
    for_each_request(input, |line_no, index, bytes| {
        total = index + 1;
        if total > MAX_REQUESTS {
            push(
                &mut errors,
                BatchError {
                    code: "too_many_tasks".into(),
                    message: format!(
                        "The batch input file contains more than the maximum of {MAX_REQUESTS} requests."
                    ),
                    param: None,
                    line: None,
                },
            );
            return false;
        }
        let err = |code: &str, message: String, param: Option<&str>| BatchError {
            code: code.into(),
            message,
            param: param.map(String::from),
            line: Some(line_no),
        };
        let Some(bytes) = bytes else {
            push(
                &mut errors,
                err(
                    "invalid_json_line",
                    format!(
                        "This line is not parseable as valid JSON: it is longer than the maximum of {MAX_LINE_BYTES} bytes per request."
                    ),
                    None,
                ),
            );
            return true;
        };
        let line: Value = match serde_json::from_slice(bytes) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                push(
                    &mut errors,
                    err(
                        "invalid_json_line",
                        "This line is not parseable as valid JSON.".into(),
                        None,
                    ),
                );
                return true;
            }
        };
        match line.get("custom_id") {
            Some(Value::String(id)) => {
                if !seen_ids.insert(id.clone()) {
                    push(
                        &mut errors,
                        err(
                            "duplicate_custom_id",
                            format!(
                                "The custom_id '{id}' is duplicated; each request in a batch needs a unique custom_id."
                            ),
                            Some("custom_id"),
                        ),
                    );
                }
            }
            _ => push(
                &mut errors,
                err(
                    "missing_required_parameter",
                    "Missing required parameter: 'custom_id'.".into(),
                    Some("custom_id"),
                ),
            ),
        }
        match line.get("method").and_then(Value::as_str) {
            Some("POST") => {}
            Some(other) => push(
                &mut errors,
                err(
                    "invalid_method",
                    format!(
                        "The method '{other}' is not supported; batch requests must use 'POST'."
                    ),
                    Some("method"),
                ),
            ),
            None => push(
                &mut errors,
                err(
                    "missing_required_parameter",
                    "Missing required parameter: 'method'.".into(),
                    Some("method"),
                ),
            ),
        }
        match line.get("url").and_then(Value::as_str) {
            Some(url) if url == endpoint => {}
            Some(url) => push(
                &mut errors,
                err(
                    "url_mismatch",
                    format!(
                        "The URL provided for this request '{url}' does not match the batch endpoint '{endpoint}'."
                    ),
                    Some("url"),
                ),
            ),
            None => push(
                &mut errors,
                err(
                    "missing_required_parameter",
                    "Missing required parameter: 'url'.".into(),
                    Some("url"),
                ),
            ),
        }
        let Some(body) = line.get("body").filter(|b| b.is_object()) else {
            push(
                &mut errors,
                err(
                    "missing_required_parameter",
                    "Missing required parameter: 'body'.".into(),
                    Some("body"),
                ),
            );
            return true;
        };
        if let Some(m) = body.get("model").and_then(Value::as_str) {
            match &model {
                None => model = Some(m.to_string()),
                Some(first) if first != m => push(
                    &mut errors,
                    err(
                        "model_mismatch",
                        format!(
                            "The model '{m}' does not match the model '{first}' of the other requests; all requests in a batch must use the same model."
                        ),
                        Some("body.model"),
                    ),
                ),
                Some(_) => {}
            }
        }
        if endpoint == "/v1/embeddings" {
            embedding_inputs += execute::embedding_input_count(body);
        }
        if execute::check(endpoint, body).is_err() {
            failing.push(index as u32);
        }
        true
    })?;
    if endpoint == "/v1/embeddings" && embedding_inputs > MAX_EMBEDDING_INPUTS {
        errors.push(BatchError {
            code: "too_many_tasks".into(),
            message: format!(
                "The batch contains {embedding_inputs} embedding inputs, more than the maximum of {MAX_EMBEDDING_INPUTS}."
            ),
            param: None,
            line: None,
        });
    }
    if total == 0 {
        errors.push(BatchError {
            code: "empty_file".into(),
            message: "The batch input file is empty.".into(),
            param: None,
            line: None,
        });
    }
    if !errors.is_empty() {
        return Ok(Validation::Failed { errors });
    }
    Ok(Validation::Valid { total, model, failing })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Validation {
        validate(text.as_bytes(), "/v1/chat/completions").unwrap()
    }

    fn line(id: &str, url: &str, model: &str) -> String {
        format!(
            r#"{{"custom_id":"{id}","method":"POST","url":"{url}","body":{{"model":"{model}","messages":[{{"role":"user","content":"x"}}]}}}}"#
        )
    }

    fn codes(v: &Validation) -> Vec<(String, Option<u64>)> {
        match v {
            Validation::Failed { errors } => {
                errors.iter().map(|e| (e.code.clone(), e.line)).collect()
            }
            Validation::Valid { .. } => vec![],
        }
    }

    #[test]
    fn valid_file_counts_requests_and_failing_lines() {
        let bad = r#"{"custom_id":"c","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}"#;
        let text = format!(
            "{}\n\n{}\n{bad}\n",
            line("a", "/v1/chat/completions", "m"),
            line("b", "/v1/chat/completions", "m")
        );
        assert_eq!(
            run(&text),
            Validation::Valid { total: 3, model: Some("m".into()), failing: vec![2] }
        );
    }

    #[test]
    fn each_invalid_input_is_reported_with_its_line() {
        assert_eq!(codes(&run("\n \n")), vec![("empty_file".into(), None)]);
        let text = format!(
            "{}\nnot json\n{}\n{}\n{}",
            line("a", "/v1/chat/completions", "m"),
            line("a", "/v1/chat/completions", "m"),
            line("b", "/v1/embeddings", "m"),
            line("c", "/v1/chat/completions", "other"),
        );
        assert_eq!(
            codes(&run(&text)),
            vec![
                ("invalid_json_line".into(), Some(2)),
                ("duplicate_custom_id".into(), Some(3)),
                ("url_mismatch".into(), Some(4)),
                ("model_mismatch".into(), Some(5)),
            ]
        );
    }

    #[test]
    fn limits_on_requests_and_embedding_inputs() {
        let mut text = String::new();
        for i in 0..=MAX_REQUESTS {
            text.push_str(&line(&i.to_string(), "/v1/chat/completions", "m"));
            text.push('\n');
        }
        assert_eq!(codes(&run(&text)), vec![("too_many_tasks".into(), None)]);

        let inputs: Vec<String> = (0..30_000).map(|i| format!("\"t{i}\"")).collect();
        let l = |id: &str| {
            format!(
                r#"{{"custom_id":"{id}","method":"POST","url":"/v1/embeddings","body":{{"model":"text-embedding-3-small","input":[{}]}}}}"#,
                inputs.join(",")
            )
        };
        let text = format!("{}\n{}\n", l("a"), l("b"));
        let v = validate(text.as_bytes(), "/v1/embeddings").unwrap();
        assert_eq!(codes(&v), vec![("too_many_tasks".into(), None)]);
    }

    #[test]
    fn lines_longer_than_the_cap_are_reported_by_number_and_skipped() {
        let long = format!("{{\"custom_id\":\"{}\"}}", "x".repeat(100));
        let text = format!("{}\n{long}\n\n{}\r\n", line("a", "u", "m"), line("b", "u", "m"));
        let mut seen = Vec::new();
        for_each_request_capped(text.as_bytes(), 90, |no, index, bytes| {
            seen.push((no, index, bytes.map(|b| b.len())));
            true
        })
        .unwrap();
        let short = line("a", "u", "m").len();
        assert_eq!(seen, vec![(1, 0, None), (2, 1, None), (4, 2, None)]);
        // With room for the short lines only the long one is refused; CRLF ends fit exactly.
        let mut seen = Vec::new();
        for_each_request_capped(text.as_bytes(), short, |no, _, bytes| {
            seen.push((no, bytes.is_some()));
            true
        })
        .unwrap();
        assert_eq!(seen, vec![(1, true), (2, false), (4, true)]);
        // A long line across many small reads of the underlying reader.
        let reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        let mut seen = Vec::new();
        for_each_request_capped(reader, short, |no, _, bytes| {
            seen.push((no, bytes.map(<[u8]>::to_vec)));
            true
        })
        .unwrap();
        assert_eq!(seen[0].1.as_deref(), Some(line("a", "u", "m").as_bytes()));
        assert_eq!(seen[1], (2, None));
    }

    /// A 300 MiB line (no newline until the end) is refused with its line number, and the
    /// process's peak memory grows by far less than the line: it is never held whole.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_huge_line_is_refused_without_being_buffered() {
        use std::io::Read;
        fn peak_rss_kib() -> u64 {
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        }
        const HUGE: u64 = 300 * 1024 * 1024;
        let before = peak_rss_kib();
        let head = format!("{}\n{{\"custom_id\":\"", line("a", "/v1/chat/completions", "m"));
        let tail = format!("\"}}\n{}\n", line("c", "/v1/chat/completions", "m"));
        let input = head.as_bytes().chain(std::io::repeat(b'x').take(HUGE)).chain(tail.as_bytes());
        let v = validate(std::io::BufReader::new(input), "/v1/chat/completions").unwrap();
        let grown_mib = (peak_rss_kib() - before) / 1024;
        assert_eq!(codes(&v), vec![("invalid_json_line".into(), Some(2))]);
        match v {
            Validation::Failed { errors } => {
                assert!(errors[0].message.contains("longer than the maximum"), "{errors:?}")
            }
            Validation::Valid { .. } => unreachable!(),
        }
        assert!(grown_mib < 100, "peak memory grew by {grown_mib} MiB for a 300 MiB line");
    }
}
