//! What the server receives from the provider, seen through a recording front: the bearer
//! key, `OpenAI-Organization`, `OpenAI-Project` (a data source's `project_id` overriding the
//! provider's `project`), a `User-Agent` naming batchform; and `retry-after-ms` honoured
//! before `Retry-After`.

mod common;

use batchform_core::Value;
use common::proxy::{Proxy, Script};
use common::*;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A front that records into `slot` (and answers from `script` where it says so).
fn recording(slot: Arc<Mutex<Option<Proxy>>>, script: Option<Script>) -> Front {
    Box::new(move |upstream: String| {
        Box::pin(async move {
            let proxy = Proxy::start(&upstream, script).await;
            let base = proxy.base_url.clone();
            *slot.lock().unwrap() = Some(proxy);
            base
        })
    })
}

async fn batch_in(raw: &Raw) -> String {
    let file = raw.upload("in.jsonl", "batch", &chat_lines(1, "gpt-4o-mini")).await;
    let batch = raw
        .create_batch(json!({"input_file_id": file["id"], "endpoint": "/v1/chat/completions",
                             "completion_window": "24h"}))
        .await;
    batch["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn requests_carry_the_key_organization_project_and_a_batchform_user_agent() {
    let slot = Arc::new(Mutex::new(None));
    let h = Harness::emulator_with(Options {
        organization: Some("org-headers"),
        project: Some("proj_config"),
        front: Some(recording(slot.clone(), None)),
        ..Options::default()
    })
    .await;
    let proxy = slot.lock().unwrap().take().unwrap();
    let in_config = batch_in(&h.raw.in_project("proj_config")).await;
    let in_data_source = batch_in(&h.raw.in_project("proj_ds")).await;

    let imported = h.import("openai_batch", &in_config).await;
    assert_no_errors(&imported.diagnostics);
    let data = h
        .data(
            "openai_batch",
            "data.openai_batch.other",
            &data_config(
                "openai_batch",
                &[
                    ("batch_id", Value::string(&in_data_source)),
                    ("project_id", Value::string("proj_ds")),
                ],
            ),
        )
        .await;
    assert_no_errors(&data.diagnostics);
    assert_eq!(str_attr(data.state.as_ref().unwrap(), "id"), Some(in_data_source.as_str()));

    let seen = proxy.requests();
    let for_config: Vec<_> =
        seen.iter().filter(|r| r.path.ends_with(&format!("/batches/{in_config}"))).collect();
    let for_ds: Vec<_> =
        seen.iter().filter(|r| r.path.ends_with(&format!("/batches/{in_data_source}"))).collect();
    assert!(!for_config.is_empty() && !for_ds.is_empty(), "{seen:#?}");
    for r in &seen {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()), "{r:?}");
        assert_eq!(r.header("openai-organization"), Some("org-headers"), "{r:?}");
        let ua = r.header("user-agent").unwrap_or("");
        assert!(ua.starts_with("batchform/") && ua.contains("openai provider"), "{ua}");
    }
    for r in for_config {
        assert_eq!(r.header("openai-project"), Some("proj_config"), "{r:?}");
    }
    for r in for_ds {
        assert_eq!(r.header("openai-project"), Some("proj_ds"), "project_id overrides: {r:?}");
    }
}

#[tokio::test]
async fn retry_after_ms_is_honoured_before_retry_after() {
    let slot = Arc::new(Mutex::new(None));
    // The first read of a batch meets a 429 asking for 1.5 s in retry-after-ms and 30 s in
    // Retry-After; backoff alone would wait 0.375-0.5 s.
    let script: Script = Arc::new(|r, _| {
        (r.method == "GET" && r.path.contains("/batches/batch_") && !r.path.contains("?"))
            .then_some(())
            .and_then(|_| {
                static ONCE: std::sync::Once = std::sync::Once::new();
                let mut first = false;
                ONCE.call_once(|| first = true);
                first.then(|| {
                    (
                        429,
                        vec![("retry-after-ms", "1500".to_string()), ("retry-after", "30".into())],
                        json!({"error": {"message": "Rate limit reached", "type": "requests",
                                         "param": null, "code": "rate_limit_exceeded"}})
                        .to_string(),
                    )
                })
            })
    });
    let h = Harness::emulator_with(Options {
        front: Some(recording(slot.clone(), Some(script))),
        ..Options::default()
    })
    .await;
    let proxy = slot.lock().unwrap().take().unwrap();
    let id = batch_in(&h.raw).await;
    let imported = h.import("openai_batch", &id).await;
    assert_no_errors(&imported.diagnostics);
    let reads: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(&format!("/batches/{id}")))
        .collect();
    assert!(reads.len() >= 2, "{reads:#?}");
    let waited = reads[1].at - reads[0].at;
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_millis(2500),
        "retry-after-ms: 1500 asks for 1.5 s (Retry-After: 30 is ignored), waited {waited:?}"
    );
}
