//! Embeddings (stable unit vectors) and moderations (stable scores and flags).

use super::{Executed, collect_text, hex, tokens};
use crate::ids;
use crate::model::Usage;
use base64::Engine;
use serde_json::{Map, Value, json};

pub(super) fn default_dimensions(model: &str) -> u64 {
    if model.contains("large") { 3072 } else { 1536 }
}

/// The inputs of an embeddings body as texts (token arrays become their JSON text).
pub(super) fn embedding_inputs(input: &Value) -> Vec<String> {
    match input {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_number) => {
            vec![input.to_string()]
        }
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A unit vector of `dims` floats derived from the model and the text.
fn vector(model: &str, text: &str, dims: u64) -> Vec<f32> {
    let mut out = Vec::with_capacity(dims as usize);
    let mut block = 0u64;
    while (out.len() as u64) < dims {
        let digest = ids::hash(&[model, text, &block.to_string()]);
        for pair in digest.chunks_exact(2) {
            if out.len() as u64 == dims {
                break;
            }
            let x = u16::from_le_bytes([pair[0], pair[1]]) as f32 / 32767.5 - 1.0;
            out.push(x);
        }
        block += 1;
    }
    let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        out.iter_mut().for_each(|x| *x /= norm);
    }
    out
}

pub(super) fn embeddings(body: &Value, model: &str, _seed: &[u8; 32]) -> Executed {
    let input = body.get("input").unwrap_or(&Value::Null);
    let dims =
        body.get("dimensions").and_then(Value::as_u64).unwrap_or_else(|| default_dimensions(model));
    let base64 = body.get("encoding_format").and_then(Value::as_str) == Some("base64");
    let mut prompt_tokens = 0;
    let data: Vec<Value> = embedding_inputs(input)
        .iter()
        .enumerate()
        .map(|(i, text)| {
            prompt_tokens += tokens(text);
            let v = vector(model, text, dims);
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                json!(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    Executed {
        body: json!({
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        }),
        usage: Usage { input_tokens: prompt_tokens, output_tokens: 0 },
    }
}

/// Moderation categories and the words that flag them (so tests can get `flagged: true`).
const CATEGORIES: &[(&str, &[&str])] = &[
    ("harassment", &["idiot", "stupid"]),
    ("harassment/threatening", &["threaten"]),
    ("hate", &["hate"]),
    ("hate/threatening", &[]),
    ("illicit", &["steal"]),
    ("illicit/violent", &["bomb"]),
    ("self-harm", &["self-harm"]),
    ("self-harm/intent", &[]),
    ("self-harm/instructions", &[]),
    ("sexual", &["explicit"]),
    ("sexual/minors", &[]),
    ("violence", &["kill", "attack"]),
    ("violence/graphic", &["gore"]),
];

pub(super) fn moderation(body: &Value, seed: &[u8; 32]) -> Executed {
    let input = body.get("input").unwrap_or(&Value::Null);
    let inputs: Vec<String> = match input {
        Value::Array(items) => items
            .iter()
            .map(|i| {
                let mut t = String::new();
                collect_text(i, &mut t);
                t
            })
            .collect(),
        other => {
            let mut t = String::new();
            collect_text(other, &mut t);
            vec![t]
        }
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("omni-moderation-latest");
    let results: Vec<Value> = inputs
        .iter()
        .map(|text| {
            let lower = text.to_lowercase();
            let digest = ids::hash(&[model, text]);
            let mut categories = Map::new();
            let mut scores = Map::new();
            let mut applied = Map::new();
            let mut flagged = false;
            for (i, (name, words)) in CATEGORIES.iter().enumerate() {
                let hit = words.iter().any(|w| lower.contains(w));
                flagged |= hit;
                let score = if hit {
                    0.9 + f64::from(digest[i]) / 2560.0
                } else {
                    f64::from(digest[i]) / 25600.0
                };
                categories.insert((*name).into(), json!(hit));
                scores.insert((*name).into(), json!(score));
                applied.insert((*name).into(), json!(["text"]));
            }
            json!({
                "flagged": flagged,
                "categories": categories,
                "category_scores": scores,
                "category_applied_input_types": applied,
            })
        })
        .collect();
    Executed {
        body: json!({
            "id": format!("modr-{}", hex(seed, 16)),
            "model": model,
            "results": results,
        }),
        usage: Usage::default(),
    }
}
