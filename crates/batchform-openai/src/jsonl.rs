//! Reading a file's content once: its SHA-256 and size, and for batch input files the checks
//! the Batch API would otherwise make hours later (or with a failed batch): every line valid
//! JSON, `custom_id` present and unique, `method` POST, one `url` for all lines and an allowed
//! batch endpoint, one `model`, at most 50,000 requests, 200 MB, and 50,000 embedding inputs.
//! Problems carry their line number. Streaming: memory holds one line plus the custom ids.

use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, Read};

/// The endpoints a batch may target.
pub const BATCH_ENDPOINTS: [&str; 8] = [
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
];
pub const MAX_REQUESTS: usize = 50_000;
pub const MAX_EMBEDDING_INPUTS: u64 = 50_000;
pub const MAX_BATCH_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Problems kept with their text; the rest are only counted.
pub const MAX_REPORTED: usize = 10;

/// What one pass over a file's content found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub bytes: u64,
    /// Present when the content was checked as a batch input file.
    pub batch: Option<BatchInput>,
}

/// The facts of a batch input file, and its problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchInput {
    pub requests: usize,
    /// The `url` of the first line that has one.
    pub url: Option<String>,
    /// The `body.model` of the first line that has one.
    pub model: Option<String>,
    pub embedding_inputs: u64,
    /// The first [`MAX_REPORTED`] problems.
    pub problems: Vec<Problem>,
    /// How many problems there are in all.
    pub problem_count: usize,
}

/// One problem: line 0 means the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl BatchInput {
    fn problem(&mut self, line: usize, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_REPORTED {
            self.problems.push(Problem { line, message });
        }
    }
}

/// Hash `reader` and, when `check_batch`, check it as a batch input file.
pub fn scan(reader: impl Read, check_batch: bool) -> std::io::Result<Scan> {
    let mut reader = std::io::BufReader::with_capacity(256 * 1024, reader);
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut checker = check_batch.then(Checker::default);
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        hasher.update(&line);
        bytes += n as u64;
        number += 1;
        if let Some(c) = checker.as_mut() {
            c.line(number, &line);
        }
    }
    let batch = checker.map(|c| c.finish(bytes));
    Ok(Scan { sha256: format!("{:x}", hasher.finalize()), bytes, batch })
}

#[derive(Default)]
struct Checker {
    input: BatchInput,
    custom_ids: HashMap<String, usize>,
    url_line: usize,
    model_line: usize,
}

impl Checker {
    fn line(&mut self, number: usize, raw: &[u8]) {
        let Ok(text) = std::str::from_utf8(raw) else {
            self.input.problem(
                number,
                "this line is not valid UTF-8; batch input files must be UTF-8 encoded".into(),
            );
            return;
        };
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.input.requests += 1;
        if self.input.requests == MAX_REQUESTS + 1 {
            self.input.problem(
                number,
                format!("the file has more than {MAX_REQUESTS} requests (the Batch API's limit per batch); this is request {}", MAX_REQUESTS + 1),
            );
        }
        let json: Json = match serde_json::from_str(text) {
            Ok(j) => j,
            Err(e) => {
                self.input
                    .problem(number, format!("this line is not valid JSON: {}", json_error(&e)));
                return;
            }
        };
        let Some(obj) = json.as_object() else {
            self.input.problem(number, "this line is not a JSON object".into());
            return;
        };
        match obj.get("custom_id") {
            None | Some(Json::Null) => self.input.problem(number, "custom_id is missing".into()),
            Some(Json::String(id)) if id.is_empty() => {
                self.input.problem(number, "custom_id is empty".into())
            }
            Some(Json::String(id)) => {
                if let Some(first) = self.custom_ids.get(id) {
                    let first = *first;
                    self.input.problem(
                        number,
                        format!("custom_id {id:?} is used again (first on line {first}); custom ids must be unique in a batch"),
                    );
                } else {
                    self.custom_ids.insert(id.clone(), number);
                }
            }
            Some(_) => self.input.problem(number, "custom_id must be a string".into()),
        }
        match obj.get("method") {
            Some(Json::String(m)) if m == "POST" => {}
            Some(Json::String(m)) => self
                .input
                .problem(number, format!("method is {m:?}; batch requests must use \"POST\"")),
            None | Some(Json::Null) => {
                self.input.problem(number, "method is missing (it must be \"POST\")".into())
            }
            Some(_) => self.input.problem(number, "method must be the string \"POST\"".into()),
        }
        let url = match obj.get("url") {
            Some(Json::String(u)) => Some(u.as_str()),
            None | Some(Json::Null) => {
                self.input.problem(number, "url is missing".into());
                None
            }
            Some(_) => {
                self.input.problem(number, "url must be a string".into());
                None
            }
        };
        if let Some(url) = url {
            match &self.input.url {
                None => {
                    if !BATCH_ENDPOINTS.contains(&url) {
                        self.input.problem(
                            number,
                            format!(
                                "url {url:?} is not a batch endpoint; use one of {}",
                                BATCH_ENDPOINTS.join(", ")
                            ),
                        );
                    }
                    self.input.url = Some(url.to_string());
                    self.url_line = number;
                }
                Some(first) if first != url => {
                    let msg = format!(
                        "url {url:?} differs from {first:?} on line {}; all requests of a batch must use one endpoint",
                        self.url_line
                    );
                    self.input.problem(number, msg);
                }
                Some(_) => {}
            }
        }
        let body = match obj.get("body") {
            Some(Json::Object(body)) => body,
            None | Some(Json::Null) => {
                self.input.problem(number, "body is missing".into());
                return;
            }
            Some(_) => {
                self.input.problem(number, "body must be a JSON object".into());
                return;
            }
        };
        match body.get("model") {
            Some(Json::String(model)) => match &self.input.model {
                None => {
                    self.input.model = Some(model.clone());
                    self.model_line = number;
                }
                Some(first) if first != model => {
                    let msg = format!(
                        "model {model:?} differs from {first:?} on line {}; all requests of a batch must use one model",
                        self.model_line
                    );
                    self.input.problem(number, msg);
                }
                Some(_) => {}
            },
            None | Some(Json::Null) => {}
            Some(_) => self.input.problem(number, "body.model must be a string".into()),
        }
        if url == Some("/v1/embeddings") {
            self.input.embedding_inputs += match body.get("input") {
                Some(Json::Array(items))
                    if items.iter().all(Json::is_number) && !items.is_empty() =>
                {
                    1
                }
                Some(Json::Array(items)) => items.len() as u64,
                Some(_) => 1,
                None => 0,
            };
        }
    }

    fn finish(mut self, bytes: u64) -> BatchInput {
        if self.input.requests == 0 {
            self.input
                .problem(0, "the file has no requests; a batch needs at least one line".into());
        }
        if bytes > MAX_BATCH_FILE_BYTES {
            self.input.problem(
                0,
                format!("the file is {bytes} bytes; batch input files may be at most 200 MB ({MAX_BATCH_FILE_BYTES} bytes)"),
            );
        }
        if self.input.embedding_inputs > MAX_EMBEDDING_INPUTS {
            let n = self.input.embedding_inputs;
            self.input.problem(
                0,
                format!("the requests have {n} embedding inputs in all; /v1/embeddings batches may have at most {MAX_EMBEDDING_INPUTS}"),
            );
        }
        self.input
    }
}

/// serde_json's message without its "at line 1 column N" (each line is parsed alone).
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let bare = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text.as_str(),
    };
    format!("{bare} at column {}", e.column())
}

/// Whether a batch's `model` (the API resolves aliases to dated snapshots, e.g. `gpt-4o` to
/// `gpt-4o-2024-08-06`) is the configured one.
pub fn model_matches(configured: &str, actual: &str) -> bool {
    if configured == actual {
        return true;
    }
    actual
        .strip_prefix(configured)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> BatchInput {
        scan(text.as_bytes(), true).unwrap().batch.unwrap()
    }

    fn line(id: &str, url: &str, model: &str) -> String {
        format!(
            r#"{{"custom_id":"{id}","method":"POST","url":"{url}","body":{{"model":"{model}","messages":[]}}}}"#
        )
    }

    #[test]
    fn a_good_file_has_no_problems() {
        let text = [
            line("a", "/v1/chat/completions", "gpt-4o"),
            line("b", "/v1/chat/completions", "gpt-4o"),
        ]
        .join("\n")
            + "\n\n";
        let input = check(&text);
        assert_eq!(input.problems, vec![]);
        assert_eq!(input.requests, 2);
        assert_eq!(input.url.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(input.model.as_deref(), Some("gpt-4o"));
        let s = scan(text.as_bytes(), false).unwrap();
        assert_eq!(s.bytes, text.len() as u64);
        assert_eq!(s.sha256, format!("{:x}", Sha256::digest(text.as_bytes())));
        assert!(s.batch.is_none());
    }

    #[test]
    fn every_rule_reports_its_line() {
        let text = [
            line("a", "/v1/chat/completions", "gpt-4o"),
            "{not json".to_string(),
            line("a", "/v1/chat/completions", "gpt-4o"),
            r#"{"custom_id":"c","method":"GET","url":"/v1/chat/completions","body":{"model":"gpt-4o"}}"#.to_string(),
            line("d", "/v1/embeddings", "gpt-4o"),
            line("e", "/v1/chat/completions", "gpt-4o-mini"),
            r#"{"method":"POST","url":"/v1/chat/completions","body":{}}"#.to_string(),
            "[1,2]".to_string(),
        ]
        .join("\n");
        let input = check(&text);
        let got: Vec<(usize, &str)> =
            input.problems.iter().map(|p| (p.line, p.message.as_str())).collect();
        assert_eq!(got.len(), 7, "{got:#?}");
        assert_eq!(got[0].0, 2);
        assert!(
            got[0].1.starts_with("this line is not valid JSON: key must be a string at column 2"),
            "{}",
            got[0].1
        );
        assert_eq!(
            got[1],
            (
                3,
                "custom_id \"a\" is used again (first on line 1); custom ids must be unique in a batch"
            )
        );
        assert_eq!(got[2], (4, "method is \"GET\"; batch requests must use \"POST\""));
        assert_eq!(got[3].0, 5);
        assert!(got[3].1.contains("differs from \"/v1/chat/completions\" on line 1"));
        assert_eq!(
            got[4],
            (
                6,
                "model \"gpt-4o-mini\" differs from \"gpt-4o\" on line 1; all requests of a batch must use one model"
            )
        );
        assert_eq!(got[5], (7, "custom_id is missing"));
        assert_eq!(got[6], (8, "this line is not a JSON object"));
    }

    #[test]
    fn whole_file_limits() {
        assert_eq!(
            check("\n\n").problems[0].message,
            "the file has no requests; a batch needs at least one line"
        );
        let bad_url = check(&line("a", "/v1/chat", "m"));
        assert!(
            bad_url.problems[0].message.starts_with("url \"/v1/chat\" is not a batch endpoint")
        );
        let mut text = String::new();
        for i in 0..=MAX_REQUESTS {
            text.push_str(&line(&format!("r{i}"), "/v1/chat/completions", "m"));
            text.push('\n');
        }
        let input = check(&text);
        assert_eq!(input.problem_count, 1);
        assert_eq!(input.problems[0].line, MAX_REQUESTS + 1);
        let mut text = String::new();
        for i in 0..3 {
            let inputs = vec!["\"x\""; 20_000].join(",");
            text.push_str(&format!(
                r#"{{"custom_id":"e{i}","method":"POST","url":"/v1/embeddings","body":{{"model":"m","input":[{inputs}]}}}}"#
            ));
            text.push('\n');
        }
        let input = check(&text);
        assert_eq!(input.embedding_inputs, 60_000);
        assert!(input.problems[0].message.contains("60000 embedding inputs"));
    }

    #[test]
    fn invalid_utf8_and_many_problems_are_counted() {
        let mut bytes = line("a", "/v1/chat/completions", "m").into_bytes();
        bytes.extend_from_slice(b"\n\xff\xfe\n");
        let input = scan(&bytes[..], true).unwrap().batch.unwrap();
        assert_eq!(input.problems[0].line, 2);
        let text = "x\n".repeat(50);
        let input = check(&text);
        assert_eq!(input.problems.len(), MAX_REPORTED);
        assert_eq!(input.problem_count, 50);
    }

    #[test]
    fn models_match_their_dated_snapshots() {
        assert!(model_matches("gpt-4o", "gpt-4o"));
        assert!(model_matches("gpt-4o", "gpt-4o-2024-08-06"));
        assert!(model_matches("gpt-5", "gpt-5-2025-08-07"));
        assert!(!model_matches("gpt-4o", "gpt-4o-mini-2024-07-18"));
        assert!(!model_matches("gpt-4o", "text-embedding-3-small"));
    }
}
