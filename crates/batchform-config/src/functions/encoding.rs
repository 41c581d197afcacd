//! Encoding functions: jsonencode and jsondecode (go-cty `stdlib/json.go` over cty's JSON
//! and Go's `encoding/json`), base64encode, base64decode and urlencode (Terraform
//! `funcs/encoding.go`).
//!
//! JSON is written as Go writes it (`<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`...,
//! keys sorted, no spaces) and read with Go's error messages (`invalid character 'x'
//! looking for beginning of value`, `unexpected EOF`, ...), since both end up in plans and
//! diagnostics.

use super::spec::prelude::*;
use base64::Engine;
use std::collections::BTreeMap;

pub(super) fn register(all: &mut Vec<Function>) {
    let string = Ret::Static(|| Type::String);
    all.push(Function::new(
        "jsonencode",
        vec![Param::new("val", Type::Dynamic).dynamic().null()],
        string,
        |a, _, _| {
            let v = arg(a, 0);
            if !v.is_wholly_known() {
                return Ok(Value::unknown(Type::String));
            }
            marshal_json(v).map(string_val).map_err(CallError::msg)
        },
    ));
    all.push(Function::new(
        "jsondecode",
        vec![Param::new("str", Type::String)],
        Ret::Computed(|args, _| {
            let s = arg(args, 0);
            if !s.is_known() {
                return Ok(Type::Dynamic);
            }
            Ok(decode_json(s.as_str().unwrap_or_default()).map_err(CallError::msg)?.ty())
        }),
        |a, _, _| decode_json(str_arg(a, 0)).map_err(CallError::msg),
    ));
    all.push(Function::new(
        "base64encode",
        vec![Param::new("str", Type::String)],
        string,
        |a, _, _| Ok(string_val(base64::engine::general_purpose::STANDARD.encode(str_arg(a, 0)))),
    ));
    all.push(Function::new(
        "base64decode",
        vec![Param::new("str", Type::String).marked()],
        string,
        |a, _, _| {
            let (v, marked) = arg(a, 0).unmarked();
            let s = v.as_str().unwrap_or_default();
            let bytes = go_base64_decode(s).map_err(|_| {
                CallError::msg(format!("failed to decode base64 data {}", redact(s, marked)))
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                CallError::msg("the result of decoding the provided string is not valid UTF-8")
            })?;
            Ok(string_val(text).with_sensitive(marked))
        },
    ));
    all.push(Function::new(
        "urlencode",
        vec![Param::new("str", Type::String)],
        string,
        |a, _, _| Ok(string_val(query_escape(str_arg(a, 0)))),
    ));
}

/// Terraform's `redactIfSensitive` for strings.
pub(super) fn redact(s: &str, sensitive: bool) -> String {
    if sensitive { "(sensitive value)".to_string() } else { batchform_core::convert::go_quote(s) }
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, line breaks ignored,
/// non-zero trailing bits accepted.
pub(super) fn go_base64_decode(s: &str) -> std::result::Result<Vec<u8>, base64::DecodeError> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    if s.contains(['\r', '\n']) {
        let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        return ENGINE.decode(cleaned);
    }
    ENGINE.decode(s)
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// cty's `json.Marshal(value, value.Type())` of an unmarked value: compact JSON with Go's
/// string escaping and numbers exactly as Terraform prints them.
pub(crate) fn marshal_json(value: &Value) -> std::result::Result<String, String> {
    let mut out = String::new();
    write_json(value, &mut out)?;
    Ok(out)
}

fn write_json(value: &Value, out: &mut String) -> std::result::Result<(), String> {
    match value {
        Value::Sensitive(_) => {
            return Err("value has marks, so it cannot be serialized as JSON".into());
        }
        Value::Null(_) => out.push_str("null"),
        Value::Unknown(..) => return Err("value is not known".into()),
        // Go's encoding/json on a cty.Type (the console's type values): its type JSON.
        Value::Type(t) => out.push_str(&t.to_json().to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_inf() {
                return Err("cannot serialize infinity as JSON".into());
            }
            out.push_str(&n.to_text());
        }
        Value::String(s) => out.push_str(&json_quote(s)),
        Value::List(_, items) | Value::Set(_, items) | Value::Tuple(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out)?;
            }
            out.push(']');
        }
        Value::Map(_, entries) | Value::Object(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_quote(k));
                out.push(':');
                write_json(v, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// A JSON string literal as Go's `encoding/json` writes it.
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// cty's `json.ImpliedType` + `json.Unmarshal`: objects become objects, arrays tuples,
/// with the errors Go's JSON decoder reports.
pub(crate) fn decode_json(text: &str) -> std::result::Result<Value, String> {
    let mut p = JsonParser { s: text.as_bytes(), i: 0 };
    let v = p.value(Context::Value)?;
    p.skip_ws();
    if p.i < p.s.len() {
        return Err("extraneous data after JSON object".into());
    }
    Ok(v)
}

/// Where the decoder is, for Go's "invalid character" messages.
#[derive(Clone, Copy)]
enum Context {
    Value,
    ObjectStart,
    ObjectKey,
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
}

/// Go's `quoteChar`.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = batchform_core::convert::go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl JsonParser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek_char(&self) -> char {
        std::str::from_utf8(&self.s[self.i..])
            .ok()
            .and_then(|s| s.chars().next())
            .unwrap_or(self.s[self.i] as char)
    }

    fn invalid(&self, context: &str) -> String {
        format!("invalid character {}{context}", quote_char(self.peek_char()))
    }

    fn value(&mut self, ctx: Context) -> std::result::Result<Value, String> {
        self.skip_ws();
        let Some(&c) = self.s.get(self.i) else { return Err("EOF".into()) };
        match c {
            b'{' => {
                self.i += 1;
                self.object()
            }
            b'[' => {
                self.i += 1;
                self.array()
            }
            b'"' => Ok(string_val(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::NULL),
            _ => Err(self.invalid(match ctx {
                Context::Value => " looking for beginning of value",
                Context::ObjectStart => "",
                Context::ObjectKey => " looking for beginning of object key string",
            })),
        }
    }

    fn object(&mut self) -> std::result::Result<Value, String> {
        let mut attrs = BTreeMap::new();
        let mut ctx = Context::ObjectStart;
        loop {
            self.skip_ws();
            let Some(&c) = self.s.get(self.i) else { return Err("EOF".into()) };
            if c == b'}' && matches!(ctx, Context::ObjectStart) {
                self.i += 1;
                return Ok(Value::Object(attrs));
            }
            if c != b'"' {
                return Err(self.invalid(match ctx {
                    Context::ObjectKey => " looking for beginning of object key string",
                    _ => "",
                }));
            }
            let key = self.string()?;
            self.skip_ws();
            match self.s.get(self.i) {
                None => return Err("EOF".into()),
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.invalid(" after object key")),
            }
            let v = self.value(Context::Value)?;
            attrs.insert(string_key(key), v);
            self.skip_ws();
            match self.s.get(self.i) {
                None => return Err("EOF".into()),
                Some(b',') => {
                    self.i += 1;
                    ctx = Context::ObjectKey;
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(attrs));
                }
                Some(_) => return Err(self.invalid(" after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> std::result::Result<Value, String> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Tuple(items));
        }
        loop {
            items.push(self.value(Context::Value)?);
            self.skip_ws();
            match self.s.get(self.i) {
                None => return Err("EOF".into()),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Tuple(items));
                }
                Some(_) => return Err(self.invalid(" after array element")),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> std::result::Result<Value, String> {
        for (k, expected) in word.bytes().enumerate() {
            match self.s.get(self.i + k) {
                None => return Err("unexpected EOF".into()),
                Some(&b) if b == expected => {}
                Some(_) => {
                    self.i += k;
                    return Err(self.invalid(&format!(
                        " in literal {word} (expecting {})",
                        quote_char(expected as char)
                    )));
                }
            }
        }
        self.i += word.len();
        Ok(value)
    }

    fn number(&mut self) -> std::result::Result<Value, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            while p.s.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
        };
        if self.s[self.i] == b'-' {
            self.i += 1;
            match self.s.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(b'0'..=b'9') => {}
                Some(_) => return Err(self.invalid(" in numeric literal")),
            }
        }
        if self.s[self.i] == b'0' {
            self.i += 1;
        } else {
            digits(self);
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            match self.s.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(b'0'..=b'9') => digits(self),
                Some(_) => return Err(self.invalid(" after decimal point in numeric literal")),
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            match self.s.get(self.i) {
                None => return Err("unexpected EOF".into()),
                Some(b'0'..=b'9') => digits(self),
                Some(_) => return Err(self.invalid(" in exponent of numeric literal")),
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        Number::parse(text).map(Value::Number).map_err(|_| format!("invalid number {text:?}"))
    }

    fn string(&mut self) -> std::result::Result<String, String> {
        self.i += 1; // opening quote
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else { return Err("unexpected EOF".into()) };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8(out).unwrap_or_default());
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else { return Err("unexpected EOF".into()) };
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => {
                            self.i -= 1;
                            return Err(self.invalid(" in string escape code"));
                        }
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(self.invalid(" in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> std::result::Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&h) = self.s.get(self.i) else { return Err("unexpected EOF".into()) };
            let d = (h as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid(" in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    /// `\uXXXX`, with surrogate pairs; lone surrogates become U+FFFD as in Go.
    fn unicode_escape(&mut self) -> std::result::Result<char, String> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
            let save = self.i;
            self.i += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{fffd}'))
    }
}

/// Object keys are strings like any other: cty normalizes them.
fn string_key(key: String) -> String {
    match string_val(key) {
        Value::String(s) => s,
        _ => String::new(),
    }
}
