//! `batchform emulator serve` end to end: prints its base URL, answers the OpenAI API,
//! rejects bad fault rules, starts from a seed file, and stops cleanly on Ctrl-C (SIGINT)
//! keeping its data.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn http_get(addr: &str, path: &str, key: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

#[cfg(unix)]
#[test]
fn serve_prints_the_url_answers_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args([
            "emulator",
            "serve",
            "-listen",
            "127.0.0.1:0",
            "--api-key",
            "sk-cli-test",
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with("/v1"), "{url}");
    let addr = url.trim_start_matches("http://").trim_end_matches("/v1").to_string();

    let ok = http_get(&addr, "/v1/batches", "sk-cli-test");
    assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
    let denied = http_get(&addr, "/v1/batches", "sk-other");
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    assert!(denied.contains("invalid_api_key"));

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("Shutting down"), "{err}");
    assert!(!err.contains("sk-cli-test"), "keys are never printed: {err}");
    assert!(dir.path().join("clock.json").exists(), "the clock is persisted for the next start");
}

#[test]
fn bad_fault_rules_are_reported() {
    let out = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--fault", "418@p=2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid fault rule \"418@p=2\""), "{err}");
    assert!(out.stdout.is_empty());
}

/// One HTTP/1.1 request with `Connection: close`: (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, raw[split + 4..].to_vec()))
}

fn upload(addr: &str, name: &str, content: &[u8]) -> std::io::Result<serde_json::Value> {
    let mut body = Vec::new();
    body.extend_from_slice(
        b"--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n",
    );
    body.extend_from_slice(
        format!("--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--XBOUNDARYX--\r\n");
    let (status, resp) =
        http(addr, "POST", "/v1/files", "multipart/form-data; boundary=XBOUNDARYX", &body)?;
    if status != 200 {
        return Err(std::io::Error::other(format!("upload status {status}")));
    }
    serde_json::from_slice(&resp).map_err(std::io::Error::other)
}

fn spawn_serve(
    dir: &std::path::Path,
    extra: &[&str],
) -> (std::process::Child, String, std::process::ChildStderr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").trim_end_matches("/v1").to_string();
    let stderr = child.stderr.take().unwrap();
    (child, addr, stderr)
}

/// Kill -9 the server in the middle of uploads and batch creates: after a restart every
/// listed object is whole (metadata readable, content complete) and nothing warns.
#[cfg(unix)]
#[test]
fn a_killed_server_leaves_a_consistent_store() {
    killed_server_leaves_a_consistent_store(&[]);
}

/// The same without fsync: writes stay atomic, so a killed process loses nothing either.
#[cfg(unix)]
#[test]
fn a_killed_server_without_fsync_leaves_a_consistent_store() {
    killed_server_leaves_a_consistent_store(&["--no-fsync"]);
}

#[cfg(unix)]
fn killed_server_leaves_a_consistent_store(flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, _stderr) = spawn_serve(dir.path(), flags);
    let line = br#"{"custom_id":"r","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"x"}]}}"#;
    let content: Vec<u8> =
        line.iter().copied().chain(*b"\n").cycle().take(line.len() * 2000).collect();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, content) = (addr.clone(), content.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    let Ok(file) = upload(&addr, &format!("w{w}-{i}.jsonl"), &content) else { return };
                    let body = format!(
                        r#"{{"input_file_id":"{}","endpoint":"/v1/chat/completions","completion_window":"24h"}}"#,
                        file["id"].as_str().unwrap_or("")
                    );
                    if http(&addr, "POST", "/v1/batches", "application/json", body.as_bytes()).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(800));
    child.kill().unwrap(); // SIGKILL: no graceful shutdown
    child.wait().unwrap();
    for w in workers {
        w.join().unwrap();
    }

    let (mut child, addr, stderr) = spawn_serve(dir.path(), flags);
    let (status, body) = http(&addr, "GET", "/v1/files", "application/json", b"").unwrap();
    assert_eq!(status, 200);
    let files: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let files = files["data"].as_array().unwrap();
    assert!(files.len() >= 4, "some uploads finished before the kill: {}", files.len());
    for f in files {
        let id = f["id"].as_str().unwrap();
        let (status, bytes) =
            http(&addr, "GET", &format!("/v1/files/{id}/content"), "application/json", b"")
                .unwrap();
        assert_eq!(status, 200, "{id}");
        assert_eq!(bytes, content, "{id} is whole");
    }
    let (status, body) =
        http(&addr, "GET", "/v1/batches?limit=100", "application/json", b"").unwrap();
    assert_eq!(status, 200);
    let batches: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for b in batches["data"].as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        let (status, _) =
            http(&addr, "GET", &format!("/v1/batches/{id}"), "application/json", b"").unwrap();
        assert_eq!(status, 200, "{id}");
    }
    assert!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().next().is_none(),
        "leftover temporary files are cleaned at start"
    );
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();
    let mut err = String::new();
    BufReader::new(stderr).read_to_string(&mut err).unwrap();
    assert!(!err.contains("Warning"), "{err}");
}

/// `--seed`: the seeded ids answer at once (a back-dated batch is already completed with a
/// downloadable output), and a mistake in the seed stops the start with a precise message.
#[cfg(unix)]
#[test]
fn serve_starts_from_a_seed_file() {
    let dir = tempfile::tempdir().unwrap();
    let line = r#"{"custom_id":"r1","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small","input":"hello"}}"#;
    std::fs::write(dir.path().join("requests.jsonl"), format!("{line}\n")).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let seed = serde_json::json!({
        "files": [{"id": "input_file_id", "path": "requests.jsonl", "purpose": "batch"}],
        "batches": [{"id": "batch_abc123", "input_file_id": "input_file_id",
                     "endpoint": "/v1/embeddings", "completion_window": "24h",
                     "created_at": now - 3600}],
    });
    let seed_path = dir.path().join("seed.json");
    std::fs::write(&seed_path, seed.to_string()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").trim_end_matches("/v1").to_string();
    let (status, body) =
        http(&addr, "GET", "/v1/batches/batch_abc123", "application/json", b"").unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let batch: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(batch["status"], "completed");
    assert_eq!(batch["input_file_id"], "input_file_id");
    assert_eq!(batch["created_at"], now - 3600);
    let output = batch["output_file_id"].as_str().unwrap();
    let (status, content) =
        http(&addr, "GET", &format!("/v1/files/{output}/content"), "application/json", b"")
            .unwrap();
    assert_eq!(status, 200);
    let result: serde_json::Value = serde_json::from_slice(&content).unwrap();
    assert_eq!(result["custom_id"], "r1");
    assert_eq!(result["response"]["body"]["object"], "list");
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(err.contains("Seed file: 2 object(s) created, 0 already present."), "{err}");

    std::fs::write(
        &seed_path,
        r#"{"batches": [{"id": "batch_abc123", "input_file_id": "input_file_id", "endpoint": "/v1/chat", "completion_window": "24h"}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "no URL is printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "Error: seed file {}: batches[0] (id \"batch_abc123\"): Invalid value: '/v1/chat'. Supported values are: '/v1/responses', ",
            seed_path.display()
        )),
        "{err}"
    );
}

/// `--*-secs` flags set the phase durations, so `expired` is reachable from the command line:
/// each request takes longer than the whole (shortened) completion window.
#[cfg(unix)]
#[test]
fn timing_flags_let_a_batch_expire() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--speed", "10"])
        .args(["--validating-secs", "0", "--per-request-secs", "1000", "--min-in-progress-secs"])
        .args(["0", "--finalizing-secs", "0", "--completion-window-secs", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let addr = url.trim().trim_start_matches("http://").trim_end_matches("/v1").to_string();
    let line = |id: &str| {
        format!(
            r#"{{"custom_id":"{id}","method":"POST","url":"/v1/chat/completions","body":{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"hi"}}]}}}}"#
        )
    };
    let file =
        upload(&addr, "in.jsonl", format!("{}\n{}\n", line("a"), line("b")).as_bytes()).unwrap();
    let body = serde_json::json!({"input_file_id": file["id"], "endpoint": "/v1/chat/completions",
                                  "completion_window": "24h"});
    let (status, created) =
        http(&addr, "POST", "/v1/batches", "application/json", body.to_string().as_bytes())
            .unwrap();
    assert_eq!(status, 200);
    let created: serde_json::Value = serde_json::from_slice(&created).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["expires_at"].as_i64().unwrap() - created["created_at"].as_i64().unwrap(),
        20
    );

    // 20 simulated seconds at 10x: about 2 s of real time.
    let started = std::time::Instant::now();
    let batch = loop {
        let (_, b) = http(&addr, "GET", &format!("/v1/batches/{id}"), "text/plain", b"").unwrap();
        let b: serde_json::Value = serde_json::from_slice(&b).unwrap();
        if b["status"] != "in_progress" && b["status"] != "validating" {
            break b;
        }
        assert!(started.elapsed().as_secs() < 30, "never expired: {b}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let err_file = batch["error_file_id"].as_str().unwrap_or("").to_string();
    let content = http(&addr, "GET", &format!("/v1/files/{err_file}/content"), "text/plain", b"");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(batch["status"], "expired", "{batch}");
    assert_eq!(batch["expired_at"], batch["expires_at"]);
    assert_eq!(
        batch["request_counts"],
        serde_json::json!({"total": 2, "completed": 0, "failed": 2})
    );
    assert!(batch["output_file_id"].is_null());
    let (status, lines) = content.unwrap();
    assert_eq!(status, 200);
    let lines = String::from_utf8(lines).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(lines.lines().all(|l| l.contains("batch_expired")), "{lines}");
}

#[test]
fn bad_timing_flags_are_reported() {
    let out = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--per-request-secs", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--per-request-secs must be a number of seconds from 0 to 1e9"), "{err}");
    assert!(out.stdout.is_empty());
}
