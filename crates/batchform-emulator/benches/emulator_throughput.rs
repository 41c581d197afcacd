//! The emulator's speed benchmark (issue 3, "Speed"): 1,000 files and 1,000 batches created,
//! then 10,000 `GET /v1/batches/{id}` from 10 concurrent clients; requests per second, p50/p99
//! latency, and resident memory. A second phase streams a 100 MB file up and down to show
//! that memory does not grow with stored bytes.
//!
//! Run: `cargo bench -p batchform-emulator --bench emulator_throughput`. The server runs on its
//! own thread and runtime (2 workers), the clients on another runtime, on the same machine.

use batchform_emulator::{Clock, EmulatorConfig, start_in_background};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

const OBJECTS: usize = 1_000;
const GETS: usize = 10_000;
const CLIENTS: usize = 10;
const BIG_FILE_MB: usize = 100;

fn main() {
    // A manual clock keeps the batches in `validating` during the first GET round; the second
    // round runs after a simulated day, so its first touch of each batch writes its results.
    let clock = Clock::manual(1_750_000_000);
    let config = EmulatorConfig { clock: clock.clone(), ..EmulatorConfig::default() };
    let emulator = match start_in_background(config) {
        Ok(em) => em,
        Err(e) => {
            eprintln!("cannot start the emulator: {e}");
            std::process::exit(1);
        }
    };
    let base = emulator.base_url().to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let rss_start = rss_kib();
    rt.block_on(run(base, clock, rss_start));
    drop(emulator);
}

async fn run(base: String, clock: Clock, rss_start: u64) {
    let http = reqwest::Client::new();
    let line = r#"{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}}"#;

    // Phase 1: create 1,000 files and 1,000 batches, 10 at a time.
    let started = Instant::now();
    let ids = Arc::new(tokio::sync::Mutex::new(Vec::with_capacity(OBJECTS)));
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let (http, base, ids) = (http.clone(), base.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            for i in (worker..OBJECTS).step_by(CLIENTS) {
                let form = reqwest::multipart::Form::new().text("purpose", "batch").part(
                    "file",
                    reqwest::multipart::Part::bytes(line.as_bytes().to_vec())
                        .file_name(format!("in{i}.jsonl")),
                );
                let file: serde_json::Value = http
                    .post(format!("{base}/files"))
                    .multipart(form)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .expect("upload")
                    .json()
                    .await
                    .expect("file json");
                let batch: serde_json::Value = http
                    .post(format!("{base}/batches"))
                    .json(&serde_json::json!({
                        "input_file_id": file["id"], "endpoint": "/v1/chat/completions",
                        "completion_window": "24h"}))
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .expect("create batch")
                    .json()
                    .await
                    .expect("batch json");
                let id = batch["id"].as_str().expect("batch id").to_string();
                ids.lock().await.push(id);
            }
        }));
    }
    for t in tasks {
        t.await.expect("create worker");
    }
    let create_secs = started.elapsed().as_secs_f64();
    let ids: Arc<Vec<String>> = Arc::new(std::mem::take(&mut *ids.lock().await));
    let rss_created = rss_kib();

    // Phase 2: 10,000 GET /v1/batches/{id} from 10 concurrent clients.
    let (get_secs, latencies) = get_round(&base, &ids).await;
    let pct = |l: &[Duration], p: f64| l[((l.len() as f64 * p) as usize).min(l.len() - 1)];
    // Phase 2b: the same after every batch has completed (the first read writes results).
    clock.advance(86_400.0);
    let (done_secs, done_latencies) = get_round(&base, &ids).await;
    let (steady_secs, steady_latencies) = get_round(&base, &ids).await;
    let rss_gets = rss_kib();

    // Phase 3: stream a 100 MB file up and back down; memory must not follow its size.
    let chunk = {
        let mut s = String::new();
        while s.len() < 64 * 1024 {
            s.push_str(line);
            s.push('\n');
        }
        axum::body::Bytes::from(s)
    };
    let chunks = BIG_FILE_MB * 1024 * 1024 / chunk.len();
    let body = futures_util::stream::iter(
        (0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
    );
    let part =
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body)).file_name("big.jsonl");
    let form = reqwest::multipart::Form::new().text("purpose", "batch").part("file", part);
    let big: serde_json::Value = http
        .post(format!("{base}/files"))
        .multipart(form)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .expect("big upload")
        .json()
        .await
        .expect("big json");
    let rss_uploaded = rss_kib();
    let mut stream = http
        .get(format!("{base}/files/{}/content", big["id"].as_str().unwrap_or("")))
        .send()
        .await
        .expect("download")
        .bytes_stream();
    let mut downloaded = 0usize;
    while let Some(piece) = stream.next().await {
        downloaded += piece.expect("download chunk").len();
    }
    let rss_downloaded = rss_kib();

    println!("emulator throughput benchmark");
    println!(
        "  create {OBJECTS} files + {OBJECTS} batches ({CLIENTS} clients): {create_secs:.2} s ({:.0} creates/s)",
        (2 * OBJECTS) as f64 / create_secs
    );
    for (label, secs, l) in [
        ("validating", get_secs, &latencies),
        ("completed, results written on first read", done_secs, &done_latencies),
        ("completed, steady state", steady_secs, &steady_latencies),
    ] {
        println!(
            "  {GETS} GET /v1/batches/{{id}} ({CLIENTS} clients, {label}): {secs:.2} s = {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            GETS as f64 / secs,
            ms(pct(l, 0.50)),
            ms(pct(l, 0.99)),
            ms(*l.last().unwrap_or(&Duration::ZERO)),
        );
    }
    println!(
        "  RSS (server + clients, one process): start {} MiB, after creates {} MiB, after GETs {} MiB",
        rss_start / 1024,
        rss_created / 1024,
        rss_gets / 1024
    );
    println!(
        "  {BIG_FILE_MB} MB file ({} bytes stored, {downloaded} downloaded): RSS after upload {} MiB, after download {} MiB",
        big["bytes"],
        rss_uploaded / 1024,
        rss_downloaded / 1024
    );
}

/// 10,000 GETs of the batches from 10 keep-alive clients: elapsed seconds and sorted latencies.
async fn get_round(base: &str, ids: &Arc<Vec<String>>) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let (base, ids) = (base.to_string(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new(); // one keep-alive connection per client
            let mut latencies = Vec::with_capacity(GETS / CLIENTS);
            for i in (worker..GETS).step_by(CLIENTS) {
                let id = &ids[i % ids.len()];
                let t = Instant::now();
                let resp =
                    http.get(format!("{base}/batches/{id}")).send().await.expect("get batch");
                assert_eq!(resp.status(), 200);
                let _ = resp.bytes().await.expect("body");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(GETS);
    for t in tasks {
        latencies.extend(t.await.expect("get worker"));
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort();
    (secs, latencies)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Resident set size of this process in KiB (Linux), 0 elsewhere.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}
