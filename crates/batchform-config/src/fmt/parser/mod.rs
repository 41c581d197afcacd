//! A validating parser for HCL native syntax: a port of `hclsyntax`'s recursive-descent
//! parser (HCL v2.23) that builds no expression tree. It reports the same diagnostics with the
//! same wording and ranges (including its error-recovery rules, which decide which follow-on
//! errors are suppressed), and records the body structure the formatter needs: attributes
//! with the token span of their expression, blocks with their label tokens.

mod body;
mod collections;
mod expr;
mod template;

use super::token::{Token, TokenType};
use batchform_core::{Diagnostic, Pos, SourceRange};
use std::ops::Range;
use std::sync::Arc;

/// A body: its attributes and blocks in source order.
#[derive(Debug, Default)]
pub(crate) struct Body {
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub(crate) enum Item {
    Attribute(Attribute),
    Block(Block),
}

#[derive(Debug)]
pub(crate) struct Attribute {
    /// Index of the name token.
    pub name: usize,
    /// Token indices of the expression, from its first to its last significant token.
    pub expr: Range<usize>,
}

#[derive(Debug)]
pub(crate) struct Block {
    /// Index of the block type token.
    pub type_name: usize,
    /// Token indices of each label (one identifier, or quote ... quote).
    pub labels: Vec<Range<usize>>,
    pub body: Body,
}

/// Parse a whole configuration file. Diagnostics come in hcl's order.
pub(crate) fn parse_config(
    src: &[u8],
    tokens: &[Token],
    filename: &Arc<str>,
) -> (Body, Vec<Diagnostic>) {
    let mut parser = Parser {
        src,
        tokens,
        filename: filename.clone(),
        next: 0,
        last_read: 0,
        include_newlines: vec![true],
        recovery: false,
        depth: 0,
    };
    parser.parse_body(TokenType::Eof)
}

/// Parse a lone expression, as `hclsyntax.ParseExpression` does: newlines are ignored (as if
/// in parentheses), and anything after the expression is an error.
pub(crate) fn parse_expression_only(
    src: &[u8],
    tokens: &[Token],
    filename: &Arc<str>,
) -> Vec<Diagnostic> {
    let mut parser = Parser {
        src,
        tokens,
        filename: filename.clone(),
        next: 0,
        last_read: 0,
        include_newlines: vec![true],
        recovery: false,
        depth: 0,
    };
    parser.push_newlines(false);
    let (_, mut diags) = parser.parse_expression();
    let next = parser.peek();
    if next.ty != TokenType::Eof && !parser.recovery {
        diags.push(parser.error(
            "Extra characters after expression",
            "An expression was successfully parsed, but extra characters were found after it.",
            Rng::of(&next),
        ));
    }
    parser.pop_newlines();
    diags
}

/// A source range without its file name, like `hcl.Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rng {
    pub start: Pos,
    pub end: Pos,
}

impl Rng {
    pub(crate) fn of(tok: &Token) -> Rng {
        Rng { start: tok.start_pos, end: tok.end_pos }
    }

    /// `hcl.RangeBetween`: from the earlier start to the later end.
    pub(crate) fn between(a: Rng, b: Rng) -> Rng {
        let start = if a.start.byte <= b.start.byte { a.start } else { b.start };
        let end = if a.end.byte >= b.end.byte { a.end } else { b.end };
        Rng { start, end }
    }
}

pub(crate) type Diags = Vec<Diagnostic>;

fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

struct Parser<'a> {
    src: &'a [u8],
    tokens: &'a [Token],
    filename: Arc<str>,
    /// Index of the next token to read (`peeker.NextIndex`).
    next: usize,
    /// Index of the last token returned by `read`.
    last_read: usize,
    include_newlines: Vec<bool>,
    /// Set once any recovery happened; suppresses most follow-on errors.
    recovery: bool,
    /// Current nesting of bodies and expressions, bounded by [`MAX_DEPTH`].
    depth: usize,
}

/// How deeply bodies and expressions may nest. hcl has no limit (Go stacks grow); ours is
/// the call stack, so absurd nesting gets a diagnostic instead of a stack overflow. Real
/// configurations stay far below this.
pub(crate) const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    // ---- the peeker ----

    fn next_token(&self) -> (Token, usize) {
        let include_newlines = self.include_newlines.last().copied().unwrap_or(true);
        for i in self.next..self.tokens.len() {
            let tok = self.tokens[i];
            match tok.ty {
                TokenType::Comment => {
                    if include_newlines && tok.ends_with_newline(self.src) {
                        // A line comment stands in for the newline it swallowed.
                        let fake = Token { ty: TokenType::Newline, start: tok.end - 1, ..tok };
                        return (fake, i + 1);
                    }
                    continue;
                }
                TokenType::Newline if !include_newlines => continue,
                _ => return (tok, i + 1),
            }
        }
        let last = self.tokens.len() - 1;
        (self.tokens[last], self.tokens.len())
    }

    fn peek(&self) -> Token {
        self.next_token().0
    }

    /// Index of the token `peek` returns.
    fn peek_index(&self) -> usize {
        self.next_token().1 - 1
    }

    fn read(&mut self) -> Token {
        let (tok, next) = self.next_token();
        self.next = next;
        self.last_read = next - 1;
        tok
    }

    fn next_range(&self) -> Rng {
        Rng::of(&self.peek())
    }

    fn prev_range(&self) -> Rng {
        if self.next == 0 {
            return self.next_range();
        }
        Rng::of(&self.tokens[self.next - 1])
    }

    fn push_newlines(&mut self, include: bool) {
        self.include_newlines.push(include);
    }

    fn pop_newlines(&mut self) {
        if self.include_newlines.len() > 1 {
            self.include_newlines.pop();
        }
    }

    fn bytes(&self, tok: &Token) -> &[u8] {
        tok.bytes(self.src)
    }

    fn is_keyword(&self, tok: &Token, kw: &str) -> bool {
        tok.ty == TokenType::Ident && self.bytes(tok) == kw.as_bytes()
    }

    // ---- diagnostics ----

    fn source_range(&self, r: Rng) -> SourceRange {
        SourceRange { filename: self.filename.clone(), start: r.start, end: r.end }
    }

    fn error(&self, summary: &str, detail: impl Into<String>, subject: Rng) -> Diagnostic {
        Diagnostic::error(summary, detail).with_subject(Some(self.source_range(subject)))
    }

    fn error_ctx(
        &self,
        summary: &str,
        detail: impl Into<String>,
        subject: Rng,
        context: Rng,
    ) -> Diagnostic {
        self.error(summary, detail, subject).with_context(Some(self.source_range(context)))
    }

    /// `hcl.Range.String()`: `file:line,col-col` or `file:line,col-line,col`.
    fn range_string(&self, r: Rng) -> String {
        if r.start.line == r.end.line {
            format!("{}:{},{}-{}", self.filename, r.start.line, r.start.column, r.end.column)
        } else {
            format!(
                "{}:{},{}-{},{}",
                self.filename, r.start.line, r.start.column, r.end.line, r.end.column
            )
        }
    }

    // ---- recovery ----

    fn set_recovery(&mut self) {
        self.recovery = true;
    }

    /// Skip to the token after the matching `end`, counting nested brackets of its kind.
    fn recover(&mut self, end: TokenType) -> Token {
        let start = opposite_bracket(end);
        self.recovery = true;
        let mut nest = 0;
        loop {
            let tok = self.read();
            let mut ty = tok.ty;
            if end == TokenType::TemplateSeqEnd && ty == TokenType::TemplateControl {
                ty = TokenType::TemplateInterp;
            }
            if ty == start {
                nest += 1;
            } else if ty == end {
                if nest < 1 {
                    return tok;
                }
                nest -= 1;
            } else if ty == TokenType::Eof {
                return tok;
            }
        }
    }

    /// Find the next `start` bracket, then skip past its matching closer.
    fn recover_over(&mut self, start: TokenType) {
        let end = opposite_bracket(start);
        loop {
            let tok = self.read();
            if tok.ty == start || tok.ty == TokenType::Eof {
                break;
            }
        }
        self.recover(end);
    }

    fn recover_after_body_item(&mut self) {
        use TokenType::*;
        self.recovery = true;
        let mut open: Vec<TokenType> = Vec::new();
        loop {
            let tok = self.read();
            match tok.ty {
                Newline if open.is_empty() => break,
                Eof => break,
                OBrace | OBrack | OParen | OQuote | OHeredoc | TemplateInterp | TemplateControl => {
                    open.push(tok.ty)
                }
                CBrace | CBrack | CParen | CQuote | CHeredoc => {
                    let opener = opposite_bracket(tok.ty);
                    while open.last().is_some_and(|&t| t != opener) {
                        open.pop();
                    }
                    open.pop();
                }
                TemplateSeqEnd => {
                    while open.last().is_some_and(|&t| t != TemplateInterp && t != TemplateControl)
                    {
                        open.pop();
                    }
                    open.pop();
                }
                _ => {}
            }
        }
    }
}

fn opposite_bracket(ty: TokenType) -> TokenType {
    use TokenType::*;
    match ty {
        OBrace => CBrace,
        OBrack => CBrack,
        OParen => CParen,
        OQuote => CQuote,
        OHeredoc => CHeredoc,
        CBrace => OBrace,
        CBrack => OBrack,
        CParen => OParen,
        CQuote => OQuote,
        CHeredoc => OHeredoc,
        TemplateControl | TemplateInterp => TemplateSeqEnd,
        TemplateSeqEnd => TemplateInterp,
        _ => Nil,
    }
}
