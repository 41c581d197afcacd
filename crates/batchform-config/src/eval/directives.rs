//! The nesting of a template's control directives (`%{ if }`, `%{ else }`, `%{ endif }`,
//! `%{ for }`, `%{ endfor }`), checked as hclsyntax's template parser does, so that an
//! unbalanced template gets HCL's diagnostic ("The if directive at ... is missing its
//! corresponding endif directive.") rather than a generic syntax error.
//!
//! Only the structure is checked: interpolations and directive expressions are skipped (with
//! their quoted strings and nested braces), not parsed.

use crate::source::SourceFile;
use batchform_core::{Diagnostic, SourceRange};

/// The first nesting error of the directives in a bare template (a `templatefile` file).
pub(crate) fn check(file: &SourceFile) -> Option<Diagnostic> {
    let mut open: Vec<Open> = Vec::new();
    for directive in directives(&file.text) {
        let range = file.range(directive.span.clone());
        let keyword = directive.keyword.as_str();
        let unexpected = |detail: String| {
            Some(
                Diagnostic::error(format!("Unexpected {keyword} directive"), detail)
                    .with_subject(Some(range.clone())),
            )
        };
        if matches!(keyword, "if" | "for") {
            open.push(Open { keyword: keyword.to_string(), range, in_else: false });
            continue;
        }
        match (keyword, open.last_mut()) {
            ("else", Some(top)) if top.keyword == "if" && !top.in_else => top.in_else = true,
            ("else", Some(top)) if top.keyword == "if" => {
                return unexpected(format!(
                    "Already in the else clause for the if started at {}.",
                    crate::model::range_text(&top.range)
                ));
            }
            ("else", Some(_)) => {
                return unexpected("An else clause is not expected for a for directive.".into());
            }
            ("endif", Some(top)) if top.keyword == "if" => drop(open.pop()),
            ("endfor", Some(top)) if top.keyword == "for" => drop(open.pop()),
            ("endif" | "endfor", Some(top)) if top.keyword == "if" => {
                return unexpected(format!(
                    "Expecting an endif directive for the if started at {}.",
                    crate::model::range_text(&top.range)
                ));
            }
            ("endif" | "endfor", Some(top)) => {
                return unexpected(format!(
                    "Expecting an endfor directive corresponding to the for directive at {}.",
                    crate::model::range_text(&top.range)
                ));
            }
            ("else" | "endif" | "endfor", None) => {
                return unexpected(
                    "The control directives within this template are unbalanced.".into(),
                );
            }
            // Other keywords are reported by the parser.
            _ => {}
        }
    }
    let top = open.pop()?;
    let end = file.text.len();
    let closer = if top.keyword == "if" { "endif" } else { "endfor" };
    Some(
        Diagnostic::error(
            "Unexpected end of template",
            format!(
                "The {} directive at {} is missing its corresponding {closer} directive.",
                top.keyword,
                crate::model::range_text(&top.range)
            ),
        )
        .with_subject(Some(file.range(end..end))),
    )
}

struct Open {
    keyword: String,
    range: SourceRange,
    in_else: bool,
}

struct Directive {
    keyword: String,
    /// From `%{` through `}`.
    span: std::ops::Range<usize>,
}

/// The directives of a template, in order.
fn directives(text: &str) -> Vec<Directive> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let pair = &bytes[i..i + 2];
        let escaped = i + 2 < bytes.len() && bytes[i + 2] == b'{';
        if (pair == b"$$" || pair == b"%%") && escaped {
            // `$${` and `%%{` are literal text.
            i += 3;
        } else if pair == b"${" {
            i = skip_sequence(bytes, i + 2);
        } else if pair == b"%{" {
            let end = skip_sequence(bytes, i + 2);
            let inner = text.get(i + 2..end.saturating_sub(1)).unwrap_or_default();
            let keyword = inner
                .trim_start_matches('~')
                .trim_start()
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default()
                .to_string();
            out.push(Directive { keyword, span: i..end });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// The offset after the `}` that closes a sequence whose content starts at `from`, skipping
/// quoted strings and nested braces (the end of the text when it is not closed).
fn skip_sequence(bytes: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => depth += 1,
            b'}' if depth == 0 => return i + 1,
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> Option<(String, String)> {
        check(&SourceFile::new("t.tftpl", text)).map(|d| (d.summary, d.detail))
    }

    #[test]
    fn balanced_templates_pass() {
        assert_eq!(error("%{ if a }x%{ else }y%{ endif }"), None);
        assert_eq!(error("%{ for x in xs ~}${x}%{ endfor ~}"), None);
        assert_eq!(error("$${ not } %%{ if } ${ \"}\" }"), None);
    }

    #[test]
    fn unbalanced_templates_fail_as_hcl_says() {
        // The first is terraform 1.11.4's templatefile (corpus fn-templatefile-10); the others
        // are hclsyntax's parser_template.go wording.
        assert_eq!(
            error("%{ if true }unterminated\n"),
            Some((
                "Unexpected end of template".into(),
                "The if directive at t.tftpl:1,1-13 is missing its corresponding endif directive."
                    .into()
            ))
        );
        assert_eq!(error("x%{ endif }").map(|e| e.0), Some("Unexpected endif directive".into()));
        assert_eq!(
            error("%{ for x in y }%{ else }%{ endfor }").map(|e| e.1),
            Some("An else clause is not expected for a for directive.".into())
        );
    }
}
