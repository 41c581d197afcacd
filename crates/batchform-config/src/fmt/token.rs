//! Tokens of HCL native syntax, with the same types and boundaries as `hclsyntax`'s scanner.
//!
//! Whitespace between tokens is not a token: hclwrite recreates it from byte offsets, and
//! the formatter recomputes it anyway. Newlines, comments and heredoc lines are tokens.

use batchform_core::{Diagnostic, Pos, SourceRange};
use unicode_segmentation::UnicodeSegmentation;

/// The type of a token; names follow `hclsyntax.TokenType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TokenType {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,

    Star,
    Slash,
    Plus,
    Minus,
    Percent,

    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,

    And,
    Or,
    Bang,

    Dot,
    Comma,
    DoubleColon,
    Ellipsis,
    FatArrow,
    Question,
    Colon,

    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,

    /// A literal chunk of a quoted string; may contain backslash escapes.
    QuotedLit,
    /// A literal chunk of a heredoc; no escapes.
    StringLit,
    NumberLit,
    Ident,

    /// `#` and `//` comments include their terminating newline; `/* */` ones do not.
    Comment,
    Newline,
    Eof,

    // Recognized only to give good diagnostics.
    BitwiseAnd,
    BitwiseOr,
    BitwiseNot,
    BitwiseXor,
    Apostrophe,
    Backtick,
    Semicolon,
    Invalid,
    BadUtf8,
    QuotedNewline,

    /// Placeholder for "no token" in the formatter's neighbour checks; never scanned.
    Nil,
}

impl TokenType {
    /// +1 for openers, -1 for closers, as hclwrite's `tokenBracketChange`.
    pub(crate) fn bracket_change(self) -> i32 {
        use TokenType::*;
        match self {
            OBrace | OBrack | OParen | TemplateControl | TemplateInterp => 1,
            CBrace | CBrack | CParen | TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

/// One scanned token: its type, byte span in the source, and source positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub ty: TokenType,
    pub start: usize,
    pub end: usize,
    pub start_pos: Pos,
    pub end_pos: Pos,
}

impl Token {
    pub(crate) fn bytes<'a>(&self, src: &'a [u8]) -> &'a [u8] {
        &src[self.start..self.end]
    }

    /// Whether a `#` or `//` comment token ends its line (it swallowed the newline).
    pub(crate) fn ends_with_newline(&self, src: &[u8]) -> bool {
        self.end > self.start && src[self.end - 1] == b'\n'
    }
}

/// Calls `f` for each grapheme cluster of `bytes`, as Go's textseg does: valid UTF-8 runs are
/// segmented by UAX #29, and each byte of an invalid sequence counts as one cluster.
pub(crate) fn for_each_grapheme(bytes: &[u8], mut f: impl FnMut(&str)) {
    for chunk in bytes.utf8_chunks() {
        for g in chunk.valid().graphemes(true) {
            f(g);
        }
        for _ in chunk.invalid() {
            f("\u{FFFD}");
        }
    }
}

/// Number of grapheme clusters in `bytes`.
pub(crate) fn grapheme_count(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        // In ASCII only CR LF forms a multi-byte cluster.
        return bytes.len() - bytes.windows(2).filter(|w| w == b"\r\n").count();
    }
    let mut n = 0;
    for_each_grapheme(bytes, |_| n += 1);
    n
}

/// The position after `bytes`, which start at `start`: a `\n` or `\r\n` cluster starts a
/// new line, anything else advances one column (hcl's `tokenAccum.emitToken`).
pub(crate) fn advance(start: Pos, bytes: &[u8]) -> Pos {
    let mut end = start;
    end.byte += bytes.len();
    if bytes.is_ascii() {
        match bytes.iter().rposition(|&b| b == b'\n') {
            None => end.column += grapheme_count(bytes),
            Some(last) => {
                end.line += bytes.iter().filter(|&&b| b == b'\n').count();
                end.column = 1 + grapheme_count(&bytes[last + 1..]);
            }
        }
        return end;
    }
    for_each_grapheme(bytes, |g| {
        if g == "\n" || g == "\r\n" {
            end.line += 1;
            end.column = 1;
        } else {
            end.column += 1;
        }
    });
    end
}

/// Diagnostics for tokens that never belong in HCL source (`hclsyntax.checkInvalidTokens`),
/// limiting repeats the way hcl does.
pub(crate) fn check_invalid_tokens(
    src: &[u8],
    tokens: &[Token],
    filename: &std::sync::Arc<str>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let (mut bitwise, mut backtick, mut apostrophe, mut semicolon, mut bad_utf8) = (0, 0, 0, 0, 0);
    for tok in tokens {
        let mut push = |summary: &str, detail: &str| {
            let subject =
                SourceRange { filename: filename.clone(), start: tok.start_pos, end: tok.end_pos };
            diags.push(Diagnostic::error(summary, detail).with_subject(Some(subject)));
        };
        match tok.ty {
            TokenType::BitwiseAnd
            | TokenType::BitwiseOr
            | TokenType::BitwiseXor
            | TokenType::BitwiseNot
                if bitwise < 4 =>
            {
                let suggestion = match tok.ty {
                    TokenType::BitwiseAnd => " Did you mean boolean AND (\"&&\")?",
                    TokenType::BitwiseOr => " Did you mean boolean OR (\"||\")?",
                    TokenType::BitwiseNot => " Did you mean boolean NOT (\"!\")?",
                    _ => "",
                };
                push(
                    "Unsupported operator",
                    &format!("Bitwise operators are not supported.{suggestion}"),
                );
                bitwise += 1;
            }
            TokenType::Backtick => {
                // Only every other one, so both ends of a backtick-quoted string don't report.
                if backtick % 2 == 0 {
                    push(
                        "Invalid character",
                        "The \"`\" character is not valid. To create a multi-line string, use \
                         the \"heredoc\" syntax, like \"<<EOT\".",
                    );
                }
                if backtick <= 2 {
                    backtick += 1;
                }
            }
            TokenType::Apostrophe => {
                if apostrophe % 2 == 0 {
                    push(
                        "Invalid character",
                        "Single quotes are not valid. Use double quotes (\") to enclose strings.",
                    );
                }
                if apostrophe <= 2 {
                    apostrophe += 1;
                }
            }
            TokenType::Semicolon if semicolon < 1 => {
                push(
                    "Invalid character",
                    "The \";\" character is not valid. Use newlines to separate arguments \
                         and blocks, and commas to separate items in collection values.",
                );
                semicolon += 1;
            }
            TokenType::BadUtf8 if bad_utf8 < 1 => {
                push(
                    "Invalid character encoding",
                    "All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is \
                         selected in your editor.",
                );
                bad_utf8 += 1;
            }
            TokenType::QuotedNewline => push(
                "Invalid multi-line string",
                "Quoted strings may not be split over multiple lines. To produce a multi-line \
                 string, either use the \\n escape to represent a newline character or use the \
                 \"heredoc\" multi-line template syntax.",
            ),
            TokenType::Invalid => {
                let chars = tok.bytes(src);
                if chars == "“".as_bytes() || chars == "”".as_bytes() {
                    push(
                        "Invalid character",
                        "\"Curly quotes\" are not valid here. These can sometimes be \
                         inadvertently introduced when sharing code via documents or discussion \
                         forums. It might help to replace the character with a \"straight \
                         quote\".",
                    );
                } else {
                    push("Invalid character", "This character is not used within the language.");
                }
            }
            _ => {}
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general (grapheme-walking) rule, to check the ASCII fast paths against.
    fn slow_advance(start: Pos, bytes: &[u8]) -> Pos {
        let mut end = start;
        end.byte += bytes.len();
        for_each_grapheme(bytes, |g| {
            if g == "\n" || g == "\r\n" {
                end.line += 1;
                end.column = 1;
            } else {
                end.column += 1;
            }
        });
        end
    }

    #[test]
    fn ascii_fast_paths_agree_with_grapheme_rules() {
        let start = Pos { line: 3, column: 7, byte: 10 };
        for s in ["", "abc", "a\nb", "a\r\nbc", "\r", "x\r\r\n", "# c\n", "\n\n\r\n  ", "a\rb\n"] {
            assert_eq!(advance(start, s.as_bytes()), slow_advance(start, s.as_bytes()), "{s:?}");
            let mut n = 0;
            for_each_grapheme(s.as_bytes(), |_| n += 1);
            assert_eq!(grapheme_count(s.as_bytes()), n, "{s:?}");
        }
        assert_eq!(grapheme_count("e\u{301}👍🏽".as_bytes()), 2);
    }
}
