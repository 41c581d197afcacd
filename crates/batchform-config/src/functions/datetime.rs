//! Date and time functions (go-cty `stdlib/datetime.go`, Terraform `funcs/datetime.go`):
//! formatdate, timeadd, timecmp, timestamp.
//!
//! Timestamps are parsed as Go's `time.Parse(time.RFC3339, ...)` parses them (one-digit hours
//! and fractional seconds accepted), with cty's error messages; durations as Go's
//! `time.ParseDuration`.

use super::spec::prelude::*;
use time::{OffsetDateTime, UtcOffset};

pub(super) fn register(all: &mut Vec<Function>) {
    let s = |name| Param::new(name, Type::String);
    all.push(Function::new(
        "formatdate",
        vec![s("format"), s("time")],
        Ret::Static(|| Type::String),
        formatdate,
    ));
    all.push(Function::new(
        "timeadd",
        vec![s("timestamp"), s("duration")],
        Ret::Static(|| Type::String),
        |a, _, _| {
            let t = parse_timestamp(str_arg(a, 0))?;
            let d = parse_duration(str_arg(a, 1))?;
            let t = t
                .checked_add(time::Duration::nanoseconds(d))
                .ok_or_else(|| CallError::msg("the resulting time is out of range"))?;
            Ok(string_val(rfc3339(&t)))
        },
    ));
    all.push(Function::new(
        "timecmp",
        vec![s("timestamp_a"), s("timestamp_b")],
        Ret::Static(|| Type::Number),
        |a, _, _| {
            let ta = parse_timestamp(str_arg(a, 0)).map_err(|e| CallError::arg(0, e))?;
            let tb = parse_timestamp(str_arg(a, 1)).map_err(|e| CallError::arg(1, e))?;
            Ok(Value::number(match ta.cmp(&tb) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }))
        },
    ));
    all.push(
        Function::new("timestamp", vec![], Ret::Static(|| Type::String), |_, _, ctx| {
            let now = ctx.now.unwrap_or_else(std::time::SystemTime::now);
            let t = OffsetDateTime::from(now);
            Ok(string_val(rfc3339(&t.replace_nanosecond(0).unwrap_or(t))))
        })
        .impure(),
    );
}

/// Go's `t.Format(time.RFC3339)`: seconds precision, `Z` for a zero offset.
fn rfc3339(t: &OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        zone(t.offset(), true)
    )
}

/// The UTC offset as `Z07:00` (with `z`) or `-07:00` formats it.
fn zone(offset: UtcOffset, z: bool) -> String {
    let secs = offset.whole_seconds();
    if secs == 0 && z {
        return "Z".to_string();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60)
}

/// A piece of Go's `time.ParseError` as cty inspects it.
struct ParseError {
    layout_elem: &'static str,
    value_elem: String,
    message: String,
}

/// cty's `parseTimestamp`: Go's strict RFC 3339 parsing, then cty's wording of its errors.
fn parse_timestamp(ts: &str) -> std::result::Result<OffsetDateTime, String> {
    parse_strict_rfc3339(ts).map_err(|e| {
        if e.layout_elem.is_empty() && e.value_elem.is_empty() && !e.message.is_empty() {
            return format!("not a valid RFC3339 timestamp{}", e.message);
        }
        let quote = batchform_core::convert::go_quote;
        let what = match e.layout_elem {
            "2006" => "year",
            "01" => "month",
            "02" => "day of month",
            "15" => "hour",
            "04" => "minute",
            "05" => "second",
            "Z07:00" => "UTC offset",
            "T" => {
                return "not a valid RFC3339 timestamp: missing required time introducer 'T'"
                    .into();
            }
            ":" | "-" => {
                return if e.value_elem.is_empty() {
                    format!(
                        "not a valid RFC3339 timestamp: end of string where {} is expected",
                        quote(e.layout_elem)
                    )
                } else {
                    format!(
                        "not a valid RFC3339 timestamp: found {} where {} is expected",
                        quote(&e.value_elem),
                        quote(e.layout_elem)
                    )
                };
            }
            _ => "timestamp segment",
        };
        let v = &e.value_elem;
        if v.is_empty() {
            format!("not a valid RFC3339 timestamp: end of string before {what}")
        } else if what == "hour" && v.contains(':') {
            "not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive".into()
        } else if what == "hour" && v.len() != 2 {
            "not a valid RFC3339 timestamp: hour must have exactly two digits".into()
        } else if what == "minute" && v.len() != 2 {
            "not a valid RFC3339 timestamp: minute must have exactly two digits".into()
        } else {
            format!("not a valid RFC3339 timestamp: cannot use {} as {what}", quote(v))
        }
    })
}

/// Go's `parseStrictRFC3339`: the lenient layout parser, then the checks it cannot express
/// (two-digit hours, `.` before fractions, offsets in range).
fn parse_strict_rfc3339(b: &str) -> std::result::Result<OffsetDateTime, ParseError> {
    let t = go_parse_rfc3339(b)?;
    if fast_path_accepts(b) {
        return Ok(t);
    }
    let bytes = b.as_bytes();
    let err = |layout_elem: &'static str, value_elem: &str| ParseError {
        layout_elem,
        value_elem: value_elem.to_string(),
        message: String::new(),
    };
    let num2 =
        |s: &[u8]| u32::from(s[0].wrapping_sub(b'0')) * 10 + u32::from(s[1].wrapping_sub(b'0'));
    if bytes.get(12) == Some(&b':') {
        return Err(err("15", b.get(11..12).unwrap_or("")));
    }
    if bytes.get(19) == Some(&b',') {
        return Err(err(".", ","));
    }
    if bytes.last() != Some(&b'Z') && bytes.len() >= 6 {
        let n = bytes.len();
        if num2(&bytes[n - 5..n - 3]) >= 24 || num2(&bytes[n - 2..]) >= 60 {
            return Err(err("Z07:00", b.get(n - 6..).unwrap_or("")));
        }
        return Ok(t);
    }
    Err(err("2006-01-02T15:04:05Z07:00", b))
}

/// Go's `parseRFC3339` fast path: the exact form, fields in range.
fn fast_path_accepts(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 19 {
        return false;
    }
    let num = |r: std::ops::Range<usize>, min: u32, max: u32| {
        let digits = &b[r];
        digits.iter().all(u8::is_ascii_digit) && {
            let v = digits.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
            (min..=max).contains(&v)
        }
    };
    let Some(year) = std::str::from_utf8(&b[0..4]).ok().and_then(|y| y.parse::<i32>().ok()) else {
        return false;
    };
    let month = std::str::from_utf8(&b[5..7]).ok().and_then(|m| m.parse::<u8>().ok());
    let max_day = month
        .and_then(|m| time::Month::try_from(m).ok())
        .map_or(31, |m| u32::from(time::util::days_in_month(m, year)));
    let ok = num(0..4, 0, 9999)
        && num(5..7, 1, 12)
        && num(8..10, 1, max_day)
        && num(11..13, 0, 23)
        && num(14..16, 0, 59)
        && num(17..19, 0, 59)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':';
    if !ok {
        return false;
    }
    let mut rest = &b[19..];
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        rest = &rest[n..];
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit());
            digits
                && u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0') <= 23
                && u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0') <= 59
        }
        _ => false,
    }
}

impl From<String> for ParseError {
    fn from(message: String) -> ParseError {
        ParseError { layout_elem: "", value_elem: String::new(), message }
    }
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'), &s[2..]))
}

/// Go's `time.Parse` with the layout `2006-01-02T15:04:05Z07:00`.
fn go_parse_rfc3339(value: &str) -> std::result::Result<OffsetDateTime, ParseError> {
    let err = |layout_elem: &'static str, value_elem: &str, message: &str| ParseError {
        layout_elem,
        value_elem: value_elem.to_string(),
        message: message.to_string(),
    };
    let skip = |v: &str, prefix: &'static str| -> std::result::Result<String, ParseError> {
        match v.strip_prefix(prefix) {
            Some(rest) => Ok(rest.to_string()),
            None => Err(err(prefix, v, "")),
        }
    };
    let mut v = value.to_string();
    // 2006
    let b = v.as_bytes();
    if b.len() < 4 || !b[0].is_ascii_digit() || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(err("2006", &v, ""));
    }
    let year: i32 = v[..4].parse().map_err(|_| err("2006", &v, ""))?;
    v = v[4..].to_string();
    v = skip(&v, "-")?;
    // 01
    let (month, rest) = getnum(&v, true).ok_or_else(|| err("01", &v, ""))?;
    let rest = rest.to_string();
    if !(1..=12).contains(&month) {
        return Err(err("01", &rest, ": month out of range"));
    }
    v = skip(&rest, "-")?;
    // 02
    let (day, rest) = getnum(&v, true).ok_or_else(|| err("02", &v, ""))?;
    v = skip(rest, "T")?;
    // 15
    let (hour, rest) = getnum(&v, false).ok_or_else(|| err("15", &v, ""))?;
    if hour >= 24 {
        return Err(err("15", rest, ": hour out of range"));
    }
    v = skip(rest, ":")?;
    // 04
    let (minute, rest) = getnum(&v, true).ok_or_else(|| err("04", &v, ""))?;
    if minute >= 60 {
        return Err(err("04", rest, ": minute out of range"));
    }
    v = skip(rest, ":")?;
    // 05, with an optional fraction
    let (second, rest) = getnum(&v, true).ok_or_else(|| err("05", &v, ""))?;
    let mut rest = rest.to_string();
    if second >= 60 {
        return Err(err("05", &rest, ": second out of range"));
    }
    let mut nanos: i64 = 0;
    let rb = rest.as_bytes();
    if rb.len() >= 2 && matches!(rb[0], b'.' | b',') && rb[1].is_ascii_digit() {
        let n = 1 + rb[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let digits = &rest[1..n.min(10)];
        nanos = digits.parse().unwrap_or(0);
        for _ in 0..(10 - n.min(10)) {
            nanos *= 10;
        }
        rest = rest[n..].to_string();
    }
    v = rest;
    // Z07:00
    let offset: i64 = if let Some(r) = v.strip_prefix('Z') {
        v = r.to_string();
        0
    } else {
        let b = v.as_bytes();
        if b.len() < 6 || b[3] != b':' {
            return Err(err("Z07:00", &v, ""));
        }
        let hr = getnum(&v[1..3], true).map(|x| x.0);
        let mm = getnum(&v[4..6], true).map(|x| x.0);
        let (Some(hr), Some(mm)) = (hr, mm) else { return Err(err("Z07:00", &v, "")) };
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(err("Z07:00", &v, "")),
        };
        let tail = v[6..].to_string();
        if hr > 24 {
            return Err(err("Z07:00", &tail, ": time zone offset hour out of range"));
        }
        if mm > 60 {
            return Err(err("Z07:00", &tail, ": time zone offset minute out of range"));
        }
        v = tail;
        sign * (hr * 3600 + mm * 60)
    };
    if !v.is_empty() {
        return Err(err("", &v, &format!(": extra text: {v:?}")));
    }
    let month_enum = time::Month::try_from(month as u8).map_err(|_| err("01", "", ""))?;
    let days_in = time::util::days_in_month(month_enum, year);
    if day < 1 || day > i64::from(days_in) {
        return Err(ParseError::from(": day out of range".to_string()));
    }
    let date = time::Date::from_calendar_date(year, month_enum, day as u8)
        .map_err(|_| ParseError::from(": day out of range".to_string()))?;
    let t = date
        .with_hms_nano(hour as u8, minute as u8, second as u8, nanos as u32)
        .map_err(|_| ParseError::from(": hour out of range".to_string()))?;
    let offset = UtcOffset::from_whole_seconds(offset as i32)
        .map_err(|_| err("Z07:00", "", ": time zone offset hour out of range"))?;
    Ok(t.assume_offset(offset))
}

/// Go's `time` package quoting for error messages: non-ASCII and control bytes as `\x..`.
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, in nanoseconds.
fn parse_duration(orig: &str) -> std::result::Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    const LIMIT: u64 = 1 << 63;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut v: u64 = 0;
        for c in &b[..int_len] {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(c - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
        }
        let pre = int_len > 0;
        s = &s[int_len..];
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let frac_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in s[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + u64::from(c - b'0');
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = frac_len > 0;
            s = &s[frac_len..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s.bytes().take_while(|c| *c != b'.' && !c.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(orig)));
        }
        let unit_name = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match unit_name {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_name),
                    time_quote(orig)
                ));
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(total as i64)
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] =
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

fn formatdate(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let format = str_arg(args, 0);
    let t = parse_timestamp(str_arg(args, 1)).map_err(|e| CallError::arg(1, e))?;
    let mut out = String::new();
    for tok in split_date_format(format) {
        let bytes = tok.as_bytes();
        let first = bytes[0];
        let n = tok.len();
        let bad = |detail: &str| {
            CallError::arg(
                0,
                format!(
                    "invalid date format verb {}{detail}",
                    batchform_core::convert::go_quote(tok)
                ),
            )
        };
        if first == b'\'' {
            if bytes[n - 1] != b'\'' || n == 1 {
                return Err(CallError::arg(0, "unterminated literal '"));
            }
            if n == 2 {
                out.push('\'');
            } else {
                let raw = &tok[1..n - 1];
                let mut chars = raw.chars().peekable();
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\'' {
                        chars.next();
                    }
                }
            }
            continue;
        }
        if !first.is_ascii_alphabetic() {
            out.push_str(tok);
            continue;
        }
        let two = |v: i64| format!("{v:02}");
        match (first, n) {
            (b'Y', 2) => out.push_str(&two(i64::from(t.year()).rem_euclid(100))),
            (b'Y', 4) => out.push_str(&format!("{:04}", t.year())),
            (b'Y', _) => return Err(bad(": year must either be \"YY\" or \"YYYY\"")),
            (b'M', 1) => out.push_str(&u8::from(t.month()).to_string()),
            (b'M', 2) => out.push_str(&two(i64::from(u8::from(t.month())))),
            (b'M', 3) => out.push_str(&MONTHS[usize::from(u8::from(t.month())) - 1][..3]),
            (b'M', 4) => out.push_str(MONTHS[usize::from(u8::from(t.month())) - 1]),
            (b'M', _) => {
                return Err(bad(": month must be \"M\", \"MM\", \"MMM\", or \"MMMM\""));
            }
            (b'D', 1) => out.push_str(&t.day().to_string()),
            (b'D', 2) => out.push_str(&two(i64::from(t.day()))),
            (b'D', _) => return Err(bad(": day of month must either be \"D\" or \"DD\"")),
            (b'E', 3 | 4) => {
                let name = WEEKDAYS[usize::from(t.weekday().number_days_from_sunday())];
                out.push_str(if n == 3 { &name[..3] } else { name });
            }
            (b'E', _) => return Err(bad(": day of week must either be \"EEE\" or \"EEEE\"")),
            (b'h', 1) => out.push_str(&t.hour().to_string()),
            (b'h', 2) => out.push_str(&two(i64::from(t.hour()))),
            (b'h', _) => return Err(bad(": 24-hour must either be \"h\" or \"hh\"")),
            (b'H', 1 | 2) => {
                let h = match t.hour() % 12 {
                    0 => 12,
                    h => h,
                };
                out.push_str(&if n == 1 { h.to_string() } else { two(i64::from(h)) });
            }
            (b'H', _) => return Err(bad(": 12-hour must either be \"H\" or \"HH\"")),
            (b'A' | b'a', 2) => {
                let pm = t.hour() >= 12;
                out.push_str(match (first == b'A', pm) {
                    (true, false) => "AM",
                    (true, true) => "PM",
                    (false, false) => "am",
                    (false, true) => "pm",
                });
            }
            (b'A' | b'a', _) => {
                let c = first as char;
                return Err(bad(&format!(": must be \"{c}{c}\"")));
            }
            (b'm', 1) => out.push_str(&t.minute().to_string()),
            (b'm', 2) => out.push_str(&two(i64::from(t.minute()))),
            (b'm', _) => return Err(bad(": minute must either be \"m\" or \"mm\"")),
            (b's', 1) => out.push_str(&t.second().to_string()),
            (b's', 2) => out.push_str(&two(i64::from(t.second()))),
            (b's', _) => return Err(bad(": second must either be \"s\" or \"ss\"")),
            (b'Z', 1) => out.push_str(&zone(t.offset(), true)),
            (b'Z', 3) => {
                let z = zone(t.offset(), false).replace(':', "");
                out.push_str(if z == "+0000" { "UTC" } else { &z });
            }
            (b'Z', 4) => out.push_str(&zone(t.offset(), false).replace(':', "")),
            (b'Z', 5) => out.push_str(&zone(t.offset(), false)),
            (b'Z', _) => return Err(bad(": timezone must be Z, ZZZZ, or ZZZZZ")),
            _ => return Err(bad("")),
        }
    }
    Ok(string_val(out))
}

/// cty's `splitDateFormat` scanner: quoted literals, runs of one letter, other text.
fn split_date_format(format: &str) -> Vec<&str> {
    let b = format.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'\'' {
            if b.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                i += 1;
                loop {
                    if i >= b.len() {
                        break;
                    }
                    if b[i] == b'\'' {
                        if b.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
        } else if b[i].is_ascii_alphabetic() {
            let rep = b[i];
            while i < b.len() && b[i] == rep {
                i += 1;
            }
        } else {
            i += 1;
            while i < b.len() && b[i] != b'\'' && !b[i].is_ascii_alphabetic() {
                i += 1;
            }
        }
        out.push(&format[start..i]);
    }
    out
}
