//! `fileset`, with the glob semantics of the `doublestar` v1 package Terraform uses:
//! `*`, `?`, `[...]`, `{a,b}`, `\` escapes, and `**` for any number of directories.

use super::encoding::redact;
use super::filesystem::{FileKind, go_path, path_string};
use super::spec::prelude::*;
use std::path::Path;

/// `doublestar.ErrBadPattern` (Go's `path.ErrBadPattern`).
const BAD_PATTERN: &str = "syntax error in pattern";

pub(super) fn fileset(args: &[Value], _: &Type, ctx: &FunctionContext<'_>) -> Result<Value> {
    let (path, path_marked) = arg(args, 0).unmarked();
    let (pattern, pattern_marked) = arg(args, 1).unmarked();
    let marked = path_marked || pattern_marked;
    let mut path = path.as_str().unwrap_or_default().to_string();
    if !go_path::is_abs(&path) {
        path = go_path::join(&[&path_string(ctx.base_dir), &path]);
    }
    let full = go_path::join(&[&path, pattern.as_str().unwrap_or_default()]);
    let matches = glob(ctx, &full).map_err(|e| {
        CallError::msg(format!("failed to glob pattern {}: {e}", redact(&full, marked)))
    })?;
    let mut out = Vec::new();
    for m in matches {
        match ctx.fs.stat(Path::new(&m)) {
            Ok(FileKind::File) => {}
            Ok(_) => continue,
            Err(e) => {
                return Err(CallError::msg(format!("failed to stat {}: {e}", redact(&m, marked))));
            }
        }
        let rel = go_path::rel(&path, &m).ok_or_else(|| {
            CallError::msg(format!("failed to trim path of match {}", redact(&m, marked)))
        })?;
        out.push(string_val(rel));
    }
    Ok(Value::set(Type::String, out).with_sensitive(marked))
}

/// doublestar's `Glob`.
fn glob(
    ctx: &FunctionContext<'_>,
    pattern: &str,
) -> std::result::Result<Vec<String>, &'static str> {
    let components = split_on_separator(pattern, '/');
    let mut matches = Vec::new();
    if components.first().is_some_and(|c| c.is_empty()) {
        do_glob(ctx, "/", &components, &mut matches)?;
    } else {
        do_glob(ctx, ".", &components, &mut matches)?;
    }
    Ok(matches)
}

fn do_glob(
    ctx: &FunctionContext<'_>,
    basedir: &str,
    components: &[String],
    matches: &mut Vec<String>,
) -> std::result::Result<(), &'static str> {
    let literal = components.iter().take_while(|c| !c.contains(['*', '?', '[', '{', '\\'])).count();
    let mut basedir = basedir.to_string();
    if literal > 0 {
        let parts: Vec<&str> = components[..literal].iter().map(String::as_str).collect();
        basedir = go_path::join(&[&basedir, &go_path::join(&parts)]);
    }
    let Ok(mut kind) = ctx.fs.lstat(Path::new(&basedir)) else { return Ok(()) };
    if literal >= components.len() {
        matches.push(basedir);
        return Ok(());
    }
    if kind == FileKind::Symlink {
        match ctx.fs.stat(Path::new(&basedir)) {
            Ok(k) => kind = k,
            Err(_) => return Ok(()),
        }
    }
    if kind != FileKind::Dir {
        return Ok(());
    }
    let Ok(entries) = ctx.fs.read_dir(Path::new(&basedir)) else { return Ok(()) };
    let mut idx = literal;
    let mut last = idx + 1 >= components.len();
    if components[idx] == "**" {
        for entry in &entries {
            let child = go_path::join(&[&basedir, &entry.name]);
            if entry.kind == FileKind::Dir {
                if last {
                    matches.push(child.clone());
                }
                do_glob(ctx, &child, &components[idx..], matches)?;
            } else if last {
                matches.push(child);
            }
        }
        if last {
            return Ok(());
        }
        idx += 1;
        last = idx + 1 >= components.len();
    }
    for entry in &entries {
        if match_component(&components[idx], &entry.name)? {
            let child = go_path::join(&[&basedir, &entry.name]);
            if last {
                matches.push(child);
            } else {
                do_glob(ctx, &child, &components[idx + 1..], matches)?;
            }
        }
    }
    Ok(())
}

/// Split on a separator that is not escaped with `\`.
fn split_on_separator(path: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev = '\0';
    for c in path.chars() {
        if c == sep && prev != '\\' {
            out.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
        prev = c;
    }
    out.push(current);
    out
}

/// doublestar's `matchComponent`: one path component against one pattern component.
fn match_component(pattern: &str, name: &str) -> std::result::Result<bool, &'static str> {
    let pat: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_chars(&pat, &name)
}

fn match_chars(pat: &[char], name: &[char]) -> std::result::Result<bool, &'static str> {
    if pat.is_empty() && name.is_empty() {
        return Ok(true);
    }
    if pat.is_empty() {
        return Ok(false);
    }
    if name.is_empty() && pat != ['*'] {
        return Ok(false);
    }
    let (mut p, mut n) = (0usize, 0usize);
    while p < pat.len() && n < name.len() {
        match pat[p] {
            '\\' => {
                p += 1;
                let Some(&c) = pat.get(p) else { return Err(BAD_PATTERN) };
                if c != name[n] {
                    return Ok(false);
                }
                p += 1;
                n += 1;
            }
            '*' => {
                p += 1;
                if p >= pat.len() {
                    return Ok(true);
                }
                for start in n..name.len() {
                    if match_chars(&pat[p..], &name[start..]).unwrap_or(false) {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            '[' => {
                p += 1;
                let end = index_with_escaping(&pat[p..], ']').ok_or(BAD_PATTERN)? + p;
                let class = &pat[p..end];
                if class.is_empty() {
                    return Err(BAD_PATTERN);
                }
                let negated = class[0] == '^';
                let mut i = usize::from(negated);
                let mut matched = false;
                while i < class.len() {
                    let mut low = class[i];
                    if low == '-' {
                        return Err(BAD_PATTERN);
                    }
                    i += 1;
                    if low == '\\' {
                        low = *class.get(i).ok_or(BAD_PATTERN)?;
                        i += 1;
                    }
                    let mut high = low;
                    if class.get(i) == Some(&'-') {
                        i += 1;
                        high = *class.get(i).ok_or(BAD_PATTERN)?;
                        if high == '-' {
                            return Err(BAD_PATTERN);
                        }
                        i += 1;
                        if high == '\\' {
                            high = *class.get(i).ok_or(BAD_PATTERN)?;
                            i += 1;
                        }
                    }
                    if low <= name[n] && name[n] <= high {
                        matched = true;
                    }
                }
                if matched == negated {
                    return Ok(false);
                }
                p = end + 1;
                n += 1;
            }
            '{' => {
                p += 1;
                let end = index_with_escaping(&pat[p..], '}').ok_or(BAD_PATTERN)? + p;
                let options: String = pat[p..end].iter().collect();
                let rest: String = pat[end + 1..].iter().collect();
                for option in split_on_separator(&options, ',') {
                    let candidate: Vec<char> = option.chars().chain(rest.chars()).collect();
                    if match_chars(&candidate, &name[n..])? {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            c if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => return Ok(false),
        }
    }
    let rest = &pat[p..];
    Ok((p >= pat.len() && n >= name.len())
        || (n >= name.len() && rest == ['*'])
        || rest == ['*', '*'])
}

/// Position of `c` not preceded by `\`.
fn index_with_escaping(s: &[char], c: char) -> Option<usize> {
    let mut i = 0;
    while i < s.len() {
        if s[i] == c && (i == 0 || s[i - 1] != '\\') {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_match_as_doublestar_does() {
        let m = |p: &str, n: &str| match_component(p, n);
        assert_eq!(m("*.txt", "a.txt"), Ok(true));
        assert_eq!(m("*.txt", "a.tx"), Ok(false));
        assert_eq!(m("?.txt", "ab.txt"), Ok(false));
        assert_eq!(m("[a-c]x", "bx"), Ok(true));
        assert_eq!(m("[^a-c]x", "bx"), Ok(false));
        assert_eq!(m("{a,b}.md", "b.md"), Ok(true));
        assert_eq!(m("{a,b}.md", "c.md"), Ok(false));
        assert_eq!(m("\\*", "*"), Ok(true));
        assert_eq!(m("[", "a"), Err(BAD_PATTERN));
        assert_eq!(m("*", ""), Ok(true));
    }
}
