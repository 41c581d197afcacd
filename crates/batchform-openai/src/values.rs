//! API objects as `batchform_core` values of the schemas' exact types (nulls typed, every
//! attribute present), and small helpers for reading configuration values.

use crate::client::CREATE_TOKEN_KEY;
use crate::schema;
use crate::wire::{Batch, BatchErrors, FileObject, RequestCounts, Usage};
use batchform_core::{Type, Value};
use std::collections::BTreeMap;

/// A configuration attribute: not known yet, null, or a known value.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Unknown,
    Null,
    Known(&'a Value),
}

impl<'a> Arg<'a> {
    pub fn of(object: &'a Value, name: &str) -> Arg<'a> {
        match object.get_attr(name) {
            None => Arg::Null,
            Some(v) if !v.is_wholly_known() => Arg::Unknown,
            Some(v) if v.is_null() => Arg::Null,
            Some(v) => Arg::Known(v),
        }
    }

    pub fn str(self) -> Option<&'a str> {
        match self {
            Arg::Known(v) => v.as_str(),
            _ => None,
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self, Arg::Null)
    }
}

pub fn opt_str(v: Option<&str>) -> Value {
    v.map_or(Value::Null(Type::String), Value::string)
}

pub fn opt_num(v: Option<i64>) -> Value {
    v.map_or(Value::Null(Type::Number), Value::number)
}

/// An object value from name/value pairs.
pub fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> BTreeMap<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// `metadata` without the create token; null when the API sent none.
pub fn metadata_value(metadata: Option<&BTreeMap<String, String>>) -> Value {
    match metadata {
        None => Value::Null(Type::map(Type::String)),
        Some(m) => Value::map(
            Type::String,
            m.iter()
                .filter(|(k, _)| k.as_str() != CREATE_TOKEN_KEY)
                .map(|(k, v)| (k.clone(), Value::string(v)))
                .collect(),
        ),
    }
}

pub fn request_counts_value(counts: Option<RequestCounts>) -> Value {
    match counts {
        None => Value::Null(schema::request_counts_type()),
        Some(c) => Value::Object(object([
            ("total", Value::number(c.total)),
            ("completed", Value::number(c.completed)),
            ("failed", Value::number(c.failed)),
        ])),
    }
}

pub fn usage_value(usage: Option<Usage>) -> Value {
    let Some(u) = usage else { return Value::Null(schema::usage_type()) };
    let input_details = match u.input_tokens_details {
        Some(d) => Value::Object(object([("cached_tokens", opt_num(d.cached_tokens))])),
        None => {
            Value::Null(Type::Object(BTreeMap::from([("cached_tokens".to_string(), Type::Number)])))
        }
    };
    let output_details = match u.output_tokens_details {
        Some(d) => Value::Object(object([("reasoning_tokens", opt_num(d.reasoning_tokens))])),
        None => Value::Null(Type::Object(BTreeMap::from([(
            "reasoning_tokens".to_string(),
            Type::Number,
        )]))),
    };
    Value::Object(object([
        ("input_tokens", opt_num(u.input_tokens)),
        ("input_tokens_details", input_details),
        ("output_tokens", opt_num(u.output_tokens)),
        ("output_tokens_details", output_details),
        ("total_tokens", opt_num(u.total_tokens)),
    ]))
}

pub fn errors_value(errors: Option<&BatchErrors>) -> Value {
    let Some(e) = errors else { return Value::Null(schema::errors_type()) };
    let data = e
        .data
        .iter()
        .flatten()
        .map(|item| {
            Value::Object(object([
                ("code", opt_str(item.code.as_deref())),
                ("message", opt_str(item.message.as_deref())),
                ("param", opt_str(item.param.as_deref())),
                ("line", opt_num(item.line)),
            ]))
        })
        .collect();
    Value::Object(object([
        ("object", opt_str(Some(e.object.as_deref().unwrap_or("list")))),
        ("data", Value::list(schema::batch_error_type(), data)),
    ]))
}

/// The data source's `error`: the errors' messages, one per line, or null.
pub fn error_text(errors: Option<&BatchErrors>) -> Value {
    let lines: Vec<String> = errors
        .and_then(|e| e.data.as_ref())
        .into_iter()
        .flatten()
        .map(|item| {
            let mut s = String::new();
            if let Some(line) = item.line {
                s.push_str(&format!("line {line}: "));
            }
            if let Some(code) = &item.code {
                s.push_str(code);
                s.push_str(": ");
            }
            s.push_str(item.message.as_deref().unwrap_or("(no message)"));
            s
        })
        .collect();
    if lines.is_empty() { Value::Null(Type::String) } else { Value::string(lines.join("\n")) }
}

/// The computed attributes of a batch (shared by the resource and the data sources).
pub fn batch_computed(batch: &Batch) -> BTreeMap<String, Value> {
    let mut fields = object([
        ("id", Value::string(&batch.id)),
        ("status", opt_str(batch.status.as_deref())),
        ("output_file_id", opt_str(batch.output_file_id.as_deref())),
        ("error_file_id", opt_str(batch.error_file_id.as_deref())),
        ("errors", errors_value(batch.errors.as_ref())),
        ("created_at", opt_num(batch.created_at)),
        ("request_counts", request_counts_value(batch.request_counts)),
        ("usage", usage_value(batch.usage)),
    ]);
    for (name, at) in batch.timestamps() {
        fields.insert(name.to_string(), opt_num(at));
    }
    fields
}

/// A batch as the data sources show it.
pub fn batch_read(batch: &Batch) -> BTreeMap<String, Value> {
    let mut fields = batch_computed(batch);
    fields.extend(object([
        ("input_file_id", opt_str(batch.input_file_id.as_deref())),
        ("endpoint", opt_str(batch.endpoint.as_deref())),
        ("completion_window", opt_str(batch.completion_window.as_deref())),
        ("metadata", metadata_value(batch.metadata.as_ref())),
        ("model", opt_str(batch.model.as_deref())),
        ("error", error_text(batch.errors.as_ref())),
    ]));
    fields
}

/// A File object's fields.
pub fn file_fields(file: &FileObject) -> BTreeMap<String, Value> {
    object([
        ("id", Value::string(&file.id)),
        ("filename", opt_str(file.filename.as_deref())),
        ("purpose", opt_str(file.purpose.as_deref())),
        ("bytes", opt_num(file.bytes)),
        ("created_at", opt_num(file.created_at)),
        ("expires_at", opt_num(file.expires_at)),
        ("status", opt_str(file.status.as_deref())),
        ("status_details", opt_str(file.status_details.as_deref())),
    ])
}

/// `{anchor, seconds}` from configuration, when wholly known.
pub fn expires_after(value: &Value) -> Option<crate::wire::ExpiresAfter> {
    let anchor = value.get_attr("anchor")?.as_str()?.to_string();
    let seconds = value.get_attr("seconds")?.as_number()?.to_i64()?;
    Some(crate::wire::ExpiresAfter { anchor, seconds })
}

/// A `map(string)` from configuration, when wholly known.
pub fn string_map(value: &Value) -> Option<BTreeMap<String, String>> {
    value.entries()?.iter().map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect()
}
