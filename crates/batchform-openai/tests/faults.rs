//! The provider under the emulator's fault injection: dropped connections and server errors
//! during creates (exactly one object afterwards, even with many creates at once), 429
//! storms waited out as `Retry-After` asks, retries running out, HTML pages, a doubled `/v1`
//! and a wrong key.

mod common;

use batchform_core::Value;
use common::*;
use std::time::{Duration, Instant};

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
    // Retry-After: 2 twice asks for 4 s; the backoff schedule alone would wait
    // 0.375-0.5 s + 0.75-1 s, at most 1.5 s, so the bounds tell the two apart.
    let h = Harness::emulator_with(Options {
        faults: vec!["429:2@nth=2,3@GET:/v1/batches/"],
        ..Options::default()
    })
    .await;
    let file = h.input_file("storm.jsonl", 1).await;
    let batch = h
        .create("openai_batch", "openai_batch.s", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    // The first read of the batch passes; the second meets two 429s in a row.
    let first = h.read("openai_batch", "openai_batch.s", &batch).await;
    assert_no_errors(&first.diagnostics);
    let started = Instant::now();
    let read = h.read("openai_batch", "openai_batch.s", &batch).await;
    assert_no_errors(&read.diagnostics);
    assert!(read.new_state.is_some());
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_millis(5500),
        "two Retry-After: 2 waits are 4 s (backoff would be under 1.5 s), took {took:?}"
    );
}

#[tokio::test]
async fn a_create_that_times_out_is_reconciled_into_exactly_one_batch() {
    // The first batch create is answered after 1.05 s; the provider gives up after 1 s, so it
    // cannot know whether the batch was made. Whatever the server did, one batch exists after.
    let h = Harness::emulator_with(Options {
        faults: vec!["latency:1050@nth=1@POST:/v1/batches"],
        request_timeout: Some("1s"),
        ..Options::default()
    })
    .await;
    let file = h.input_file("slow.jsonl", 1).await;
    let started = Instant::now();
    let batch = h
        .create("openai_batch", "openai_batch.t", &h.batch_config(str_attr(&file, "id").unwrap()))
        .await;
    assert!(started.elapsed() >= Duration::from_secs(1), "the first attempt timed out");
    let all = h.raw.all_batches().await;
    assert_eq!(all.len(), 1, "exactly one batch: {all:#?}");
    assert_eq!(all[0]["id"].as_str(), str_attr(&batch, "id"));
    assert_eq!(str_attr(&batch, "status"), Some("validating"));
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
