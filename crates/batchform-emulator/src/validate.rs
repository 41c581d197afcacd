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

/// Visit each non-blank line: `(line number (1-based), request index (0-based), bytes)`.
/// Stops early when `f` returns `false`.
pub fn for_each_request<R: BufRead>(
    mut input: R,
    mut f: impl FnMut(u64, u64, &[u8]) -> bool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut index = 0u64;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line_no += 1;
        let line = buf.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if !f(line_no, index, line) {
            return Ok(());
        }
        index += 1;
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
}
