//! Seed files: objects with caller-chosen ids exist from the start, look exactly like created
//! ones, go through the same checks, survive restarts untouched, and mistakes are reported
//! with the seed file, the object and the API's words.

mod common;

use batchform_emulator::{Clock, EmulatorConfig, SeedSummary};
use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A directory holding `files` (name, content) and `seed.json` with `seed`.
fn scenario(files: &[(&str, &str)], seed: &Value) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, serde_json::to_vec_pretty(seed).unwrap()).unwrap();
    (dir, seed_path)
}

fn config(seed: &Path, clock: &Clock, data_dir: Option<&Path>) -> EmulatorConfig {
    EmulatorConfig {
        seed: Some(seed.to_path_buf()),
        data_dir: data_dir.map(Path::to_path_buf),
        clock: clock.clone(),
        timing: timing(),
        ..EmulatorConfig::default()
    }
}

fn jsonl(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn requests() -> String {
    jsonl(&[chat_line("a", "hello"), chat_line("b", "world")])
}

/// The body of `POST /v1/batches` shared by the seeded and the created batch.
fn batch_body(file_id: &str) -> Value {
    json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions",
           "completion_window": "24h", "metadata": {"team": "x"},
           "output_expires_after": {"anchor": "created_at", "seconds": 7200}})
}

fn seeded_batch(id: &str, file_id: &str, extra: Value) -> Value {
    let mut b = batch_body(file_id);
    b["id"] = json!(id);
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

#[tokio::test]
async fn seeded_objects_answer_exactly_like_created_ones() {
    let seed = json!({
        "files": [{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"}],
        "batches": [seeded_batch("batch_abc123", "input_file_id", json!({}))],
    });
    let (_dir, seed_path) = scenario(&[("requests.jsonl", &requests())], &seed);
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(&seed_path, &clock, None)).await;
    assert_eq!(em.seeded(), Some(SeedSummary { created: 2, existing: 0 }));

    // The same file and batch created through the API at the same moment.
    let up = api.upload("requests.jsonl", requests().into_bytes(), "batch").await;
    assert_eq!(up.status, 200, "{}", up.text);
    let api_file = up.body["id"].as_str().unwrap().to_string();
    let created = api.post("/batches", batch_body(&api_file)).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let api_batch = created.body["id"].as_str().unwrap().to_string();

    let same =
        |text: &str| text.replace(&api_batch, "batch_abc123").replace(&api_file, "input_file_id");
    let seeded_file = api.get("/files/input_file_id").await;
    assert_eq!(seeded_file.status, 200, "{}", seeded_file.text);
    assert_eq!(seeded_file.text, same(&api.get(&format!("/files/{api_file}")).await.text));
    assert_eq!(seeded_file.body["filename"], "requests.jsonl", "defaults to the path's name");
    let content = api.get("/files/input_file_id/content").await;
    assert_eq!(content.text, requests());

    let seeded = api.get("/batches/batch_abc123").await;
    assert_eq!(seeded.status, 200, "{}", seeded.text);
    assert_eq!(seeded.text, same(&created.text), "byte for byte, fields in order");
    assert_eq!(seeded.body["status"], "validating");
    assert_eq!(seeded.body["created_at"], T0);

    // They move through the lifecycle together.
    clock.advance(10.0);
    assert_eq!(
        api.get("/batches/batch_abc123").await.text,
        same(&api.get(&format!("/batches/{api_batch}")).await.text)
    );
    clock.advance(7.0);
    let b = api.batch("batch_abc123").await;
    assert_eq!(b["status"], "completed");
    assert_eq!(b["request_counts"], json!({"total": 2, "completed": 2, "failed": 0}));
    let out = b["output_file_id"].as_str().unwrap();
    let mut ids: Vec<String> =
        api.lines(out).await.iter().map(|l| l["custom_id"].as_str().unwrap().into()).collect();
    ids.sort();
    assert_eq!(ids, ["a", "b"]);
    let listed = api.get("/batches").await.body;
    let listed: Vec<&str> =
        listed["data"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert!(listed.contains(&"batch_abc123"), "{listed:?}");
    em.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_seed_pages_ids_and_projects_are_accepted() {
    let seed = json!({
        "files": [
            {"id": "input_file_id", "path": "in/requests.jsonl", "purpose": "batch",
             "filename": "renamed.jsonl", "project": "proj_team"},
        ],
        "batches": [
            seeded_batch("batch_67dc4576e9cc8190b8a169f65a805996", "input_file_id",
                         json!({"project": "proj_team"})),
            seeded_batch("batch_id", "input_file_id", json!({"project": "proj_team"})),
        ],
    });
    let (dir, seed_path) = scenario(&[], &seed);
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::write(dir.path().join("in/requests.jsonl"), requests()).unwrap();
    let (em, api) = start_with(config(&seed_path, &Clock::manual(T0), None)).await;
    let team = api.with_project("proj_team");
    assert_eq!(team.get("/files/input_file_id").await.body["filename"], "renamed.jsonl");
    for id in ["batch_67dc4576e9cc8190b8a169f65a805996", "batch_id"] {
        assert_eq!(team.batch(id).await["id"], id);
        let other = api.get(&format!("/batches/{id}")).await;
        assert_eq!(error_of(&other, 404)["code"], "batch_not_found", "objects keep their project");
    }
    em.shutdown().await.unwrap();
}

#[tokio::test]
async fn restarting_with_the_same_seed_keeps_state() {
    let seed = json!({
        "files": [{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"}],
        "batches": [seeded_batch("batch_abc123", "input_file_id", json!({}))],
    });
    let (dir, seed_path) = scenario(&[("requests.jsonl", &requests())], &seed);
    let data = dir.path().join("data");
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(&seed_path, &clock, Some(&data))).await;
    let r = api.post("/batches/batch_abc123/cancel", json!({})).await;
    assert_eq!(r.body["status"], "cancelling", "{}", r.text);
    clock.advance(40.0);
    let cancelled = api.batch("batch_abc123").await;
    assert_eq!(cancelled["status"], "cancelled");
    let uploaded = api.input_file(&[chat_line("z", "later")]).await;
    em.shutdown().await.unwrap();

    // The same seed again: nothing is created, reset or duplicated.
    clock.advance(100.0);
    let (em, api) = start_with(config(&seed_path, &clock, Some(&data))).await;
    assert_eq!(em.seeded(), Some(SeedSummary { created: 0, existing: 2 }));
    assert_eq!(api.batch("batch_abc123").await, cancelled);
    let files = api.get("/files").await.body;
    let mut ids: Vec<&str> =
        files["data"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    ids.sort();
    let mut expected = vec!["input_file_id", uploaded.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(api.get("/batches").await.body["data"].as_array().unwrap().len(), 1);
    em.shutdown().await.unwrap();

    // A seed may also name a file that is already stored.
    let mut grown = seed.clone();
    grown["batches"].as_array_mut().unwrap().push(seeded_batch(
        "batch_later",
        &uploaded,
        json!({}),
    ));
    std::fs::write(&seed_path, grown.to_string()).unwrap();
    let (em, api) = start_with(config(&seed_path, &clock, Some(&data))).await;
    assert_eq!(em.seeded(), Some(SeedSummary { created: 1, existing: 2 }));
    assert_eq!(api.batch("batch_later").await["input_file_id"], uploaded.as_str());
    assert_eq!(api.batch("batch_abc123").await, cancelled);
    em.shutdown().await.unwrap();

    // Ids are unique across projects: a seed cannot claim one another project holds.
    let mut moved = seed.clone();
    moved["files"][0]["project"] = json!("proj_other");
    std::fs::write(&seed_path, moved.to_string()).unwrap();
    let err = batchform_emulator::start(config(&seed_path, &clock, Some(&data))).await.err();
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        format!(
            "seed file {}: files[0] (id \"input_file_id\"): the id is already used by a file of another project",
            seed_path.display()
        )
    );
}

#[tokio::test]
async fn a_back_dated_batch_is_completed_on_the_first_read() {
    let created_at = T0 - 3600;
    let seed = json!({
        "files": [{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"}],
        "batches": [
            seeded_batch("batch_abc123", "input_file_id", json!({"created_at": created_at})),
            // Negative: seconds before the clock's now, for seeds used at any time.
            seeded_batch("batch_an_hour_ago", "input_file_id", json!({"created_at": -3600})),
        ],
    });
    let (_dir, seed_path) = scenario(&[("requests.jsonl", &requests())], &seed);
    let (em, api) = start_with(config(&seed_path, &Clock::manual(T0), None)).await;
    let b = api.batch("batch_abc123").await;
    assert_eq!(b["status"], "completed", "{b}");
    assert_eq!(b["created_at"], created_at);
    assert_eq!(b["in_progress_at"], created_at + 10);
    assert_eq!(b["completed_at"], created_at + 10 + 2 + 5);
    assert_eq!(b["expires_at"], created_at + 86_400);
    assert!(b["usage"]["total_tokens"].as_u64().unwrap() > 0);
    let out = b["output_file_id"].as_str().unwrap();
    let meta = api.get(&format!("/files/{out}")).await.body;
    assert_eq!(meta["purpose"], "batch_output");
    assert_eq!(meta["created_at"], created_at + 17);
    assert_eq!(meta["expires_at"], created_at + 17 + 7200, "output_expires_after applies");
    let lines = api.lines(out).await;
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l["response"]["status_code"], 200);
        assert_eq!(l["response"]["body"]["object"], "chat.completion");
    }
    let relative = api.batch("batch_an_hour_ago").await;
    assert_eq!(relative["status"], "completed");
    assert_eq!(relative["created_at"], created_at);
    assert_eq!(api.lines(relative["output_file_id"].as_str().unwrap()).await.len(), 2);
    em.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_seeded_batch_with_a_bad_input_fails_validation_like_a_created_one() {
    let bad =
        format!("{}\nnot json\n{}\n", chat_line("a", "x"), chat_line("a", "duplicate custom_id"));
    let seed = json!({
        "files": [{"id": "bad_input", "path": "bad.jsonl", "purpose": "batch"}],
        "batches": [seeded_batch("batch_bad", "bad_input", json!({}))],
    });
    let (_dir, seed_path) = scenario(&[("bad.jsonl", &bad)], &seed);
    let clock = Clock::manual(T0);
    let (em, api) = start_with(config(&seed_path, &clock, None)).await;
    let up = api.upload("bad.jsonl", bad.clone().into_bytes(), "batch").await;
    let api_file = up.body["id"].as_str().unwrap().to_string();
    let created = api.post("/batches", batch_body(&api_file)).await;
    let api_batch = created.body["id"].as_str().unwrap().to_string();

    clock.advance(10.0);
    let seeded = api.batch("batch_bad").await;
    let created = api.batch(&api_batch).await;
    assert_eq!(seeded["status"], "failed");
    assert_eq!(seeded["failed_at"], T0 + 10);
    assert_eq!(seeded["errors"], created["errors"]);
    let codes: Vec<&str> = seeded["errors"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"invalid_json_line"), "{codes:?}");
    assert!(seeded["output_file_id"].is_null() && seeded["error_file_id"].is_null());
    em.shutdown().await.unwrap();
}

/// Start with `seed` (next to a good `requests.jsonl` and a `notes.txt`) and return the error.
async fn seed_error(seed: &str) -> (String, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requests.jsonl"), requests()).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "notes").unwrap();
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, seed).unwrap();
    let clock = Clock::manual(T0);
    match batchform_emulator::start(config(&seed_path, &clock, None)).await {
        Ok(_) => panic!("the seed {seed} was accepted"),
        Err(e) => (e.to_string(), seed_path, dir),
    }
}

const GOOD_FILE: &str = r#"{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"}"#;

#[tokio::test]
async fn mistakes_in_the_seed_file_name_the_file_the_object_and_the_problem() {
    let b0 = r#"batches[0] (id "batch_abc123")"#;
    let cases: Vec<(String, String)> = vec![
        ("{".into(), "not valid JSON: EOF while parsing an object at line 1 column 1".into()),
        ("[]".into(), "expected an object with \"files\" and \"batches\" arrays, but got an array".into()),
        (r#"{"file": []}"#.into(), r#"unknown key "file" (a seed file has "files" and "batches")"#.into()),
        (r#"{"files": {}}"#.into(), r#""files" must be an array, but got an object"#.into()),
        (r#"{"files": [3]}"#.into(), "files[0]: expected an object, but got an integer".into()),
        (
            r#"{"files": [{"path": "requests.jsonl", "purpose": "batch"}]}"#.into(),
            "files[0]: Missing required parameter: 'id'.".into(),
        ),
        (
            r#"{"files": [{"id": "file x", "path": "requests.jsonl", "purpose": "batch"}]}"#.into(),
            r#"files[0] (id "file x"): Invalid 'id': "file x". An id is 1 to 128 characters from A-Z, a-z, 0-9, '_' and '-'."#.into(),
        ),
        (
            r#"{"files": [{"id": "f", "path": "requests.jsonl", "purpose": "batch", "bytes": 3}]}"#.into(),
            r#"files[0] (id "f"): Unrecognized request argument supplied: bytes"#.into(),
        ),
        (
            r#"{"files": [{"id": "f", "purpose": "batch"}]}"#.into(),
            r#"files[0] (id "f"): Missing required parameter: 'path'."#.into(),
        ),
        (
            format!(r#"{{"files": [{GOOD_FILE}, {GOOD_FILE}]}}"#),
            r#"files[1] (id "input_file_id"): duplicate id: files[0] (id "input_file_id") has the same id"#.into(),
        ),
        (
            r#"{"files": [{"id": "f", "path": "requests.jsonl", "purpose": "batches"}]}"#.into(),
            r#"files[0] (id "f"): Invalid value: 'batches'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data', and 'evals'. (param: purpose)"#.into(),
        ),
        (
            r#"{"files": [{"id": "f", "path": "requests.jsonl"}]}"#.into(),
            r#"files[0] (id "f"): Missing required parameter: 'purpose'."#.into(),
        ),
        (
            r#"{"files": [{"id": "f", "path": "notes.txt", "purpose": "batch"}]}"#.into(),
            r#"files[0] (id "f"): Invalid file format for Batch API. Must be .jsonl"#.into(),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/chat", "completion_window": "24h"}}]}}"#
            ),
            format!(
                "{b0}: Invalid value: '/v1/chat'. Supported values are: '/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/moderations', '/v1/images/generations', '/v1/images/edits', and '/v1/videos'. (param: endpoint)"
            ),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings"}}]}}"#
            ),
            format!("{b0}: Missing required parameter: 'completion_window'."),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h", "model": "m"}}]}}"#
            ),
            format!("{b0}: Unrecognized request argument supplied: model"),
        ),
        (
            r#"{"batches": [{"id": "batch_abc123", "input_file_id": "nope", "endpoint": "/v1/embeddings", "completion_window": "24h"}]}"#.into(),
            format!("{b0}: No such File object: nope (param: input_file_id)"),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h", "created_at": {}}}]}}"#,
                T0 + 1
            ),
            format!(
                "{b0}: Invalid 'created_at': {} is after the emulator clock's current time {T0}; a seeded batch can be back-dated, not post-dated.",
                T0 + 1
            ),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h", "created_at": "yesterday"}}]}}"#
            ),
            format!(
                "{b0}: Invalid type for 'created_at': expected an integer, but got a string instead."
            ),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h", "created_at": 1.5}}]}}"#
            ),
            format!(
                "{b0}: Invalid 'created_at': expected an integer number of seconds, but got 1.5 instead."
            ),
        ),
        (
            format!(
                r#"{{"files": [{GOOD_FILE}], "batches": [{{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h", "output_expires_after": {{"anchor": "created_at", "seconds": 60}}}}]}}"#
            ),
            format!(
                "{b0}: Invalid 'output_expires_after.seconds': integer below minimum value. Expected a value >= 3600, but got 60 instead."
            ),
        ),
        (
            r#"{"batches": [{"id": "b1", "input_file_id": "x", "endpoint": "/v1/embeddings", "completion_window": "24h"}, {"id": "b1"}]}"#.into(),
            r#"batches[1] (id "b1"): duplicate id: batches[0] (id "b1") has the same id"#.into(),
        ),
    ];
    for (seed, reason) in cases {
        let (message, seed_path, _dir) = seed_error(&seed).await;
        assert_eq!(message, format!("seed file {}: {reason}", seed_path.display()), "seed: {seed}");
    }

    let (message, seed_path, _dir) =
        seed_error(r#"{"files": [{"id": "f", "path": "missing.jsonl", "purpose": "batch"}]}"#)
            .await;
    let missing = seed_path.parent().unwrap().join("missing.jsonl");
    assert!(
        message.starts_with(&format!(
            "seed file {}: files[0] (id \"f\"): cannot read {}: ",
            seed_path.display(),
            missing.display()
        )),
        "{message}"
    );
    let (message, seed_path, _dir) = seed_error("").await;
    assert!(message.starts_with(&format!("seed file {}: not valid JSON", seed_path.display())));
}

/// The seed reports a batch mistake in the very words the API answers the same request with.
#[tokio::test]
async fn seed_batch_errors_are_the_apis_messages() {
    let bodies = [
        json!({"input_file_id": "input_file_id", "endpoint": "/v1/chat", "completion_window": "24h"}),
        json!({"input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "48h"}),
        json!({"input_file_id": "input_file_id", "endpoint": "/v1/embeddings"}),
        json!({"input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h",
               "metadata": {"k": 1}}),
        json!({"input_file_id": "input_file_id", "endpoint": "/v1/embeddings", "completion_window": "24h",
               "output_expires_after": {"anchor": "updated_at", "seconds": 3600}}),
        json!({"input_file_id": "notes_file", "endpoint": "/v1/embeddings", "completion_window": "24h"}),
    ];
    let good = scenario(
        &[("requests.jsonl", &requests())],
        &json!({"files": [{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"},
                          {"id": "notes_file", "path": "requests.jsonl", "purpose": "user_data"}]}),
    );
    let (em, api) = start_with(config(&good.1, &Clock::manual(T0), None)).await;
    for body in bodies {
        let answer = api.post("/batches", body.clone()).await;
        let e = error_of(&answer, answer.status.as_u16());
        let message = e["message"].as_str().unwrap();
        let param = e["param"].as_str().unwrap_or("");

        let mut batch = body.clone();
        batch["id"] = json!("batch_x");
        let mut seed: Value =
            serde_json::from_str(&std::fs::read_to_string(&good.1).unwrap()).unwrap();
        seed["batches"] = json!([batch]);
        let (_dir, seed_path) = scenario(&[("requests.jsonl", &requests())], &seed);
        let err = batchform_emulator::start(config(&seed_path, &Clock::manual(T0), None))
            .await
            .err()
            .unwrap()
            .to_string();
        let prefix =
            format!("seed file {}: batches[0] (id \"batch_x\"): {message}", seed_path.display());
        assert!(err.starts_with(&prefix), "{err}\nshould start with\n{prefix}");
        if !message.contains(&format!("'{param}'")) && !param.is_empty() {
            assert!(err.ends_with(&format!(" (param: {param})")), "{err}");
        }
    }
    em.shutdown().await.unwrap();
}
