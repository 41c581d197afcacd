//! Go's time parsing as cty's date functions use it: `time.Parse(time.RFC3339, ...)` with
//! the strict checks of Go's `parseStrictRFC3339` and cty's wording of the errors, and
//! `time.ParseDuration`.

use time::{OffsetDateTime, UtcOffset};

/// A piece of Go's `time.ParseError` as cty inspects it.
struct ParseError {
    layout_elem: &'static str,
    value_elem: String,
    message: String,
}

/// cty's `parseTimestamp`: Go's strict RFC 3339 parsing, then cty's wording of its errors.
pub(super) fn parse_timestamp(ts: &str) -> std::result::Result<OffsetDateTime, String> {
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
pub(super) fn parse_duration(orig: &str) -> std::result::Result<i64, String> {
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
