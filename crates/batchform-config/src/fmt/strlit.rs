//! String literal tokens: decoding escapes as `hclsyntax.ParseStringLiteralToken` does (with
//! its diagnostics), and re-quoting a string as `hclwrite.TokensForValue` does.

use unicode_general_category::{GeneralCategory, get_general_category};

/// A problem with an escape sequence: summary, detail, and the byte span inside the token.
pub(crate) struct EscapeError {
    pub summary: &'static str,
    pub detail: String,
    pub span: std::ops::Range<usize>,
}

/// Decode a `QuotedLit` (`quoted`) or `StringLit` token's bytes.
pub(crate) fn decode(bytes: &[u8], quoted: bool) -> (String, Vec<EscapeError>) {
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut errors = Vec::new();
    for span in slices(bytes, quoted) {
        let slice = &bytes[span.clone()];
        if slice.is_empty() {
            continue;
        }
        match slice[0] {
            b'\\' if quoted => {
                if slice.len() < 2 {
                    errors.push(EscapeError {
                        summary: "Invalid escape sequence",
                        detail: "Backslash must be followed by an escape sequence selector \
                                 character."
                            .into(),
                        span,
                    });
                    out.extend_from_slice(slice);
                    continue;
                }
                match slice[1] {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'"' => out.push(b'"'),
                    b'\\' => out.push(b'\\'),
                    b'u' | b'U' => {
                        let (want, what) =
                            if slice[1] == b'u' { (6, "four") } else { (10, "eight") };
                        if slice.len() != want {
                            errors.push(EscapeError {
                                summary: "Invalid escape sequence",
                                detail: format!(
                                    "The \\{} escape sequence must be followed by {what} \
                                     hexadecimal digits.",
                                    slice[1] as char
                                ),
                                span,
                            });
                            out.extend_from_slice(slice);
                            continue;
                        }
                        let hex = std::str::from_utf8(&slice[2..]).unwrap_or("");
                        let num = u32::from_str_radix(hex, 16).unwrap_or(u32::MAX);
                        match char::from_u32(num) {
                            Some(ch) => {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                            None => {
                                errors.push(EscapeError {
                                    summary: "Invalid escape sequence",
                                    detail: format!(
                                        "Cannot encode character U+{num:04x} in UTF-8."
                                    ),
                                    span,
                                });
                                out.extend_from_slice(slice);
                            }
                        }
                    }
                    _ => {
                        let rest = String::from_utf8_lossy(&slice[1..]);
                        errors.push(EscapeError {
                            summary: "Invalid escape sequence",
                            detail: format!(
                                "The symbol {} is not a valid escape sequence selector.",
                                go_quote(&rest)
                            ),
                            span,
                        });
                        out.extend_from_slice(&slice[1..]);
                    }
                }
            }
            b'$' | b'%' if slice.len() == 3 && slice[1] == slice[0] && slice[2] == b'{' => {
                out.push(slice[0]);
                out.push(b'{');
            }
            _ => out.extend_from_slice(slice),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), errors)
}

/// Split a literal into literal runs and escape/template-escape/newline units, as
/// `scanStringLit` does.
fn slices(b: &[u8], quoted: bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    while i < b.len() {
        let unit_end = match b[i] {
            b'\\' if quoted => match b.get(i + 1) {
                Some(b'u') => i + 2 + hex_run(&b[i + 2..], 4),
                Some(b'U') => i + 2 + hex_run(&b[i + 2..], 8),
                Some(_) => i + 1 + utf8_len(&b[i + 1..]),
                None => i + 1,
            },
            c @ (b'$' | b'%') => {
                if b.get(i + 1) == Some(&c) {
                    if b.get(i + 2) == Some(&b'{') { i + 3 } else { i + 2 }
                } else {
                    i + 1
                }
            }
            b'\r' if b.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        if lit_start < i {
            out.push(lit_start..i);
        }
        out.push(i..unit_end);
        i = unit_end;
        lit_start = i;
    }
    if lit_start < b.len() {
        out.push(lit_start..b.len());
    }
    out
}

fn hex_run(b: &[u8], max: usize) -> usize {
    b.iter().take(max).take_while(|c| c.is_ascii_hexdigit()).count()
}

fn utf8_len(b: &[u8]) -> usize {
    match b.first() {
        Some(0xC0..=0xDF) => 2.min(b.len()),
        Some(0xE0..=0xEF) => 3.min(b.len()),
        Some(0xF0..=0xF7) => 4.min(b.len()),
        _ => 1,
    }
}

/// The body of a quoted string for `s`, as hclwrite's `escapeQuotedStringLit` writes it.
pub(crate) fn escape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            _ if !go_is_print(c) => {
                let n = c as u32;
                if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub(crate) fn go_is_print(c: char) -> bool {
    use GeneralCategory::*;
    if c == ' ' {
        return true;
    }
    matches!(
        get_general_category(c),
        UppercaseLetter
            | LowercaseLetter
            | TitlecaseLetter
            | ModifierLetter
            | OtherLetter
            | NonspacingMark
            | SpacingMark
            | EnclosingMark
            | DecimalNumber
            | LetterNumber
            | OtherNumber
            | ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
            | MathSymbol
            | CurrencySymbol
            | ModifierSymbol
            | OtherSymbol
    )
}

/// Go's `%q` for a string (`strconv.Quote`).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            _ if go_is_print(c) => out.push(c),
            _ if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            _ => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_template_escapes() {
        let (s, errs) = decode(br#"a\"b\u0041\t$${x}"#, true);
        assert!(errs.is_empty());
        assert_eq!(s, "a\"bA\t${x}");
    }

    #[test]
    fn reports_bad_escapes_with_their_span() {
        let (_, errs) = decode(br"ab\qc\u12", true);
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].detail, r#"The symbol "q" is not a valid escape sequence selector."#);
        assert_eq!(errs[0].span, 2..4);
        assert_eq!(errs[1].span, 5..9);
    }

    #[test]
    fn escapes_as_hclwrite_does() {
        assert_eq!(escape_quoted("a\"b\tc${d}\u{200b}é"), r#"a\"b\tc$${d}\u200bé"#);
    }
}
