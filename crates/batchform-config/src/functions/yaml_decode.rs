//! `yamldecode`: go-cty-yaml's decoder (events from libyaml's parser, go-yaml's YAML 1.1
//! scalar resolution, anchors, aliases and merge keys) with its error positions as
//! Terraform 1.11 prints them.

use super::spec::prelude::*;
use libyaml_safer::{Error as YamlError, ErrorKind, Event, EventData, Mark, Parser, ScalarStyle};
use std::collections::BTreeMap;

use super::yaml_resolve::{Scalar, resolve_scalar};

use super::yaml::{MAP_TAG, MERGE_TAG, SEQ_TAG};

/// go-cty-yaml's `Error` as Terraform 1.11 prints it: no position on the first line (line
/// 0 of libyaml's zero-based marks), otherwise `on line L, column C: cause` with the
/// zero-based line and a one-based column.
fn at(mark: Mark, cause: &str) -> String {
    if mark.line == 0 {
        return cause.to_string();
    }
    format!("on line {}, column {}: {cause}", mark.line, mark.column + 1)
}

/// go-cty-yaml's `parserError`.
fn parser_error(err: &YamlError) -> String {
    let cause = err.problem();
    let cause = if cause.is_empty() { "invalid YAML syntax" } else { cause };
    match (err.problem_mark(), err.context_mark()) {
        (Some(m), _) if m.line != 0 => {
            if err.kind() == ErrorKind::Scanner {
                // Scanner errors are reported on the next line's start.
                format!("on line {}, column 1: {cause}", m.line + 1)
            } else {
                at(m, cause)
            }
        }
        (_, Some(m)) if m.line != 0 => at(m, cause),
        _ => cause.to_string(),
    }
}

struct Decoder<'a> {
    parser: Parser<&'a mut &'a [u8]>,
    anchors: BTreeMap<String, Value>,
    pending: BTreeMap<String, usize>,
    decode_count: usize,
    alias_count: usize,
}

/// go-cty-yaml's `Unmarshal` with the implied type.
pub(super) fn decode(src: &str) -> std::result::Result<Value, String> {
    let bytes: Vec<u8> = if src.is_empty() { b"\n".to_vec() } else { src.as_bytes().to_vec() };
    let mut slice: &[u8] = &bytes;
    let mut parser = Parser::new();
    parser.set_input_string(&mut slice);
    let mut d = Decoder {
        parser,
        anchors: BTreeMap::new(),
        pending: BTreeMap::new(),
        decode_count: 0,
        alias_count: 0,
    };
    let evt = d.next()?;
    if !matches!(evt.data, EventData::StreamStart { .. }) {
        return Err(at(evt.start_mark, "missing stream start token"));
    }
    let evt = d.next()?;
    if !matches!(evt.data, EventData::DocumentStart { .. }) {
        return Err(at(evt.start_mark, "missing start of document"));
    }
    let first = d.next()?;
    let v = d.node(first)?;
    let evt = d.next()?;
    match evt.data {
        EventData::DocumentStart { .. } => {
            return Err(at(evt.start_mark, "only a single document is allowed"));
        }
        EventData::DocumentEnd { .. } => {}
        ref other => {
            return Err(at(
                evt.start_mark,
                &format!("unexpected extra content ({}) after value", event_name(other)),
            ));
        }
    }
    let evt = d.next()?;
    if !matches!(evt.data, EventData::StreamEnd) {
        return Err(at(evt.start_mark, "unexpected extra content after value"));
    }
    Ok(v)
}

/// go-yaml's names for event types.
fn event_name(data: &EventData) -> &'static str {
    match data {
        EventData::StreamStart { .. } => "STREAM-START",
        EventData::StreamEnd => "STREAM-END",
        EventData::DocumentStart { .. } => "DOCUMENT-START",
        EventData::DocumentEnd { .. } => "DOCUMENT-END",
        EventData::Alias { .. } => "ALIAS",
        EventData::Scalar { .. } => "SCALAR",
        EventData::SequenceStart { .. } => "SEQUENCE-START",
        EventData::SequenceEnd => "SEQUENCE-END",
        EventData::MappingStart { .. } => "MAPPING-START",
        EventData::MappingEnd => "MAPPING-END",
    }
}

impl Decoder<'_> {
    fn next(&mut self) -> std::result::Result<Event, String> {
        self.parser.parse().map_err(|e| parser_error(&e))
    }

    fn node(&mut self, evt: Event) -> std::result::Result<Value, String> {
        self.decode_count += 1;
        let mark = evt.start_mark;
        match evt.data {
            EventData::Scalar { anchor, tag, value, style, .. } => {
                if let Some(a) = &anchor {
                    *self.pending.entry(a.clone()).or_default() += 1;
                }
                let v = resolve_scalar(tag.as_deref().unwrap_or(""), &value, style)
                    .map_err(|e| at(mark, &e))?;
                let v = match v {
                    Scalar::Value(v) => v,
                    Scalar::Merge => Value::string("<<"),
                };
                if let Some(a) = anchor {
                    self.complete_anchor(a, v.clone());
                }
                Ok(v)
            }
            EventData::Alias { anchor } => {
                self.alias_count += 1;
                if self.alias_count > 100
                    && self.decode_count > 1000
                    && self.alias_count as f64 / self.decode_count as f64
                        > allowed_alias_ratio(self.decode_count)
                {
                    return Err("yaml: document contains excessive aliasing".into());
                }
                if self.pending.contains_key(&anchor) {
                    return Err(at(
                        mark,
                        &format!(
                            "cannot refer to anchor {} from inside its own definition",
                            batchform_core::convert::go_quote(&anchor)
                        ),
                    ));
                }
                self.anchors.get(&anchor).cloned().ok_or_else(|| {
                    at(
                        mark,
                        &format!(
                            "reference to undefined anchor {}",
                            batchform_core::convert::go_quote(&anchor)
                        ),
                    )
                })
            }
            EventData::MappingStart { anchor, tag, .. } => {
                let tag = tag.unwrap_or_default();
                if !tag.is_empty() && tag != MAP_TAG {
                    return Err(at(mark, &format!("can't interpret mapping as {tag}")));
                }
                if let Some(a) = &anchor {
                    *self.pending.entry(a.clone()).or_default() += 1;
                }
                let v = self.mapping()?;
                if let Some(a) = anchor {
                    self.complete_anchor(a, v.clone());
                }
                Ok(v)
            }
            EventData::SequenceStart { anchor, tag, .. } => {
                let tag = tag.unwrap_or_default();
                if !tag.is_empty() && tag != SEQ_TAG {
                    return Err(at(mark, &format!("can't interpret sequence as {tag}")));
                }
                if let Some(a) = &anchor {
                    *self.pending.entry(a.clone()).or_default() += 1;
                }
                let mut items = Vec::new();
                loop {
                    let evt = self.next()?;
                    if matches!(evt.data, EventData::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(evt)?);
                }
                let v = Value::Tuple(items);
                if let Some(a) = anchor {
                    self.complete_anchor(a, v.clone());
                }
                Ok(v)
            }
            EventData::DocumentStart { .. } => Err(at(mark, "only a single document is allowed")),
            EventData::StreamEnd => Err(at(mark, "expecting value but found end of stream")),
            EventData::MappingEnd => Err(at(mark, "expecting value but found end of mapping")),
            EventData::SequenceEnd => Err(at(mark, "expecting value but found end of sequence")),
            ref other => Err(at(mark, &format!("unexpected parser event {}", event_name(other)))),
        }
    }

    fn complete_anchor(&mut self, name: String, v: Value) {
        if let Some(n) = self.pending.get_mut(&name) {
            *n -= 1;
            if *n == 0 {
                self.pending.remove(&name);
            }
        }
        self.anchors.insert(name, v);
    }

    fn mapping(&mut self) -> std::result::Result<Value, String> {
        let mut attrs = BTreeMap::new();
        loop {
            let evt = self.next()?;
            let mark = evt.start_mark;
            let (tag, value, style) = match evt.data {
                EventData::MappingEnd => return Ok(Value::Object(attrs)),
                EventData::Scalar { ref tag, ref value, style, .. } => {
                    (tag.clone().unwrap_or_default(), value.clone(), style)
                }
                _ => {
                    // A merge key could only be a scalar; anything else is not a string key.
                    return Err(at(mark, "only strings are allowed as mapping keys"));
                }
            };
            let is_merge = (tag.is_empty() && value == "<<" && style == ScalarStyle::Plain)
                || tag == MERGE_TAG;
            if is_merge {
                let merged = {
                    let next = self.next()?;
                    self.node(next)?
                };
                match merged.unmarked().0 {
                    Value::Object(m) | Value::Map(_, m) => {
                        attrs.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                    Value::Tuple(items) | Value::List(_, items) => {
                        for item in items {
                            match item {
                                Value::Object(m) | Value::Map(_, m) => {
                                    attrs.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
                                }
                                other => {
                                    return Err(at(
                                        mark,
                                        &format!(
                                            "cannot merge {} (from sequence) into mapping",
                                            other.ty().friendly_name()
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                    other => {
                        return Err(at(
                            mark,
                            &format!("cannot merge {} into mapping", other.ty().friendly_name()),
                        ));
                    }
                }
                continue;
            }
            let key = match resolve_scalar(&tag, &value, style)? {
                Scalar::Value(v) => v,
                Scalar::Merge => Value::string("<<"),
            };
            let key = match &key {
                Value::Null(_) => return Err(at(mark, "mapping key cannot be null")),
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_text(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(at(mark, "only strings are allowed as mapping keys")),
            };
            let next = self.next()?;
            let v = self.node(next)?;
            attrs.insert(key, v);
        }
    }
}

fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let n = decode_count as f64;
    if n <= LOW {
        0.99
    } else if n >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((n - LOW) / (HIGH - LOW))
    }
}
