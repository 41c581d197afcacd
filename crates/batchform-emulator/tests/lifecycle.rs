//! Every status transition, on the virtual clock, through the HTTP API.

mod common;

use common::*;
use serde_json::{Value, json};

const BATCH_NULLS: &[&str] = &[
    "model",
    "errors",
    "output_file_id",
    "error_file_id",
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
];

#[tokio::test]
async fn a_batch_goes_from_validating_to_completed_with_output_and_error_files() {
    let (em, api) = start().await;
    let rejected = json!({"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions",
                          "body": {"model": "gpt-4o-mini"}});
    let file = api.input_file(&[chat_line("a", "hello"), chat_line("b", "world"), rejected]).await;
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    let id = b["id"].as_str().unwrap();
    assert!(id.starts_with("batch_") && id.len() == 38, "{id}");
    assert_eq!(b["object"], "batch");
    assert_eq!(b["status"], "validating");
    assert_eq!(b["created_at"], T0);
    assert_eq!(b["expires_at"], T0 + 86_400);
    assert_eq!(b["request_counts"], json!({"total": 0, "completed": 0, "failed": 0}));
    assert_eq!(b["input_file_id"], file.as_str());
    assert_eq!(b["completion_window"], "24h");
    assert_eq!(b["metadata"], Value::Null);
    for k in BATCH_NULLS {
        assert!(b.get(*k).is_some_and(Value::is_null), "{k} must be an explicit null: {b}");
    }

    em.clock().advance(10.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "in_progress");
    assert_eq!(b["in_progress_at"], T0 + 10);
    assert_eq!(b["model"], "gpt-4o-mini");
    assert_eq!(b["request_counts"], json!({"total": 3, "completed": 0, "failed": 0}));

    em.clock().advance(2.0);
    let b = api.batch(id).await;
    assert_eq!(b["request_counts"], json!({"total": 3, "completed": 2, "failed": 0}));

    em.clock().advance(1.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "finalizing");
    assert_eq!(b["finalizing_at"], T0 + 13);
    assert_eq!(b["request_counts"], json!({"total": 3, "completed": 2, "failed": 1}));
    assert!(b["output_file_id"].is_null());

    em.clock().advance(5.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "completed");
    assert_eq!(b["completed_at"], T0 + 18);
    assert!(b["usage"]["total_tokens"].as_u64().unwrap() > 0);

    // Output file: one line per success, in the real line format.
    let out_id = b["output_file_id"].as_str().unwrap();
    let meta = api.get(&format!("/files/{out_id}")).await.body;
    assert_eq!(meta["purpose"], "batch_output");
    assert_eq!(meta["created_at"], T0 + 18);
    assert_eq!(meta["expires_at"], T0 + 18 + 30 * 86_400);
    let lines = api.lines(out_id).await;
    let mut ids: Vec<&str> = lines.iter().map(|l| l["custom_id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["a", "b"]);
    for l in &lines {
        assert!(l["id"].as_str().unwrap().starts_with("batch_req_"));
        assert_eq!(l["error"], Value::Null);
        assert_eq!(l["response"]["status_code"], 200);
        assert!(l["response"]["request_id"].as_str().unwrap().starts_with("req_"));
        assert_eq!(l["response"]["body"]["object"], "chat.completion");
    }
    let a = lines.iter().find(|l| l["custom_id"] == "a").unwrap();
    let text = a["response"]["body"]["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(text.contains("hello"), "{text}");

    // Error file: the rejected request with the endpoint's 400 body.
    let err_lines = api.lines(b["error_file_id"].as_str().unwrap()).await;
    assert_eq!(err_lines.len(), 1);
    assert_eq!(err_lines[0]["custom_id"], "bad");
    assert_eq!(err_lines[0]["error"], Value::Null);
    assert_eq!(err_lines[0]["response"]["status_code"], 400);
    assert_eq!(
        err_lines[0]["response"]["body"]["error"],
        json!({"message": "Missing required parameter: 'messages'.", "type": "invalid_request_error",
               "param": "messages", "code": "missing_required_parameter"})
    );

    // Reading again gives the same files (results are produced once).
    let again = api.batch(id).await;
    assert_eq!(again["output_file_id"], b["output_file_id"]);
    assert_eq!(again["completed_at"], b["completed_at"]);
}

#[tokio::test]
async fn all_failed_requests_complete_with_no_output_file() {
    let (em, api) = start().await;
    let line = json!({"custom_id": "x", "method": "POST", "url": "/v1/embeddings",
                      "body": {"model": "text-embedding-3-small", "input": ""}});
    let file = api.input_file(&[line]).await;
    let b = api.create_batch(&file, "/v1/embeddings").await;
    em.clock().advance(3600.0);
    let b = api.batch(b["id"].as_str().unwrap()).await;
    assert_eq!(b["status"], "completed");
    assert_eq!(b["output_file_id"], Value::Null);
    assert!(b["error_file_id"].is_string());
    assert_eq!(b["request_counts"], json!({"total": 1, "completed": 0, "failed": 1}));
}

#[tokio::test]
async fn invalid_input_makes_the_batch_fail_with_errors_and_lines() {
    let (em, api) = start().await;
    let cases: Vec<(&str, Vec<u8>, &str, Option<u64>)> = vec![
        ("empty", b"\n".to_vec(), "empty_file", None),
        ("json", b"{\"custom_id\": \nnot json\n".to_vec(), "invalid_json_line", Some(1)),
        (
            "dup",
            format!("{}\n{}", chat_line("a", "x"), chat_line("a", "y")).into_bytes(),
            "duplicate_custom_id",
            Some(2),
        ),
        (
            "url",
            json!({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m"}})
                .to_string()
                .into_bytes(),
            "url_mismatch",
            Some(1),
        ),
        (
            "model",
            format!(
                "{}\n{}",
                chat_line("a", "x"),
                json!({"custom_id": "b", "method": "POST", "url": "/v1/chat/completions",
                       "body": {"model": "gpt-4o", "messages": []}})
            )
            .into_bytes(),
            "model_mismatch",
            Some(2),
        ),
        (
            "method",
            format!(
                "{}\n{}",
                chat_line("a", "x"),
                json!({"custom_id": "b", "method": "GET", "url": "/v1/chat/completions",
                       "body": {"model": "gpt-4o-mini", "messages": []}})
            )
            .into_bytes(),
            "invalid_method",
            Some(2),
        ),
        (
            "no_custom_id",
            json!({"method": "POST", "url": "/v1/chat/completions",
                   "body": {"model": "gpt-4o-mini", "messages": []}})
            .to_string()
            .into_bytes(),
            "missing_required_parameter",
            Some(1),
        ),
    ];
    for (name, bytes, code, line) in cases {
        let r = api.upload(&format!("{name}.jsonl"), bytes, "batch").await;
        assert_eq!(r.status, 200, "{name}: {}", r.text);
        let b = api.create_batch(r.body["id"].as_str().unwrap(), "/v1/chat/completions").await;
        assert_eq!(b["status"], "validating", "{name}: bad content is not a create-time error");
        let id = b["id"].as_str().unwrap().to_string();
        em.clock().advance(10.0);
        let b = api.batch(&id).await;
        assert_eq!(b["status"], "failed", "{name}");
        assert_eq!(b["failed_at"], b["created_at"].as_i64().unwrap() + 10, "{name}");
        assert_eq!(b["errors"]["object"], "list");
        let first = &b["errors"]["data"][0];
        assert_eq!(first["code"], code, "{name}: {b}");
        assert_eq!(first["line"].as_u64(), line, "{name}");
        assert!(first["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(first.get("param").is_some());
        match name {
            "method" => assert_eq!(first["param"], "method"),
            "no_custom_id" => {
                assert_eq!(first["param"], "custom_id");
                assert_eq!(first["message"], "Missing required parameter: 'custom_id'.");
            }
            _ => {}
        }
        assert_eq!(b["in_progress_at"], Value::Null);
        assert_eq!(b["output_file_id"], Value::Null);
        assert_eq!(b["request_counts"]["total"], 0);
        let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
        assert_eq!(error_of(&c, 409)["message"], "Cannot cancel a batch with status 'failed'.");
    }
}

#[tokio::test]
async fn too_many_requests_fail_validation() {
    let (em, api) = start().await;
    let mut text = String::new();
    for i in 0..=50_000 {
        text.push_str(&chat_line(&format!("r{i}"), "x").to_string());
        text.push('\n');
    }
    let r = api.upload("big.jsonl", text.into_bytes(), "batch").await;
    let b = api.create_batch(r.body["id"].as_str().unwrap(), "/v1/chat/completions").await;
    em.clock().advance(10.0);
    let b = api.batch(b["id"].as_str().unwrap()).await;
    assert_eq!(b["status"], "failed");
    assert_eq!(b["errors"]["data"][0]["code"], "too_many_tasks");
}

#[tokio::test]
async fn embeddings_over_50000_inputs_fail_validation() {
    let (em, api) = start().await;
    let line = |id: &str, n: usize| {
        let input: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        json!({"custom_id": id, "method": "POST", "url": "/v1/embeddings",
               "body": {"model": "text-embedding-3-small", "input": input}})
    };
    // 25,000 + 25,000 inputs: exactly the limit, accepted.
    let ok = api.input_file(&[line("a", 25_000), line("b", 25_000)]).await;
    let ok = api.create_batch(&ok, "/v1/embeddings").await;
    // 25,000 + 25,001: one over.
    let over = api.input_file(&[line("a", 25_000), line("b", 25_001)]).await;
    let over = api.create_batch(&over, "/v1/embeddings").await;
    em.clock().advance(10.0);
    let ok = api.batch(ok["id"].as_str().unwrap()).await;
    assert_eq!(ok["status"], "in_progress", "{ok}");
    assert_eq!(ok["request_counts"]["total"], 2);
    let over = api.batch(over["id"].as_str().unwrap()).await;
    assert_eq!(over["status"], "failed", "{over}");
    let e = &over["errors"]["data"][0];
    assert_eq!(e["code"], "too_many_tasks");
    assert!(e["message"].as_str().unwrap().contains("50001"), "{e}");
    assert_eq!(e["line"], Value::Null);
}

#[tokio::test]
async fn a_batch_that_runs_past_its_window_expires_with_partial_results() {
    let mut t = timing();
    t.per_request_secs = 30_000.0; // 4 requests need 120,000 s > 24 h
    let (em, api) = start_with(batchform_emulator::EmulatorConfig {
        clock: batchform_emulator::Clock::manual(T0),
        timing: t,
        ..Default::default()
    })
    .await;
    let lines: Vec<Value> = (0..4).map(|i| chat_line(&format!("r{i}"), "x")).collect();
    let file = api.input_file(&lines).await;
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    let id = b["id"].as_str().unwrap();
    em.clock().advance(86_399.0);
    assert_eq!(api.batch(id).await["status"], "in_progress");
    em.clock().advance(1.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "expired");
    assert_eq!(b["expired_at"], T0 + 86_400);
    assert_eq!(b["completed_at"], Value::Null);
    // (86400 - 10) / 30000 -> 2 requests done, 2 expired.
    assert_eq!(b["request_counts"], json!({"total": 4, "completed": 2, "failed": 2}));
    assert_eq!(api.lines(b["output_file_id"].as_str().unwrap()).await.len(), 2);
    let errs = api.lines(b["error_file_id"].as_str().unwrap()).await;
    assert_eq!(errs.len(), 2);
    for e in errs {
        assert_eq!(e["response"], Value::Null);
        assert_eq!(e["error"]["code"], "batch_expired");
        assert_eq!(
            e["error"]["message"],
            "This request could not be executed before the completion window expired."
        );
    }
    let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(error_of(&c, 409)["message"], "Cannot cancel a batch with status 'expired'.");
}

#[tokio::test]
async fn cancel_goes_through_cancelling_to_cancelled_with_partial_results() {
    let (em, api) = start().await;
    let lines: Vec<Value> = (0..10).map(|i| chat_line(&format!("r{i}"), "x")).collect();
    let file = api.input_file(&lines).await;
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    let id = b["id"].as_str().unwrap();
    em.clock().advance(13.0); // 3 of 10 requests done
    let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["status"], "cancelling");
    assert_eq!(c.body["cancelling_at"], T0 + 13);
    assert_eq!(c.body["request_counts"], json!({"total": 10, "completed": 3, "failed": 0}));
    // Cancelling again while cancelling is accepted and changes nothing.
    em.clock().advance(5.0);
    let again = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["cancelling_at"], T0 + 13);
    em.clock().advance(25.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["cancelled_at"], T0 + 43);
    assert_eq!(b["request_counts"], json!({"total": 10, "completed": 3, "failed": 0}));
    assert_eq!(api.lines(b["output_file_id"].as_str().unwrap()).await.len(), 3);
    assert_eq!(b["error_file_id"], Value::Null);
    let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(error_of(&c, 409)["message"], "Cannot cancel a batch with status 'cancelled'.");

    // A batch cancelled while validating ends with nothing run and no files.
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    let id = b["id"].as_str().unwrap();
    let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(c.body["status"], "cancelling");
    em.clock().advance(30.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["in_progress_at"], Value::Null);
    assert_eq!(b["output_file_id"], Value::Null);

    // A batch cancelled while finalizing: every request had run, so all results are kept,
    // and it ends cancelled (never completed).
    let short = api.input_file(&[chat_line("f1", "x"), chat_line("f2", "y")]).await;
    let b = api.create_batch(&short, "/v1/chat/completions").await;
    let id = b["id"].as_str().unwrap();
    em.clock().advance(14.0); // validating 10 + 2 requests: finalizing from +12 to +17
    assert_eq!(api.batch(id).await["status"], "finalizing");
    let c = api.post(&format!("/batches/{id}/cancel"), json!({})).await;
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.body["status"], "cancelling");
    let created = c.body["created_at"].as_i64().unwrap();
    assert_eq!(c.body["finalizing_at"], created + 12);
    assert_eq!(c.body["request_counts"], json!({"total": 2, "completed": 2, "failed": 0}));
    em.clock().advance(10.0); // past the +17 it would have completed at
    let b = api.batch(id).await;
    assert_eq!(b["status"], "cancelling", "a cancel is not undone by finishing");
    assert_eq!(b["completed_at"], Value::Null);
    em.clock().advance(20.0);
    let b = api.batch(id).await;
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["cancelled_at"], created + 14 + 30);
    assert_eq!(b["completed_at"], Value::Null);
    let out = api.lines(b["output_file_id"].as_str().unwrap()).await;
    let mut ids: Vec<&str> = out.iter().map(|l| l["custom_id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["f1", "f2"]);

    // A completed batch cannot be cancelled.
    let b = api.create_batch(&file, "/v1/chat/completions").await;
    em.clock().advance(3600.0);
    let c = api.post(&format!("/batches/{}/cancel", b["id"].as_str().unwrap()), json!({})).await;
    let e = error_of(&c, 409);
    assert_eq!(e["message"], "Cannot cancel a batch with status 'completed'.");
    assert_eq!(e["type"], "invalid_request_error");
}

#[tokio::test]
async fn every_endpoint_gives_results_in_its_own_shape() {
    let (em, api) = start().await;
    let cases = [
        (
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": "hi", "dimensions": 16}),
            "list",
        ),
        (
            "/v1/completions",
            json!({"model": "gpt-3.5-turbo-instruct", "prompt": "hi"}),
            "text_completion",
        ),
        ("/v1/responses", json!({"model": "gpt-4.1-mini", "input": "hi"}), "response"),
        ("/v1/moderations", json!({"input": "I will attack"}), ""),
    ];
    for (endpoint, body, object) in cases {
        let line = json!({"custom_id": "one", "method": "POST", "url": endpoint, "body": body});
        let file = api.input_file(&[line]).await;
        let b = api.create_batch(&file, endpoint).await;
        em.clock().advance(3600.0);
        let b = api.batch(b["id"].as_str().unwrap()).await;
        assert_eq!(b["status"], "completed", "{endpoint}");
        let lines = api.lines(b["output_file_id"].as_str().unwrap()).await;
        let body = &lines[0]["response"]["body"];
        match endpoint {
            "/v1/embeddings" => {
                assert_eq!(body["data"][0]["embedding"].as_array().unwrap().len(), 16);
            }
            "/v1/moderations" => {
                assert_eq!(body["results"][0]["flagged"], true);
                assert!(body["id"].as_str().unwrap().starts_with("modr-"));
            }
            _ => assert_eq!(body["object"], object, "{endpoint}"),
        }
    }
}

#[tokio::test]
async fn result_files_are_listed_and_served_without_reading_the_batch_first() {
    let (em, api) = start().await;
    let rejected = json!({"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions",
                          "body": {"model": "gpt-4o-mini"}});
    let file = api.input_file(&[chat_line("a", "hello"), rejected]).await;
    let id =
        api.create_batch(&file, "/v1/chat/completions").await["id"].as_str().unwrap().to_string();
    let outputs = |r: &Resp| r.body["data"].as_array().unwrap().clone();

    em.clock().advance(16.0); // validating 10 + 2 requests + finalizing 5 = 17: not yet
    assert!(outputs(&api.get("/files?purpose=batch_output").await).is_empty());

    em.clock().advance(1.0);
    // Nobody has read the batch: the listing alone shows its output and error files.
    let listed = outputs(&api.get("/files?purpose=batch_output").await);
    assert_eq!(listed.len(), 2, "{listed:?}");
    for f in &listed {
        assert_eq!(f["created_at"], T0 + 17);
        let lines = api.lines(f["id"].as_str().unwrap()).await;
        assert_eq!(lines.len(), 1);
    }
    // Reading the batch afterwards names the same files (written once).
    let b = api.batch(&id).await;
    let mut named = vec![b["output_file_id"].clone(), b["error_file_id"].clone()];
    let mut ids: Vec<Value> = listed.iter().map(|f| f["id"].clone()).collect();
    named.sort_by_key(Value::to_string);
    ids.sort_by_key(Value::to_string);
    assert_eq!(named, ids);
    assert_eq!(outputs(&api.get("/files?purpose=batch_output").await).len(), 2);

    // A batch cancelled with partial results: its output file shows in the unfiltered list.
    let file = api.input_file(&[chat_line("c", "x"), chat_line("d", "y")]).await;
    let id2 =
        api.create_batch(&file, "/v1/chat/completions").await["id"].as_str().unwrap().to_string();
    em.clock().advance(11.0);
    assert_eq!(api.post(&format!("/batches/{id2}/cancel"), json!({})).await.status, 200);
    em.clock().advance(30.0);
    let all = outputs(&api.get("/files").await);
    let out: Vec<&Value> = all.iter().filter(|f| f["purpose"] == "batch_output").collect();
    assert_eq!(out.len(), 3, "{all:?}");
    let newest = out[0]["id"].as_str().unwrap();
    let lines = api.lines(newest).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["custom_id"], "c");
    assert_eq!(api.batch(&id2).await["output_file_id"], newest);
}

/// Deleting a batch's input file while the batch runs does not break it (the API keeps the
/// batch's input): the results are produced from it, and the file is gone from listings.
#[tokio::test]
async fn deleting_the_input_file_of_a_running_batch_leaves_its_results_intact() {
    let (em, api) = start().await;
    let file = api.input_file(&[chat_line("a", "hello"), chat_line("b", "there")]).await;
    let id =
        api.create_batch(&file, "/v1/chat/completions").await["id"].as_str().unwrap().to_string();
    assert_eq!(api.delete(&format!("/files/{file}")).await.status, 200);
    assert_eq!(api.get(&format!("/files/{file}")).await.status, 404);
    em.clock().advance(3600.0);
    let b = api.batch(&id).await;
    assert_eq!(b["status"], "completed", "{b}");
    assert_eq!(b["request_counts"]["completed"], 2, "{b}");
    let lines = api.lines(b["output_file_id"].as_str().unwrap()).await;
    let ids: Vec<&str> = lines.iter().map(|l| l["custom_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"a") && ids.contains(&"b"), "{ids:?}");
    // The deleted file's content is not kept once the batch is done with it.
    let blobs = std::fs::read_dir(em.data_dir().join("blobs")).unwrap().count();
    assert_eq!(blobs, 1, "only the output file");
}

/// Batches that share an input file each get that file's verdict for their own endpoint
/// (the check of a file's lines is kept per file and endpoint), with writes fsynced or
/// not; after the file is deleted, no batch can use it.
#[tokio::test]
async fn batches_sharing_an_input_get_its_verdict_for_their_endpoint() {
    for fsync in [true, false] {
        let (em, api) = start_with(batchform_emulator::EmulatorConfig {
            clock: batchform_emulator::Clock::manual(T0),
            timing: timing(),
            fsync,
            ..batchform_emulator::EmulatorConfig::default()
        })
        .await;
        let lines: Vec<Value> = (0..3).map(|i| chat_line(&format!("r{i}"), "x")).collect();
        let file = api.input_file(&lines).await;
        let chat = [
            api.create_batch(&file, "/v1/chat/completions").await,
            api.create_batch(&file, "/v1/chat/completions").await,
        ];
        let embeddings = api.create_batch(&file, "/v1/embeddings").await;
        let chat_again = api.create_batch(&file, "/v1/chat/completions").await;
        em.clock().advance(10.0);
        for b in chat.iter().chain([&chat_again]) {
            let b = api.batch(b["id"].as_str().unwrap()).await;
            assert_eq!(b["status"], "in_progress", "fsync {fsync}: {b}");
            assert_eq!(b["request_counts"]["total"], 3, "fsync {fsync}");
        }
        let b = api.batch(embeddings["id"].as_str().unwrap()).await;
        assert_eq!(b["status"], "failed", "fsync {fsync}: {b}");
        assert_eq!(b["errors"]["data"][0]["code"], "url_mismatch", "fsync {fsync}");

        assert_eq!(api.delete(&format!("/files/{file}")).await.status, 200);
        let r = api
            .post(
                "/batches",
                json!({"input_file_id": file, "endpoint": "/v1/chat/completions", "completion_window": "24h"}),
            )
            .await;
        assert_eq!(r.status, 404, "fsync {fsync}: {}", r.text);
    }
}
