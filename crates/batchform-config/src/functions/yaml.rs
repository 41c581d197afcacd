//! `yamlencode` and `yamldecode` (decoding in `yaml_decode.rs`), as `zclconf/go-cty-yaml` implements them over go-yaml's
//! libyaml port. We drive the safe Rust port of the same libyaml (`libyaml-safer`) with the
//! same events, so output formatting (quoting, literal blocks, line folding at 80 columns)
//! and parse errors come out as Terraform's.

use super::spec::prelude::*;
use libyaml_safer::{Emitter, Encoding, Event, MappingStyle, ScalarStyle, SequenceStyle};

pub(super) const STR_TAG: &str = "tag:yaml.org,2002:str";
pub(super) const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub(super) const INT_TAG: &str = "tag:yaml.org,2002:int";
pub(super) const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub(super) const NULL_TAG: &str = "tag:yaml.org,2002:null";
pub(super) const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
pub(super) const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
pub(super) const SEQ_TAG: &str = "tag:yaml.org,2002:seq";
pub(super) const MAP_TAG: &str = "tag:yaml.org,2002:map";
pub(super) const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(Function::new(
        "yamlencode",
        vec![Param::new("value", Type::Dynamic).null().dynamic()],
        Ret::Static(|| Type::String),
        |a, _, _| {
            let v = arg(a, 0);
            if !v.is_wholly_known() {
                return Ok(Value::unknown(Type::String));
            }
            encode(v).map(string_val).map_err(CallError::msg)
        },
    ));
    all.push(Function::new(
        "yamldecode",
        vec![Param::new("src", Type::String)],
        Ret::Computed(|args, _| {
            let src = arg(args, 0);
            if !src.is_known() {
                return Ok(Type::Dynamic);
            }
            super::yaml_decode::decode(src.as_str().unwrap_or_default())
                .map(|v| v.ty())
                .map_err(CallError::msg)
        }),
        // An unknown `src` never gets here (the parameter does not take unknowns); a null
        // document decodes to a null of type dynamic.
        |a, _, _| super::yaml_decode::decode(str_arg(a, 0)).map_err(CallError::msg),
    ));
}

/// go-yaml's emitter differs from libyaml's in two ways that show in Terraform's output: it
/// escapes characters outside the Basic Multilingual Plane (`\U0001F600`), which also
/// rules out literal style for strings that contain them, and it ends a document whose
/// root is a plain scalar with `...` (but not one ending in a kept-newline literal).
fn encode(value: &Value) -> std::result::Result<String, String> {
    let mut text = emit_document(value)?;
    if let Some(stripped) = text.strip_suffix("...\n") {
        text = stripped.to_string();
    }
    if matches!(value, Value::Null(_) | Value::Bool(_) | Value::Number(_)) {
        text.push_str("...\n");
    }
    if text.chars().any(|c| c as u32 > 0xFFFF) {
        text = text
            .chars()
            .map(|c| if c as u32 > 0xFFFF { format!("\\U{:08X}", c as u32) } else { c.to_string() })
            .collect();
    }
    Ok(text)
}

fn emit_document(value: &Value) -> std::result::Result<String, String> {
    let mut out = Vec::new();
    {
        let mut emitter = Emitter::new();
        emitter.set_output_string(&mut out);
        emitter.set_unicode(true);
        let emit = |e: &mut Emitter<'_>, ev: Event| e.emit(ev).map_err(|err| err.to_string());
        emit(&mut emitter, Event::stream_start(Encoding::Utf8))?;
        emit(&mut emitter, Event::document_start(None, &[], true))?;
        emit_value(&mut emitter, value)?;
        emit(&mut emitter, Event::document_end(true))?;
        emit(&mut emitter, Event::stream_end())?;
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

fn emit_value(e: &mut Emitter<'_>, value: &Value) -> std::result::Result<(), String> {
    let emit = |e: &mut Emitter<'_>, ev: Event| e.emit(ev).map_err(|err| err.to_string());
    let scalar = |tag: &str, text: &str, style: ScalarStyle| {
        Event::scalar(None, Some(tag), text, true, true, style)
    };
    match value {
        Value::Sensitive(_) => Err("cannot serialize sensitive value as YAML".into()),
        Value::Unknown(..) => Err("cannot serialize unknown value as YAML".into()),
        Value::Type(_) => Err("cannot serialize a type as YAML".into()),
        Value::Null(_) => emit(e, scalar(NULL_TAG, "null", ScalarStyle::Plain)),
        Value::Bool(b) => {
            emit(e, scalar(BOOL_TAG, if *b { "true" } else { "false" }, ScalarStyle::Plain))
        }
        Value::Number(n) => emit(e, scalar(FLOAT_TAG, &n.to_text(), ScalarStyle::Plain)),
        Value::String(s) => {
            let literal = s.contains('\n') && !s.chars().any(|c| c as u32 > 0xFFFF);
            let style = if literal { ScalarStyle::Literal } else { ScalarStyle::DoubleQuoted };
            emit(e, scalar(STR_TAG, s, style))
        }
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            emit(e, Event::sequence_start(None, Some(SEQ_TAG), true, SequenceStyle::Block))?;
            for item in items {
                emit_value(e, item)?;
            }
            emit(e, Event::sequence_end())
        }
        Value::Map(_, entries) | Value::Object(entries) => {
            emit(e, Event::mapping_start(None, Some(MAP_TAG), true, MappingStyle::Block))?;
            for (k, v) in entries {
                emit_value(e, &Value::String(k.clone()))?;
                emit_value(e, v)?;
            }
            emit(e, Event::mapping_end())
        }
    }
}
