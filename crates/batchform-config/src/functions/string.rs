//! String functions (go-cty `stdlib/string.go`, Terraform `funcs/string.go`).
//!
//! "Character" means grapheme cluster, as in cty (`strrev`, `substr`, `length`). Case
//! mapping is Go's simple one-to-one mapping: `upper("ß")` stays `ß`.

use super::spec::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

pub(super) fn register(all: &mut Vec<Function>) {
    let s = |name| Param::new(name, Type::String);
    let string = Ret::Static(|| Type::String);
    let boolean = Ret::Static(|| Type::Bool);
    all.push(Function::new("upper", vec![s("str").dynamic()], string, |a, _, _| {
        Ok(string_val(str_arg(a, 0).chars().map(go_upper).collect::<String>()))
    }));
    all.push(Function::new("lower", vec![s("str").dynamic()], string, |a, _, _| {
        Ok(string_val(str_arg(a, 0).chars().map(go_lower).collect::<String>()))
    }));
    all.push(Function::new("strrev", vec![s("str").dynamic()], string, |a, _, _| {
        Ok(string_val(str_arg(a, 0).graphemes(true).rev().collect::<String>()))
    }));
    all.push(Function::new(
        "substr",
        vec![
            s("str").dynamic(),
            Param::new("offset", Type::Number).dynamic(),
            Param::new("length", Type::Number).dynamic(),
        ],
        string,
        substr,
    ));
    all.push(
        Function::new("join", vec![s("separator")], string, join)
            .variadic(Param::new("lists", Type::list(Type::String))),
    );
    all.push(Function::new(
        "sort",
        vec![Param::new("list", Type::list(Type::String))],
        Ret::Static(|| Type::list(Type::String)),
        sort,
    ));
    all.push(Function::new(
        "split",
        vec![s("separator"), s("str")],
        Ret::Static(|| Type::list(Type::String)),
        split,
    ));
    all.push(Function::new("chomp", vec![s("str")], string, |a, _, _| {
        Ok(string_val(str_arg(a, 0).trim_end_matches(['\r', '\n'])))
    }));
    all.push(Function::new(
        "indent",
        vec![Param::new("spaces", Type::Number), s("str")],
        string,
        indent,
    ));
    all.push(Function::new("title", vec![s("str")], string, |a, _, _| {
        Ok(string_val(go_title(str_arg(a, 0))))
    }));
    all.push(Function::new("trimspace", vec![s("str")], string, |a, _, _| {
        Ok(string_val(str_arg(a, 0).trim()))
    }));
    all.push(Function::new("trim", vec![s("str"), s("cutset")], string, |a, _, _| {
        let cutset: Vec<char> = str_arg(a, 1).chars().collect();
        Ok(string_val(str_arg(a, 0).trim_matches(cutset.as_slice())))
    }));
    all.push(Function::new("trimprefix", vec![s("str"), s("prefix")], string, |a, _, _| {
        let (text, prefix) = (str_arg(a, 0), str_arg(a, 1));
        Ok(string_val(text.strip_prefix(prefix).unwrap_or(text)))
    }));
    all.push(Function::new("trimsuffix", vec![s("str"), s("suffix")], string, |a, _, _| {
        let (text, suffix) = (str_arg(a, 0), str_arg(a, 1));
        Ok(string_val(text.strip_suffix(suffix).unwrap_or(text)))
    }));
    all.push(Function::new("replace", vec![s("str"), s("substr"), s("replace")], string, replace));
    all.push(Function::new(
        "startswith",
        vec![s("str").unknown(), s("prefix")],
        boolean,
        |a, _, _| {
            let prefix = str_arg(a, 1);
            Ok(match arg(a, 0) {
                Value::Unknown(..) if prefix.is_empty() => Value::Bool(true),
                // A string known to start with `known` may already decide it.
                Value::Unknown(_, r) => match r.prefix.as_deref() {
                    Some(known) if known.starts_with(prefix) => Value::Bool(true),
                    Some(known) if known.len() >= prefix.len() => Value::Bool(false),
                    _ => Value::unknown(Type::Bool),
                },
                v => Value::Bool(v.as_str().unwrap_or_default().starts_with(prefix)),
            })
        },
    ));
    all.push(Function::new("endswith", vec![s("str"), s("suffix")], boolean, |a, _, _| {
        Ok(Value::Bool(str_arg(a, 0).ends_with(str_arg(a, 1))))
    }));
    all.push(Function::new("strcontains", vec![s("str"), s("substr")], boolean, |a, _, _| {
        Ok(Value::Bool(str_arg(a, 0).contains(str_arg(a, 1))))
    }));
}

/// Go's `unicode.ToUpper`: the simple mapping, so characters whose uppercase is several
/// characters stay as they are.
pub(super) fn go_upper(c: char) -> char {
    single(c.to_uppercase()).unwrap_or(c)
}

pub(super) fn go_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

/// Go's `unicode.ToTitle`: as upper, except for the Latin digraphs, whose title case is
/// their mixed form.
fn go_title_char(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => go_upper(c),
    }
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// Go's `strings.Title`: the first letter of each word in title case, where words are
/// separated by spaces and by ASCII characters other than letters, digits and `_`.
fn go_title(s: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { go_title_char(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn substr(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let text = str_arg(args, 0);
    let mut offset = to_int(&num_arg(args, 1))?;
    let length = to_int(&num_arg(args, 2))?;
    let clusters: Vec<&str> = text.graphemes(true).collect();
    if offset < 0 {
        offset += clusters.len() as i64;
    } else if length == 0 {
        return Ok(string_val(""));
    }
    // cty seeks cluster by cluster; past the end gives "".
    let start = if offset > 0 {
        if offset as u64 > clusters.len() as u64 {
            return Ok(string_val(""));
        }
        offset as usize
    } else {
        0
    };
    let rest = &clusters[start..];
    let taken = if length < 0 {
        rest.len()
    } else if length == 0 {
        // Only reached with a negative offset: cty's counting loop then never stops early.
        rest.len()
    } else {
        rest.len().min(usize::try_from(length).unwrap_or(usize::MAX))
    };
    Ok(string_val(rest[..taken].concat()))
}

fn join(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let sep = str_arg(args, 0);
    let lists = &args[1..];
    if lists.is_empty() {
        return Err(CallError::msg("at least one list is required"));
    }
    if !lists.iter().all(Value::is_wholly_known) {
        return Ok(Value::unknown(Type::String));
    }
    let mut items = Vec::new();
    for (li, list) in lists.iter().enumerate() {
        for (ei, v) in list.elements().unwrap_or(&[]).iter().enumerate() {
            match v.as_str() {
                Some(s) => items.push(s),
                None if lists.len() > 1 => {
                    return Err(CallError::arg(
                        li + 1,
                        format!(
                            "element {ei} of list {} is null; cannot concatenate null values",
                            li + 1
                        ),
                    ));
                }
                None => {
                    return Err(CallError::arg(
                        li + 1,
                        format!("element {ei} is null; cannot concatenate null values"),
                    ));
                }
            }
        }
    }
    Ok(string_val(items.join(sep)))
}

fn sort(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let list = arg(args, 0);
    let items = list.elements().unwrap_or(&[]);
    if !list.is_wholly_known() {
        // The order is not known yet, but the length is.
        return Ok(Value::List(Type::String, vec![Value::unknown(Type::String); items.len()]));
    }
    let mut strings = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        match v.as_str() {
            Some(s) => strings.push(s),
            None => {
                return Err(CallError::msg(format!(
                    "given list element {i} is null; a null string cannot be sorted"
                )));
            }
        }
    }
    strings.sort_unstable();
    Ok(Value::List(Type::String, strings.into_iter().map(string_val).collect()))
}

fn split(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (sep, text) = (str_arg(args, 0), str_arg(args, 1));
    let parts: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| string_val(c.to_string())).collect()
    } else {
        text.split(sep).map(string_val).collect()
    };
    Ok(Value::List(Type::String, parts))
}

fn indent(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let spaces = to_int(&num_arg(args, 0))?;
    if spaces < 0 {
        return Err(CallError::msg(
            "panic in function implementation: strings: negative Repeat count",
        ));
    }
    let pad = " ".repeat(usize::try_from(spaces).unwrap_or(0));
    Ok(string_val(str_arg(args, 1).replace('\n', &format!("\n{pad}"))))
}

fn replace(args: &[Value], _: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let (text, substr, with) = (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2));
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        let re = super::regex::compile(&substr[1..substr.len() - 1])?;
        return Ok(string_val(super::regex::replace_all(&re.re, text, with)));
    }
    Ok(string_val(text.replace(substr, with)))
}
