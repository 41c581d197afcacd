//! Bodies: attributes, blocks (with labels, and the single-line `foo { a = b }` form), and
//! block labels as quoted literals (`hclsyntax/parser.go` `ParseBody` and friends).

use super::{Attribute, Block, Body, Diags, Item, MAX_DEPTH, Parser, Rng, has_errors};
use crate::fmt::token::{Token, TokenType};
use batchform_core::{Diagnostic, Pos};
use std::collections::HashMap;
use std::ops::Range;

impl Parser<'_> {
    pub(super) fn parse_body(&mut self, end: TokenType) -> (Body, Diags) {
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
    pub(super) fn too_deep(&mut self, subject: Rng) -> Diagnostic {
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
                                        crate::fmt::strlit::go_quote(&String::from_utf8_lossy(
                                            &name
                                        )),
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
                        crate::fmt::strlit::go_quote(&name)
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
    pub(super) fn string_literal_diags(&self, tok: &Token) -> Diags {
        let quoted = tok.ty == TokenType::QuotedLit;
        let bytes = self.bytes(tok);
        let (_, errors) = crate::fmt::strlit::decode(bytes, quoted);
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
    crate::fmt::token::for_each_grapheme(bytes, |g| {
        if g.starts_with(['\r', '\n']) {
            end.line += 1;
            end.column = 1;
        } else {
            end.column += 1;
        }
    });
    end
}
