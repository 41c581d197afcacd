//! The scanner: a hand-written port of `hclsyntax/scan_tokens.rl` (HCL v2.23, the version
//! Terraform 1.11 uses). It keeps the Ragel machine's longest-match rules and its three
//! sub-machines (main, quoted string, heredoc) with the same call/return stack, brace
//! counting and heredoc marker detection, so token types and boundaries are the same.

use super::token::{Token, TokenType, advance};
use batchform_core::Pos;

/// Scan `data` into tokens, always ending with an `Eof` token. A UTF-8 byte order mark is
/// skipped (byte offsets stay relative to the whole input, as in hcl).
pub(crate) fn lex(data: &[u8]) -> Vec<Token> {
    let bom = if data.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
    let mut scanner = Scanner {
        data,
        p: bom,
        pos: Pos { line: 1, column: 1, byte: bom },
        tokens: Vec::with_capacity(data.len() / 4 + 1),
        modes: vec![Mode::Main],
        braces: 0,
        ret_braces: Vec::new(),
        heredocs: Vec::new(),
        block_close: None,
    };
    scanner.run();
    let end = data.len();
    scanner.emit(TokenType::Eof, end, end);
    scanner.tokens
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Main,
    Quoted,
    Heredoc,
}

struct HeredocInProgress {
    marker: std::ops::Range<usize>,
    start_of_line: bool,
}

struct Scanner<'a> {
    data: &'a [u8],
    p: usize,
    pos: Pos,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    braces: i64,
    ret_braces: Vec<i64>,
    heredocs: Vec<HeredocInProgress>,
    /// The first `*/` at or after the last search start (`Some(None)`: there is none), so
    /// that many unterminated `/*` cannot make scanning quadratic.
    block_close: Option<Option<usize>>,
}

impl Scanner<'_> {
    fn emit(&mut self, ty: TokenType, start: usize, end: usize) {
        let start_pos = Pos {
            line: self.pos.line,
            // Only spaces and tabs can sit between tokens, one column each.
            column: self.pos.column + (start - self.pos.byte),
            byte: start,
        };
        let end_pos = advance(start_pos, &self.data[start..end]);
        self.pos = end_pos;
        self.tokens.push(Token { ty, start, end, start_pos, end_pos });
        self.p = end;
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.data.get(i).copied()
    }

    fn run(&mut self) {
        while self.p < self.data.len() {
            let keep_going = match self.modes.last().copied().unwrap_or(Mode::Main) {
                Mode::Main => self.scan_main(),
                Mode::Quoted => self.scan_quoted(),
                Mode::Heredoc => self.scan_heredoc(),
            };
            if !keep_going {
                // The machine could not match anything here: hcl emits the rest of the input
                // as a single invalid token.
                let (start, end) = (self.p, self.data.len());
                self.emit(TokenType::Invalid, start, end);
            }
        }
    }

    fn fret(&mut self) {
        if self.modes.len() > 1 {
            self.modes.pop();
        }
    }

    fn begin_template_seq(&mut self, ty: TokenType, len: usize) {
        let p = self.p;
        self.emit(ty, p, p + len);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        if let Some(doc) = self.heredocs.last_mut() {
            doc.start_of_line = false;
        }
        self.modes.push(Mode::Main);
    }

    /// `${` / `${~` (or `%{`) at `p`: the length of the introducer, if there is one.
    fn template_intro_len(&self, p: usize, sigil: u8) -> Option<usize> {
        if self.at(p) == Some(sigil) && self.at(p + 1) == Some(b'{') {
            Some(if self.at(p + 2) == Some(b'~') { 3 } else { 2 })
        } else {
            None
        }
    }

    /// The escaped `$${`/`%%{` form or the lone `$`/`%` that the template sub-machines treat as
    /// literal text, starting at `p` (which holds the sigil). `None` at the end of input.
    fn template_not_seq_len(&self, p: usize, sigil: u8) -> Option<usize> {
        match self.at(p + 1) {
            None => None,
            Some(_) => match self.template_intro_len(p + 1, sigil) {
                Some(n) => Some(1 + n),
                None => Some(1),
            },
        }
    }

    fn scan_main(&mut self) -> bool {
        use TokenType::*;
        let p = self.p;
        let c = self.data[p];
        let next = self.at(p + 1);
        match c {
            b' ' | b'\t' => {
                let mut e = p;
                while matches!(self.at(e), Some(b' ' | b'\t')) {
                    e += 1;
                }
                // Spaces produce no token; the position catches up at the next emit.
                self.p = e;
            }
            b'0'..=b'9' => {
                let e = self.number_end(p);
                self.emit(NumberLit, p, e);
            }
            b'#' => {
                let e = self.line_comment_end(p + 1);
                self.emit(Comment, p, e);
            }
            b'/' if next == Some(b'/') => {
                let e = self.line_comment_end(p + 2);
                self.emit(Comment, p, e);
            }
            b'/' if next == Some(b'*') => match self.block_comment_close(p + 2) {
                Some(i) => self.emit(Comment, p, i + 2),
                None => self.emit(Slash, p, p + 1),
            },
            b'\n' => self.emit(Newline, p, p + 1),
            b'\r' if next == Some(b'\n') => self.emit(Newline, p, p + 2),
            b'=' if next == Some(b'=') => self.emit(EqualOp, p, p + 2),
            b'=' if next == Some(b'>') => self.emit(FatArrow, p, p + 2),
            b'!' if next == Some(b'=') => self.emit(NotEqual, p, p + 2),
            b'>' if next == Some(b'=') => self.emit(GreaterThanEq, p, p + 2),
            b'<' if next == Some(b'<') && self.heredoc_intro(p).is_some() => {
                if let Some((end, marker)) = self.heredoc_intro(p) {
                    self.emit(OHeredoc, p, end);
                    self.heredocs.push(HeredocInProgress { marker, start_of_line: true });
                    self.modes.push(Mode::Heredoc);
                }
            }
            b'<' if next == Some(b'=') => self.emit(LessThanEq, p, p + 2),
            b'&' if next == Some(b'&') => self.emit(And, p, p + 2),
            b'|' if next == Some(b'|') => self.emit(Or, p, p + 2),
            b':' if next == Some(b':') => self.emit(DoubleColon, p, p + 2),
            b'.' if next == Some(b'.') && self.at(p + 2) == Some(b'.') => {
                self.emit(Ellipsis, p, p + 3)
            }
            b'~' if next == Some(b'}') => {
                // closeTemplateSeqEatWhitespace: always a sequence end, returning only when
                // the brace level matches an open template sequence.
                self.emit(TemplateSeqEnd, p, p + 2);
                if self.ret_braces.last() == Some(&self.braces) {
                    self.braces -= 1;
                    self.ret_braces.pop();
                    self.fret();
                } else {
                    self.braces -= 1;
                }
            }
            b'{' => {
                self.emit(OBrace, p, p + 1);
                self.braces += 1;
            }
            b'}' => {
                if self.ret_braces.last() == Some(&self.braces) {
                    self.emit(TemplateSeqEnd, p, p + 1);
                    self.braces -= 1;
                    self.ret_braces.pop();
                    self.fret();
                } else {
                    self.emit(CBrace, p, p + 1);
                    self.braces -= 1;
                }
            }
            b'"' => {
                self.emit(OQuote, p, p + 1);
                self.modes.push(Mode::Quoted);
            }
            _ => {
                if let Some(ty) = self_token(c) {
                    self.emit(ty, p, p + 1);
                    return true;
                }
                match decode_utf8(self.data, p) {
                    Some((ch, len)) if is_ident_start(ch) => {
                        let e = self.ident_end(p + len);
                        self.emit(Ident, p, e);
                    }
                    Some((_, len)) => self.emit(Invalid, p, p + len),
                    None => self.emit(BadUtf8, p, p + 1),
                }
            }
        }
        true
    }

    fn scan_quoted(&mut self) -> bool {
        use TokenType::*;
        let p = self.p;
        let c = self.data[p];
        match c {
            b'$' | b'%' => {
                if let Some(n) = self.template_intro_len(p, c) {
                    let ty = if c == b'$' { TemplateInterp } else { TemplateControl };
                    self.begin_template_seq(ty, n);
                } else if let Some(n) = self.template_not_seq_len(p, c) {
                    self.emit(QuotedLit, p, p + n);
                } else {
                    self.emit(Invalid, p, p + 1);
                }
            }
            b'"' => {
                self.emit(CQuote, p, p + 1);
                self.fret();
            }
            b'\r' | b'\n' => {
                let mut e = p;
                while matches!(self.at(e), Some(b'\r' | b'\n')) {
                    e += 1;
                }
                self.emit(QuotedNewline, p, e);
            }
            _ => {
                let e = self.quoted_literal_end(p);
                if e > p {
                    self.emit(QuotedLit, p, e);
                } else if c == b'\\' {
                    self.emit(Invalid, p, p + 1);
                } else {
                    self.emit(BadUtf8, p, p + 1);
                }
            }
        }
        true
    }

    fn scan_heredoc(&mut self) -> bool {
        use TokenType::*;
        let p = self.p;
        let c = self.data[p];
        let unit_end = match c {
            b'$' | b'%' => {
                if let Some(n) = self.template_intro_len(p, c) {
                    let ty = if c == b'$' { TemplateInterp } else { TemplateControl };
                    self.begin_template_seq(ty, n);
                    return true;
                }
                match self.template_not_seq_len(p, c) {
                    Some(1) if self.eol_len(p + 2).is_some() => {
                        // Ragel quirk: a lone `$` or `%` plus the next byte right before a
                        // line end scans as one two-byte literal, and the line end as another
                        // (so `%\r\n` splits its CR LF).
                        if let Some(doc) = self.heredocs.last_mut() {
                            doc.start_of_line = false;
                        }
                        self.emit(StringLit, p, p + 2);
                        return true;
                    }
                    Some(n) => p + n,
                    None => return false,
                }
            }
            _ => {
                let mut e = p;
                while let Some((ch, len)) = decode_utf8(self.data, e) {
                    if matches!(ch, '$' | '%' | '\r' | '\n') {
                        break;
                    }
                    e += len;
                }
                e
            }
        };
        match self.eol_len(unit_end).map(|n| unit_end + n) {
            Some(te) => self.heredoc_literal_eol(p, te),
            None if unit_end > p => {
                if let Some(doc) = self.heredocs.last_mut() {
                    doc.start_of_line = false;
                }
                self.emit(StringLit, p, unit_end);
            }
            None if decode_utf8(self.data, p).is_none() => self.emit(BadUtf8, p, p + 1),
            None => return false,
        }
        true
    }

    /// The length of an `EndOfLine` (`\n` or `\r\n`) at `i`.
    fn eol_len(&self, i: usize) -> Option<usize> {
        match (self.at(i), self.at(i + 1)) {
            (Some(b'\n'), _) => Some(1),
            (Some(b'\r'), Some(b'\n')) => Some(2),
            _ => None,
        }
    }

    /// A heredoc literal that ends with a newline: maybe the closing marker.
    fn heredoc_literal_eol(&mut self, ts: usize, te: usize) {
        let is_marker = match self.heredocs.last() {
            Some(doc) if doc.start_of_line => {
                trim_space(&self.data[ts..te]) == &self.data[doc.marker.clone()]
            }
            _ => false,
        };
        if is_marker {
            let nle = te;
            let mut nls = te - 1;
            let mut marker_end = te - 1;
            if self.data[marker_end - 1] == b'\r' {
                nls -= 1;
                marker_end -= 1;
            }
            self.emit(TokenType::CHeredoc, ts, marker_end);
            self.emit(TokenType::Newline, nls, nle);
            self.heredocs.pop();
            self.fret();
        } else {
            if let Some(doc) = self.heredocs.last_mut() {
                doc.start_of_line = true;
            }
            self.emit(TokenType::StringLit, ts, te);
        }
    }

    fn block_comment_close(&mut self, from: usize) -> Option<usize> {
        match self.block_close {
            Some(Some(i)) if i >= from => return Some(i),
            Some(None) => return None,
            _ => {}
        }
        let found = find(&self.data[from..], b"*/").map(|i| from + i);
        self.block_close = Some(found);
        found
    }

    /// `<<` `-`? Ident Newline at `p`: the end of the introducer and the marker's span.
    fn heredoc_intro(&self, p: usize) -> Option<(usize, std::ops::Range<usize>)> {
        let mut i = p + 2;
        if self.at(i) == Some(b'-') {
            i += 1;
        }
        let (ch, len) = decode_utf8(self.data, i)?;
        if !is_ident_start(ch) {
            return None;
        }
        let marker_start = i;
        let marker_end = self.ident_end(i + len);
        match (self.at(marker_end), self.at(marker_end + 1)) {
            (Some(b'\n'), _) => Some((marker_end + 1, marker_start..marker_end)),
            (Some(b'\r'), Some(b'\n')) => Some((marker_end + 2, marker_start..marker_end)),
            _ => None,
        }
    }

    fn ident_end(&self, mut e: usize) -> usize {
        while let Some((ch, len)) = decode_utf8(self.data, e) {
            if ch == '-' || unicode_ident::is_xid_continue(ch) {
                e += len;
            } else {
                break;
            }
        }
        e
    }

    /// `digit (digit | '.' | [eE][+-]?digit)*`, not ending in '.'.
    fn number_end(&self, p: usize) -> usize {
        let mut i = p + 1;
        let mut last_ok = i;
        loop {
            match self.at(i) {
                Some(b'0'..=b'9') => {
                    i += 1;
                    last_ok = i;
                }
                Some(b'.') => i += 1,
                Some(b'e' | b'E') => {
                    let mut j = i + 1;
                    if matches!(self.at(j), Some(b'+' | b'-')) {
                        j += 1;
                    }
                    if matches!(self.at(j), Some(b'0'..=b'9')) {
                        i = j + 1;
                        last_ok = i;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        last_ok
    }

    /// End of a `#`/`//` comment whose body starts at `i`: through the first newline.
    fn line_comment_end(&self, i: usize) -> usize {
        match self.data[i..].iter().position(|&b| b == b'\n') {
            Some(n) => i + n + 1,
            None => self.data.len(),
        }
    }

    /// `(('\\' StringLiteralChar) | (StringLiteralChar - [$%"\\]))+` from `p`.
    fn quoted_literal_end(&self, p: usize) -> usize {
        let mut e = p;
        loop {
            match decode_utf8(self.data, e) {
                Some(('\\', 1)) => match decode_utf8(self.data, e + 1) {
                    Some((ch, len)) if ch != '\r' && ch != '\n' => e += 1 + len,
                    _ => break,
                },
                Some((ch, len)) if !matches!(ch, '$' | '%' | '"' | '\r' | '\n') => e += len,
                _ => break,
            }
        }
        e
    }
}

fn self_token(c: u8) -> Option<TokenType> {
    use TokenType::*;
    Some(match c {
        b'[' => OBrack,
        b']' => CBrack,
        b'(' => OParen,
        b')' => CParen,
        b'.' => Dot,
        b',' => Comma,
        b'*' => Star,
        b'/' => Slash,
        b'%' => Percent,
        b'+' => Plus,
        b'-' => Minus,
        b'=' => Equal,
        b'<' => LessThan,
        b'>' => GreaterThan,
        b'!' => Bang,
        b'?' => Question,
        b':' => Colon,
        b'&' => BitwiseAnd,
        b'|' => BitwiseOr,
        b'~' => BitwiseNot,
        b'^' => BitwiseXor,
        b';' => Semicolon,
        b'`' => Backtick,
        b'\'' => Apostrophe,
        _ => return None,
    })
}

fn is_ident_start(ch: char) -> bool {
    ch == '_' || unicode_ident::is_xid_start(ch)
}

/// Decode one character the way the scanner's `AnyUTF8` pattern accepts it (lead byte and
/// continuation bytes only); `None` for a broken sequence or the end of input.
fn decode_utf8(data: &[u8], i: usize) -> Option<(char, usize)> {
    let b0 = *data.get(i)?;
    let len = match b0 {
        0x00..=0x7F => return Some((b0 as char, 1)),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let seq = data.get(i..i + len)?;
    if !seq[1..].iter().all(|b| (0x80..=0xBF).contains(b)) {
        return None;
    }
    // Overlong forms and surrogates match the pattern but are not chars; they can only
    // appear as invalid characters, so stand in with the replacement character.
    let ch = std::str::from_utf8(seq).ok().and_then(|s| s.chars().next()).unwrap_or('\u{FFFD}');
    Some((ch, len))
}

/// Go's `bytes.TrimSpace`.
fn trim_space(b: &[u8]) -> &[u8] {
    match std::str::from_utf8(b) {
        Ok(s) => s.trim_matches(is_go_space).as_bytes(),
        Err(_) => b,
    }
}

/// Go's `unicode.IsSpace`.
pub(crate) fn is_go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}')
        || (c > '\u{FF}' && c.is_whitespace())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
