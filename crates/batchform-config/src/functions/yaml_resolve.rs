//! go-cty-yaml's scalar resolution: YAML 1.1 booleans (`yes`, `on`, ...), nulls,
//! infinities, the integers and floats Terraform 1.11 recognizes, timestamps (as RFC 3339
//! strings) and the standard tags.

use super::spec::prelude::*;
use super::yaml::{BINARY_TAG, BOOL_TAG, FLOAT_TAG, INT_TAG, NULL_TAG, STR_TAG, TIMESTAMP_TAG};
use libyaml_safer::ScalarStyle;

pub(super) enum Scalar {
    Value(Value),
    /// The `<<` merge key.
    Merge,
}

/// go-cty-yaml's `resolveScalar`.
pub(super) fn resolve_scalar(
    tag: &str,
    src: &str,
    style: ScalarStyle,
) -> std::result::Result<Scalar, String> {
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
