//! `yamlencode` and `yamldecode`, as `zclconf/go-cty-yaml` implements them over go-yaml's
//! libyaml port. We drive the safe Rust port of the same libyaml (`libyaml-safer`) with the
//! same events, so output formatting (quoting, literal blocks, line folding at 80 columns)
//! and parse errors come out as Terraform's.

use super::spec::prelude::*;
use libyaml_safer::{
    Emitter, Encoding, Error as YamlError, ErrorKind, Event, EventData, MappingStyle, Mark, Parser,
    ScalarStyle, SequenceStyle,
};
use std::collections::BTreeMap;

const STR_TAG: &str = "tag:yaml.org,2002:str";
const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
const INT_TAG: &str = "tag:yaml.org,2002:int";
const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
const NULL_TAG: &str = "tag:yaml.org,2002:null";
const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
const SEQ_TAG: &str = "tag:yaml.org,2002:seq";
const MAP_TAG: &str = "tag:yaml.org,2002:map";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(Function::new(
        "yamlencode",
        vec![Param::new("value", Type::Dynamic).null().dynamic()],
        Ret::Static(|| Type::String),
        |a, _, _| {
            let v = arg(a, 0);
            if !v.is_wholly_known() {
                return Ok(Value::Unknown(Type::String));
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
            decode(src.as_str().unwrap_or_default()).map(|v| v.ty()).map_err(CallError::msg)
        }),
        |a, ret, _| {
            if *ret == Type::Dynamic {
                return Ok(Value::DYNAMIC_UNKNOWN);
            }
            decode(str_arg(a, 0)).map_err(CallError::msg)
        },
    ));
}

// ----------------------------------------------------------------------------------------
// Encoding

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
        Value::Unknown(_) => Err("cannot serialize unknown value as YAML".into()),
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

// ----------------------------------------------------------------------------------------
// Decoding

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
fn decode(src: &str) -> std::result::Result<Value, String> {
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

enum Scalar {
    Value(Value),
    /// The `<<` merge key.
    Merge,
}

/// go-cty-yaml's `resolveScalar`.
fn resolve_scalar(tag: &str, src: &str, style: ScalarStyle) -> std::result::Result<Scalar, String> {
    let resolvable = matches!(
        tag,
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG | BINARY_TAG
    );
    if !resolvable {
        return Err(format!("unsupported tag {}", batchform_core::convert::go_quote(tag)));
    }
    let hint = match src.as_bytes().first() {
        None => Some('N'),
        Some(b'+' | b'-') => Some('S'),
        Some(b'0'..=b'9') => Some('D'),
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            Some('M')
        }
        Some(b'.') => Some('.'),
        _ => None,
    };
    let mut tag = tag.to_string();
    if let Some(hint) = hint {
        if tag != STR_TAG && tag != BINARY_TAG {
            if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
                return Ok(Scalar::Value(string_val(src)));
            }
            if let Some(v) = resolve_map(src) {
                return Ok(Scalar::Value(v));
            }
            if tag.is_empty() && matches!(src, ".nan" | ".NaN" | ".NAN") {
                return Err("floating point NaN is not supported".into());
            }
            match hint {
                '.' => {
                    if let Ok(n) = Number::parse(src) {
                        return Ok(Scalar::Value(Value::Number(n)));
                    }
                }
                'D' | 'S' => {
                    if tag.is_empty() || tag == TIMESTAMP_TAG {
                        if let Some(t) = parse_yaml_timestamp(src) {
                            return Ok(Scalar::Value(string_val(t)));
                        }
                    }
                    if is_integer_literal(src) {
                        tag = INT_TAG.to_string();
                    } else if is_float_literal(src) {
                        tag = FLOAT_TAG.to_string();
                    }
                }
                _ => {}
            }
        }
    }
    if tag.is_empty() && src == "<<" {
        return Ok(Scalar::Merge);
    }
    let cannot =
        |tag: &str| format!("cannot parse {} as {tag}", batchform_core::convert::go_quote(src));
    match tag.as_str() {
        STR_TAG => Ok(Scalar::Value(string_val(src))),
        BINARY_TAG => {
            super::encoding::go_base64_decode(src).map_err(|_| {
                format!(
                    "cannot parse {} as {tag}: not valid base64",
                    batchform_core::convert::go_quote(src)
                )
            })?;
            Ok(Scalar::Value(string_val(src)))
        }
        BOOL_TAG => match resolve_map(src) {
            Some(v @ Value::Bool(_)) => Ok(Scalar::Value(v)),
            _ => Err(cannot(&tag)),
        },
        FLOAT_TAG | INT_TAG => {
            let plain: String = src.chars().filter(|c| *c != '_').collect();
            if let Ok(n) = Number::parse(&plain) {
                return Ok(Scalar::Value(Value::Number(n)));
            }
            go_parse_int(&plain)
                .map(|n| Scalar::Value(Value::Number(n)))
                .ok_or_else(|| cannot(&tag))
        }
        TIMESTAMP_TAG => parse_yaml_timestamp(src)
            .map(|t| Scalar::Value(string_val(t)))
            .ok_or_else(|| cannot(&tag)),
        NULL_TAG => Ok(Scalar::Value(Value::NULL)),
        "" => Ok(Scalar::Value(string_val(src))),
        other => Err(format!("unsupported tag {}", batchform_core::convert::go_quote(other))),
    }
}

/// The plain scalars that resolve to booleans, nulls and infinities (YAML 1.1 style).
fn resolve_map(src: &str) -> Option<Value> {
    Some(match src {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Value::NULL,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            Value::Number(Number::infinity(false))
        }
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(Number::infinity(true)),
        _ => return None,
    })
}

/// The integers Terraform 1.11's go-cty-yaml recognizes: `[-+]?[0-9]+`, `0o[0-7]+` and
/// `0x[0-9a-fA-F]+` (no sign on prefixed forms, no `_` separators).
fn is_integer_literal(s: &str) -> bool {
    let all = |body: &str, ok: fn(char) -> bool| !body.is_empty() && body.chars().all(ok);
    if let Some(body) = s.strip_prefix("0o") {
        return all(body, |c| matches!(c, '0'..='7'));
    }
    if let Some(body) = s.strip_prefix("0x") {
        return all(body, |c| c.is_ascii_hexdigit());
    }
    all(s.strip_prefix(['-', '+']).unwrap_or(s), |c| c.is_ascii_digit())
}

/// `\A[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z`
fn is_float_literal(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && frac.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: `0x`, `0o`, `0b` and leading-zero
/// octal prefixes.
fn go_parse_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        let v = i64::try_from(magnitude)
            .ok()
            .map(|m| -m)
            .or_else(|| (magnitude == 1u64 << 63).then_some(i64::MIN))?;
        Some(Number::from_i64(v))
    } else {
        Some(Number::from_u64(magnitude))
    }
}

/// go-cty-yaml's `parseTimestamp`: `YYYY-M-D` dates, optionally with `T`/`t`/space and a
/// time, returned in RFC 3339 as Terraform represents timestamps.
fn parse_yaml_timestamp(s: &str) -> Option<String> {
    let year_len = s.bytes().take_while(u8::is_ascii_digit).count();
    if year_len != 4 || s.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let num = |t: &str, max: usize| -> Option<(u32, usize)> {
        let n = t.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        Some((t[..n].parse().ok()?, n))
    };
    let year: i32 = s[..4].parse().ok()?;
    let mut rest = &s[5..];
    let (month, n) = num(rest, 2)?;
    rest = rest[n..].strip_prefix('-')?;
    let (day, n) = num(rest, 2)?;
    rest = &rest[n..];
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month as u8).ok()?, day as u8)
            .ok()?;
    if rest.is_empty() {
        return Some(format!("{:04}-{:02}-{:02}T00:00:00Z", year, month, day));
    }
    let sep = rest.as_bytes()[0];
    let with_zone = matches!(sep, b'T' | b't');
    if !with_zone && sep != b' ' {
        return None;
    }
    rest = &rest[1..];
    let (hour, n) = num(rest, 2)?;
    rest = rest[n..].strip_prefix(':')?;
    let (minute, n) = num(rest, 2)?;
    rest = rest[n..].strip_prefix(':')?;
    let (second, n) = num(rest, 2)?;
    rest = &rest[n..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        rest = &frac[n..];
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let offset_secs: i32 = if !with_zone {
        if !rest.is_empty() {
            return None;
        }
        0
    } else if rest == "Z" {
        0
    } else {
        let b = rest.as_bytes();
        if b.len() != 6 || b[3] != b':' || !matches!(b[0], b'+' | b'-') {
            return None;
        }
        let h: i32 = rest[1..3].parse().ok()?;
        let m: i32 = rest[4..6].parse().ok()?;
        let v = h * 3600 + m * 60;
        if b[0] == b'-' { -v } else { v }
    };
    let t = date.with_hms(hour as u8, minute as u8, second as u8).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).ok()?;
    let t = t.assume_offset(offset);
    let zone = if offset_secs == 0 {
        "Z".to_string()
    } else {
        let sign = if offset_secs < 0 { '-' } else { '+' };
        let a = offset_secs.unsigned_abs();
        format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60)
    };
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}
