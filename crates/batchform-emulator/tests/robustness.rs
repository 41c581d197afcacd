//! Persistence across restarts, injected faults, and running from synchronous code.

mod common;

use batchform_emulator::{Clock, EmulatorConfig, FaultConfig, start_in_background};
use common::*;
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

fn config(dir: &std::path::Path, clock: &Clock) -> EmulatorConfig {
    EmulatorConfig {
        data_dir: Some(dir.to_path_buf()),
        clock: clock.clone(),
        timing: timing(),
        ..Default::default()
    }
}

#[tokio::test]
async fn objects_and_progress_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    let file = api.input_file(&[chat_line("a", "x"), chat_line("b", "y")]).await;
    let batch = api.create_batch(&file, "/v1/chat/completions").await;
    let id = batch["id"].as_str().unwrap().to_string();
    clock.advance(11.0);
    assert_eq!(api.batch(&id).await["request_counts"]["completed"], 1);
    em.shutdown().await.unwrap();

    // Down for a while: progress is computed from timestamps, so it continues.
    clock.advance(3600.0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    assert!(em.load_warnings().is_empty());
    let b = api.batch(&id).await;
    assert_eq!(b["status"], "completed");
    assert_eq!(b["completed_at"], T0 + 17);
    let out = b["output_file_id"].as_str().unwrap().to_string();
    assert_eq!(api.lines(&out).await.len(), 2);
    let input_copy = dir.path().join(format!("batches/{id}.input"));
    assert!(!input_copy.exists(), "the batch's input copy is dropped once results exist");
    assert_eq!(api.get(&format!("/files/{file}")).await.body["bytes"], 273);
    em.shutdown().await.unwrap();

    // Results are stored, not recomputed: the same ids after another restart.
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    assert_eq!(api.batch(&id).await["output_file_id"], out.as_str());
    assert_eq!(
        api.get("/files?purpose=batch_output").await.body["data"].as_array().unwrap().len(),
        1
    );
    em.shutdown().await.unwrap();
}

#[tokio::test]
async fn expired_files_are_removed_from_disk_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    let r = api
        .upload_form(
            "n.txt",
            b"bye".to_vec(),
            &[
                ("purpose", "user_data"),
                ("expires_after[anchor]", "created_at"),
                ("expires_after[seconds]", "3600"),
            ],
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_string();
    em.shutdown().await.unwrap();
    assert!(dir.path().join("blobs").join(&id).exists());
    clock.advance(3600.0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    assert!(!dir.path().join("blobs").join(&id).exists());
    assert!(!dir.path().join("files").join(format!("{id}.json")).exists());
    assert_eq!(api.get(&format!("/files/{id}")).await.status, 404);
    em.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_sped_up_system_clock_does_not_go_back_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = |speed| EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        clock: Clock::system(speed),
        ..Default::default()
    };
    let (em, api) = start_with(cfg(1000.0)).await;
    tokio::time::sleep(Duration::from_millis(200)).await; // ~200 simulated seconds
    let file = api.input_file(&[chat_line("a", "x")]).await;
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    let created = b["created_at"].as_i64().unwrap();
    em.shutdown().await.unwrap();
    let (em, _api) = start_with(cfg(1000.0)).await;
    assert!(em.clock().now() >= created, "{} < {created}", em.clock().now());
    em.shutdown().await.unwrap();
}

fn faulty(rules: &[&str], header_control: bool) -> EmulatorConfig {
    EmulatorConfig {
        clock: Clock::manual(T0),
        timing: timing(),
        faults: FaultConfig {
            rules: rules.iter().map(|r| r.parse().unwrap()).collect(),
            seed: Some(1),
            header_control,
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn rate_limits_server_errors_and_html_pages_are_injected_on_schedule() {
    let (_em, api) = start_with(faulty(
        &[
            "429:7@nth=1@GET:/v1/batches",
            "503@nth=2@GET:/v1/batches",
            "html:502@nth=3@GET:/v1/batches",
        ],
        false,
    ))
    .await;
    let r = api.get("/batches").await;
    let e = error_of(&r, 429);
    assert_eq!(e["code"], "rate_limit_exceeded");
    assert_eq!(r.headers["retry-after"], "7");
    assert!(r.headers.contains_key("x-request-id"));
    let r = api.get("/batches").await;
    assert_eq!(error_of(&r, 503)["type"], "server_error");
    assert_eq!(r.headers["x-should-retry"], "true", "as the API marks its transient 5xx");
    let r = api.get("/batches").await;
    assert_eq!(r.status, 502);
    assert!(!r.headers.contains_key("x-should-retry"), "a proxy's HTML page has none");
    assert_eq!(r.headers["content-type"], "text/html");
    assert!(r.text.contains("<title>502 Bad Gateway</title>"), "{}", r.text);
    assert_eq!(api.get("/batches").await.status, 200);
    assert_eq!(api.get("/files").await.status, 200, "the rules only match /v1/batches");
}

#[tokio::test]
async fn dropped_connections_and_drops_after_create() {
    let (_em, api) = start_with(faulty(
        &["drop@nth=1@GET:/v1/files", "drop-after-create@nth=1@POST:/v1/batches"],
        false,
    ))
    .await;
    let err = api.http.get(format!("{}/files", api.base)).send().await;
    assert!(err.is_err(), "the connection is closed without an answer");
    assert_eq!(api.get("/files").await.status, 200);

    let file = api.input_file(&[chat_line("a", "x")]).await;
    let body = json!({"input_file_id": file, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
    let lost = api.http.post(format!("{}/batches", api.base)).json(&body).send().await;
    assert!(lost.is_err(), "the answer to the create is lost");
    let listed = api.get("/batches").await.body;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "but the batch was created");
    assert_eq!(api.post("/batches", body).await.status, 200);
    assert_eq!(api.get("/batches").await.body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn latency_and_per_request_header_faults() {
    let (_em, api) = start_with(faulty(&["latency:300@nth=1"], true)).await;
    let t = Instant::now();
    assert_eq!(api.get("/batches").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let r = api
        .send(api.http.get(format!("{}/batches", api.base)).header("x-batchform-fault", "500"))
        .await;
    assert_eq!(
        error_of(&r, 500)["message"],
        "The server had an error while processing your request. Sorry about that!"
    );
    let r = api
        .send(api.http.get(format!("{}/batches", api.base)).header("x-batchform-fault", "429:none"))
        .await;
    assert_eq!(r.status, 429);
    assert!(!r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn the_fault_header_is_ignored_unless_enabled() {
    let (_em, api) = start().await;
    let r = api
        .send(api.http.get(format!("{}/batches", api.base)).header("x-batchform-fault", "500"))
        .await;
    assert_eq!(r.status, 200);
}

#[test]
fn runs_from_synchronous_code_on_its_own_thread() {
    let em = start_in_background(EmulatorConfig::default()).unwrap();
    assert!(em.base_url().starts_with("http://127.0.0.1:") && em.base_url().ends_with("/v1"));
    let dir = em.data_dir().to_path_buf();
    assert!(dir.join("files.log").is_file() && dir.join("blobs").is_dir());
    let mut s = std::net::TcpStream::connect(em.addr()).unwrap();
    s.write_all(b"GET /v1/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("\"object\":\"list\""), "{text}");
    em.shutdown().unwrap();
    assert!(!dir.exists(), "the private data directory is removed");
}

#[tokio::test]
async fn a_batch_that_stopped_while_the_emulator_was_down_has_its_files_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    let file = api.input_file(&[chat_line("a", "x"), chat_line("b", "y")]).await;
    let id =
        api.create_batch(&file, "/v1/chat/completions").await["id"].as_str().unwrap().to_string();
    em.shutdown().await.unwrap();
    let blobs = || std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
    assert_eq!(blobs(), 1, "only the input file");

    clock.advance(3600.0);
    let (em, api) = start_with(config(dir.path(), &clock)).await;
    // Written at start, before any request.
    assert_eq!(blobs(), 2, "the output file is stored at start");
    let listed = api.get("/files?purpose=batch_output").await.body["data"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(api.batch(&id).await["output_file_id"], listed[0]["id"]);
    em.shutdown().await.unwrap();
}
