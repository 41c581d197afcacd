//! `emulator = true`: the provider runs the embedded emulator in-process with its data under
//! the working directory, so successive runs see the same objects, with no key and no
//! network. Provider configurations naming the same directory share one server.

mod common;

use batchform_core::provider::*;
use batchform_core::{Provider, Value};
use batchform_openai::OpenAiProvider;
use common::*;
use std::time::Duration;

async fn configured(dir: &std::path::Path, emulator: Value) -> OpenAiProvider {
    configured_with(dir, emulator, &[]).await
}

/// `emulator` and other provider attributes (`("request_timeout", ...)`).
async fn configured_with(
    dir: &std::path::Path,
    emulator: Value,
    others: &[(&str, Value)],
) -> OpenAiProvider {
    let p = OpenAiProvider::with_env(|_| None);
    let schema = batchform_openai::provider_schema();
    let config = Value::Object(
        schema
            .provider
            .block
            .attributes
            .iter()
            .map(|(name, a)| {
                let other = others.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                let v = match other {
                    Some(v) => v,
                    None if name == "emulator" => emulator.clone(),
                    None => Value::Null(a.ty.clone()),
                };
                (name.clone(), v)
            })
            .collect(),
    );
    let diags =
        p.configure(ConfigureRequest { config, working_dir: dir.display().to_string() }).await;
    assert_no_errors(&diags);
    p
}

async fn read_batch(p: &OpenAiProvider, state: &Value) -> Option<Value> {
    let r = read_on(p, "openai_batch", "openai_batch.e", state).await;
    assert_no_errors(&r.diagnostics);
    r.new_state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_emulator_keeps_objects_across_runs() {
    let work = tempfile::tempdir().unwrap();
    let emulator =
        Value::object([("speed", Value::number(3600)), ("data_dir", Value::string("em"))]);
    std::fs::write(work.path().join("in.jsonl"), chat_lines(2, "gpt-4o-mini")).unwrap();

    let first = configured(work.path(), emulator.clone()).await;
    let alias = configured(work.path(), emulator.clone()).await;
    assert_eq!(first.base_url(), alias.base_url(), "one server per data directory");
    assert_eq!(first.emulator_data_dir(), Some(work.path().join("em").as_path()));

    // One "run": plan and apply a file and a batch.
    let file_config = resource_config(
        "openai_file",
        &[("file", Value::string("in.jsonl")), ("purpose", Value::string("batch"))],
    );
    let plan = first
        .plan_resource_change(PlanResourceChangeRequest {
            type_name: "openai_file".into(),
            address: "openai_file.in".into(),
            prior_state: None,
            proposed_new_state: proposed("openai_file", &file_config, None),
            config: file_config.clone(),
            prior_private: Vec::new(),
        })
        .await;
    assert_no_errors(&plan.diagnostics);
    let file = first
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: "openai_file".into(),
            address: "openai_file.in".into(),
            prior_state: None,
            planned_state: plan.planned_state,
            config: file_config,
            planned_private: Vec::new(),
            create_token: None,
        })
        .await
        .new_state
        .unwrap();
    let batch_config = chat_batch_config(str_attr(&file, "id").unwrap());
    let batch = create_on(&first, "openai_batch", "openai_batch.e", batch_config, None).await;
    assert_no_errors(&batch.diagnostics);
    let batch = batch.new_state.unwrap();
    assert!(read_batch(&alias, &batch).await.is_some(), "the alias sees the same objects");
    drop(first);
    drop(alias);

    // The next "run" starts a new server on the same data: the batch is there and, with the
    // clock at 3600x, finishes within seconds.
    let next = configured(work.path(), emulator).await;
    let mut status = None;
    for _ in 0..50 {
        let state = read_batch(&next, &batch).await.expect("the batch survives the restart");
        status = str_attr(&state, "status").map(str::to_string);
        if status.as_deref() == Some("completed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status.as_deref(), Some("completed"));
    assert!(work.path().join("em").is_dir());
}

#[tokio::test]
async fn emulator_true_needs_no_key_and_uses_the_default_directory() {
    let work = tempfile::tempdir().unwrap();
    let p = configured(work.path(), Value::bool(true)).await;
    assert_eq!(p.emulator_data_dir(), Some(work.path().join(".batchform/emulator").as_path()));
    let r = p
        .read_data_source(ReadDataSourceRequest {
            type_name: "openai_batches".into(),
            address: "data.openai_batches.all".into(),
            config: data_config("openai_batches", &[]),
        })
        .await;
    assert_no_errors(&r.diagnostics);
    assert_eq!(r.state.unwrap().get_attr("ids").unwrap().elements().unwrap().len(), 0);
}

#[test]
fn the_provider_can_be_shared_between_tasks() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<OpenAiProvider>();
    send_sync::<std::sync::Arc<dyn Provider>>();
}

#[tokio::test]
async fn base_url_next_to_the_emulator_is_ignored_with_a_warning() {
    let work = tempfile::tempdir().unwrap();
    let p = OpenAiProvider::with_env(|_| None);
    let schema = batchform_openai::provider_schema();
    let config = Value::Object(
        schema
            .provider
            .block
            .attributes
            .iter()
            .map(|(name, a)| {
                let v = match name.as_str() {
                    "emulator" => Value::bool(true),
                    "base_url" => Value::string("https://api.openai.com/v1"),
                    _ => Value::Null(a.ty.clone()),
                };
                (name.clone(), v)
            })
            .collect(),
    );
    let diags = p
        .configure(ConfigureRequest { config, working_dir: work.path().display().to_string() })
        .await;
    assert!(!diags.has_errors());
    let warning = diags.iter().next().expect("a warning");
    assert_eq!(warning.summary, "base_url is ignored");
    assert_eq!(warning.attribute, Some(batchform_core::AttrPath::attr("base_url")));
    assert!(p.base_url().unwrap().starts_with("http://127.0.0.1:"));
}

/// The emulator object's phase durations reach the embedded server: with requests slower
/// than a one-minute window, a batch ends `expired`, seen through the data source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_timing_settings_let_a_batch_expire() {
    let work = tempfile::tempdir().unwrap();
    let emulator = Value::object([
        ("speed", Value::number(1000)),
        ("validating_secs", Value::number(0)),
        ("per_request_secs", Value::number(100_000)),
        ("completion_window_secs", Value::number(60)),
    ]);
    let p = configured(work.path(), emulator).await;
    let base = p.base_url().unwrap().to_string();
    let raw = Raw::new(&base);
    let file = raw.upload("slow.jsonl", "batch", &chat_lines(2, "gpt-4o-mini")).await;
    let created = raw
        .create_batch(serde_json::json!({"input_file_id": file["id"],
            "endpoint": "/v1/chat/completions", "completion_window": "24h"}))
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["expires_at"].as_i64().unwrap() - created["created_at"].as_i64().unwrap(),
        60
    );
    let mut state = None;
    for _ in 0..100 {
        let r = p
            .read_data_source(ReadDataSourceRequest {
                type_name: "openai_batch".into(),
                address: "data.openai_batch.slow".into(),
                config: data_config("openai_batch", &[("batch_id", Value::string(&id))]),
            })
            .await;
        assert_no_errors(&r.diagnostics);
        let s = r.state.unwrap();
        if str_attr(&s, "status") == Some("expired") {
            state = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let state = state.expect("the batch expires within seconds");
    assert!(num_attr(&state, "expired_at").is_some());
    assert!(str_attr(&state, "error_file_id").is_some());
}

fn faults(rules: &[&str]) -> Value {
    Value::object([(
        "faults",
        Value::List(
            batchform_core::Type::String,
            rules.iter().map(|r| Value::string(*r)).collect(),
        ),
    )])
}

/// The provider hands its requests to the embedded emulator in this process, not over a
/// socket: a fault that drops the "connection" reaches it as a failure without an answer,
/// named as such, and an idempotent read is retried past it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_emulator_is_called_in_process_faults_included() {
    let work = tempfile::tempdir().unwrap();
    let no_retries = [("max_retries", Value::number(0))];
    let p = configured_with(work.path(), faults(&["drop@GET:/v1/batches/"]), &no_retries).await;
    let state = resource_config("openai_batch", &[("id", Value::string("batch_missing"))]);
    let r = read_on(&p, "openai_batch", "openai_batch.e", &state).await;
    let text = error_text(&r.diagnostics);
    assert!(
        text.contains("the connection failed before an answer arrived: the emulator closed the connection without answering"),
        "{text}"
    );
    drop(p);

    // Dropped once, then answered: the read is retried and finds nothing (a 404 is "gone").
    let work = tempfile::tempdir().unwrap();
    let p = configured(work.path(), faults(&["drop@nth=1@GET:/v1/batches/"])).await;
    assert_eq!(read_batch(&p, &state).await, None);
}

/// A create whose answer the embedded emulator drops after making the batch is reconciled
/// into exactly that one batch, as over HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_create_answer_from_the_embedded_emulator_leaves_one_batch() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("in.jsonl"), chat_lines(1, "gpt-4o-mini")).unwrap();
    let p = configured(work.path(), faults(&["drop-after-create@nth=1@POST:/v1/batches"])).await;
    let file_config = resource_config(
        "openai_file",
        &[("file", Value::string("in.jsonl")), ("purpose", Value::string("batch"))],
    );
    let file = create_on(&p, "openai_file", "openai_file.in", file_config, None).await;
    assert_no_errors(&file.diagnostics);
    let file_id = str_attr(file.new_state.as_ref().unwrap(), "id").unwrap().to_string();
    let batch_config = chat_batch_config(&file_id);
    let batch =
        create_on(&p, "openai_batch", "openai_batch.e", batch_config, Some("tok-dropped")).await;
    assert_no_errors(&batch.diagnostics);
    let id = str_attr(batch.new_state.as_ref().unwrap(), "id").unwrap().to_string();
    let all = Raw::new(p.base_url().unwrap()).all_batches().await;
    assert_eq!(all.len(), 1, "exactly one batch: {all:#?}");
    assert_eq!(all[0]["id"].as_str(), Some(id.as_str()));
}

/// `request_timeout` bounds a call to the embedded emulator as it bounds one over HTTP:
/// the error says the request timed out and how to allow more time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeout_applies_to_the_embedded_emulator() {
    let work = tempfile::tempdir().unwrap();
    let others = [("request_timeout", Value::string("1s")), ("max_retries", Value::number(0))];
    let p = configured_with(work.path(), faults(&["latency:3000@GET:/v1/batches/"]), &others).await;
    let state = resource_config("openai_batch", &[("id", Value::string("batch_slow"))]);
    let started = std::time::Instant::now();
    let r = read_on(&p, "openai_batch", "openai_batch.e", &state).await;
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1) && took < Duration::from_millis(2500), "{took:?}");
    let text = error_text(&r.diagnostics);
    assert!(text.contains("the request timed out"), "{text}");
    assert!(text.contains("Raise request_timeout"), "{text}");
}

/// A `request_timeout` too long for the clock to count (any whole number of seconds is
/// accepted) means no deadline for the embedded emulator, as over HTTP: no overflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_request_timeout_works_with_the_embedded_emulator() {
    let work = tempfile::tempdir().unwrap();
    let others = [("request_timeout", Value::string("18446744073709551615"))];
    let p = configured_with(work.path(), Value::Bool(true), &others).await;
    let state = resource_config("openai_batch", &[("id", Value::string("batch_missing"))]);
    assert_eq!(read_batch(&p, &state).await, None);
}
