//! The provider against our emulator on a manual clock: the shared suite, every terminal
//! state, plan-time checks, and the emulator's fault injection (429 storms, 5xx, dropped
//! connections during create: exactly one object afterwards).

mod common;
mod suite;

use batchform_core::{AttrPath, Value};
use batchform_emulator::Timing;
use common::*;
use std::time::{Duration, Instant};

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
    let read = h.read("openai_batch", "openai_batch.slow", &batch).await;
    let state = read.new_state.unwrap();
    assert_eq!(str_attr(&state, "status"), Some("expired"));
    assert!(num_attr(&state, "expired_at").is_some());
    let counts = state.get_attr("request_counts").unwrap();
    assert_eq!(num_attr(counts, "total"), Some(3));
    // Expired is terminal: destroy forgets it without asking the API.
    let gone = h.destroy("openai_batch", "openai_batch.slow", &state).await;
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
            ("input_file_id", Value::Unknown(batchform_core::Type::String)),
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

// ----- faults

#[tokio::test]
async fn a_dropped_connection_after_a_batch_create_leaves_exactly_one_batch() {
    let h = Harness::emulator_with(Options {
        faults: vec!["drop-after-create@nth=1@POST:/v1/batches"],
        ..Options::default()
    })
    .await;
    let file = h.input_file("drop.jsonl", 1).await;
    let batch = h
        .create("openai_batch", "openai_batch.d", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    let all = h.raw.all_batches().await;
    assert_eq!(all.len(), 1, "exactly one batch: {all:#?}");
    assert_eq!(
        all[0]["id"].as_str(),
        str_attr(&batch, "id"),
        "the state holds the batch that exists"
    );
}

#[tokio::test]
async fn a_dropped_connection_after_an_upload_leaves_exactly_one_file() {
    let h = Harness::emulator_with(Options {
        faults: vec!["drop-after-create@nth=1@POST:/v1/files"],
        ..Options::default()
    })
    .await;
    let file = h.input_file("dropfile.jsonl", 2).await;
    let all = h.raw.all_files().await;
    assert_eq!(all.len(), 1, "exactly one file: {all:#?}");
    assert_eq!(all[0]["id"].as_str(), str_attr(&file, "id"));
}

#[tokio::test]
async fn server_errors_on_create_are_reconciled_then_retried() {
    let h = Harness::emulator_with(Options {
        faults: vec![
            "500@nth=1,2@POST:/v1/batches",
            "503@nth=1@POST:/v1/files",
            "drop@nth=3@POST:/v1/batches",
        ],
        ..Options::default()
    })
    .await;
    let file = h.input_file("five.jsonl", 1).await;
    assert_eq!(h.raw.all_files().await.len(), 1);
    let batch = h
        .create("openai_batch", "openai_batch.f", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    let all = h.raw.all_batches().await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"].as_str(), str_attr(&batch, "id"));
}

#[tokio::test]
async fn many_concurrent_creates_under_random_drops_make_one_batch_each() {
    let h = Harness::emulator_with(Options {
        faults: vec![
            "drop-after-create@p=0.3@POST:/v1/batches",
            "500@p=0.1@POST:/v1/batches",
            "429:1@p=0.1@GET",
        ],
        max_retries: Some(10),
        ..Options::default()
    })
    .await;
    let file = h.input_file("many.jsonl", 1).await;
    let id = str_attr(&file, "id").unwrap().to_string();
    let h = &h;
    let creates = (0..24).map(|i| {
        let config = h.batch_config(&id);
        async move { h.create("openai_batch", &format!("openai_batch.m[{i}]"), &config).await }
    });
    let states = futures_util::future::join_all(creates).await;
    let mut ids: Vec<String> =
        states.iter().map(|s| str_attr(s, "id").unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 24, "every instance got its own batch");
    let mut existing: Vec<String> =
        h.raw.all_batches().await.iter().map(|b| b["id"].as_str().unwrap().to_string()).collect();
    existing.sort();
    assert_eq!(existing, ids, "no duplicates, none lost");
}

#[tokio::test]
async fn a_429_storm_is_waited_out_as_the_server_asks() {
    let h = Harness::emulator_with(Options {
        faults: vec!["429:1@nth=2,3,4@GET:/v1/batches/"],
        ..Options::default()
    })
    .await;
    let file = h.input_file("storm.jsonl", 1).await;
    let batch = h
        .create("openai_batch", "openai_batch.s", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    // The first read of the batch passes; the second meets three 429s in a row.
    let first = h.read("openai_batch", "openai_batch.s", &batch).await;
    assert_no_errors(&first.diagnostics);
    let started = Instant::now();
    let read = h.read("openai_batch", "openai_batch.s", &batch).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_some());
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "three Retry-After: 1 waits, took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn when_retries_run_out_the_error_says_so() {
    let h = Harness::emulator_with(Options {
        faults: vec!["429:none@GET:/v1/batches/"],
        max_retries: Some(1),
        ..Options::default()
    })
    .await;
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.x",
            &data_config("openai_batch", &[("batch_id", Value::string("batch_x"))]),
        )
        .await;
    let text = error_text(&data.diagnostics);
    assert!(text.contains("HTTP 429 Too Many Requests: Rate limit reached"), "{text}");
    assert!(text.contains("(request id req_"), "{text}");
    assert!(text.contains("raise max_retries"), "{text}");
}

#[tokio::test]
async fn html_pages_and_dropped_reads() {
    let h = Harness::emulator_with(Options {
        faults: vec!["drop@nth=1@GET:/v1/files/", "html:502@GET:/v1/batches/"],
        max_retries: Some(1),
        ..Options::default()
    })
    .await;
    let file = h.input_file("html.jsonl", 1).await;
    // The dropped first read of the file is retried.
    let read = h.read("openai_file", "openai_file.h", &file).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_some());
    // An HTML page every time: a clear error after the retries.
    let batch_state = {
        let mut s = proposed("openai_batch", &h.batch_config(str_attr(&file, "id").unwrap()), None);
        set_attr(&mut s, "id", Value::string("batch_1"));
        s
    };
    let read = h.read("openai_batch", "openai_batch.h", &batch_state).await;
    let text = error_text(&read.diagnostics);
    assert!(text.contains("HTTP 502 Bad Gateway: the server answered with an HTML page instead of JSON (\"502 Bad Gateway\")"), "{text}");
    assert!(text.contains("proxy interference"), "{text}");
    assert_eq!(read.new_state, Some(batch_state), "a failed refresh keeps the prior state");
}

fn set_attr(v: &mut Value, name: &str, new: Value) {
    if let Value::Object(map) = v {
        map.insert(name.to_string(), new);
    }
}

#[tokio::test]
async fn a_doubled_v1_in_base_url_is_normalised_and_a_wrong_key_is_explained() {
    let h = Harness::emulator_with(Options { base_url_suffix: "/v1/", ..Options::default() }).await;
    // base_url ".../v1/v1/" works.
    let file = h.input_file("v1.jsonl", 1).await;
    assert!(str_attr(&file, "id").is_some());

    let Backend::Emulator(em) = &h.backend else { unreachable!() };
    let provider = batchform_openai::OpenAiProvider::with_env(|_| None);
    let config = provider_config_with(&em.base_url(), "sk-wrong-key-SECRET");
    let diags = batchform_core::Provider::configure(
        &provider,
        batchform_core::provider::ConfigureRequest {
            config,
            working_dir: h.dir.path().display().to_string(),
        },
    )
    .await;
    assert_no_errors(&diags);
    let data = batchform_core::Provider::read_data_source(
        &provider,
        batchform_core::provider::ReadDataSourceRequest {
            type_name: "openai_batch".into(),
            address: "data.openai_batch.k".into(),
            config: data_config("openai_batch", &[("batch_id", Value::string("batch_x"))]),
        },
    )
    .await;
    let text = error_text(&data.diagnostics);
    assert!(text.contains("HTTP 401 Unauthorized"), "{text}");
    assert!(text.contains("The API key was rejected"), "{text}");
    assert!(!text.contains("SECRET"), "the key must not appear: {text}");
}

fn provider_config_with(base: &str, key: &str) -> Value {
    let schema = batchform_openai::provider_schema();
    Value::Object(
        schema
            .provider
            .block
            .attributes
            .iter()
            .map(|(name, a)| {
                let v = match name.as_str() {
                    "api_key" => Value::string(key),
                    "base_url" => Value::string(base),
                    "max_retries" => Value::number(0),
                    _ => Value::Null(a.ty.clone()),
                };
                (name.clone(), v)
            })
            .collect(),
    )
}

#[tokio::test]
async fn a_data_source_with_unknown_arguments_is_known_after_apply() {
    let h = Harness::emulator().await;
    let config =
        data_config("openai_batch", &[("batch_id", Value::Unknown(batchform_core::Type::String))]);
    let r = h.data("openai_batch", "data.openai_batch.later", &config).await;
    assert_no_errors(&r.diagnostics);
    let state = r.state.unwrap();
    assert_conforms_data("openai_batch", &state);
    assert!(!state.get_attr("status").unwrap().is_known());
    assert!(state.get_attr("project_id").unwrap().is_null());
}

#[tokio::test]
async fn an_unconfirmed_create_is_not_sent_again_and_says_how_to_find_the_object() {
    let h = Harness::emulator_with(Options {
        faults: vec!["drop-after-create@nth=1@POST:/v1/batches", "500@nth=1,2@GET:/v1/batches"],
        max_retries: Some(1),
        ..Options::default()
    })
    .await;
    let file = h.input_file("unconfirmed.jsonl", 1).await;
    let config = h.batch_config(str_attr(&file, "id").unwrap());
    let plan = h.plan("openai_batch", "openai_batch.u", &config, None).await;
    let applied = h
        .apply_create("openai_batch", "openai_batch.u", &config, &plan.planned_state.unwrap())
        .await;
    let text = error_text(&applied.diagnostics);
    assert!(text.contains("It was not sent again, so that no duplicate is made"), "{text}");
    let all = h.raw.all_batches().await;
    assert_eq!(all.len(), 1, "the dropped create made one batch, and no second one: {all:#?}");
    let token = all[0]["metadata"]["batchform_create_token"].as_str().unwrap();
    assert!(text.contains(&format!("batchform_create_token = \"{token}\"")), "{text}");
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
}
