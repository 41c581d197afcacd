//! `regex` and `regexall` (go-cty `stdlib/regexp.go`), and the regular expressions of
//! `replace`.
//!
//! Terraform uses Go's RE2 syntax. The `regex` crate accepts the same syntax with two
//! differences that change results: its `\d`, `\w`, `\s` and `\b` are Unicode-aware where
//! Go's are ASCII-only, and Go supports `\Q...\E` quoting. [`translate`] rewrites those before
//! compiling, so patterns mean what they mean in Terraform.

use super::spec::prelude::*;
use regex::Regex;
use std::collections::BTreeMap;

pub(super) fn register(all: &mut Vec<Function>) {
    let params = || vec![Param::new("pattern", Type::String), Param::new("string", Type::String)];
    all.push(Function::new(
        "regex",
        params(),
        Ret::Computed(|args, _| {
            let pattern = arg(args, 0);
            if !pattern.is_known() {
                return Ok(Type::Dynamic);
            }
            result_type(pattern.as_str().unwrap_or_default()).map_err(|e| CallError::arg(0, e))
        }),
        regex_fn,
    ));
    all.push(Function::new(
        "regexall",
        params(),
        Ret::Computed(|args, _| {
            let pattern = arg(args, 0);
            if !pattern.is_known() {
                return Ok(Type::list(Type::Dynamic));
            }
            let ety = result_type(pattern.as_str().unwrap_or_default())
                .map_err(|e| CallError::arg(0, e))?;
            Ok(Type::list(ety))
        }),
        regexall,
    ));
}

fn regex_fn(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    if *ret == Type::Dynamic {
        return Ok(Value::DYNAMIC_UNKNOWN);
    }
    let re = compile(str_arg(args, 0))
        .map_err(|e| CallError::arg(0, format!("error parsing pattern: {}", message(&e))))?;
    let text = str_arg(args, 1);
    let caps = re
        .re
        .captures(text)
        .ok_or_else(|| CallError::msg("pattern did not match any part of the given string"))?;
    Ok(result(&re, &caps, ret))
}

fn regexall(args: &[Value], ret: &Type, _: &FunctionContext<'_>) -> Result<Value> {
    let ety = ret.element_type().cloned().unwrap_or(Type::Dynamic);
    if ety == Type::Dynamic {
        return Ok(Value::DYNAMIC_UNKNOWN);
    }
    let re = compile(str_arg(args, 0))
        .map_err(|e| CallError::arg(0, format!("error parsing pattern: {}", message(&e))))?;
    let text = str_arg(args, 1);
    let elems = re.re.captures_iter(text).map(|caps| result(&re, &caps, &ety)).collect();
    Ok(Value::List(ety, elems))
}

/// cty's `regexPatternResultType`: a string without groups, a tuple of strings for unnamed
/// groups, an object for named ones.
fn result_type(pattern: &str) -> std::result::Result<Type, String> {
    let re = compile(pattern).map_err(|e| match &e {
        PatternError::Syntax { code, expr } => format!("invalid regexp pattern: {code} in {expr}"),
        PatternError::Other(m) => format!("error parsing pattern: {m}"),
    })?;
    let mut names = Vec::new();
    let mut unnamed = 0;
    for name in re.group_names() {
        match name {
            Some(n) => names.push(n.to_string()),
            None => unnamed += 1,
        }
    }
    match (unnamed, names.is_empty()) {
        (0, true) => Ok(Type::String),
        (0, false) => Ok(Type::Object(names.into_iter().map(|n| (n, Type::String)).collect())),
        (_, false) => {
            Err("invalid regexp pattern: cannot mix both named and unnamed capture groups".into())
        }
        (n, true) => Ok(Type::Tuple(vec![Type::String; n])),
    }
}

fn result(re: &GoRegex, caps: &regex::Captures<'_>, ty: &Type) -> Value {
    let group = |i: usize| match caps.get(i) {
        Some(m) => string_val(m.as_str()),
        None => Value::Null(Type::String),
    };
    match ty {
        Type::Tuple(etys) => Value::Tuple((1..=etys.len()).map(group).collect()),
        Type::Object(_) => {
            // A repeated name takes its last group's match, as cty's loop over the names does.
            let attrs: BTreeMap<String, Value> = re
                .group_names()
                .enumerate()
                .filter_map(|(i, name)| Some((name?.to_string(), group(i + 1))))
                .collect();
            Value::Object(attrs)
        }
        _ => group(0),
    }
}

/// A pattern Go would reject, described as Go's `regexp/syntax.Error` does.
#[derive(Debug)]
pub(super) enum PatternError {
    Syntax { code: &'static str, expr: String },
    Other(String),
}

/// Go's `err.Error()` for a pattern error.
pub(super) fn message(e: &PatternError) -> String {
    match e {
        PatternError::Syntax { code, expr } => format!("error parsing regexp: {code}: `{expr}`"),
        PatternError::Other(m) => m.clone(),
    }
}

impl From<PatternError> for CallError {
    fn from(e: PatternError) -> CallError {
        CallError::msg(message(&e))
    }
}

/// A compiled Go RE2 pattern.
pub(super) struct GoRegex {
    pub re: Regex,
    /// The capture group names as Go has them, by group index. Go allows a name twice; the
    /// `regex` crate does not, so repeated names are compiled under other names.
    names: Vec<Option<String>>,
}

impl GoRegex {
    /// The names of the capture groups after the whole match, in order.
    fn group_names(&self) -> impl Iterator<Item = Option<&str>> {
        self.names.iter().skip(1).map(Option::as_deref)
    }
}

/// Compile a Go RE2 pattern.
pub(super) fn compile(pattern: &str) -> std::result::Result<GoRegex, PatternError> {
    use regex_syntax::ast::ErrorKind;
    let (unique, go_names) = rename_repeated_groups(pattern);
    // Syntax errors are found on the pattern as written, so they can name its text.
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        if !matches!(e.kind(), ErrorKind::GroupNameDuplicate { .. }) {
            return Err(go_error(pattern, &e));
        }
        if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(&unique) {
            return Err(go_error(&unique, &e));
        }
    }
    let translated = translate(&unique)?;
    let re =
        regex::RegexBuilder::new(&translated).size_limit(1 << 24).build().map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                PatternError::Syntax { code: "expression too large", expr: pattern.to_string() }
            }
            other => PatternError::Other(format!("error parsing regexp: {other}")),
        })?;
    // Our renamed groups back to the names Go gives them.
    let names = re
        .capture_names()
        .map(|n| n.map(|n| go_names.get(n).cloned().unwrap_or_else(|| n.to_string())))
        .collect();
    Ok(GoRegex { re, names })
}

/// The pattern with every repeated group name (`(?P<x>` or `(?<x>`) replaced by a fresh one,
/// and the fresh names mapped to the names they replace.
fn rename_repeated_groups(pattern: &str) -> (String, BTreeMap<String, String>) {
    let names = group_name_spans(pattern);
    let taken: std::collections::BTreeSet<&str> =
        names.iter().map(|&(s, e)| &pattern[s..e]).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut renamed = BTreeMap::new();
    let mut out = String::with_capacity(pattern.len());
    let mut last = 0;
    for (start, end) in names {
        let name = &pattern[start..end];
        if seen.insert(name) {
            continue;
        }
        let fresh = (1..)
            .map(|i| format!("{name}_{i}"))
            .find(|n| !taken.contains(n.as_str()) && !renamed.contains_key(n))
            .unwrap_or_default();
        out.push_str(&pattern[last..start]);
        out.push_str(&fresh);
        renamed.insert(fresh, name.to_string());
        last = end;
    }
    out.push_str(&pattern[last..]);
    (out, renamed)
}

/// Byte spans of the names of named groups, outside character classes and escapes.
fn group_name_spans(pattern: &str) -> Vec<(usize, usize)> {
    let bytes = pattern.as_bytes();
    let mut spans = Vec::new();
    let (mut i, mut in_class) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !in_class => {
                in_class = true;
                // A `]` right after `[` or `[^` is a literal.
                if bytes.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => in_class = false,
            b'(' if !in_class => {
                let rest = &pattern[i + 1..];
                let intro = ["?P<", "?<"].into_iter().find(|p| rest.starts_with(p));
                if let Some(intro) = intro {
                    let start = i + 1 + intro.len();
                    if let Some(len) = pattern[start..].find('>') {
                        spans.push((start, start + len));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    spans
}

/// Go's `Regexp.ReplaceAllString`: `$1`, `${name}` and `$$` in the replacement, where a
/// name is the longest run of letters, digits and underscores (as in Rust's `regex`).
pub(super) fn replace_all(re: &Regex, text: &str, with: &str) -> String {
    re.replace_all(text, with).into_owned()
}

const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = r"\t\n\f\r ";

/// Rewrite Go-only meanings into the `regex` crate's equivalent syntax.
fn translate(pattern: &str) -> std::result::Result<String, PatternError> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(PatternError::Syntax {
                        code: "trailing backslash at end of expression",
                        expr: String::new(),
                    });
                };
                match e {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        let set = match e.to_ascii_lowercase() {
                            'd' => "0-9",
                            'w' => WORD,
                            _ => SPACE,
                        };
                        let negated = if e.is_ascii_uppercase() { "^" } else { "" };
                        out.push_str(&format!("[{negated}{set}]"));
                    }
                    'b' | 'B' if !in_class => out.push_str(&format!("(?-u:\\{e})")),
                    'Q' => {
                        let rest = &pattern[i + 2..];
                        let (quoted, consumed) = match rest.find("\\E") {
                            Some(end) => (&rest[..end], end + 2),
                            None => (rest, rest.len()),
                        };
                        out.push_str(&regex::escape(quoted));
                        let stop = i + 2 + consumed;
                        while chars.peek().is_some_and(|(j, _)| *j < stop) {
                            chars.next();
                        }
                    }
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal in both syntaxes.
                if chars.peek().is_some_and(|(_, n)| *n == '^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek().is_some_and(|(_, n)| *n == ']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' if chars.peek().is_some_and(|(_, n)| *n == ':') => {
                // A POSIX class such as [:alpha:], the same in both syntaxes.
                out.push('[');
                for (_, n) in chars.by_ref() {
                    out.push(n);
                    if n == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                // Set-operation characters of `regex` classes are literals in Go.
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Go's error code and offending text for a syntax error.
fn go_error(pattern: &str, e: &regex_syntax::ast::Error) -> PatternError {
    use regex_syntax::ast::ErrorKind as K;
    let span = e.span();
    let spanned = pattern.get(span.start.offset..span.end.offset).unwrap_or(pattern);
    let from_start = pattern.get(span.start.offset..).unwrap_or(pattern);
    let (code, expr) = match e.kind() {
        K::GroupUnclosed => ("missing closing )", pattern),
        K::GroupUnopened => ("unexpected )", pattern),
        K::ClassUnclosed => ("missing closing ]", from_start),
        K::RepetitionMissing => ("missing argument to repetition operator", spanned),
        K::RepetitionCountInvalid
        | K::RepetitionCountUnclosed
        | K::RepetitionCountDecimalEmpty
        | K::DecimalInvalid
        | K::DecimalEmpty => ("invalid repeat count", spanned),
        K::ClassRangeInvalid | K::ClassRangeLiteral => ("invalid character class range", spanned),
        K::ClassEscapeInvalid
        | K::EscapeUnrecognized
        | K::EscapeHexEmpty
        | K::EscapeHexInvalid
        | K::EscapeHexInvalidDigit
        | K::EscapeUnexpectedEof
        | K::UnsupportedBackreference
        | K::SpecialWordBoundaryUnclosed
        | K::SpecialWordBoundaryUnrecognized
        | K::SpecialWordOrRepetitionUnexpectedEof => ("invalid escape sequence", spanned),
        K::UnicodeClassInvalid => ("invalid character class range", spanned),
        K::GroupNameDuplicate { .. }
        | K::GroupNameEmpty
        | K::GroupNameInvalid
        | K::GroupNameUnexpectedEof => ("invalid named capture", spanned),
        K::NestLimitExceeded(_) => ("expression nests too deeply", pattern),
        _ => ("invalid or unsupported Perl syntax", spanned),
    };
    PatternError::Syntax { code, expr: expr.to_string() }
}
