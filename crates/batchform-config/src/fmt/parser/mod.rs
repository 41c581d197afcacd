//! A validating parser for HCL native syntax: a port of `hclsyntax`'s recursive-descent
//! parser (HCL v2.23) that builds no expression tree. It reports the same diagnostics with the
//! same wording and ranges (including its error-recovery rules, which decide which follow-on
//! errors are suppressed), and records the body structure the formatter needs: attributes
//! with the token span of their expression, blocks with their label tokens.

mod expr;
mod template;

use super::token::{Token, TokenType};
use batchform_core::{Diagnostic, Pos, SourceRange};
use std::collections::HashMap;
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

    // ---- bodies ----

    fn parse_body(&mut self, end: TokenType) -> (Body, Diags) {
        if self.depth >= MAX_DEPTH {
            let diag = self.too_deep(self.next_range());
            self.recover(end);
            return (Body::default(), vec![diag]);
        }
        self.depth += 1;
        let result = self.parse_body_inner(end);
        self.depth -= 1;
        result
    }

    /// The diagnostic for nesting beyond [`MAX_DEPTH`].
    fn too_deep(&mut self, subject: Rng) -> Diagnostic {
        self.set_recovery();
        self.error(
            "Configuration too deeply nested",
            format!(
                "Blocks and expressions may be nested at most {MAX_DEPTH} levels deep. Flatten \
                 this part of the configuration, for example by moving inner values into locals."
            ),
            subject,
        )
    }

    fn parse_body_inner(&mut self, end: TokenType) -> (Body, Diags) {
        let mut body = Body::default();
        let mut diags = Diags::new();
        let mut attrs: HashMap<Vec<u8>, Rng> = HashMap::new();
        let start_range = self.prev_range();
        loop {
            let next = self.peek();
            if next.ty == end {
                self.read();
                break;
            }
            match next.ty {
                TokenType::Newline => {
                    self.read();
                }
                TokenType::Ident => {
                    let (item, item_diags) = self.parse_body_item();
                    diags.extend(item_diags);
                    match item {
                        Some(Item::Attribute(attr)) => {
                            let name_tok = self.tokens[attr.name];
                            let name = self.bytes(&name_tok).to_vec();
                            let name_range = Rng::of(&name_tok);
                            if let Some(existing) = attrs.get(&name) {
                                diags.push(self.error(
                                    "Attribute redefined",
                                    format!(
                                        "The argument {} was already set at {}. Each argument \
                                         may be set only once.",
                                        super::strlit::go_quote(&String::from_utf8_lossy(&name)),
                                        self.range_string(*existing)
                                    ),
                                    name_range,
                                ));
                            } else {
                                attrs.insert(name, name_range);
                            }
                            body.items.push(Item::Attribute(attr));
                        }
                        Some(block @ Item::Block(_)) => body.items.push(block),
                        None => {}
                    }
                }
                _ => {
                    let bad = self.read();
                    if !self.recovery {
                        let diag = match bad.ty {
                            TokenType::OQuote => self.error(
                                "Invalid argument name",
                                "Argument names must not be quoted.",
                                Rng::of(&bad),
                            ),
                            TokenType::Eof if end == TokenType::CBrace => self.error(
                                "Unclosed configuration block",
                                "There is no closing brace for this block before the end of \
                                 the file. This may be caused by incorrect brace nesting \
                                 elsewhere in this file.",
                                start_range,
                            ),
                            TokenType::Eof => self.error(
                                "Unclosed configuration body",
                                "Found end of file before the end of this configuration body.",
                                start_range,
                            ),
                            _ => self.error(
                                "Argument or block definition required",
                                "An argument or block definition is required here.",
                                Rng::of(&bad),
                            ),
                        };
                        diags.push(diag);
                    }
                    self.recover(end);
                    break;
                }
            }
        }
        (body, diags)
    }

    fn parse_body_item(&mut self) -> (Option<Item>, Diags) {
        let ident_index = self.peek_index();
        let ident = self.read();
        if ident.ty != TokenType::Ident {
            self.recover_after_body_item();
            let diag = self.error(
                "Argument or block definition required",
                "An argument or block definition is required here.",
                Rng::of(&ident),
            );
            return (None, vec![diag]);
        }
        match self.peek().ty {
            TokenType::Equal => {
                let (attr, diags) = self.finish_attribute(ident_index, false);
                (Some(Item::Attribute(attr)), diags)
            }
            TokenType::OQuote | TokenType::OBrace | TokenType::Ident => {
                let (block, diags) = self.finish_block(ident_index);
                (block.map(Item::Block), diags)
            }
            _ => {
                self.recover_after_body_item();
                let diag = self.error(
                    "Argument or block definition required",
                    "An argument or block definition is required here. To set an argument, use \
                     the equals sign \"=\" to introduce the argument value.",
                    Rng::of(&ident),
                );
                (None, vec![diag])
            }
        }
    }

    /// The body of a single-line block `foo { bar = baz }`.
    fn parse_single_attr_body(&mut self) -> (Body, Diags) {
        let ident_index = self.peek_index();
        let ident = self.read();
        if ident.ty != TokenType::Ident {
            self.recover_after_body_item();
            let diag = self.error(
                "Argument or block definition required",
                "An argument or block definition is required here.",
                Rng::of(&ident),
            );
            return (Body::default(), vec![diag]);
        }
        let next = self.peek();
        match next.ty {
            TokenType::Equal => {
                let (attr, diags) = self.finish_attribute(ident_index, true);
                (Body { items: vec![Item::Attribute(attr)] }, diags)
            }
            TokenType::OQuote | TokenType::OBrace | TokenType::Ident => {
                self.recover_after_body_item();
                let name = String::from_utf8_lossy(self.bytes(&ident)).into_owned();
                let diag = self.error(
                    "Argument definition required",
                    format!(
                        "A single-line block definition can contain only a single argument. If \
                         you meant to define argument {}, use an equals sign to assign it a \
                         value. To define a nested block, place it on a line of its own within \
                         its parent block.",
                        super::strlit::go_quote(&name)
                    ),
                    Rng::between(Rng::of(&ident), Rng::of(&next)),
                );
                (Body::default(), vec![diag])
            }
            _ => {
                self.recover_after_body_item();
                let diag = self.error(
                    "Argument or block definition required",
                    "An argument or block definition is required here. To set an argument, use \
                     the equals sign \"=\" to introduce the argument value.",
                    Rng::of(&ident),
                );
                (Body::default(), vec![diag])
            }
        }
    }

    fn finish_attribute(&mut self, ident_index: usize, single_line: bool) -> (Attribute, Diags) {
        let ident = self.tokens[ident_index];
        self.read(); // the equals sign
        let expr_start = self.peek_index();
        let (_, mut diags) = self.parse_expression();
        let expr_end = self.last_read + 1;
        if self.recovery && has_errors(&diags) {
            self.recover_after_body_item();
        } else if !single_line {
            let end = self.peek();
            if end.ty != TokenType::Newline && end.ty != TokenType::Eof {
                if !self.recovery {
                    let (summary, detail) = if end.ty == TokenType::Comma {
                        (
                            "Unexpected comma after argument",
                            "Argument definitions must be separated by newlines, not commas. \
                             An argument definition must end with a newline.",
                        )
                    } else {
                        (
                            "Missing newline after argument",
                            "An argument definition must end with a newline.",
                        )
                    };
                    diags.push(self.error_ctx(
                        summary,
                        detail,
                        Rng::of(&end),
                        Rng::between(Rng::of(&ident), Rng::of(&end)),
                    ));
                }
                self.recover_after_body_item();
            } else {
                self.read(); // the newline
            }
        }
        let attr = Attribute { name: ident_index, expr: expr_start..expr_end.max(expr_start) };
        (attr, diags)
    }

    fn finish_block(&mut self, ident_index: usize) -> (Option<Block>, Diags) {
        let ident = self.tokens[ident_index];
        let mut diags = Diags::new();
        let mut labels = Vec::new();
        let o_brace = loop {
            let tok = self.peek();
            match tok.ty {
                TokenType::OBrace => break self.read(),
                TokenType::OQuote => {
                    let (span, label_diags) = self.parse_quoted_string_literal();
                    diags.extend(label_diags);
                    labels.push(span);
                }
                TokenType::Ident => {
                    let i = self.peek_index();
                    self.read();
                    labels.push(i..i + 1);
                }
                _ => {
                    let context = Rng::between(Rng::of(&ident), Rng::of(&tok));
                    match tok.ty {
                        TokenType::Equal => diags.push(self.error_ctx(
                            "Invalid block definition",
                            "The equals sign \"=\" indicates an argument definition, and must \
                             not be used when defining a block.",
                            Rng::of(&tok),
                            context,
                        )),
                        TokenType::Newline => diags.push(self.error_ctx(
                            "Invalid block definition",
                            "A block definition must have block content delimited by \"{\" and \
                             \"}\", starting on the same line as the block header.",
                            Rng::of(&tok),
                            context,
                        )),
                        _ if !self.recovery => diags.push(self.error_ctx(
                            "Invalid block definition",
                            "Either a quoted string block label or an opening brace (\"{\") is \
                             expected here.",
                            Rng::of(&tok),
                            context,
                        )),
                        _ => {}
                    }
                    self.recover_after_body_item();
                    return (None, diags);
                }
            }
        };

        let (body, body_diags) = match self.peek().ty {
            TokenType::Newline | TokenType::Eof | TokenType::CBrace => {
                self.parse_body(TokenType::CBrace)
            }
            _ => {
                let (body, body_diags) = self.parse_single_attr_body();
                let next = self.peek();
                match next.ty {
                    TokenType::CBrace => {
                        self.read();
                    }
                    TokenType::Comma => {
                        diags.push(self.error(
                            "Invalid single-argument block definition",
                            "Single-line block syntax can include only one argument \
                             definition. To define multiple arguments, use the multi-line block \
                             syntax with one argument definition per line.",
                            Rng::of(&next),
                        ));
                        self.recover(TokenType::CBrace);
                    }
                    TokenType::Newline => {
                        diags.push(self.error(
                            "Invalid single-argument block definition",
                            "An argument definition on the same line as its containing block \
                             creates a single-line block definition, which must also be closed \
                             on the same line. Place the block's closing brace immediately \
                             after the argument definition.",
                            Rng::of(&next),
                        ));
                        self.recover(TokenType::CBrace);
                    }
                    _ => {
                        if !self.recovery {
                            if next.ty == TokenType::Eof {
                                diags.push(self.error_ctx(
                                    "Unclosed configuration block",
                                    "There is no closing brace for this block before the end \
                                     of the file. This may be caused by incorrect brace nesting \
                                     elsewhere in this file.",
                                    Rng::of(&o_brace),
                                    Rng::between(Rng::of(&ident), Rng::of(&o_brace)),
                                ));
                            } else {
                                diags.push(self.error(
                                    "Invalid single-argument block definition",
                                    "A single-line block definition must end with a closing \
                                     brace immediately after its single argument definition.",
                                    Rng::of(&next),
                                ));
                            }
                        }
                        self.recover(TokenType::CBrace);
                    }
                }
                (body, body_diags)
            }
        };
        diags.extend(body_diags);

        let eol = self.peek();
        if eol.ty == TokenType::Newline || eol.ty == TokenType::Eof {
            self.read();
        } else {
            if !self.recovery {
                diags.push(self.error_ctx(
                    "Missing newline after block definition",
                    "A block definition must end with a newline.",
                    Rng::of(&eol),
                    Rng::between(Rng::of(&ident), Rng::of(&eol)),
                ));
            }
            self.recover_after_body_item();
        }
        (Some(Block { type_name: ident_index, labels, body }), diags)
    }

    /// A quoted string with no template sequences (a block label). Returns the token span.
    fn parse_quoted_string_literal(&mut self) -> (Range<usize>, Diags) {
        let start = self.peek_index();
        let o_quote = self.read();
        let mut diags = Diags::new();
        if o_quote.ty != TokenType::OQuote {
            diags.push(self.error(
                "Invalid string literal",
                "A quoted string is required here.",
                Rng::of(&o_quote),
            ));
            return (start..start + 1, diags);
        }
        loop {
            let tok = self.read();
            let context = Rng::between(Rng::of(&o_quote), Rng::of(&tok));
            match tok.ty {
                TokenType::CQuote => break,
                TokenType::QuotedLit => diags.extend(self.string_literal_diags(&tok)),
                TokenType::TemplateControl | TokenType::TemplateInterp => {
                    let which = if tok.ty == TokenType::TemplateControl { "%" } else { "$" };
                    diags.push(self.error_ctx(
                        "Invalid string literal",
                        format!(
                            "Template sequences are not allowed in this string. To include a \
                             literal \"{which}\", double it (as \"{which}{which}\") to escape it."
                        ),
                        Rng::of(&tok),
                        context,
                    ));
                    self.recover(TokenType::TemplateSeqEnd);
                }
                TokenType::Eof => {
                    diags.push(self.error_ctx(
                        "Unterminated string literal",
                        "Unable to find the closing quote mark before the end of the file.",
                        Rng::of(&tok),
                        context,
                    ));
                    break;
                }
                _ => {
                    diags.push(self.error_ctx(
                        "Invalid string literal",
                        "This item is not valid in a string literal.",
                        Rng::of(&tok),
                        context,
                    ));
                    self.recover(TokenType::CQuote);
                    break;
                }
            }
        }
        (start..self.last_read + 1, diags)
    }

    /// Escape-sequence errors of a literal token (`ParseStringLiteralToken`).
    fn string_literal_diags(&self, tok: &Token) -> Diags {
        let quoted = tok.ty == TokenType::QuotedLit;
        let bytes = self.bytes(tok);
        let (_, errors) = super::strlit::decode(bytes, quoted);
        errors
            .into_iter()
            .map(|e| {
                let start = sub_pos(tok.start_pos, &bytes[..e.span.start]);
                let end = sub_pos(start, &bytes[e.span.clone()]);
                self.error(e.summary, e.detail, Rng { start, end })
            })
            .collect()
    }
}

/// Position after `bytes` from `start`, counting a cluster that starts with CR or LF as a
/// line break (the rule `ParseStringLiteralToken` uses).
fn sub_pos(start: Pos, bytes: &[u8]) -> Pos {
    let mut end = start;
    end.byte += bytes.len();
    super::token::for_each_grapheme(bytes, |g| {
        if g.starts_with(['\r', '\n']) {
            end.line += 1;
            end.column = 1;
        } else {
            end.column += 1;
        }
    });
    end
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
