//! A recording HTTP/1.1 front for a backend: it notes every request's method, path and
//! headers, then either answers from a script or forwards the request to the backend
//! (`Connection: close`, one request per connection; bodies by `Content-Length` only).

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

#[derive(Debug, Clone)]
pub struct Recorded {
    pub at: std::time::Instant,
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A scripted answer: status, extra headers and a JSON body.
pub type Answer = (u16, Vec<(&'static str, String)>, String);
/// Given a request and how many came before it, a scripted answer or `None` to forward.
pub type Script = Arc<dyn Fn(&Recorded, usize) -> Option<Answer> + Send + Sync>;

pub struct Proxy {
    /// The base URL to give a client, ending in `/v1`.
    pub base_url: String,
    pub seen: Arc<Mutex<Vec<Recorded>>>,
}

impl Proxy {
    /// Front `upstream` (a base URL ending in `/v1`).
    pub async fn start(upstream: &str, script: Option<Script>) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let origin = upstream.trim_end_matches("/v1").to_string();
        let seen: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let seen2 = seen.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (http, origin, seen, script) =
                    (http.clone(), origin.clone(), seen2.clone(), script.clone());
                tokio::spawn(async move {
                    let _ = handle(stream, &http, &origin, &seen, script.as_ref()).await;
                });
            }
        });
        Proxy { base_url: format!("http://{addr}/v1"), seen }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.seen.lock().unwrap().clone()
    }
}

async fn handle(
    stream: tokio::net::TcpStream,
    http: &reqwest::Client,
    origin: &str,
    seen: &Mutex<Vec<Recorded>>,
    script: Option<&Script>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let rec = Recorded { at: std::time::Instant::now(), method, path, headers };
    let mut body = Vec::new();
    if let Some(n) = rec.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        reader.read_exact(&mut body).await?;
    }
    let index = {
        let mut seen = seen.lock().unwrap();
        seen.push(rec.clone());
        seen.len() - 1
    };
    let answer = if rec.header("transfer-encoding").is_some() {
        (501, vec![], r#"{"error":"the test proxy reads Content-Length bodies only"}"#.into())
    } else if let Some(a) = script.and_then(|s| s(&rec, index)) {
        a
    } else {
        let method = reqwest::Method::from_bytes(rec.method.as_bytes()).unwrap();
        let mut req = http.request(method, format!("{origin}{}", rec.path)).body(body);
        for (n, v) in &rec.headers {
            if !matches!(n.as_str(), "host" | "content-length" | "connection") {
                req = req.header(n, v);
            }
        }
        let resp = req.send().await.map_err(std::io::Error::other)?;
        let status = resp.status().as_u16();
        let mut extra = Vec::new();
        for name in ["content-type", "x-request-id", "retry-after", "retry-after-ms"] {
            if let Some(v) = resp.headers().get(name).and_then(|v| v.to_str().ok()) {
                extra.push((name, v.to_string()));
            }
        }
        (status, extra, resp.text().await.map_err(std::io::Error::other)?)
    };
    let (status, extra, text) = answer;
    let mut head =
        format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", text.len());
    if !extra.iter().any(|(n, _)| *n == "content-type") {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (n, v) in extra {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = reader.into_inner();
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(text.as_bytes()).await?;
    stream.shutdown().await
}
