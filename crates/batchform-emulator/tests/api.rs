//! Request checks, limits, errors, auth, project scoping, files, and listing.

mod common;

use batchform_emulator::{Clock, EmulatorConfig};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn batch_create_checks_its_request_like_the_real_api() {
    let (_em, api) = start().await;
    let file = api.input_file(&[chat_line("a", "x")]).await;
    let ok = json!({"input_file_id": file, "endpoint": "/v1/chat/completions", "completion_window": "24h"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = ok.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };

    let e = error_of(&api.post("/batches", without("input_file_id")).await, 400);
    assert_eq!(
        e,
        json!({"message": "Missing required parameter: 'input_file_id'.",
        "type": "invalid_request_error", "param": "input_file_id", "code": "missing_required_parameter"})
    );
    let e = error_of(&api.post("/batches", without("endpoint")).await, 400);
    assert_eq!(e["param"], "endpoint");
    let e = error_of(&api.post("/batches", with("completion_window", json!("48h"))).await, 400);
    assert_eq!(e["message"], "Invalid value: '48h'. Supported values are: '24h'.");
    assert_eq!(e["code"], "invalid_value");
    let e = error_of(&api.post("/batches", with("endpoint", json!("/v1/audio"))).await, 400);
    assert!(e["message"].as_str().unwrap().starts_with("Invalid value: '/v1/audio'. Supported values are: '/v1/responses', '/v1/chat/completions',"), "{e}");
    let e = error_of(&api.post("/batches", with("endpoint", json!(5))).await, 400);
    assert_eq!(
        e["message"],
        "Invalid type for 'endpoint': expected a string, but got an integer instead."
    );
    let e = error_of(&api.post("/batches", with("extra", json!(1))).await, 400);
    assert_eq!(e["message"], "Unrecognized request argument supplied: extra");

    // metadata: 16 pairs, keys <= 64, values <= 512, null allowed.
    let many: serde_json::Map<String, Value> =
        (0..17).map(|i| (format!("k{i}"), json!("v"))).collect();
    let e = error_of(&api.post("/batches", with("metadata", Value::Object(many))).await, 400);
    assert_eq!(e["code"], "object_above_max_properties");
    let e =
        error_of(&api.post("/batches", with("metadata", json!({"k".repeat(65): "v"}))).await, 400);
    assert_eq!(e["code"], "string_above_max_length");
    let e =
        error_of(&api.post("/batches", with("metadata", json!({"k": "v".repeat(513)}))).await, 400);
    assert_eq!(
        e["message"],
        "Invalid 'metadata.k': string too long. Expected a string with maximum length 512, but got a string with length 513 instead."
    );
    let sixteen: serde_json::Map<String, Value> =
        (0..16).map(|i| (format!("{i:0>64}"), json!("v".repeat(512)))).collect();
    let r = api.post("/batches", with("metadata", Value::Object(sixteen.clone()))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["metadata"], Value::Object(sixteen));
    let r = api.post("/batches", with("metadata", Value::Null)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["metadata"], Value::Null);

    // output_expires_after: anchor created_at, seconds 3600..=2592000, write-only.
    let oea = |a: Value, s: Value| with("output_expires_after", json!({"anchor": a, "seconds": s}));
    let e = error_of(&api.post("/batches", oea(json!("created_at"), json!(3599))).await, 400);
    assert_eq!(
        e["message"],
        "Invalid 'output_expires_after.seconds': integer below minimum value. Expected a value >= 3600, but got 3599 instead."
    );
    let e = error_of(&api.post("/batches", oea(json!("created_at"), json!(2_592_001))).await, 400);
    assert_eq!(e["code"], "integer_above_max_value");
    let e = error_of(&api.post("/batches", oea(json!("now"), json!(3600))).await, 400);
    assert_eq!(e["param"], "output_expires_after.anchor");
    let r = api.post("/batches", oea(json!("created_at"), json!(3600))).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("output_expires_after").is_none(), "write-only");

    // Unknown or wrong-purpose input files.
    let e = error_of(&api.post("/batches", with("input_file_id", json!("file-nope"))).await, 404);
    assert_eq!(e["message"], "No such File object: file-nope");
    let other = api.upload("notes.jsonl", b"{}".to_vec(), "user_data").await;
    let e =
        error_of(&api.post("/batches", with("input_file_id", other.body["id"].clone())).await, 400);
    assert_eq!(e["param"], "input_file_id");

    // Bodies that are not JSON.
    let e = error_of(&api.post_raw("/batches", "{not json").await, 400);
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("We could not parse the JSON body of your request.")
    );
}

#[tokio::test]
async fn unknown_objects_routes_and_methods_get_the_envelope_and_a_request_id() {
    let (_em, api) = start().await;
    let r = api.get("/batches/batch_nope").await;
    let e = error_of(&r, 404);
    assert_eq!(e["code"], "batch_not_found");
    let r = api.post("/batches/batch_nope/cancel", json!({})).await;
    assert_eq!(error_of(&r, 404)["code"], "batch_not_found");
    let r = api.get("/files/file-nope").await;
    assert_eq!(error_of(&r, 404)["message"], "No such File object: file-nope");
    let r = api.get("/files/file-nope/content").await;
    error_of(&r, 404);
    let r = api.delete("/files/file-nope").await;
    error_of(&r, 404);
    // A doubled /v1 prefix is a classic client mistake.
    let r = api.get("/v1/batches").await;
    let e = error_of(&r, 404);
    assert_eq!(e["message"], "Invalid URL (GET /v1/v1/batches)");
    let r = api.delete("/batches").await;
    assert_eq!(error_of(&r, 404)["message"], "Invalid URL (DELETE /v1/batches)");
    let rid = r.headers["x-request-id"].to_str().unwrap();
    assert!(rid.starts_with("req_") && rid.len() == 36, "{rid}");
    assert_eq!(r.headers["openai-version"], "2020-10-01");
    let r = api.get("/batches?limit=101").await;
    assert_eq!(error_of(&r, 400)["code"], "integer_above_max_value");
    let r = api.get("/batches?after=batch_nope").await;
    assert_eq!(error_of(&r, 400)["param"], "after");
}

#[tokio::test]
async fn bearer_auth_is_enforced_when_keys_are_configured() {
    let (_em, api) = start_with(EmulatorConfig {
        api_keys: vec!["sk-right-key-123456".into()],
        clock: Clock::manual(T0),
        ..Default::default()
    })
    .await;
    let e = error_of(&api.get("/batches").await, 401);
    assert!(e["message"].as_str().unwrap().starts_with("You didn't provide an API key."));
    let r = api.with_key("sk-wrong-key-987654").get("/batches").await;
    let e = error_of(&r, 401);
    assert_eq!(e["code"], "invalid_api_key");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.starts_with("Incorrect API key provided: sk-"), "{msg}");
    assert!(msg.contains("7654") && !msg.contains("wrong-key"), "the key is masked: {msg}");
    assert!(r.headers.contains_key("x-request-id"));
    let r = api.with_key("sk-right-key-123456").get("/batches").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        json!({"object": "list", "data": [], "first_id": null, "last_id": null, "has_more": false})
    );
}

#[tokio::test]
async fn objects_are_scoped_to_the_openai_project() {
    let (_em, api) = start().await;
    let a = api.with_project("proj_a");
    let b = api.with_project("proj_b");
    let file = a.input_file(&[chat_line("x", "y")]).await;
    let batch = a.create_batch(&file, "/v1/chat/completions").await;
    let bid = batch["id"].as_str().unwrap();
    assert_eq!(b.get(&format!("/files/{file}")).await.status, 404);
    assert_eq!(b.get(&format!("/batches/{bid}")).await.status, 404);
    assert_eq!(b.get("/batches").await.body["data"], json!([]));
    assert_eq!(api.get("/files").await.body["data"], json!([]));
    assert_eq!(a.get("/files").await.body["data"][0]["id"], file.as_str());
    let r = b.post("/batches", json!({"input_file_id": file, "endpoint": "/v1/chat/completions", "completion_window": "24h"})).await;
    assert_eq!(r.status, 404);
    assert_eq!(a.get(&format!("/batches/{bid}")).await.headers["openai-project"], "proj_a");
}

#[tokio::test]
async fn uploads_are_checked_and_stored() {
    let (em, api) = start().await;
    let r = api.upload("input.jsonl", b"{\"a\":1}\n".to_vec(), "batch").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let f = &r.body;
    assert!(f["id"].as_str().unwrap().starts_with("file-"));
    assert_eq!(f["id"].as_str().unwrap().len(), 27);
    assert_eq!(f["object"], "file");
    assert_eq!(f["bytes"], 8);
    assert_eq!(f["filename"], "input.jsonl");
    assert_eq!(f["purpose"], "batch");
    assert_eq!(f["status"], "processed");
    assert_eq!(f["status_details"], Value::Null);
    assert_eq!(f["expires_at"], T0 + 30 * 86_400);
    // Field order as the real API sends it.
    let keys: Vec<&str> =
        r.text.split('"').skip(1).step_by(2).filter(|k| f.get(*k).is_some()).collect();
    assert_eq!(&keys[..3], ["id", "object", "bytes"]);

    let e = error_of(&api.upload("input.csv", b"a,b".to_vec(), "batch").await, 400);
    assert_eq!(e["message"], "Invalid file format for Batch API. Must be .jsonl");
    let e = error_of(&api.upload("input.jsonl", b"\xff\xfe".to_vec(), "batch").await, 400);
    assert_eq!(e["message"], "Invalid file for Batch API. Must be utf-8 encoded");
    let e = error_of(&api.upload("x.jsonl", b"{}".to_vec(), "wallpaper").await, 400);
    assert_eq!(
        e["message"],
        "Invalid value: 'wallpaper'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data', and 'evals'."
    );
    let huge = "p".repeat(70_000);
    let e = error_of(&api.upload("x.jsonl", b"{}".to_vec(), &huge).await, 400);
    assert_eq!(e["code"], "string_above_max_length", "form fields are capped");
    let e = error_of(&api.upload_form("x.jsonl", b"{}".to_vec(), &[]).await, 400);
    assert_eq!(e["message"], "Missing required parameter: 'purpose'.");

    // expires_after and non-batch purposes.
    let r = api
        .upload_form(
            "notes.txt",
            b"hi".to_vec(),
            &[
                ("purpose", "user_data"),
                ("expires_after[anchor]", "created_at"),
                ("expires_after[seconds]", "3600"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["expires_at"], T0 + 3600);
    let notes = r.body["id"].as_str().unwrap().to_string();
    let e = error_of(&api.get(&format!("/files/{notes}/content")).await, 400);
    assert_eq!(e["message"], "Not allowed to download files of purpose: user_data");
    let e = error_of(
        &api.upload_form(
            "n.txt",
            b"hi".to_vec(),
            &[
                ("purpose", "user_data"),
                ("expires_after[anchor]", "created_at"),
                ("expires_after[seconds]", "60"),
            ],
        )
        .await,
        400,
    );
    assert_eq!(e["code"], "integer_below_min_value");
    let r = api.upload("plain.txt", b"x".to_vec(), "assistants").await;
    assert_eq!(r.body["expires_at"], Value::Null);

    // Content round trip and delete.
    let id = f["id"].as_str().unwrap();
    let c = api.get(&format!("/files/{id}/content")).await;
    assert_eq!(c.text, "{\"a\":1}\n");
    let d = api.delete(&format!("/files/{id}")).await;
    assert_eq!(d.body, json!({"id": id, "object": "file", "deleted": true}));
    assert_eq!(api.get(&format!("/files/{id}")).await.status, 404);

    // Expired files are gone.
    em.clock().advance(3600.0);
    assert_eq!(api.get(&format!("/files/{notes}")).await.status, 404);
}

#[tokio::test]
async fn lists_paginate_with_cursors() {
    let (em, api) = start().await;
    let mut files = Vec::new();
    for i in 0..5 {
        let purpose = if i % 2 == 0 { "batch" } else { "user_data" };
        let r = api.upload(&format!("f{i}.jsonl"), b"{}".to_vec(), purpose).await;
        files.push(r.body["id"].as_str().unwrap().to_string());
        em.clock().advance(1.0);
    }
    let ids = |v: &Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = api.get("/files").await.body;
    assert_eq!(ids(&all), files.iter().rev().cloned().collect::<Vec<_>>(), "newest first");
    assert_eq!(all["first_id"], files[4].as_str());
    assert_eq!(all["last_id"], files[0].as_str());
    let p1 = api.get("/files?limit=2&order=asc").await.body;
    assert_eq!(ids(&p1), files[..2]);
    assert_eq!(p1["has_more"], true);
    let p2 = api.get(&format!("/files?limit=2&order=asc&after={}", files[1])).await.body;
    assert_eq!(ids(&p2), files[2..4]);
    let batch_only = api.get("/files?purpose=batch").await.body;
    assert_eq!(ids(&batch_only), [files[4].clone(), files[2].clone(), files[0].clone()]);

    let mut batches = Vec::new();
    for _ in 0..25 {
        batches.push(
            api.create_batch(&files[0], "/v1/chat/completions").await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        em.clock().advance(1.0);
    }
    let page = api.get("/batches").await.body;
    assert_eq!(page["data"].as_array().unwrap().len(), 20, "default limit");
    assert_eq!(page["has_more"], true);
    let mut seen = ids(&page);
    let rest = api.get(&format!("/batches?after={}", page["last_id"].as_str().unwrap())).await.body;
    assert_eq!(rest["has_more"], false);
    seen.extend(ids(&rest));
    batches.reverse();
    assert_eq!(seen, batches);
}
