//! The 200 MB limit of `batch` uploads, at its boundary, with content streamed from a
//! generator (the test never holds a file in memory).

mod common;

use common::*;
use std::io::{Read, Write};

const MIB: u64 = 1024 * 1024;

/// Upload `size` bytes of `x` as `name` with `purpose` over a raw HTTP/1.1 connection,
/// writing the content in 1 MiB pieces; the answer's status and body.
fn upload_generated(addr: &str, name: &str, purpose: &str, size: u64) -> (u16, serde_json::Value) {
    let head = format!(
        "--B0UNDARY\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n--B0UNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = "\r\n--B0UNDARY--\r\n";
    let length = head.len() as u64 + size + tail.len() as u64;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /v1/files HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=B0UNDARY\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{head}"
    )
    .unwrap();
    let piece = vec![b'x'; MIB as usize];
    let mut left = size;
    // A server that refuses early may stop reading: then writing fails and its answer is
    // already waiting.
    while left > 0 {
        let n = left.min(MIB) as usize;
        if s.write_all(&piece[..n]).is_err() {
            break;
        }
        left -= n as u64;
    }
    let _ = s.write_all(tail.as_bytes());
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    assert!(raw.len() > 12, "no answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&raw[9..12]).parse().unwrap();
    (status, serde_json::from_slice(&raw[split + 4..]).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_uploads_of_exactly_200_mib_are_accepted_and_one_byte_more_refused() {
    let (em, api) = start().await;
    let addr = em.addr().to_string();
    let (a2, a3) = (addr.clone(), addr.clone());
    let exact = tokio::task::spawn_blocking(move || {
        upload_generated(&a2, "exact.jsonl", "batch", 200 * MIB)
    })
    .await
    .unwrap();
    assert_eq!(exact.0, 200, "{}", exact.1);
    assert_eq!(exact.1["bytes"], 200 * MIB);
    assert_eq!(exact.1["purpose"], "batch");

    let over = tokio::task::spawn_blocking(move || {
        upload_generated(&a3, "over.jsonl", "batch", 200 * MIB + 1)
    })
    .await
    .unwrap();
    assert_eq!(over.0, 400, "{}", over.1);
    assert_eq!(over.1["error"]["message"], "File is too large.");
    assert_eq!(over.1["error"]["type"], "invalid_request_error");

    // Only the accepted one is stored.
    let files = api.get("/files").await.body["data"].clone();
    assert_eq!(files.as_array().unwrap().len(), 1, "{files}");
    assert_eq!(files[0]["id"], exact.1["id"]);
    em.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_upload_over_512_mib_is_refused() {
    let (em, api) = start().await;
    let addr = em.addr().to_string();
    let (a2, a3) = (addr.clone(), addr.clone());
    let exact = tokio::task::spawn_blocking(move || {
        upload_generated(&a2, "exact.txt", "user_data", 512 * MIB)
    })
    .await
    .unwrap();
    assert_eq!(exact.0, 200, "{}", exact.1);
    assert_eq!(exact.1["bytes"], 512 * MIB);
    let over = tokio::task::spawn_blocking(move || {
        upload_generated(&a3, "over.txt", "user_data", 512 * MIB + 1)
    })
    .await
    .unwrap();
    assert_eq!(over.0, 400, "{}", over.1);
    assert_eq!(over.1["error"]["message"], "File is too large.");
    assert_eq!(api.get("/files").await.body["data"].as_array().unwrap().len(), 1);
    em.shutdown().await.unwrap();
}
