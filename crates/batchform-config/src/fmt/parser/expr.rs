//! Expressions: conditionals, binary operators by precedence, traversals, splats, terms and
//! function calls (`hclsyntax/parser.go`); collections are in `collections.rs`.

use super::{Diags, Parser, Rng, has_errors};
use crate::fmt::token::{Token, TokenType};

/// Operator precedence levels, loosest first (`hclsyntax.binaryOps`).
const BINARY_OPS: &[&[TokenType]] = &[
    &[TokenType::Or],
    &[TokenType::And],
    &[TokenType::EqualOp, TokenType::NotEqual],
    &[TokenType::GreaterThan, TokenType::GreaterThanEq, TokenType::LessThan, TokenType::LessThanEq],
    &[TokenType::Plus, TokenType::Minus],
    &[TokenType::Star, TokenType::Slash, TokenType::Percent],
];

impl Parser<'_> {
    pub(super) fn parse_expression(&mut self) -> (Rng, Diags) {
        self.parse_ternary_conditional()
    }

    fn parse_ternary_conditional(&mut self) -> (Rng, Diags) {
        let start_range = self.next_range();
        let (cond, mut diags) = self.parse_binary_ops(0);
        if self.recovery && has_errors(&diags) {
            return (cond, diags);
        }
        if self.peek().ty != TokenType::Question {
            return (cond, diags);
        }
        self.read();
        let (_, true_diags) = self.parse_expression();
        let failed = self.recovery && has_errors(&true_diags);
        diags.extend(true_diags);
        if failed {
            return (cond, diags);
        }
        let colon = self.peek();
        if colon.ty != TokenType::Colon {
            diags.push(self.error_ctx(
                "Missing false expression in conditional",
                "The conditional operator (...?...:...) requires a false expression, delimited \
                 by a colon.",
                Rng::of(&colon),
                Rng::between(start_range, Rng::of(&colon)),
            ));
            return (cond, diags);
        }
        self.read();
        let (false_range, false_diags) = self.parse_expression();
        let failed = self.recovery && has_errors(&false_diags);
        diags.extend(false_diags);
        if failed {
            return (cond, diags);
        }
        (Rng::between(start_range, false_range), diags)
    }

    fn parse_binary_ops(&mut self, level: usize) -> (Rng, Diags) {
        let Some(ops) = BINARY_OPS.get(level) else {
            return self.parse_expression_with_traversals();
        };
        let (mut lhs, mut diags) = self.parse_binary_ops(level + 1);
        if self.recovery && has_errors(&diags) {
            return (lhs, diags);
        }
        while ops.contains(&self.peek().ty) {
            self.read();
            let (rhs, rhs_diags) = self.parse_binary_ops(level + 1);
            let failed = self.recovery && has_errors(&rhs_diags);
            diags.extend(rhs_diags);
            if failed {
                return (lhs, diags);
            }
            lhs = Rng::between(lhs, rhs);
        }
        (lhs, diags)
    }

    /// Every recursion between expressions passes through here, so this is where nesting
    /// is bounded.
    pub(super) fn parse_expression_with_traversals(&mut self) -> (Rng, Diags) {
        if self.depth >= super::MAX_DEPTH {
            let subject = self.next_range();
            return (subject, vec![self.too_deep(subject)]);
        }
        self.depth += 1;
        let (term, mut diags) = self.parse_expression_term();
        let (ret, more) = self.parse_expression_traversals(term);
        diags.extend(more);
        self.depth -= 1;
        (ret, diags)
    }

    fn parse_expression_traversals(&mut self, from: Rng) -> (Rng, Diags) {
        let mut diags = Diags::new();
        let mut ret = from;
        'traversal: loop {
            let next = self.peek();
            match next.ty {
                TokenType::Dot => {
                    let dot = self.read();
                    let attr_tok = self.peek();
                    match attr_tok.ty {
                        TokenType::Ident => {
                            let tok = self.read();
                            ret = Rng::between(ret, Rng::of(&tok));
                        }
                        TokenType::NumberLit => {
                            let num = self.read();
                            diags.extend(self.legacy_index_diags(&num, &num, false));
                            ret = Rng::between(ret, Rng::of(&num));
                        }
                        TokenType::Star => {
                            // Attribute-only splat: `foo.*.bar.0`.
                            let marker = self.read();
                            let mut last = Rng::of(&marker);
                            while self.peek().ty == TokenType::Dot {
                                self.read();
                                if self.peek().ty == TokenType::NumberLit {
                                    let num = self.read();
                                    diags.extend(self.legacy_index_diags(&num, &marker, true));
                                    last = Rng::of(&num);
                                    continue;
                                }
                                if self.peek().ty != TokenType::Ident {
                                    if !self.recovery {
                                        let peeked = self.peek();
                                        diags.push(if peeked.ty == TokenType::Star {
                                            self.error(
                                                "Nested splat expression not allowed",
                                                "A splat expression (*) cannot be used inside \
                                                 another attribute-only splat expression.",
                                                Rng::of(&peeked),
                                            )
                                        } else {
                                            self.error(
                                                "Invalid attribute name",
                                                "An attribute name is required after a dot.",
                                                Rng::of(&marker),
                                            )
                                        });
                                    }
                                    self.set_recovery();
                                    continue 'traversal;
                                }
                                let attr = self.read();
                                last = Rng::of(&attr);
                            }
                            ret = Rng::between(from, last);
                        }
                        _ => {
                            diags.push(self.error(
                                "Invalid attribute name",
                                "An attribute name is required after a dot.",
                                Rng::of(&attr_tok),
                            ));
                            ret = Rng::between(from, Rng::of(&dot));
                            self.set_recovery();
                        }
                    }
                }
                TokenType::OBrack => {
                    let open = self.read();
                    if self.peek().ty == TokenType::Star {
                        self.read();
                        let mut close = self.read();
                        if close.ty != TokenType::CBrack && !self.recovery {
                            close = self.recover(TokenType::CBrack);
                            // hcl points the subject at its `close` variable, which the
                            // recovery then overwrites: the subject is the recovered token.
                            diags.push(self.error(
                                "Missing close bracket on splat index",
                                "The star for a full splat operator must be immediately \
                                 followed by a closing bracket (\"]\").",
                                Rng::of(&close),
                            ));
                        }
                        let item = Rng::between(Rng::of(&open), Rng::of(&close));
                        let (trav, nested) = self.parse_expression_traversals(item);
                        diags.extend(nested);
                        ret = Rng::between(from, trav);
                    } else {
                        self.push_newlines(false);
                        let (_, key_diags) = self.parse_expression();
                        let failed = self.recovery && has_errors(&key_diags);
                        diags.extend(key_diags);
                        let close = if failed {
                            self.recover(TokenType::CBrack)
                        } else {
                            let close = self.read();
                            if close.ty != TokenType::CBrack && !self.recovery {
                                // As above, the subject ends up as the recovered token.
                                let close = self.recover(TokenType::CBrack);
                                diags.push(self.error(
                                    "Missing close bracket on index",
                                    "The index operator must end with a closing bracket (\"]\").",
                                    Rng::of(&close),
                                ));
                                close
                            } else {
                                close
                            }
                        };
                        self.pop_newlines();
                        ret = Rng::between(ret, Rng::of(&close));
                    }
                }
                _ => break,
            }
        }
        (ret, diags)
    }

    /// `foo.0.1` parses `0.1` as one number: hcl rejects chained legacy indexes.
    fn legacy_index_diags(&self, num: &Token, subject: &Token, in_splat: bool) -> Diags {
        let bytes = self.bytes(num);
        if let Some(dot) = bytes.iter().position(|&b| b == b'.') {
            let first = String::from_utf8_lossy(&bytes[..dot]);
            let second = String::from_utf8_lossy(&bytes[dot + 1..]);
            let detail = if in_splat {
                format!(
                    "When using the legacy index syntax, chaining two indexes together is not \
                     permitted. Use the proper index syntax with a full splat expression [*] \
                     instead, like [{first}][{second}]."
                )
            } else {
                format!(
                    "When using the legacy index syntax, chaining two indexes together is not \
                     permitted. Use the proper index syntax instead, like [{first}][{second}]."
                )
            };
            return vec![self.error("Invalid legacy index syntax", detail, Rng::of(subject))];
        }
        self.number_diags(num)
    }

    /// `cty.ParseNumberVal` must accept the literal.
    fn number_diags(&self, num: &Token) -> Diags {
        if is_decimal_number(self.bytes(num)) {
            return Diags::new();
        }
        vec![self.error(
            "Invalid number literal",
            "Failed to recognize the value of this number literal.",
            Rng::of(num),
        )]
    }

    fn parse_expression_term(&mut self) -> (Rng, Diags) {
        let start = self.peek();
        match start.ty {
            TokenType::OParen => {
                let o_paren = self.read();
                self.push_newlines(false);
                let (expr, mut diags) = self.parse_expression();
                if has_errors(&diags) {
                    self.recover(TokenType::CParen);
                    self.pop_newlines();
                    return (expr, diags);
                }
                let close = self.peek();
                if close.ty != TokenType::CParen {
                    diags.push(self.error_ctx(
                        "Unbalanced parentheses",
                        "Expected a closing parenthesis to terminate the expression.",
                        Rng::of(&close),
                        Rng::between(Rng::of(&start), Rng::of(&close)),
                    ));
                    self.set_recovery();
                }
                let c_paren = self.read();
                self.pop_newlines();
                (Rng::between(Rng::of(&o_paren), Rng::of(&c_paren)), diags)
            }
            TokenType::NumberLit => {
                let tok = self.read();
                (Rng::of(&tok), self.number_diags(&tok))
            }
            TokenType::Ident => {
                let tok = self.read();
                if matches!(self.peek().ty, TokenType::OParen | TokenType::DoubleColon) {
                    return self.finish_function_call(tok);
                }
                (Rng::of(&tok), Diags::new())
            }
            TokenType::OQuote | TokenType::OHeredoc => {
                let open = self.read();
                let closer = if open.ty == TokenType::OQuote {
                    TokenType::CQuote
                } else {
                    TokenType::CHeredoc
                };
                let diags = self.parse_template_inner(closer);
                (Rng::between(Rng::of(&open), self.prev_range()), diags)
            }
            TokenType::Minus | TokenType::Bang => {
                let tok = self.read();
                let (operand, diags) = self.parse_expression_with_traversals();
                (Rng::between(Rng::of(&tok), operand), diags)
            }
            TokenType::OBrack => self.parse_tuple_cons(),
            TokenType::OBrace => self.parse_object_cons(),
            _ => {
                let mut diags = Diags::new();
                if !self.recovery {
                    diags.push(if start.ty == TokenType::Eof {
                        self.error(
                            "Missing expression",
                            "Expected the start of an expression, but found the end of the file.",
                            Rng::of(&start),
                        )
                    } else {
                        self.error(
                            "Invalid expression",
                            "Expected the start of an expression, but found an invalid \
                             expression token.",
                            Rng::of(&start),
                        )
                    });
                }
                self.set_recovery();
                (Rng::of(&start), diags)
            }
        }
    }

    fn finish_function_call(&mut self, name: Token) -> (Rng, Diags) {
        let mut diags = Diags::new();
        let mut open = self.read();
        while open.ty == TokenType::DoubleColon {
            let next_name = self.read();
            if next_name.ty != TokenType::Ident {
                diags.push(self.error_ctx(
                    "Missing function name",
                    "Function scope resolution symbol :: must be followed by a function name in \
                     this scope.",
                    Rng::of(&next_name),
                    Rng::between(Rng::of(&name), Rng::of(&next_name)),
                ));
                self.recover_over(TokenType::OParen);
                return (Rng::between(Rng::of(&name), Rng::of(&next_name)), diags);
            }
            open = self.read();
        }
        if open.ty != TokenType::OParen {
            diags.push(self.error_ctx(
                "Missing open parenthesis",
                "Function selector must be followed by an open parenthesis to begin the \
                 function call.",
                Rng::of(&open),
                Rng::between(Rng::of(&name), Rng::of(&open)),
            ));
            self.recover_over(TokenType::OParen);
            return (Rng::between(Rng::of(&name), Rng::of(&open)), diags);
        }

        self.push_newlines(false);
        let mut close = open;
        loop {
            if self.peek().ty == TokenType::CParen {
                close = self.read();
                break;
            }
            let (_, arg_diags) = self.parse_expression();
            let failed = self.recovery && has_errors(&arg_diags);
            diags.extend(arg_diags);
            if failed {
                let recovered = self.recover(TokenType::CParen);
                if recovered.ty == TokenType::CParen {
                    close = recovered;
                }
                break;
            }
            let sep = self.read();
            if sep.ty == TokenType::CParen {
                close = sep;
                break;
            }
            if sep.ty == TokenType::Ellipsis {
                if self.peek().ty != TokenType::CParen {
                    if !self.recovery {
                        diags.push(self.error_ctx(
                            "Missing closing parenthesis",
                            "An expanded function argument (with ...) must be immediately \
                             followed by closing parentheses.",
                            Rng::of(&sep),
                            Rng::between(Rng::of(&name), Rng::of(&sep)),
                        ));
                    }
                    close = self.recover(TokenType::CParen);
                } else {
                    close = self.read();
                }
                break;
            }
            if sep.ty != TokenType::Comma {
                if sep.ty == TokenType::Eof {
                    diags.push(self.error(
                        "Unterminated function call",
                        "There is no closing parenthesis for this function call before the end \
                         of the file. This may be caused by incorrect parenthesis nesting \
                         elsewhere in this file.",
                        Rng::between(Rng::of(&name), Rng::of(&open)),
                    ));
                } else {
                    diags.push(self.error_ctx(
                        "Missing argument separator",
                        "A comma is required to separate each function argument from the next.",
                        Rng::of(&sep),
                        Rng::between(Rng::of(&name), Rng::of(&sep)),
                    ));
                }
                close = self.recover(TokenType::CParen);
                break;
            }
            if self.peek().ty == TokenType::CParen {
                close = self.read();
                break;
            }
        }
        self.pop_newlines();
        (Rng::between(Rng::of(&name), Rng::of(&close)), diags)
    }
}

/// What Go's `big.Float.Parse` accepts from a number token: `digits[.digits*][e[+-]digits]`.
fn is_decimal_number(b: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        digits(&mut i);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}
