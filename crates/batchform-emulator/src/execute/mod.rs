//! Running one request line: a deterministic answer per endpoint, in the shape the real
//! endpoint returns, or the 400 the endpoint would give for a body it rejects.
//!
//! Everything derives from a SHA-256 of the batch id, the `custom_id` and the body, so the
//! same input gives the same output on every run.

use crate::error::ApiError;
use crate::ids;
use crate::model::Usage;
use serde_json::{Map, Value, json};

mod vectors;

use vectors::{default_dimensions, embedding_inputs, embeddings, moderation};

/// What a request line produced.
pub struct Executed {
    pub body: Value,
    pub usage: Usage,
}

/// Context shared by every line of one batch.
pub struct LineContext<'a> {
    pub batch_id: &'a str,
    pub custom_id: &'a str,
    /// When the request finished (Unix seconds), the `created` field of bodies.
    pub created: i64,
}

/// Whether the endpoint accepts `body` (used while validating, to know which lines fail).
pub fn check(endpoint: &str, body: &Value) -> Result<(), ApiError> {
    let obj = body.as_object().ok_or_else(|| ApiError::invalid_type("body", "an object", body))?;
    match endpoint {
        "/v1/chat/completions" => {
            require_model(obj)?;
            let messages = obj.get("messages").ok_or_else(|| ApiError::missing("messages"))?;
            let list = messages
                .as_array()
                .ok_or_else(|| ApiError::invalid_type("messages", "an array", messages))?;
            if list.is_empty() {
                return Err(ApiError::bad_request(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                )
                .param("messages")
                .code("empty_array"));
            }
            for (i, m) in list.iter().enumerate() {
                let role = m.get("role").and_then(Value::as_str);
                if role.is_none() {
                    return Err(ApiError::missing(&format!("messages[{i}].role")));
                }
            }
            Ok(())
        }
        "/v1/completions" => {
            require_model(obj)?;
            obj.get("prompt").map(|_| ()).ok_or_else(|| ApiError::missing("prompt"))
        }
        "/v1/responses" => {
            require_model(obj)?;
            obj.get("input").map(|_| ()).ok_or_else(|| ApiError::missing("input"))
        }
        "/v1/embeddings" => {
            let model = require_model(obj)?;
            let input = obj.get("input").ok_or_else(|| ApiError::missing("input"))?;
            let texts = embedding_inputs(input);
            if texts.is_empty() || texts.iter().any(|t| t.is_empty()) {
                return Err(ApiError::bad_request(
                    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                ));
            }
            if let Some(d) = obj.get("dimensions") {
                let dims = d.as_u64().filter(|&d| d >= 1).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "Invalid value for 'dimensions' = {d}. Must be greater than 0."
                    ))
                    .param("dimensions")
                })?;
                if model == "text-embedding-ada-002" {
                    return Err(ApiError::bad_request(
                        "This model does not support specifying dimensions.",
                    ));
                }
                if dims > default_dimensions(model) {
                    return Err(ApiError::bad_request(format!(
                        "This model's maximum embedding dimension is {}, but the requested dimension is {dims}.",
                        default_dimensions(model)
                    ))
                    .param("dimensions"));
                }
            }
            Ok(())
        }
        "/v1/moderations" => obj.get("input").map(|_| ()).ok_or_else(|| ApiError::missing("input")),
        other => {
            Err(ApiError::bad_request(format!("The emulator does not execute {other} requests.")))
        }
    }
}

/// Run one request line.
pub fn execute(endpoint: &str, body: &Value, cx: &LineContext<'_>) -> Result<Executed, ApiError> {
    check(endpoint, body)?;
    let body_text = body.to_string();
    let seed = ids::hash(&[cx.batch_id, cx.custom_id, &body_text]);
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    match endpoint {
        "/v1/chat/completions" => Ok(chat(body, model, &seed, cx)),
        "/v1/completions" => Ok(completion(body, model, &seed, cx)),
        "/v1/responses" => Ok(response(body, model, &seed, cx)),
        "/v1/embeddings" => Ok(embeddings(body, model, &seed)),
        _ => Ok(moderation(body, &seed)),
    }
}

/// How many embedding inputs a body carries (for the 50,000-input batch limit).
pub fn embedding_input_count(body: &Value) -> u64 {
    match body.get("input") {
        Some(Value::Array(items)) if items.iter().all(Value::is_number) => 1,
        Some(Value::Array(items)) => items.len() as u64,
        Some(_) => 1,
        None => 0,
    }
}

fn require_model(obj: &Map<String, Value>) -> Result<&str, ApiError> {
    match obj.get("model") {
        None | Some(Value::Null) => {
            Err(ApiError::bad_request("you must provide a model parameter"))
        }
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(other) => Err(ApiError::invalid_type("model", "a string", other)),
    }
}

fn hex(seed: &[u8; 32], n: usize) -> String {
    seed.iter().take(n).map(|b| format!("{b:02x}")).collect()
}

/// A rough token count (about four characters per token, at least one per word).
fn tokens(text: &str) -> u64 {
    let words = text.split_whitespace().count() as u64;
    (text.chars().count() as u64).div_ceil(4).max(words)
}

/// All text in a JSON value (message contents, prompts, inputs), in order.
fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        }
        Value::Array(items) => items.iter().for_each(|i| collect_text(i, out)),
        Value::Object(map) => {
            for (k, val) in map {
                if matches!(k.as_str(), "content" | "text" | "input" | "prompt") {
                    collect_text(val, out);
                }
            }
        }
        _ => {}
    }
}

/// The stable reply text: a digest of the request plus the start of the last input.
fn reply_text(prompt: &str, seed: &[u8; 32], max_tokens: Option<u64>) -> (String, bool) {
    let snippet: String = prompt.chars().take(80).collect();
    let full = format!("Emulated reply {}: {}", hex(seed, 4), snippet.trim());
    match max_tokens {
        Some(limit) if tokens(&full) > limit => {
            let cut: String = full.chars().take((limit * 4) as usize).collect();
            (cut, true)
        }
        _ => (full, false),
    }
}

fn max_tokens(body: &Value, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| body.get(*k).and_then(Value::as_u64))
}

fn chat(body: &Value, model: &str, seed: &[u8; 32], cx: &LineContext<'_>) -> Executed {
    let messages = body.get("messages").and_then(Value::as_array);
    let mut prompt_all = String::new();
    let mut last = String::new();
    for m in messages.into_iter().flatten() {
        let mut t = String::new();
        collect_text(m.get("content").unwrap_or(&Value::Null), &mut t);
        prompt_all.push_str(&t);
        prompt_all.push(' ');
        if m.get("role").and_then(Value::as_str) == Some("user") {
            last = t;
        }
    }
    let n = body.get("n").and_then(Value::as_u64).unwrap_or(1).clamp(1, 128);
    let limit = max_tokens(body, &["max_completion_tokens", "max_tokens"]);
    let prompt_tokens = tokens(&prompt_all) + 3 * messages.map_or(0, |m| m.len() as u64);
    let mut completion_tokens = 0;
    let choices: Vec<Value> = (0..n)
        .map(|i| {
            let choice_seed = ids::hash(&[&hex(seed, 32), &i.to_string()]);
            let (text, cut) = reply_text(&last, &choice_seed, limit);
            completion_tokens += tokens(&text);
            json!({
                "index": i,
                "message": {"role": "assistant", "content": text, "refusal": null, "annotations": []},
                "logprobs": null,
                "finish_reason": if cut { "length" } else { "stop" },
            })
        })
        .collect();
    Executed {
        body: json!({
            "id": format!("chatcmpl-{}", &hex(seed, 15)[..29]),
            "object": "chat.completion",
            "created": cx.created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0, "audio_tokens": 0,
                    "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
                }
            },
            "service_tier": "default",
            "system_fingerprint": format!("fp_{}", hex(seed, 5)),
        }),
        usage: Usage { input_tokens: prompt_tokens, output_tokens: completion_tokens },
    }
}

fn completion(body: &Value, model: &str, seed: &[u8; 32], cx: &LineContext<'_>) -> Executed {
    let mut prompt = String::new();
    collect_text(body.get("prompt").unwrap_or(&Value::Null), &mut prompt);
    let (text, cut) = reply_text(&prompt, seed, max_tokens(body, &["max_tokens"]));
    let (pt, ct) = (tokens(&prompt), tokens(&text));
    Executed {
        body: json!({
            "id": format!("cmpl-{}", &hex(seed, 15)[..29]),
            "object": "text_completion",
            "created": cx.created,
            "model": model,
            "choices": [{"text": text, "index": 0, "logprobs": null,
                         "finish_reason": if cut { "length" } else { "stop" }}],
            "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
        }),
        usage: Usage { input_tokens: pt, output_tokens: ct },
    }
}

fn response(body: &Value, model: &str, seed: &[u8; 32], cx: &LineContext<'_>) -> Executed {
    let mut prompt = String::new();
    collect_text(body.get("input").unwrap_or(&Value::Null), &mut prompt);
    let (text, cut) = reply_text(&prompt, seed, max_tokens(body, &["max_output_tokens"]));
    let (it, ot) = (tokens(&prompt), tokens(&text));
    let field = |k: &str, default: Value| body.get(k).cloned().unwrap_or(default);
    Executed {
        body: json!({
            "id": format!("resp_{}", hex(seed, 24)),
            "object": "response",
            "created_at": cx.created,
            "status": if cut { "incomplete" } else { "completed" },
            "error": null,
            "incomplete_details": if cut { json!({"reason": "max_output_tokens"}) } else { Value::Null },
            "instructions": field("instructions", Value::Null),
            "max_output_tokens": field("max_output_tokens", Value::Null),
            "model": model,
            "output": [{
                "type": "message",
                "id": format!("msg_{}", hex(&ids::hash(&[&hex(seed, 32), "msg"]), 24)),
                "status": if cut { "incomplete" } else { "completed" },
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
            }],
            "parallel_tool_calls": field("parallel_tool_calls", json!(true)),
            "previous_response_id": field("previous_response_id", Value::Null),
            "reasoning": {"effort": null, "summary": null},
            "store": field("store", json!(true)),
            "temperature": field("temperature", json!(1.0)),
            "text": {"format": {"type": "text"}},
            "tool_choice": field("tool_choice", json!("auto")),
            "tools": field("tools", json!([])),
            "top_p": field("top_p", json!(1.0)),
            "truncation": "disabled",
            "usage": {
                "input_tokens": it,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": ot,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": it + ot,
            },
            "user": field("user", Value::Null),
            "metadata": field("metadata", json!({})),
        }),
        usage: Usage { input_tokens: it, output_tokens: ot },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn cx() -> LineContext<'static> {
        LineContext { batch_id: "batch_1", custom_id: "r1", created: 1_700_000_000 }
    }

    #[test]
    fn chat_is_stable_and_shaped_like_the_real_endpoint() {
        let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]});
        let a = execute("/v1/chat/completions", &body, &cx()).unwrap();
        let b = execute("/v1/chat/completions", &body, &cx()).unwrap();
        assert_eq!(a.body, b.body);
        let text = a.body["choices"][0]["message"]["content"].as_str().unwrap();
        assert!(text.contains("hello there"), "{text}");
        assert_eq!(a.body["object"], "chat.completion");
        assert_eq!(a.body["id"].as_str().unwrap().len(), "chatcmpl-".len() + 29);
        let u = &a.body["usage"];
        assert_eq!(
            u["total_tokens"].as_u64().unwrap(),
            u["prompt_tokens"].as_u64().unwrap() + u["completion_tokens"].as_u64().unwrap()
        );
    }

    #[test]
    fn embeddings_have_the_requested_dimension_and_unit_length() {
        let body = json!({"model": "text-embedding-3-small", "input": ["a", "b"], "dimensions": 8});
        let out = execute("/v1/embeddings", &body, &cx()).unwrap();
        let data = out.body["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        let v: Vec<f64> =
            data[0]["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
        assert_eq!(v.len(), 8);
        let norm: f64 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3);
        assert_ne!(data[0]["embedding"], data[1]["embedding"]);
        let default = json!({"model": "text-embedding-3-large", "input": "x"});
        let out = execute("/v1/embeddings", &default, &cx()).unwrap();
        assert_eq!(out.body["data"][0]["embedding"].as_array().unwrap().len(), 3072);
        let b64 = json!({"model": "text-embedding-3-small", "input": "x", "dimensions": 4, "encoding_format": "base64"});
        let out = execute("/v1/embeddings", &b64, &cx()).unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(out.body["data"][0]["embedding"].as_str().unwrap())
            .unwrap();
        assert_eq!(raw.len(), 16);
    }

    #[test]
    fn rejected_bodies_give_the_endpoint_error() {
        let err = check("/v1/chat/completions", &json!({"messages": []})).unwrap_err();
        assert_eq!(err.message, "you must provide a model parameter");
        let err = check("/v1/chat/completions", &json!({"model": "m"})).unwrap_err();
        assert_eq!(err.code, Some("missing_required_parameter"));
        let err = check(
            "/v1/embeddings",
            &json!({"model": "text-embedding-ada-002", "input": "x", "dimensions": 3}),
        )
        .unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
    }

    #[test]
    fn moderation_flags_are_stable() {
        let out =
            execute("/v1/moderations", &json!({"input": ["I will attack", "nice day"]}), &cx())
                .unwrap();
        assert_eq!(out.body["results"][0]["flagged"], true);
        assert_eq!(out.body["results"][0]["categories"]["violence"], true);
        assert_eq!(out.body["results"][1]["flagged"], false);
        assert_eq!(embedding_input_count(&json!({"input": [1, 2, 3]})), 1);
        assert_eq!(embedding_input_count(&json!({"input": ["a", "b"]})), 2);
    }
}
