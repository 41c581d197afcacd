//! The provider against our emulator on a manual clock: the shared suite, every terminal
//! state, plan-time checks. Fault injection is in `faults.rs`.

mod common;
mod suite;

use batchform_core::{AttrPath, Value};
use batchform_emulator::Timing;
use common::*;

macro_rules! shared {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let h = Harness::emulator_with(Options { page_sizes: Some(suite::small_pages()), ..Options::default() }).await;
            suite::$name(&h).await;
        }
    )*};
}

shared!(
    life_of_a_batch,
    cancel,
    drift_by_404,
    import,
    pagination,
    edits_plan_replacements,
    errors_are_clear,
    model_is_checked,
);

#[tokio::test]
async fn a_batch_whose_input_fails_validation_ends_failed_with_its_errors() {
    let h = Harness::emulator().await;
    // Uploaded behind the provider's back (the provider's own plan would refuse this file).
    let bad = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\"}}\nnot json\n";
    let uploaded = h.raw.upload("bad.jsonl", "batch", bad).await;
    let file_id = uploaded["id"].as_str().unwrap();

    // At plan time the provider downloads the small input file and finds the problem.
    let config = h.batch_config(file_id);
    let plan = h.plan("openai_batch", "openai_batch.bad", &config, None).await;
    let text = error_text(&plan.diagnostics);
    assert!(text.contains("Invalid batch input file"), "{text}");
    assert!(text.contains("line 2: this line is not valid JSON"), "{text}");

    // Apply refuses too: no batch is made that is known to fail.
    let planned = proposed("openai_batch", &config, None);
    let refused = h.apply_create("openai_batch", "openai_batch.bad", &config, &planned).await;
    assert!(refused.diagnostics.has_errors());
    assert!(refused.new_state.is_none());
    assert!(h.raw.all_batches().await.is_empty());

    // Created by another tool and imported, it fails with the API's errors.
    let created = h
        .raw
        .create_batch(serde_json::json!({"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"}))
        .await;
    let state = h.import("openai_batch", created["id"].as_str().unwrap()).await.state.unwrap();
    let done = h.until_terminal("openai_batch.bad", state).await;
    assert_eq!(str_attr(&done, "status"), Some("failed"));
    assert!(num_attr(&done, "failed_at").is_some());
    let errors = done.get_attr("errors").unwrap();
    assert_eq!(str_attr(errors, "object"), Some("list"));
    let first = &errors.get_attr("data").unwrap().elements().unwrap()[0];
    assert_eq!(str_attr(first, "code"), Some("invalid_json_line"));
    assert_eq!(num_attr(first, "line"), Some(2));
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.bad",
            &data_config(
                "openai_batch",
                &[("batch_id", Value::string(str_attr(&done, "id").unwrap()))],
            ),
        )
        .await
        .state
        .unwrap();
    let error = str_attr(&data, "error").unwrap();
    assert!(error.starts_with("line 2: invalid_json_line: "), "{error}");
}

#[tokio::test]
async fn a_batch_that_runs_out_of_time_ends_expired() {
    let timing = Timing { per_request_secs: 50_000.0, ..timing() };
    let h = Harness::emulator_with(Options { timing: Some(timing), ..Options::default() }).await;
    let file = h.input_file("slow.jsonl", 3).await;
    let batch = h
        .create(
            "openai_batch",
            "openai_batch.slow",
            &h.batch_config(str_attr(&file, "id").unwrap()),
        )
        .await;
    h.clock().unwrap().advance(86_400.0 + 60.0);
    // An expired batch will never run: refresh drops it from state (Terraform's "has been
    // deleted" drift), so the next plan creates it again.
    let read = h.read("openai_batch", "openai_batch.slow", &batch).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_none(), "an expired batch must leave state: {:?}", read.new_state);
    // The data source still reports what happened to it.
    let id = str_attr(&batch, "id").unwrap();
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.slow",
            &data_config("openai_batch", &[("batch_id", Value::string(id))]),
        )
        .await;
    assert_no_errors(&data.diagnostics);
    let state = data.state.unwrap();
    assert_eq!(str_attr(&state, "status"), Some("expired"));
    assert!(num_attr(&state, "expired_at").is_some());
    let counts = state.get_attr("request_counts").unwrap();
    assert_eq!(num_attr(counts, "total"), Some(3));
    // Destroying the stale state entry of an expired batch is done at once (the API's
    // "cannot cancel" answer for a terminal batch counts as done).
    let gone = h.destroy("openai_batch", "openai_batch.slow", &batch).await;
    assert_no_errors(&gone.diagnostics);
    assert!(gone.new_state.is_none());
}

#[tokio::test]
async fn batch_input_files_are_checked_at_plan_time_with_line_numbers() {
    let h = Harness::emulator().await;
    let text = [
        r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o"}}"#,
        r#"{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o"}}"#,
        r#"{"custom_id":"b","method":"GET","url":"/v1/chat/completions","body":{"model":"gpt-4o"}}"#,
        r#"{"custom_id":"c","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4o"}}"#,
        r#"{"custom_id":"d","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini"}}"#,
    ]
    .join("\n");
    let path = h.write("data/requests.jsonl", &text);
    let plan = h.plan("openai_file", "openai_file.in", &h.file_config(&path), None).await;
    let details: Vec<&str> = plan.diagnostics.errors().map(|d| d.detail.as_str()).collect();
    assert_eq!(
        details,
        vec![
            "data/requests.jsonl:2: custom_id \"a\" is used again (first on line 1); custom ids must be unique in a batch.",
            "data/requests.jsonl:3: method is \"GET\"; batch requests must use \"POST\".",
            "data/requests.jsonl:4: url \"/v1/embeddings\" differs from \"/v1/chat/completions\" on line 1; all requests of a batch must use one endpoint.",
            "data/requests.jsonl:5: model \"gpt-4o-mini\" differs from \"gpt-4o\" on line 1; all requests of a batch must use one model.",
        ]
    );
    for d in plan.diagnostics.errors() {
        assert_eq!(d.summary, "Invalid batch input file");
        assert_eq!(d.attribute, Some(AttrPath::attr("file")));
        assert_eq!(d.address.as_deref(), Some("openai_file.in"));
    }
    assert!(plan.planned_state.is_none());

    // Inline content is checked the same way.
    let config = resource_config(
        "openai_file",
        &[("content", Value::string("{}\n")), ("purpose", Value::string("batch"))],
    );
    let plan = h.plan("openai_file", "openai_file.inline", &config, None).await;
    let d = plan.diagnostics.errors().next().unwrap();
    assert!(d.detail.starts_with("content:1: custom_id is missing"), "{}", d.detail);
    assert_eq!(d.attribute, Some(AttrPath::attr("content")));

    // A missing file, a wrong name, two sources: clear errors before any upload.
    let plan = h.plan("openai_file", "openai_file.nope", &h.file_config("nope.jsonl"), None).await;
    assert_eq!(plan.diagnostics.errors().next().unwrap().summary, "Cannot read file");
    let txt = h.write("notes.txt", "hello");
    let plan = h.plan("openai_file", "openai_file.txt", &h.file_config(&txt), None).await;
    assert_eq!(plan.diagnostics.errors().next().unwrap().summary, "Invalid batch input file name");
    let both = resource_config(
        "openai_file",
        &[
            ("file", Value::string(txt.clone())),
            ("content", Value::string("x")),
            ("purpose", Value::string("user_data")),
        ],
    );
    let plan = h.plan("openai_file", "openai_file.both", &both, None).await;
    assert_eq!(
        plan.diagnostics.errors().next().unwrap().summary,
        "Conflicting configuration arguments"
    );
    // Other purposes are uploaded as they are.
    let notes = resource_config(
        "openai_file",
        &[("file", Value::string(txt)), ("purpose", Value::string("user_data"))],
    );
    let state = h.create("openai_file", "openai_file.notes", &notes).await;
    assert_eq!(num_attr(&state, "bytes"), Some(5));
}

#[tokio::test]
async fn batch_arguments_are_checked_statically() {
    let h = Harness::emulator().await;
    let long_key = "k".repeat(65);
    let mut pairs: Vec<(String, String)> =
        (0..17).map(|i| (format!("k{i}"), "v".to_string())).collect();
    pairs.push((long_key.clone(), "x".repeat(513)));
    let metadata = Value::map(
        batchform_core::Type::String,
        pairs.iter().map(|(k, v)| (k.clone(), Value::string(v))).collect(),
    );
    let config = resource_config(
        "openai_batch",
        &[
            ("input_file_id", Value::unknown(batchform_core::Type::String)),
            ("endpoint", Value::string("/chat/completions")),
            ("completion_window", Value::string("48h")),
            ("metadata", metadata),
            (
                "output_expires_after",
                Value::object([
                    ("anchor", Value::string("created_at")),
                    ("seconds", Value::number(60)),
                ]),
            ),
        ],
    );
    let diags =
        batchform_core::Provider::validate_resource_config(&h.provider, "openai_batch", &config);
    let summaries: Vec<&str> = diags.errors().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        vec![
            "Invalid batch endpoint",
            "Invalid completion window",
            "Too many metadata pairs",
            "Metadata key too long",
            "Metadata value too long",
            "Invalid expiration seconds",
        ]
    );
    let endpoint = diags.errors().next().unwrap();
    assert!(
        endpoint.detail.ends_with("Did you mean \"/v1/chat/completions\"?"),
        "{}",
        endpoint.detail
    );
    let attrs: Vec<String> =
        diags.errors().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
    assert_eq!(attrs[3], format!("metadata[\"{long_key}\"]"));
    assert_eq!(attrs[5], "output_expires_after.seconds");
}

#[tokio::test]
async fn a_data_source_with_unknown_arguments_is_known_after_apply() {
    let h = Harness::emulator().await;
    let config =
        data_config("openai_batch", &[("batch_id", Value::unknown(batchform_core::Type::String))]);
    let r = h.data("openai_batch", "data.openai_batch.later", &config).await;
    assert_no_errors(&r.diagnostics);
    let state = r.state.unwrap();
    assert_conforms_data("openai_batch", &state);
    assert!(!state.get_attr("status").unwrap().is_known());
    assert!(state.get_attr("project_id").unwrap().is_null());
}

#[tokio::test]
async fn the_model_of_a_kept_batch_is_checked_against_the_api() {
    let h = Harness::emulator().await;
    let file = h.input_file("kept.jsonl", 1).await;
    let config = h.batch_config(str_attr(&file, "id").unwrap());
    let batch = h.create("openai_batch", "openai_batch.k", &config).await;
    let done = h.until_terminal("openai_batch.k", batch).await;
    assert_eq!(str_attr(&done, "model"), Some("gpt-4o-mini"), "read from the API when unset");

    let with_model = |model: &str| {
        let mut c = config.clone();
        if let Value::Object(map) = &mut c {
            map.insert("model".into(), Value::string(model));
        }
        c
    };
    let plan =
        h.plan("openai_batch", "openai_batch.k", &with_model("gpt-4o-mini"), Some(&done)).await;
    assert_no_errors(&plan.diagnostics);
    assert!(plan.requires_replace.is_empty());
    let plan = h.plan("openai_batch", "openai_batch.k", &with_model("gpt-4o"), Some(&done)).await;
    let text = error_text(&plan.diagnostics);
    assert!(
        text.contains(
            "model is \"gpt-4o\", but the API reports for this batch model \"gpt-4o-mini\""
        ),
        "{text}"
    );
    assert_eq!(plan.diagnostics.errors().next().unwrap().attribute, Some(AttrPath::attr("model")));

    // Created with model set, not validated yet: the API has reported nothing, and the error
    // says so instead of quoting it.
    let file = h.input_file("unvalidated.jsonl", 1).await;
    let config = with_model_of(&h.batch_config(str_attr(&file, "id").unwrap()), "gpt-4o-mini");
    let fresh = h.create("openai_batch", "openai_batch.v", &config).await;
    assert_eq!(str_attr(&fresh, "status"), Some("validating"));
    let plan = h
        .plan("openai_batch", "openai_batch.v", &with_model_of(&config, "gpt-4o"), Some(&fresh))
        .await;
    let text = error_text(&plan.diagnostics);
    assert!(!text.contains("the API reports"), "{text}");
    assert!(
        text.contains("model is \"gpt-4o\", but this batch was created with model = \"gpt-4o-mini\", and the API has not validated it yet"),
        "{text}"
    );
}

fn with_model_of(config: &Value, model: &str) -> Value {
    let mut c = config.clone();
    if let Value::Object(map) = &mut c {
        map.insert("model".into(), Value::string(model));
    }
    c
}

#[tokio::test]
async fn the_batch_of_an_interrupted_create_is_found_by_the_engines_token() {
    use batchform_core::Provider;
    use batchform_core::provider::{ApplyResourceChangeRequest, FindCreatedRequest};
    let h = Harness::emulator_with(Options {
        page_sizes: Some(suite::small_pages()),
        ..Options::default()
    })
    .await;
    assert!(h.provider.finds_created("openai_batch"));
    assert!(!h.provider.finds_created("openai_file"));
    let file = h.input_file("lost.jsonl", 1).await;
    let config = h.batch_config(str_attr(&file, "id").unwrap());
    let since = unix_now();
    // Some batches made after it, so the lookup has to follow pages.
    let plan = h.plan("openai_batch", "openai_batch.lost", &config, None).await;
    let planned = plan.planned_state.unwrap();
    let created = h
        .provider
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: "openai_batch".into(),
            address: "openai_batch.lost".into(),
            prior_state: None,
            planned_state: Some(planned),
            config: config.clone(),
            planned_private: Vec::new(),
            create_token: Some("bf-00112233445566778899aabbccddeeff".into()),
        })
        .await;
    assert_no_errors(&created.diagnostics);
    let created = created.new_state.unwrap();
    for i in 0..5 {
        h.create("openai_batch", &format!("openai_batch.other{i}"), &config).await;
    }
    let find = |token: &str| FindCreatedRequest {
        type_name: "openai_batch".into(),
        address: "openai_batch.lost".into(),
        token: token.into(),
        since,
    };
    let found = h.provider.find_created(find("bf-00112233445566778899aabbccddeeff")).await;
    assert_no_errors(&found.diagnostics);
    let found = found.state.expect("the batch is found");
    assert_eq!(str_attr(&found, "id"), str_attr(&created, "id"));
    assert_conforms_resource("openai_batch", &found);
    // The token is the provider's business, never part of the reported metadata.
    assert!(found.get_attr("metadata").is_none_or(|m| m.is_null()), "{found:?}");
    // A create that made nothing is reported as such.
    let missing = h.provider.find_created(find("bf-ffffffffffffffffffffffffffffffff")).await;
    assert_no_errors(&missing.diagnostics);
    assert!(missing.state.is_none());
}
