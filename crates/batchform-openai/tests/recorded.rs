//! Real API response bodies (`fixtures/openai/recorded/`, with explicit nulls, absent
//! fields, fields the provider does not model, and a completed batch whose output file is
//! null) served to the provider: they decode without error into values of the schemas'
//! types, and the error envelopes become clear diagnostics.

mod common;

use batchform_core::provider::*;
use batchform_core::{Provider, Value};
use common::*;
use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> String {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/openai/recorded").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the recording server answers: (status, body) by method and path.
fn route(method: &str, path: &str) -> (u16, String) {
    match (method, path) {
        ("GET", "/v1/batches/abcde") => (200, fixture("batch_completed_with_usage.json")),
        ("GET", "/v1/batches/batch_69c3c347282c81908ede48ecc95bf201") => (200, fixture("batch_completed_all_failed.json")),
        ("GET", "/v1/batches/batch_6aae66ac20208190a609254118865e24") => (200, fixture("batch_created_selected_fields.json")),
        ("GET", "/v1/files/file-52voFe6FU6MWyAwa1Uj39R") => (200, fixture("file_batch_input.json")),
        ("GET", "/v1/files/file-52voFe6FU6MWyAwa1Uj39R/content") => (200, chat_lines(1, "gpt-4o")),
        ("POST", "/v1/batches") => (400, fixture("error_missing_parameter.json")),
        ("POST", "/v1/batches/batch_6aae66ac20208190a609254118865e24/cancel") => (409, fixture("error_cancel_terminal.json")),
        _ => (404, r#"{"error":{"message":"Not found","type":"invalid_request_error","param":null,"code":null}}"#.into()),
    }
}

/// A one-request-per-connection HTTP server answering from [`route`].
async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let n = stream.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let mut parts = head.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").split('?').next().unwrap_or("").to_string();
                let (status, body) = route(&method, &path);
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nx-request-id: req_recorded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/v1")
}

async fn provider(base: &str) -> batchform_openai::OpenAiProvider {
    let p = batchform_openai::OpenAiProvider::with_env(|_| None);
    let schema = batchform_openai::provider_schema();
    let config = Value::Object(
        schema
            .provider
            .block
            .attributes
            .iter()
            .map(|(name, a)| {
                let v = match name.as_str() {
                    "api_key" => Value::string("sk-recorded"),
                    "base_url" => Value::string(base),
                    "max_retries" => Value::number(0),
                    _ => Value::Null(a.ty.clone()),
                };
                (name.clone(), v)
            })
            .collect(),
    );
    assert_no_errors(&p.configure(ConfigureRequest { config, working_dir: ".".into() }).await);
    p
}

async fn read_batch(p: &batchform_openai::OpenAiProvider, id: &str) -> Value {
    let r = p
        .read_data_source(ReadDataSourceRequest {
            type_name: "openai_batch".into(),
            address: "data.openai_batch.r".into(),
            config: data_config("openai_batch", &[("batch_id", Value::string(id))]),
        })
        .await;
    assert_no_errors(&r.diagnostics);
    let state = r.state.unwrap();
    assert_conforms_data("openai_batch", &state);
    state
}

#[tokio::test]
async fn recorded_batches_decode_into_the_schema() {
    let base = serve().await;
    let p = provider(&base).await;

    let usage = read_batch(&p, "abcde").await;
    assert_eq!(str_attr(&usage, "model"), Some("gpt-5-2025-08-07"));
    assert_eq!(num_attr(usage.get_attr("request_counts").unwrap(), "failed"), Some(128));
    let u = usage.get_attr("usage").unwrap();
    assert_eq!(num_attr(u, "input_tokens"), Some(31_493_594));
    assert_eq!(num_attr(u, "total_tokens"), Some(51_279_835));
    assert_eq!(
        num_attr(u.get_attr("input_tokens_details").unwrap(), "cached_tokens"),
        Some(24_045_184)
    );
    assert_eq!(
        num_attr(u.get_attr("output_tokens_details").unwrap(), "reasoning_tokens"),
        Some(18_373_824)
    );
    assert!(usage.get_attr("errors").unwrap().is_null());
    assert!(usage.get_attr("cancelled_at").unwrap().is_null());
    assert_eq!(num_attr(&usage, "expires_at"), Some(1_757_766_109));

    let failed = read_batch(&p, "batch_69c3c347282c81908ede48ecc95bf201").await;
    assert_eq!(str_attr(&failed, "status"), Some("completed"));
    assert!(failed.get_attr("output_file_id").unwrap().is_null(), "completed with no output file");
    assert_eq!(str_attr(&failed, "error_file_id"), Some("file-QzTKe9srv1bbmpX5MwCTZx"));
    assert!(failed.get_attr("usage").unwrap().is_null(), "absent usage is null");
    assert!(failed.get_attr("error").unwrap().is_null());
    assert_eq!(num_attr(failed.get_attr("request_counts").unwrap(), "completed"), Some(0));

    let sparse = read_batch(&p, "batch_6aae66ac20208190a609254118865e24").await;
    assert_eq!(str_attr(&sparse, "status"), Some("validating"));
    assert!(sparse.get_attr("created_at").unwrap().is_null());
    assert!(sparse.get_attr("completion_window").unwrap().is_null());
    assert!(sparse.get_attr("model").unwrap().is_null());
}

#[tokio::test]
async fn a_recorded_file_decodes_and_error_envelopes_become_diagnostics() {
    let base = serve().await;
    let p = provider(&base).await;
    let r = p
        .read_data_source(ReadDataSourceRequest {
            type_name: "openai_file".into(),
            address: "data.openai_file.r".into(),
            config: data_config(
                "openai_file",
                &[("file_id", Value::string("file-52voFe6FU6MWyAwa1Uj39R"))],
            ),
        })
        .await;
    assert_no_errors(&r.diagnostics);
    let file = r.state.unwrap();
    assert_conforms_data("openai_file", &file);
    assert_eq!(num_attr(&file, "bytes"), Some(170));
    assert_eq!(num_attr(&file, "expires_at"), Some(1_789_768_071));
    assert_eq!(str_attr(&file, "status"), Some("processed"));
    assert!(file.get_attr("status_details").unwrap().is_null());
    assert!(str_attr(&file, "content").unwrap().contains("req-0"));

    // 400 on create: the API's message, its param and the request id.
    let config = resource_config(
        "openai_batch",
        &[
            ("input_file_id", Value::string("file-x")),
            ("endpoint", Value::string("/v1/responses")),
            ("completion_window", Value::string("24h")),
        ],
    );
    let created = create_on(&p, "openai_batch", "openai_batch.r", config, None).await;
    let text = error_text(&created.diagnostics);
    assert!(
        text.contains("create batch for openai_batch.r (POST http://") && text.contains("/v1/batches): HTTP 400 Bad Request: Missing required parameter: 'input_file_id'. (request id req_recorded)"),
        "{text}"
    );
    assert!(created.new_state.is_none());

    // 409 on cancel: the batch has finished, so destroy is done.
    let state = proposed(
        "openai_batch",
        &resource_config("openai_batch", &[("endpoint", Value::string("/v1/responses"))]),
        None,
    );
    let mut state = state.unknown_as_null();
    if let Value::Object(map) = &mut state {
        map.insert("id".into(), Value::string("batch_6aae66ac20208190a609254118865e24"));
        map.insert("status".into(), Value::string("in_progress"));
    }
    let destroyed = p
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: "openai_batch".into(),
            address: "openai_batch.r".into(),
            prior_state: Some(state),
            planned_state: None,
            config: Value::NULL,
            planned_private: Vec::new(),
            create_token: None,
        })
        .await;
    assert_no_errors(&destroyed.diagnostics);
    assert!(destroyed.new_state.is_none());
}
