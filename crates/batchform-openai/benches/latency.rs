//! Refresh and apply are bound by API latency: with latency L, N objects and parallelism P
//! the wall time should stay within 10% of N*L/P. This runs the provider against the
//! emulator with L added to every request (`latency:L` fault) and P calls at a time, as the
//! engine's walk does, and prints the measured times next to N*L/P.
//!
//! `cargo bench -p batchform-openai --bench latency [-- N L_MS P]` (defaults 500 50 10).

use batchform_core::Provider;
use batchform_core::Value;
use batchform_core::provider::*;
use batchform_emulator::{Clock, EmulatorConfig, FaultConfig};
use futures_util::StreamExt;
use std::time::{Duration, Instant};

fn config(schema: &batchform_core::schema::Block, pairs: &[(&str, Value)]) -> Value {
    Value::Object(
        schema
            .attributes
            .iter()
            .map(|(name, a)| {
                let v = pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map_or(Value::Null(a.ty.clone()), |(_, v)| v.clone());
                (name.clone(), v)
            })
            .collect(),
    )
}

fn unknown_computed(schema: &batchform_core::schema::Block, config: &Value) -> Value {
    let mut v = config.clone();
    if let Value::Object(map) = &mut v {
        for (name, a) in &schema.attributes {
            if a.computed && map.get(name).is_none_or(Value::is_null) {
                map.insert(name.clone(), Value::unknown(a.ty.clone()));
            }
        }
    }
    v
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n = *args.first().unwrap_or(&500) as usize;
    let latency_ms = *args.get(1).unwrap_or(&50);
    let p = *args.get(2).unwrap_or(&10) as usize;
    let ideal = Duration::from_millis(n as u64 * latency_ms / p as u64);
    let (apply, refresh) = run(n, latency_ms, p).await;
    // The emulator's own work (a create writes its record durably) without added latency.
    let (apply0, refresh0) = run(n, 0, p).await;
    println!("N = {n}, L = {latency_ms} ms, P = {p}: N*L/P = {:.2} s", ideal.as_secs_f64());
    let ratio = |d: Duration| d.as_secs_f64() / ideal.as_secs_f64();
    println!(
        "apply (create {n} batches): {:.2} s = {:.3} x N*L/P   (the same with L = 0: {:.2} s)",
        apply.as_secs_f64(),
        ratio(apply),
        apply0.as_secs_f64()
    );
    println!(
        "refresh ({n} reads):        {:.2} s = {:.3} x N*L/P   (the same with L = 0: {:.2} s)",
        refresh.as_secs_f64(),
        ratio(refresh),
        refresh0.as_secs_f64()
    );
}

/// Create `n` batches, then refresh them, `p` calls at a time, with `latency_ms` added to
/// every request: the two wall times.
async fn run(n: usize, latency_ms: u64, p: usize) -> (Duration, Duration) {
    let rules: Vec<batchform_emulator::FaultRule> = if latency_ms > 0 {
        vec![format!("latency:{latency_ms}").parse().unwrap()]
    } else {
        Vec::new()
    };
    let em = batchform_emulator::start(EmulatorConfig {
        clock: Clock::manual(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
                as i64,
        ),
        faults: FaultConfig { rules, ..FaultConfig::default() },
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let schema = batchform_openai::provider_schema();
    let provider = batchform_openai::OpenAiProvider::with_env(|_| None);
    let diags = provider
        .configure(ConfigureRequest {
            config: config(
                &schema.provider.block,
                &[
                    ("api_key", Value::string("sk-bench")),
                    ("base_url", Value::string(em.base_url())),
                ],
            ),
            working_dir: ".".into(),
        })
        .await;
    assert!(!diags.has_errors(), "{diags:?}");

    let line = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[]}}\n";
    let content = config(
        &schema.resources["openai_file"].block,
        &[("content", Value::string(line)), ("purpose", Value::string("batch"))],
    );
    let file = provider
        .apply_resource_change(ApplyResourceChangeRequest {
            type_name: "openai_file".into(),
            address: "openai_file.f".into(),
            prior_state: None,
            planned_state: Some(unknown_computed(&schema.resources["openai_file"].block, &content)),
            config: content,
            planned_private: Vec::new(),
            create_token: None,
        })
        .await
        .new_state
        .unwrap();
    let file_id = file.get_attr("id").and_then(Value::as_str).unwrap().to_string();
    let batch_block = &schema.resources["openai_batch"].block;

    let started = Instant::now();
    let states: Vec<Value> = futures_util::stream::iter(0..n)
        .map(|i| {
            let cfg = config(
                batch_block,
                &[
                    ("input_file_id", Value::string(&file_id)),
                    ("endpoint", Value::string("/v1/chat/completions")),
                    ("completion_window", Value::string("24h")),
                ],
            );
            let provider = &provider;
            async move {
                let r = provider
                    .apply_resource_change(ApplyResourceChangeRequest {
                        type_name: "openai_batch".into(),
                        address: format!("openai_batch.b[{i}]"),
                        prior_state: None,
                        planned_state: Some(unknown_computed(batch_block, &cfg)),
                        config: cfg,
                        planned_private: Vec::new(),
                        create_token: None,
                    })
                    .await;
                assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
                r.new_state.unwrap()
            }
        })
        .buffer_unordered(p)
        .collect()
        .await;
    let apply = started.elapsed();

    let started = Instant::now();
    let refreshed = futures_util::stream::iter(states.iter().enumerate())
        .map(|(i, state)| {
            let provider = &provider;
            async move {
                let r = provider
                    .read_resource(ReadResourceRequest {
                        type_name: "openai_batch".into(),
                        address: format!("openai_batch.b[{i}]"),
                        prior_state: state.clone(),
                        private: Vec::new(),
                    })
                    .await;
                assert!(r.new_state.is_some() && !r.diagnostics.has_errors());
            }
        })
        .buffer_unordered(p)
        .count()
        .await;
    let refresh = started.elapsed();
    assert_eq!(refreshed, n);

    em.shutdown().await.unwrap();
    (apply, refresh)
}
