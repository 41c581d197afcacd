//! The API without the provider: setting up objects behind its back and counting what
//! exists.

use super::KEY;
use serde_json::Value as Json;
use std::path::Path;

#[derive(Clone)]
pub struct Raw {
    http: reqwest::Client,
    base: String,
    project: Option<String>,
}

impl Raw {
    pub fn new(base: &str) -> Raw {
        Raw { http: reqwest::Client::new(), base: base.to_string(), project: None }
    }

    /// The same API as seen by requests with `OpenAI-Project: project`.
    pub fn in_project(&self, project: &str) -> Raw {
        Raw { project: Some(project.to_string()), ..self.clone() }
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(KEY);
        match &self.project {
            Some(p) => r.header("OpenAI-Project", p),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Json) {
        let r = self.req(reqwest::Method::GET, path).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Json::Null))
    }

    pub async fn delete(&self, path: &str) -> u16 {
        self.req(reqwest::Method::DELETE, path).send().await.unwrap().status().as_u16()
    }

    pub async fn upload(&self, name: &str, purpose: &str, content: &str) -> Json {
        let form = reqwest::multipart::Form::new().text("purpose", purpose.to_string()).part(
            "file",
            reqwest::multipart::Part::bytes(content.as_bytes().to_vec())
                .file_name(name.to_string()),
        );
        let r = self.req(reqwest::Method::POST, "/files").multipart(form).send().await.unwrap();
        assert!(r.status().is_success(), "upload failed: {}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    pub async fn create_batch(&self, body: Json) -> Json {
        let r = self.req(reqwest::Method::POST, "/batches").json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "create failed: {}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    /// Every batch (all pages).
    pub async fn all_batches(&self) -> Vec<Json> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/batches?limit=100&after={a}"),
                None => "/batches?limit=100".to_string(),
            };
            let (status, page) = self.get(&path).await;
            assert_eq!(status, 200, "{page}");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            after = data.last().and_then(|b| b["id"].as_str()).map(str::to_string);
            all.extend(data);
            if page["has_more"] != Json::Bool(true) {
                return all;
            }
        }
    }

    pub async fn all_files(&self) -> Vec<Json> {
        let (status, page) = self.get("/files?limit=10000").await;
        assert_eq!(status, 200, "{page}");
        page["data"].as_array().cloned().unwrap_or_default()
    }
}

pub fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap().display().to_string()
}
