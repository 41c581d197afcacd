//! Date and time functions (go-cty `stdlib/datetime.go`, Terraform `funcs/datetime.go`):
//! formatdate, timeadd, timecmp, timestamp.
//!
//! Timestamps are parsed as Go's `time.Parse(time.RFC3339, ...)` parses them (one-digit hours
//! and fractional seconds accepted), with cty's error messages; durations as Go's
//! `time.ParseDuration`.

use super::spec::prelude::*;
use super::timeparse::{parse_duration, parse_timestamp};
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
