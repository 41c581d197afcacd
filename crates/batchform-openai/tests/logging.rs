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

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("method=\"POST\"") && log.contains("/v1/files"), "{log}");
    assert!(log.contains("status=200"), "{log}");
    assert!(log.contains("request_id=\"req_"), "{log}");
    assert!(log.contains("status=500") && log.contains("retrying"), "the retry is logged: {log}");
    assert!(!log.contains(KEY), "the API key leaked into the log: {log}");
    assert!(!log.contains("Bearer"), "{log}");
}
