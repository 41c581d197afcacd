//! `format` and `formatlist` (go-cty `stdlib/format.go` and its Ragel scanner).
//!
//! Verbs: `%%`, `%v`, `%#v`, `%t`, `%b`, `%d`, `%o`, `%x`, `%X`, `%e`, `%E`, `%f`, `%g`, `%G`,
//! `%s`, `%q`; flags ` `, `+`, `-`, `0`, `#`; width, `.precision`, and `[n]` argument
//! indexes. Widths and string precisions count grapheme clusters; numbers format as Go's
//! `big.Float` and `big.Int` do.

use super::encoding::marshal_json;
use super::spec::prelude::*;
use batchform_core::convert::{convert, go_quote};
use num_bigint::BigInt;
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn register(all: &mut Vec<Function>) {
    all.push(
        Function::new(
            "format",
            vec![Param::new("format", Type::String)],
            Ret::Static(|| Type::String),
            format,
        )
        .variadic(Param::new("args", Type::Dynamic).null()),
    );
    all.push(
        Function::new(
            "formatlist",
            vec![Param::new("format", Type::String)],
            Ret::Static(|| Type::list(Type::String)),
            formatlist,
        )
        .variadic(Param::new("args", Type::Dynamic).null().unknown()),
    );
}

fn format(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    if !args[1..].iter().all(Value::is_wholly_known) {
        return Ok(Value::unknown(Type::String));
    }
    format_fsm(str_arg(args, 0), &args[1..]).map(string_val)
}

fn formatlist(args: &[Value], ret: &Type, ctx: &FunctionContext<'_>) -> Result<Value> {
    let fmt = str_arg(args, 0);
    let values = &args[1..];
    if values.is_empty() {
        let one = format(args, ret, ctx)?;
        return Ok(Value::List(Type::String, vec![one]));
    }
    enum Slot<'a> {
        Each(&'a [Value]),
        Single(&'a Value),
    }
    let mut iter_len: Option<(usize, usize)> = None;
    let mut slots = Vec::with_capacity(values.len());
    let mut unknown = false;
    for (i, v) in values.iter().enumerate() {
        let ty = v.ty();
        let sequence = matches!(ty, Type::List(_) | Type::Set(_) | Type::Tuple(_)) && !v.is_null();
        if sequence {
            let is_tuple = matches!(ty, Type::Tuple(_));
            let length_known = match v {
                Value::Set(_, items) => set_length_known(items),
                other => other.is_known(),
            };
            if !is_tuple && !length_known {
                unknown = true;
                slots.push(Slot::Single(v));
                continue;
            }
            let len = match &ty {
                Type::Tuple(etys) => etys.len(),
                _ => v.elements().map_or(0, <[Value]>::len),
            };
            match iter_len {
                None => iter_len = Some((len, i)),
                Some((want, chooser)) if want != len => {
                    return Err(CallError::arg(
                        i + 1,
                        format!(
                            "argument {} has length {len}, which is inconsistent with argument {} of length {want}",
                            i + 1,
                            chooser + 1
                        ),
                    ));
                }
                Some(_) => {}
            }
            if !v.is_known() {
                unknown = true;
                slots.push(Slot::Single(v));
                continue;
            }
            slots.push(Slot::Each(v.elements().unwrap_or(&[])));
        } else {
            if matches!(v, Value::Unknown(Type::Dynamic, _)) {
                unknown = true;
            }
            slots.push(Slot::Single(v));
        }
    }
    if unknown {
        return Ok(Value::unknown(ret.clone()));
    }
    let n = iter_len.map_or(1, |(len, _)| len);
    let mut out = Vec::with_capacity(n);
    for idx in 0..n {
        let call_args: Vec<Value> = slots
            .iter()
            .map(|s| match s {
                Slot::Each(items) => items.get(idx).cloned().unwrap_or(Value::NULL),
                Slot::Single(v) => (*v).clone(),
            })
            .collect();
        if !call_args.iter().all(Value::is_wholly_known) {
            out.push(Value::unknown(Type::String));
            continue;
        }
        let s = format_fsm(fmt, &call_args).map_err(|e| {
            let message = match e {
                CallError::Arg(_, m) | CallError::Msg(m) => m,
            };
            CallError::msg(format!("error on format iteration {idx}: {message}"))
        })?;
        out.push(string_val(s));
    }
    Ok(Value::List(Type::String, out))
}

/// One `%` sequence.
#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg_num: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// The scanner of cty's `format_fsm.rl`: `%` flags width? (`.` digits)? (`[` n `]`)? letter.
fn format_fsm(fmt: &str, args: &[Value]) -> Result<String> {
    let bytes = fmt.as_bytes();
    let mut out = String::with_capacity(fmt.len());
    let mut next_arg = 1usize;
    let mut highest = 0usize;
    let mut p = 0usize;
    let mut literal_start = 0usize;
    let eof =
        || CallError::msg(format!("invalid format string starting at offset {}", bytes.len()));
    let unrecognized = |p: usize| {
        let c = fmt[p..].chars().next().unwrap_or('\u{fffd}');
        CallError::msg(format!("unrecognized format character {} at offset {p}", go_quote_rune(c)))
    };
    while p < bytes.len() {
        if bytes[p] != b'%' {
            p += 1;
            continue;
        }
        out.push_str(&fmt[literal_start..p]);
        let start = p;
        p += 1;
        if p >= bytes.len() {
            return Err(eof());
        }
        if bytes[p] == b'%' {
            out.push('%');
            p += 1;
            literal_start = p;
            continue;
        }
        let mut verb = Verb { arg_num: next_arg, offset: start, ..Verb::default() };
        while p < bytes.len() {
            match bytes[p] {
                b'0' => verb.zero = true,
                b'#' => verb.sharp = true,
                b'-' => verb.minus = true,
                b'+' => verb.plus = true,
                b' ' => verb.space = true,
                _ => break,
            }
            p += 1;
        }
        if p < bytes.len() && bytes[p].is_ascii_digit() {
            let mut w = 0usize;
            while p < bytes.len() && bytes[p].is_ascii_digit() {
                w = w.saturating_mul(10).saturating_add(usize::from(bytes[p] - b'0'));
                p += 1;
            }
            verb.width = Some(w);
        }
        if p < bytes.len() && bytes[p] == b'.' {
            p += 1;
            let mut prec = 0usize;
            while p < bytes.len() && bytes[p].is_ascii_digit() {
                prec = prec.saturating_mul(10).saturating_add(usize::from(bytes[p] - b'0'));
                p += 1;
            }
            verb.prec = Some(prec);
        }
        if p < bytes.len() && bytes[p] == b'[' {
            p += 1;
            if p >= bytes.len() {
                return Err(eof());
            }
            if !(b'1'..=b'9').contains(&bytes[p]) {
                return Err(unrecognized(p));
            }
            let mut n = 0usize;
            while p < bytes.len() && bytes[p].is_ascii_digit() {
                n = n.saturating_mul(10).saturating_add(usize::from(bytes[p] - b'0'));
                p += 1;
            }
            if p >= bytes.len() {
                return Err(eof());
            }
            if bytes[p] != b']' {
                return Err(unrecognized(p));
            }
            p += 1;
            verb.arg_num = n;
        }
        if p >= bytes.len() {
            return Err(eof());
        }
        if !bytes[p].is_ascii_alphabetic() {
            return Err(unrecognized(p));
        }
        verb.mode = bytes[p] as char;
        p += 1;
        verb.raw = &fmt[start..p];
        highest = highest.max(verb.arg_num);
        format_append(&verb, &mut out, args)?;
        next_arg = verb.arg_num + 1;
        literal_start = p;
    }
    out.push_str(&fmt[literal_start..]);
    if highest < args.len() {
        let first_bad = highest + 1;
        if highest == 0 {
            return Err(CallError::arg(first_bad, "too many arguments; no verbs in format string"));
        }
        return Err(CallError::arg(
            first_bad,
            format!("too many arguments; only {highest} used by format string"),
        ));
    }
    Ok(out)
}

/// Go's `%q` of a rune: `'x'`.
fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn format_append(verb: &Verb<'_>, out: &mut String, args: &[Value]) -> Result<()> {
    let Some(value) = verb.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(CallError::msg(format!(
            "not enough arguments for {} at {}: need index {} but have {} total",
            go_quote(verb.raw),
            verb.offset,
            verb.arg_num,
            args.len()
        )));
    };
    if verb.mode != 'v' && value.is_null() {
        return Err(CallError::msg(format!(
            "unsupported value for {} at {}: null value cannot be formatted",
            go_quote(verb.raw),
            verb.offset
        )));
    }
    let unsupported = |message: String| {
        CallError::msg(format!(
            "unsupported value for {} at {}: {message}",
            go_quote(verb.raw),
            verb.offset
        ))
    };
    match verb.mode {
        'v' => {
            if !verb.sharp && !value.is_null() {
                match value {
                    Value::String(s) => {
                        out.push_str(&pad_width(verb, s.clone()));
                        return Ok(());
                    }
                    Value::Number(n) => {
                        out.push_str(&pad_width(verb, n.to_text_format(b'g', -1)));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            let json = marshal_json(value).map_err(unsupported)?;
            out.push_str(&pad_width(verb, json));
        }
        't' => {
            let b = convert(value, &Type::Bool).map_err(|e| unsupported(e.message))?;
            out.push_str(if b.as_bool() == Some(true) { "true" } else { "false" });
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = convert(value, &Type::Number).map_err(|e| unsupported(e.message))?;
            let n = n.as_number().cloned().unwrap_or_else(Number::zero);
            if matches!(verb.mode, 'e' | 'E' | 'f' | 'g' | 'G') {
                out.push_str(&format_float(verb, &n));
            } else {
                let i = n
                    .to_bigint()
                    .ok_or_else(|| unsupported("an integer is required".to_string()))?;
                out.push_str(&format_int(verb, &i));
            }
        }
        's' | 'q' => {
            let s = convert(value, &Type::String).map_err(|e| unsupported(e.message))?;
            let mut s = s.as_str().unwrap_or_default().to_string();
            if let Some(prec) = verb.prec.filter(|p| *p > 0) {
                s = s.graphemes(true).take(prec).collect();
            }
            if verb.mode == 'q' {
                s = super::encoding::json_quote(&s);
            }
            out.push_str(&pad_width(verb, s));
        }
        other => {
            return Err(CallError::msg(format!(
                "unsupported format verb {} in {} at offset {}",
                go_quote_rune(other),
                go_quote(verb.raw),
                verb.offset
            )));
        }
    }
    Ok(())
}

/// cty's `formatPadWidth`: pad to the width in grapheme clusters.
fn pad_width(verb: &Verb<'_>, s: String) -> String {
    let Some(width) = verb.width else { return s };
    let len = s.graphemes(true).count();
    if len >= width {
        return s;
    }
    let pad = (if verb.zero { "0" } else { " " }).repeat(width - len);
    if verb.minus { s + &pad } else { pad + &s }
}

/// Go's `big.Float.Format` for `e`, `E`, `f`, `g`, `G`.
fn format_float(verb: &Verb<'_>, n: &Number) -> String {
    let prec = match (verb.mode, verb.prec) {
        (_, Some(p)) => i64::try_from(p).unwrap_or(i64::MAX),
        ('g' | 'G', None) => -1,
        (_, None) => 6,
    };
    let text = n.to_text_format(verb.mode as u8, prec);
    let (sign, digits) = if let Some(rest) = text.strip_prefix('-') {
        ("-", rest)
    } else if let Some(rest) = text.strip_prefix('+') {
        (if verb.space { " " } else { "+" }, rest)
    } else if verb.plus {
        ("+", text.as_str())
    } else if verb.space {
        (" ", text.as_str())
    } else {
        ("", text.as_str())
    };
    let padding = verb.width.map_or(0, |w| w.saturating_sub(sign.len() + digits.len()));
    if verb.zero && !n.is_inf() {
        format!("{sign}{}{digits}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{digits}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{digits}", " ".repeat(padding))
    }
}

/// Go's `big.Int.Format` for `b`, `d`, `o`, `x`, `X`.
fn format_int(verb: &Verb<'_>, i: &BigInt) -> String {
    let (radix, prefix) = match verb.mode {
        'b' => (2, "0b"),
        'o' => (8, "0"),
        'x' => (16, "0x"),
        'X' => (16, "0X"),
        _ => (10, ""),
    };
    let neg = i.sign() == num_bigint::Sign::Minus;
    let mut digits = i.magnitude().to_str_radix(radix);
    if verb.mode == 'X' {
        digits = digits.to_uppercase();
    }
    let sign = if neg {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = if verb.sharp { prefix } else { "" };
    let mut zeros = 0usize;
    if let Some(prec) = verb.prec {
        if digits.len() < prec {
            zeros = prec - digits.len();
        } else if digits == "0" && prec == 0 {
            return String::new();
        }
    }
    let length = sign.len() + prefix.len() + zeros + digits.len();
    let (mut left, mut right) = (0usize, 0usize);
    if let Some(width) = verb.width.filter(|w| *w > length) {
        let d = width - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!("{}{sign}{prefix}{}{digits}{}", " ".repeat(left), "0".repeat(zeros), " ".repeat(right))
}
