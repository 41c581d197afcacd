//! `batchform emulator serve` end to end: prints its base URL, answers the OpenAI API,
//! rejects bad fault rules, and stops cleanly on Ctrl-C (SIGINT) keeping its data.

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
