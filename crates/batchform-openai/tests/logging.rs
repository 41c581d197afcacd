//! `BATCHFORM_LOG=debug` shows every request and answer (the CLI installs the subscriber;
//! here a test subscriber captures the provider's events): method, URL, status, request id,
//! retries; never the API key.

mod common;

use common::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn requests_are_logged_without_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::emulator_with(Options {
        faults: vec!["500@nth=1@GET:/v1/files/"],
        ..Options::default()
    })
    .await;
    let file = h.input_file("logged.jsonl", 1).await;
    let read = h.read("openai_file", "openai_file.logged", &file).await;
    assert_no_errors(&read.diagnostics);
    // A content download (streamed, its own code path) logs its answer too.
    let id = str_attr(&file, "id").unwrap().to_string();
    let data = h
        .data(
            "openai_file",
            "data.openai_file.logged",
            &data_config("openai_file", &[("file_id", batchform_core::Value::string(&id))]),
        )
        .await;
    assert_no_errors(&data.diagnostics);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("method=\"POST\"") && log.contains("/v1/files"), "{log}");
    assert!(log.contains("status=200"), "{log}");
    assert!(log.contains("request_id=\"req_"), "{log}");
    assert!(log.contains("status=500") && log.contains("retrying"), "the retry is logged: {log}");
    let content_answer = log
        .lines()
        .find(|l| l.contains(&format!("/v1/files/{id}/content")) && l.contains("response"));
    let content_answer = content_answer.unwrap_or_else(|| panic!("no content answer: {log}"));
    assert!(content_answer.contains("status=200"), "{content_answer}");
    assert!(content_answer.contains("request_id=\"req_"), "{content_answer}");
    assert!(!log.contains(KEY), "the API key leaked into the log: {log}");
    assert!(!log.contains("Bearer"), "{log}");
}
