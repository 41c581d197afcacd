//! Shared helpers for the emulator's HTTP tests: start an emulator on a manual clock and
//! talk to it with a plain HTTP client.
#![allow(dead_code)]

use batchform_emulator::{Clock, EmulatorConfig, RunningEmulator, Timing};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const T0: i64 = 1_750_000_000;

/// Timing used by the tests: round numbers that are easy to reason about.
pub fn timing() -> Timing {
    Timing {
        validating_secs: 10.0,
        per_request_secs: 1.0,
        min_in_progress_secs: 0.0,
        finalizing_secs: 5.0,
        cancelling_secs: 30.0,
        completion_window_secs: 86_400,
    }
}

pub async fn start_with(config: EmulatorConfig) -> (RunningEmulator, Api) {
    let em = batchform_emulator::start(config).await.unwrap();
    let api = Api::new(&em.base_url());
    (em, api)
}

pub async fn start() -> (RunningEmulator, Api) {
    start_with(EmulatorConfig {
        clock: Clock::manual(T0),
        timing: timing(),
        ..EmulatorConfig::default()
    })
    .await
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: Option<String>,
    pub project: Option<String>,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api { http: reqwest::Client::new(), base: base.to_string(), key: None, project: None }
    }

    pub fn with_key(&self, key: &str) -> Api {
        Api { key: Some(key.into()), ..self.clone() }
    }

    pub fn with_project(&self, project: &str) -> Api {
        Api { project: Some(project.into()), ..self.clone() }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(k) = &self.key {
            r = r.bearer_auth(k);
        }
        if let Some(p) = &self.project {
            r = r.header("OpenAI-Project", p);
        }
        r
    }

    pub async fn send(&self, r: reqwest::RequestBuilder) -> Resp {
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(self.req(reqwest::Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(self.req(reqwest::Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(self.req(reqwest::Method::POST, path).json(&body)).await
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> Resp {
        self.send(
            self.req(reqwest::Method::POST, path)
                .header("content-type", "application/json")
                .body(body),
        )
        .await
    }

    pub async fn upload(&self, filename: &str, bytes: Vec<u8>, purpose: &str) -> Resp {
        self.upload_form(filename, bytes, &[("purpose", purpose)]).await
    }

    pub async fn upload_form(
        &self,
        filename: &str,
        bytes: Vec<u8>,
        fields: &[(&str, &str)],
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        form = form
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()));
        self.send(self.req(reqwest::Method::POST, "/files").multipart(form)).await
    }

    /// Upload `lines` as a batch input file; its id.
    pub async fn input_file(&self, lines: &[Value]) -> String {
        let text: Vec<String> = lines.iter().map(Value::to_string).collect();
        let r = self.upload("input.jsonl", text.join("\n").into_bytes(), "batch").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    }

    pub async fn create_batch(&self, file_id: &str, endpoint: &str) -> Value {
        let r = self
            .post(
                "/batches",
                json!({"input_file_id": file_id, "endpoint": endpoint, "completion_window": "24h"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    pub async fn batch(&self, id: &str) -> Value {
        let r = self.get(&format!("/batches/{id}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    /// The lines of a file's content, parsed.
    pub async fn lines(&self, file_id: &str) -> Vec<Value> {
        let r = self.get(&format!("/files/{file_id}/content")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

pub fn chat_line(custom_id: &str, content: &str) -> Value {
    json!({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
           "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}})
}

/// Assert the standard error envelope and return its `error` object.
pub fn error_of(r: &Resp, status: u16) -> Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    let e = r.body["error"].clone();
    let keys: Vec<&String> = e.as_object().expect("error envelope").keys().collect();
    assert_eq!(keys.len(), 4, "message, type, param, code: {e}");
    for k in ["message", "type", "param", "code"] {
        assert!(e.get(k).is_some(), "missing {k} in {e}");
    }
    e
}
