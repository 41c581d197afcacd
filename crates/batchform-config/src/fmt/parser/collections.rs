//! Collection constructors: tuples `[...]`, objects `{...}` and `for` expressions over
//! either (`hclsyntax/parser.go`).

use super::{Diags, Parser, Rng, has_errors};
use crate::fmt::token::{Token, TokenType};

impl Parser<'_> {
    pub(super) fn parse_tuple_cons(&mut self) -> (Rng, Diags) {
        let open = self.read();
        self.push_newlines(false);
        let result = self.finish_tuple_cons(open);
        self.pop_newlines();
        result
    }

    fn finish_tuple_cons(&mut self, open: Token) -> (Rng, Diags) {
        if self.is_keyword(&self.peek(), "for") {
            return self.finish_for_expr(open);
        }
        let mut diags = Diags::new();
        let close = loop {
            if self.peek().ty == TokenType::CBrack {
                break self.read();
            }
            let (_, expr_diags) = self.parse_expression();
            let failed = self.recovery && has_errors(&expr_diags);
            diags.extend(expr_diags);
            if failed {
                break self.recover(TokenType::CBrack);
            }
            let next = self.peek();
            if next.ty == TokenType::CBrack {
                break self.read();
            }
            if next.ty != TokenType::Comma {
                if !self.recovery {
                    diags.push(if next.ty == TokenType::Eof {
                        self.error(
                            "Unterminated tuple constructor expression",
                            "There is no corresponding closing bracket before the end of the \
                             file. This may be caused by incorrect bracket nesting elsewhere in \
                             this file.",
                            Rng::of(&open),
                        )
                    } else {
                        self.error_ctx(
                            "Missing item separator",
                            "Expected a comma to mark the beginning of the next item.",
                            Rng::of(&next),
                            Rng::between(Rng::of(&open), Rng::of(&next)),
                        )
                    });
                }
                break self.recover(TokenType::CBrack);
            }
            self.read();
        };
        (Rng::between(Rng::of(&open), Rng::of(&close)), diags)
    }

    pub(super) fn parse_object_cons(&mut self) -> (Rng, Diags) {
        let open = self.read();
        self.push_newlines(false);
        let is_for = self.is_keyword(&self.peek(), "for");
        self.pop_newlines();
        if is_for {
            return self.finish_for_expr(open);
        }
        self.push_newlines(true);
        let result = self.finish_object_cons(open);
        self.pop_newlines();
        result
    }

    fn finish_object_cons(&mut self, open: Token) -> (Rng, Diags) {
        let mut diags = Diags::new();
        let close = loop {
            let next = self.peek();
            if next.ty == TokenType::Newline {
                self.read();
                continue;
            }
            if next.ty == TokenType::CBrace {
                break self.read();
            }
            let (_, key_diags) = self.parse_expression();
            let failed = self.recovery && has_errors(&key_diags);
            diags.extend(key_diags);
            if failed {
                break self.recover(TokenType::CBrace);
            }
            let next = self.peek();
            if next.ty != TokenType::Equal && next.ty != TokenType::Colon {
                if !self.recovery {
                    let context = Rng::between(Rng::of(&open), Rng::of(&next));
                    diags.push(match next.ty {
                        TokenType::Newline | TokenType::Comma => self.error_ctx(
                            "Missing attribute value",
                            "Expected an attribute value, introduced by an equals sign (\"=\").",
                            Rng::of(&next),
                            context,
                        ),
                        TokenType::Ident => self.error_ctx(
                            "Missing key/value separator",
                            "Expected an equals sign (\"=\") to mark the beginning of the \
                             attribute value. If you intended to given an attribute name \
                             containing periods or spaces, write the name in quotes to create a \
                             string literal.",
                            Rng::of(&next),
                            context,
                        ),
                        TokenType::Eof => self.error(
                            "Unterminated object constructor expression",
                            "There is no corresponding closing brace before the end of the file. \
                             This may be caused by incorrect brace nesting elsewhere in this \
                             file.",
                            Rng::of(&open),
                        ),
                        _ => self.error_ctx(
                            "Missing key/value separator",
                            "Expected an equals sign (\"=\") to mark the beginning of the \
                             attribute value.",
                            Rng::of(&next),
                            context,
                        ),
                    });
                }
                break self.recover(TokenType::CBrace);
            }
            self.read();
            let (_, value_diags) = self.parse_expression();
            let failed = self.recovery && has_errors(&value_diags);
            diags.extend(value_diags);
            if failed {
                break self.recover(TokenType::CBrace);
            }
            let next = self.peek();
            if next.ty == TokenType::CBrace {
                break self.read();
            }
            if next.ty != TokenType::Comma && next.ty != TokenType::Newline {
                if !self.recovery {
                    diags.push(if next.ty == TokenType::Eof {
                        self.error(
                            "Unterminated object constructor expression",
                            "There is no corresponding closing brace before the end of the file. \
                             This may be caused by incorrect brace nesting elsewhere in this \
                             file.",
                            Rng::of(&open),
                        )
                    } else {
                        self.error_ctx(
                            "Missing attribute separator",
                            "Expected a newline or comma to mark the beginning of the next \
                             attribute.",
                            Rng::of(&next),
                            Rng::between(Rng::of(&open), Rng::of(&next)),
                        )
                    });
                }
                break self.recover(TokenType::CBrace);
            }
            self.read();
        };
        (Rng::between(Rng::of(&open), Rng::of(&close)), diags)
    }

    fn finish_for_expr(&mut self, open: Token) -> (Rng, Diags) {
        self.push_newlines(false);
        let result = self.finish_for_expr_inner(open);
        self.pop_newlines();
        result
    }

    fn finish_for_expr_inner(&mut self, open: Token) -> (Rng, Diags) {
        let make_obj = open.ty == TokenType::OBrace;
        let close_type = if make_obj { TokenType::CBrace } else { TokenType::CBrack };
        self.read(); // "for"
        let mut diags = Diags::new();

        if self.peek().ty != TokenType::Ident {
            return self.for_error(
                open,
                close_type,
                diags,
                "For expression requires variable name after 'for'.",
            );
        }
        self.read();
        if self.peek().ty == TokenType::Comma {
            self.read();
            if self.peek().ty != TokenType::Ident {
                return self.for_error(
                    open,
                    close_type,
                    diags,
                    "For expression requires value variable name after comma.",
                );
            }
            self.read();
        }
        if !self.is_keyword(&self.peek(), "in") {
            return self.for_error(
                open,
                close_type,
                diags,
                "For expression requires the 'in' keyword after its name declarations.",
            );
        }
        self.read();

        let (_, coll_diags) = self.parse_expression();
        let failed = self.recovery && has_errors(&coll_diags);
        diags.extend(coll_diags);
        if failed {
            let close = self.recover(close_type);
            return (Rng::between(Rng::of(&open), Rng::of(&close)), diags);
        }
        if self.peek().ty != TokenType::Colon {
            return self.for_error(
                open,
                close_type,
                diags,
                "For expression requires a colon after the collection expression.",
            );
        }
        self.read();

        let (mut val_range, mut val_diags) = self.parse_expression();
        let mut key: Option<(Rng, Diags)> = None;
        if self.peek().ty == TokenType::FatArrow {
            self.read();
            key = Some((val_range, val_diags));
            (val_range, val_diags) = self.parse_expression();
        }
        let key_failed = key.as_ref().is_some_and(|(_, d)| has_errors(d));
        let failed = self.recovery && (key_failed || has_errors(&val_diags));
        let key_range = key.as_ref().map(|(r, _)| *r);
        if let Some((_, key_diags)) = key {
            diags.extend(key_diags);
        }
        diags.extend(val_diags);
        if failed {
            let close = self.recover(close_type);
            return (Rng::between(Rng::of(&open), Rng::of(&close)), diags);
        }

        let ellipsis = if self.peek().ty == TokenType::Ellipsis { Some(self.read()) } else { None };

        if self.is_keyword(&self.peek(), "if") {
            self.read();
            let (_, cond_diags) = self.parse_expression();
            let failed = self.recovery && has_errors(&cond_diags);
            diags.extend(cond_diags);
            if failed {
                let close = self.recover(close_type);
                return (Rng::between(Rng::of(&open), Rng::of(&close)), diags);
            }
        }

        let close = if self.peek().ty == close_type {
            self.read()
        } else {
            if !self.recovery {
                let peeked = self.peek();
                diags.push(self.error_ctx(
                    "Invalid 'for' expression",
                    "Extra characters after the end of the 'for' expression.",
                    Rng::of(&peeked),
                    Rng::between(Rng::of(&open), Rng::of(&peeked)),
                ));
            }
            self.recover(close_type)
        };
        let whole = Rng::between(Rng::of(&open), Rng::of(&close));

        if !make_obj {
            if let Some(key_range) = key_range {
                diags.push(self.error_ctx(
                    "Invalid 'for' expression",
                    "Key expression is not valid when building a tuple.",
                    key_range,
                    whole,
                ));
            }
            if let Some(ellipsis) = ellipsis {
                diags.push(self.error_ctx(
                    "Invalid 'for' expression",
                    "Grouping ellipsis (...) cannot be used when building a tuple.",
                    Rng::of(&ellipsis),
                    whole,
                ));
            }
        } else if key_range.is_none() {
            diags.push(self.error_ctx(
                "Invalid 'for' expression",
                "Key expression is required when building an object.",
                val_range,
                whole,
            ));
        }
        (whole, diags)
    }

    fn for_error(
        &mut self,
        open: Token,
        close_type: TokenType,
        mut diags: Diags,
        detail: &str,
    ) -> (Rng, Diags) {
        if !self.recovery {
            let peeked = self.peek();
            diags.push(self.error_ctx(
                "Invalid 'for' expression",
                detail,
                Rng::of(&peeked),
                Rng::between(Rng::of(&open), Rng::of(&peeked)),
            ));
        }
        let close = self.recover(close_type);
        (Rng::between(Rng::of(&open), Rng::of(&close)), diags)
    }
}
