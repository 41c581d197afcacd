//! The provider test suite, run against every backend (`tests/emulator.rs`,
//! `tests/aimock.rs`): what a user relies on, whatever server answers.
#![allow(dead_code)]

use crate::common::*;
use batchform_core::{PathStep, Value};
use batchform_openai::PageSizes;
use sha2::{Digest, Sha256};

/// The normal life: upload, create, refresh to completion, read the results, destroy.
pub async fn life_of_a_batch(h: &Harness) {
    let lines = chat_lines(3, "gpt-4o-mini");
    let path = h.write("in/requests.jsonl", &lines);
    let file = h.create("openai_file", "openai_file.input", &h.file_config(&path)).await;
    let file_id = str_attr(&file, "id").unwrap().to_string();
    assert_eq!(
        str_attr(&file, "sha256"),
        Some(format!("{:x}", Sha256::digest(lines.as_bytes())).as_str())
    );
    assert_eq!(num_attr(&file, "bytes"), Some(lines.len() as i64));
    assert_eq!(str_attr(&file, "filename"), Some("requests.jsonl"));
    assert_eq!(str_attr(&file, "purpose"), Some("batch"));
    assert_eq!(str_attr(&file, "file"), Some("in/requests.jsonl"), "the path stays as written");
    assert!(num_attr(&file, "created_at").is_some());

    let config = resource_config(
        "openai_batch",
        &[
            ("input_file_id", Value::string(&file_id)),
            ("endpoint", Value::string("/v1/chat/completions")),
            ("completion_window", Value::string("24h")),
            ("metadata", string_map(&[("team", "search")])),
        ],
    );
    let batch = h.create("openai_batch", "openai_batch.job", &config).await;
    assert_eq!(
        str_attr(&batch, "endpoint"),
        Some("/v1/chat/completions"),
        "endpoint stored as written"
    );
    assert_eq!(str_attr(&batch, "status"), Some("validating"));
    assert_eq!(str_attr(&batch, "input_file_id"), Some(file_id.as_str()));
    let metadata = batch.get_attr("metadata").unwrap();
    assert_eq!(
        metadata.entries().unwrap().len(),
        1,
        "the create token is not in state: {metadata:?}"
    );
    assert!(batch.get_attr("request_counts").unwrap().get_attr("total").is_some());

    // Nothing changed: the plan keeps everything, status drift included.
    let plan = h.plan("openai_batch", "openai_batch.job", &config, Some(&batch)).await;
    assert_no_errors(&plan.diagnostics);
    assert!(plan.requires_replace.is_empty(), "{:?}", plan.requires_replace);
    assert_eq!(plan.planned_state.as_ref(), Some(&batch));

    let done = h.until_terminal("openai_batch.job", batch.clone()).await;
    assert_eq!(str_attr(&done, "status"), Some("completed"));
    assert_conforms_resource("openai_batch", &done);
    let counts = done.get_attr("request_counts").unwrap();
    assert_eq!(num_attr(counts, "total"), Some(3));
    assert_eq!(num_attr(counts, "completed"), Some(3));
    assert!(num_attr(&done, "completed_at").is_some());
    let output_id = str_attr(&done, "output_file_id").expect("an output file").to_string();
    // A completed batch still plans no change.
    let plan = h.plan("openai_batch", "openai_batch.job", &config, Some(&done)).await;
    assert!(plan.requires_replace.is_empty());

    // The data sources see the same batch, and the output's content.
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.job",
            &data_config(
                "openai_batch",
                &[("batch_id", Value::string(str_attr(&done, "id").unwrap()))],
            ),
        )
        .await;
    assert_no_errors(&data.diagnostics);
    let data = data.state.unwrap();
    assert_conforms_data("openai_batch", &data);
    assert_eq!(str_attr(&data, "status"), Some("completed"));
    assert_eq!(str_attr(&data, "output_file_id"), Some(output_id.as_str()));
    assert_eq!(
        data.get_attr("metadata").unwrap().get_attr("team").and_then(Value::as_str),
        Some("search")
    );
    let output = h
        .data(
            "openai_file",
            "data.openai_file.out",
            &data_config("openai_file", &[("file_id", Value::string(&output_id))]),
        )
        .await;
    assert_no_errors(&output.diagnostics);
    let output = output.state.unwrap();
    assert_conforms_data("openai_file", &output);
    assert_eq!(str_attr(&output, "purpose"), Some("batch_output"));
    let content = str_attr(&output, "content").expect("small output files have content");
    for i in 0..3 {
        assert!(content.contains(&format!("\"req-{i}\"")), "{content}");
    }

    // Destroy: a finished batch is forgotten, the file deleted; deleting again is fine.
    let gone = h.destroy("openai_batch", "openai_batch.job", &done).await;
    assert_no_errors(&gone.diagnostics);
    assert!(gone.new_state.is_none());
    let gone = h.destroy("openai_file", "openai_file.input", &file).await;
    assert_no_errors(&gone.diagnostics);
    assert!(gone.new_state.is_none());
    let read = h.read("openai_file", "openai_file.input", &file).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_none(), "a deleted file leaves state");
    let again = h.destroy("openai_file", "openai_file.input", &file).await;
    assert_no_errors(&again.diagnostics);
}

/// Destroying a running batch cancels it (and does not wait).
pub async fn cancel(h: &Harness) {
    let file = h.input_file("cancel.jsonl", 2).await;
    let batch = h
        .create("openai_batch", "openai_batch.c", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    let destroyed = h.destroy("openai_batch", "openai_batch.c", &batch).await;
    assert_no_errors(&destroyed.diagnostics);
    assert!(destroyed.new_state.is_none());
    let state = h.until_terminal("openai_batch.c", batch.clone()).await;
    assert_eq!(str_attr(&state, "status"), Some("cancelled"));
    assert!(
        num_attr(&state, "cancelling_at").is_some() || num_attr(&state, "cancelled_at").is_some()
    );
    // Destroying the (now terminal) batch again is fine too.
    let again = h.destroy("openai_batch", "openai_batch.c", &batch).await;
    assert_no_errors(&again.diagnostics);
}

/// Objects deleted outside leave state at refresh.
pub async fn drift_by_404(h: &Harness) {
    let file = h.input_file("drift.jsonl", 1).await;
    let id = str_attr(&file, "id").unwrap();
    assert_eq!(h.raw.delete(&format!("/files/{id}")).await, 200);
    let read = h.read("openai_file", "openai_file.d", &file).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_none());

    let file = h.input_file("drift2.jsonl", 1).await;
    let mut batch = h
        .create("openai_batch", "openai_batch.d", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    if let Value::Object(map) = &mut batch {
        map.insert("id".into(), Value::string("batch_00000000000000000000000000000000"));
    }
    let read = h.read("openai_batch", "openai_batch.d", &batch).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_none());
}

/// Import by id, then a plan with the matching configuration replaces nothing.
pub async fn import(h: &Harness) {
    let lines = chat_lines(2, "gpt-4o-mini");
    let path = h.write("imported.jsonl", &lines);
    let uploaded = h.raw.upload("imported.jsonl", "batch", &lines).await;
    let file_id = uploaded["id"].as_str().unwrap().to_string();
    let imported = h.import("openai_file", &file_id).await;
    assert_no_errors(&imported.diagnostics);
    let file = imported.state.unwrap();
    assert_conforms_resource("openai_file", &file);
    assert_eq!(str_attr(&file, "filename"), Some("imported.jsonl"));
    assert_eq!(
        str_attr(&file, "sha256"),
        Some(format!("{:x}", Sha256::digest(lines.as_bytes())).as_str())
    );
    let config = h.file_config(&path);
    let plan = h
        .plan_private(
            "openai_file",
            "openai_file.i",
            &config,
            Some(&file),
            imported.private.clone(),
        )
        .await;
    assert_no_errors(&plan.diagnostics);
    assert!(plan.requires_replace.is_empty(), "{:?}", plan.requires_replace);
    let planned = plan.planned_state.unwrap();
    assert_eq!(str_attr(&planned, "id"), Some(file_id.as_str()));
    assert_eq!(str_attr(&planned, "file"), Some(path.as_str()));

    let created = h
        .raw
        .create_batch(serde_json::json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h", "metadata": {"k": "v"}}))
        .await;
    let batch_id = created["id"].as_str().unwrap();
    let imported = h.import("openai_batch", batch_id).await;
    assert_no_errors(&imported.diagnostics);
    let batch = imported.state.unwrap();
    assert_conforms_resource("openai_batch", &batch);
    assert!(batch.is_wholly_known());
    let mut config = h.batch_config(&file_id);
    if let Value::Object(map) = &mut config {
        map.insert("metadata".into(), string_map(&[("k", "v")]));
        map.insert(
            "output_expires_after".into(),
            Value::object([
                ("anchor", Value::string("created_at")),
                ("seconds", Value::number(7200)),
            ]),
        );
    }
    let plan = h
        .plan_private("openai_batch", "openai_batch.i", &config, Some(&batch), imported.private)
        .await;
    assert_no_errors(&plan.diagnostics);
    assert!(
        plan.requires_replace.is_empty(),
        "write-only arguments are adopted after import: {:?}",
        plan.requires_replace
    );
    let planned = plan.planned_state.unwrap();
    assert_eq!(str_attr(&planned, "id"), Some(batch_id));
    // Without the import's mark, a missing write-only argument is a change like any other.
    let plan = h.plan("openai_batch", "openai_batch.i", &config, Some(&batch)).await;
    assert_eq!(plan.requires_replace, vec![batchform_core::AttrPath::attr("output_expires_after")]);

    let missing = h.import("openai_batch", "batch_00000000000000000000000000000000").await;
    assert!(missing.diagnostics.has_errors());
    assert!(error_text(&missing.diagnostics).contains("HTTP 404"));
}

/// Lists follow the cursor over every page.
pub async fn pagination(h: &Harness) {
    let file = h.input_file("pages.jsonl", 1).await;
    let file_id = str_attr(&file, "id").unwrap().to_string();
    let creates = (0..17).map(|i| {
        let mut config = h.batch_config(&file_id);
        if let Value::Object(map) = &mut config {
            map.insert("metadata".into(), string_map(&[("n", &i.to_string()), ("suite", "pages")]));
        }
        async move { h.create("openai_batch", &format!("openai_batch.p[{i}]"), &config).await }
    });
    let created = futures_util::future::join_all(creates).await;
    let mut want: Vec<String> =
        created.iter().map(|b| str_attr(b, "id").unwrap().to_string()).collect();
    want.sort();
    want.dedup();
    assert_eq!(want.len(), 17, "17 distinct batches");

    let listed = h
        .data(
            "openai_batches",
            "data.openai_batches.all",
            &data_config("openai_batches", &[("metadata", string_map(&[("suite", "pages")]))]),
        )
        .await;
    assert_no_errors(&listed.diagnostics);
    let listed = listed.state.unwrap();
    assert_conforms_data("openai_batches", &listed);
    let mut got: Vec<String> = listed
        .get_attr("ids")
        .unwrap()
        .elements()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
    let filtered = h
        .data(
            "openai_batches",
            "data.openai_batches.one",
            &data_config("openai_batches", &[("metadata", string_map(&[("n", "3")]))]),
        )
        .await
        .state
        .unwrap();
    assert_eq!(filtered.get_attr("batches").unwrap().elements().unwrap().len(), 1);

    for i in 0..11 {
        h.raw.upload(&format!("extra{i}.jsonl"), "batch", &chat_lines(1, "m")).await;
    }
    let files = h
        .data(
            "openai_files",
            "data.openai_files.all",
            &data_config("openai_files", &[("purpose", Value::string("batch"))]),
        )
        .await;
    assert_no_errors(&files.diagnostics);
    let files = files.state.unwrap();
    assert_conforms_data("openai_files", &files);
    assert_eq!(files.get_attr("files").unwrap().elements().unwrap().len(), 12);
}

/// An edit of the local file, and a changed argument, plan replacements.
pub async fn edits_plan_replacements(h: &Harness) {
    let path = h.write("edit.jsonl", &chat_lines(1, "gpt-4o-mini"));
    let config = h.file_config(&path);
    let file = h.create("openai_file", "openai_file.e", &config).await;
    let plan = h.plan("openai_file", "openai_file.e", &config, Some(&file)).await;
    assert!(plan.requires_replace.is_empty());
    assert_eq!(plan.planned_state.as_ref(), Some(&file));

    let edited = chat_lines(2, "gpt-4o-mini");
    h.write("edit.jsonl", &edited);
    let plan = h.plan("openai_file", "openai_file.e", &config, Some(&file)).await;
    assert_no_errors(&plan.diagnostics);
    assert_eq!(plan.requires_replace, vec![batchform_core::AttrPath::attr("sha256")]);
    let planned = plan.planned_state.unwrap();
    assert_eq!(
        str_attr(&planned, "sha256"),
        Some(format!("{:x}", Sha256::digest(edited.as_bytes())).as_str())
    );
    assert!(!planned.get_attr("id").unwrap().is_known(), "a new file gets a new id");

    let batch_config = h.batch_config(str_attr(&file, "id").unwrap());
    let batch = h.create("openai_batch", "openai_batch.e", &batch_config).await;
    let mut changed = batch_config.clone();
    if let Value::Object(map) = &mut changed {
        map.insert("metadata".into(), string_map(&[("v", "2")]));
    }
    let plan = h.plan("openai_batch", "openai_batch.e", &changed, Some(&batch)).await;
    assert_no_errors(&plan.diagnostics);
    assert_eq!(plan.requires_replace, vec![batchform_core::AttrPath::attr("metadata")]);
    let planned = plan.planned_state.unwrap();
    assert!(!planned.get_attr("id").unwrap().is_known());
    assert!(!planned.get_attr("status").unwrap().is_known());
}

/// API failures name the operation, address, status, message and request id, with hints;
/// the key never appears.
pub async fn errors_are_clear(h: &Harness) {
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.missing",
            &data_config("openai_batch", &[("batch_id", Value::string("batch_does_not_exist"))]),
        )
        .await;
    assert!(data.diagnostics.has_errors());
    let d = data.diagnostics.errors().next().unwrap();
    assert_eq!(d.summary, "Failed to read batch");
    assert_eq!(d.address.as_deref(), Some("data.openai_batch.missing"));
    assert!(d.detail.contains("read batch for data.openai_batch.missing (GET "), "{}", d.detail);
    assert!(
        d.detail.contains("/batches/batch_does_not_exist): HTTP 404 Not Found: "),
        "{}",
        d.detail
    );
    assert!(d.detail.contains("(request id "), "{}", d.detail);
    assert!(d.detail.contains("no duplicate /v1/ prefix"), "{}", d.detail);
    assert!(!d.detail.contains(KEY));
}

/// The batch's `model`: checked against the input file's lines at plan time.
pub async fn model_is_checked(h: &Harness) {
    let file = h.input_file("model.jsonl", 1).await;
    let file_id = str_attr(&file, "id").unwrap();
    let mut config = h.batch_config(file_id);
    if let Value::Object(map) = &mut config {
        map.insert("model".into(), Value::string("text-embedding-ada-002"));
    }
    let plan = h.plan("openai_batch", "openai_batch.m", &config, None).await;
    let text = error_text(&plan.diagnostics);
    assert!(text.contains("Batch model does not match"), "{text}");
    assert!(text.contains("\"gpt-4o-mini\""), "{text}");
    let d = plan.diagnostics.errors().next().unwrap();
    assert_eq!(d.attribute, Some(batchform_core::AttrPath::attr("model")));

    if let Value::Object(map) = &mut config {
        map.insert("model".into(), Value::string("gpt-4o-mini"));
        map.insert("endpoint".into(), Value::string("/v1/embeddings"));
    }
    let plan = h.plan("openai_batch", "openai_batch.m", &config, None).await;
    assert!(error_text(&plan.diagnostics).contains("Endpoint does not match the input file"));

    if let Value::Object(map) = &mut config {
        map.insert("endpoint".into(), Value::string("/v1/chat/completions"));
    }
    let batch = h.create("openai_batch", "openai_batch.m", &config).await;
    assert_eq!(str_attr(&batch, "model"), Some("gpt-4o-mini"), "a configured model is kept");
    let done = h.until_terminal("openai_batch.m", batch).await;
    assert_eq!(str_attr(&done, "model"), Some("gpt-4o-mini"));
}

/// The page sizes the pagination suite uses (several pages for 17 batches and 12 files).
pub fn small_pages() -> PageSizes {
    PageSizes { batches: 5, files: 4 }
}

pub fn metadata_key_path(key: &str) -> batchform_core::AttrPath {
    batchform_core::AttrPath(vec![PathStep::Attr("metadata".into()), PathStep::Key(key.into())])
}
