//! Quoted and heredoc templates: literal chunks, `${ }` interpolations and `%{ }` directives,
//! then the check that `if`/`else`/`endif` and `for`/`endfor` are balanced
//! (`hclsyntax/parser_template.go`).

use super::{Diags, Parser, Rng};
use crate::fmt::strlit::go_quote;
use crate::fmt::token::TokenType;

/// The template-level tokens the directive check walks over.
#[derive(Debug, Clone, Copy)]
enum Part {
    Literal,
    Interp,
    If(Rng),
    For(Rng),
    Else(Rng),
    EndIf(Rng),
    EndFor(Rng),
    End(Rng),
}

impl Parser<'_> {
    /// Parse a template after its opening quote or heredoc marker, through `end`.
    pub(super) fn parse_template_inner(&mut self, end: TokenType) -> Diags {
        let (parts, mut diags) = self.parse_template_parts(end);
        let mut checker =
            DirectiveChecker { parts: &parts, pos: 0, parser: self, diags: Diags::new() };
        checker.parse_root();
        diags.extend(checker.diags);
        diags
    }

    fn parse_template_parts(&mut self, end: TokenType) -> (Vec<Part>, Diags) {
        let mut parts = Vec::new();
        let mut diags = Diags::new();
        let start_range = self.next_range();
        let end_range;
        loop {
            let next = self.read();
            if next.ty == end {
                end_range = Rng::of(&next);
                break;
            }
            match next.ty {
                TokenType::StringLit | TokenType::QuotedLit => {
                    diags.extend(self.string_literal_diags(&next));
                    parts.push(Part::Literal);
                }
                TokenType::TemplateInterp => {
                    self.push_newlines(false);
                    let (_, expr_diags) = self.parse_expression();
                    diags.extend(expr_diags);
                    let close = self.peek();
                    if close.ty != TokenType::TemplateSeqEnd {
                        if !self.recovery {
                            let context = Rng::between(start_range, Rng::of(&close));
                            diags.push(match close.ty {
                                TokenType::Eof => self.error(
                                    "Unclosed template interpolation sequence",
                                    "There is no closing brace for this interpolation sequence \
                                     before the end of the file. This might be caused by \
                                     incorrect nesting inside the given expression.",
                                    start_range,
                                ),
                                TokenType::Colon => self.error_ctx(
                                    "Extra characters after interpolation expression",
                                    "Template interpolation doesn't expect a colon at this \
                                     location. Did you intend this to be a literal sequence to \
                                     be processed as part of another language? If so, you can \
                                     escape it by starting with \"$${\" instead of just \"${\".",
                                    Rng::of(&close),
                                    context,
                                ),
                                TokenType::CQuote | TokenType::OQuote
                                    if end == TokenType::CQuote =>
                                {
                                    self.error(
                                        "Unclosed template interpolation sequence",
                                        "There is no closing brace for this interpolation \
                                         sequence before the end of the quoted template. This \
                                         might be caused by incorrect nesting inside the given \
                                         expression.",
                                        start_range,
                                    )
                                }
                                _ => self.error_ctx(
                                    "Extra characters after interpolation expression",
                                    "Expected a closing brace to end the interpolation \
                                     expression, but found extra characters.\n\nThis can happen \
                                     when you include interpolation syntax for another language, \
                                     such as shell scripting, but forget to escape the \
                                     interpolation start token. If this is an embedded sequence \
                                     for another language, escape it by starting with \"$${\" \
                                     instead of just \"${\".",
                                    Rng::of(&close),
                                    context,
                                ),
                            });
                        }
                        self.recover(TokenType::TemplateSeqEnd);
                    } else {
                        self.read();
                    }
                    self.pop_newlines();
                    parts.push(Part::Interp);
                }
                TokenType::TemplateControl => {
                    self.push_newlines(false);
                    if let Some(part) = self.parse_directive(&next, start_range, &mut diags) {
                        parts.push(part);
                    }
                    self.pop_newlines();
                }
                _ => {
                    if !self.recovery {
                        diags.push(self.error_ctx(
                            "Unterminated template string",
                            "No closing marker was found for the string.",
                            Rng::of(&next),
                            Rng::between(start_range, Rng::of(&next)),
                        ));
                    }
                    let last = self.recover(end);
                    end_range = Rng::of(&last);
                    break;
                }
            }
        }
        if parts.is_empty() {
            parts.push(Part::Literal);
        }
        parts.push(Part::End(end_range));
        (parts, diags)
    }

    /// The inside of a `%{ ... }` directive, after its opener; `None` when it was skipped.
    fn parse_directive(
        &mut self,
        open: &crate::fmt::token::Token,
        start_range: Rng,
        diags: &mut Diags,
    ) -> Option<Part> {
        let kw = self.peek();
        if kw.ty != TokenType::Ident {
            if !self.recovery {
                diags.push(self.error_ctx(
                    "Invalid template directive",
                    "A template directive keyword (\"if\", \"for\", etc) is expected at the \
                     beginning of a %{ sequence.",
                    Rng::of(&kw),
                    Rng::between(Rng::of(open), Rng::of(&kw)),
                ));
            }
            self.recover(TokenType::TemplateSeqEnd);
            return None;
        }
        self.read();
        let keyword = String::from_utf8_lossy(self.bytes(&kw)).into_owned();
        let part = match keyword.as_str() {
            "if" => {
                let (_, cond_diags) = self.parse_expression();
                diags.extend(cond_diags);
                Part::If(Rng::between(Rng::of(open), self.next_range()))
            }
            "else" => Part::Else(Rng::between(Rng::of(open), self.next_range())),
            "endif" => Part::EndIf(Rng::between(Rng::of(open), self.next_range())),
            "endfor" => Part::EndFor(Rng::between(Rng::of(open), self.next_range())),
            "for" => {
                let problem = if self.peek().ty != TokenType::Ident {
                    Some("For directive requires variable name after 'for'.")
                } else {
                    self.read();
                    if self.peek().ty == TokenType::Comma {
                        self.read();
                        if self.peek().ty != TokenType::Ident {
                            Some("For directive requires value variable name after comma.")
                        } else {
                            self.read();
                            None
                        }
                    } else {
                        None
                    }
                };
                let problem = problem.or_else(|| {
                    (!self.is_keyword(&self.peek(), "in"))
                        .then_some("For directive requires 'in' keyword after names.")
                });
                if let Some(detail) = problem {
                    if !self.recovery {
                        let peeked = self.peek();
                        diags.push(self.error("Invalid 'for' directive", detail, Rng::of(&peeked)));
                    }
                    self.recover(TokenType::TemplateSeqEnd);
                    return None;
                }
                self.read(); // "in"
                let (_, coll_diags) = self.parse_expression();
                diags.extend(coll_diags);
                Part::For(Rng::between(Rng::of(open), self.next_range()))
            }
            _ => {
                if !self.recovery {
                    let suggestion =
                        name_suggestion(&keyword, &["if", "for", "else", "endif", "endfor"])
                            .map(|s| format!(" Did you mean {}?", go_quote(s)))
                            .unwrap_or_default();
                    diags.push(self.error_ctx(
                        "Invalid template control keyword",
                        format!(
                            "{} is not a valid template control keyword.{suggestion}",
                            go_quote(&keyword)
                        ),
                        Rng::of(&kw),
                        Rng::between(Rng::of(open), Rng::of(&kw)),
                    ));
                }
                self.recover(TokenType::TemplateSeqEnd);
                return None;
            }
        };

        let close = self.peek();
        if close.ty != TokenType::TemplateSeqEnd {
            if !self.recovery {
                diags.push(self.error_ctx(
                    &format!("Extra characters in {keyword} marker"),
                    "Expected a closing brace to end the sequence, but found extra characters.",
                    Rng::of(&close),
                    Rng::between(start_range, Rng::of(&close)),
                ));
            }
            self.recover(TokenType::TemplateSeqEnd);
        } else {
            self.read();
        }
        Some(part)
    }
}

/// `templateParser`: matches directive openers with their closers.
struct DirectiveChecker<'p, 'a> {
    parts: &'p [Part],
    pos: usize,
    parser: &'p Parser<'a>,
    diags: Diags,
}

impl DirectiveChecker<'_, '_> {
    fn peek(&self) -> Part {
        self.parts[self.pos.min(self.parts.len() - 1)]
    }

    fn read(&mut self) -> Part {
        let part = self.peek();
        if !matches!(part, Part::End(_)) {
            self.pos += 1;
        }
        part
    }

    fn parse_root(&mut self) {
        while !matches!(self.peek(), Part::End(_)) {
            self.parse_expr();
        }
    }

    fn parse_expr(&mut self) {
        let p = self.parser;
        match self.peek() {
            Part::Literal | Part::Interp => {
                self.read();
            }
            Part::If(_) => self.parse_if(),
            Part::For(_) => self.parse_for(),
            Part::End(r) => {
                self.read();
                self.diags.push(p.error(
                    "Unexpected end of template",
                    "The control directives within this template are unbalanced.",
                    r,
                ));
            }
            part @ (Part::Else(r) | Part::EndIf(r) | Part::EndFor(r)) => {
                self.read();
                self.diags.push(p.error(
                    &format!("Unexpected {} directive", end_name(part)),
                    "The control directives within this template are unbalanced.",
                    r,
                ));
            }
        }
    }

    fn parse_if(&mut self) {
        let p = self.parser;
        let Part::If(open) = self.read() else { return };
        let mut in_else = false;
        loop {
            match self.peek() {
                Part::End(r) => {
                    self.diags.push(p.error(
                        "Unexpected end of template",
                        format!(
                            "The if directive at {} is missing its corresponding endif directive.",
                            p.range_string(open)
                        ),
                        r,
                    ));
                    return;
                }
                Part::Else(r) => {
                    self.read();
                    if !in_else {
                        in_else = true;
                        continue;
                    }
                    self.diags.push(p.error(
                        "Unexpected else directive",
                        format!(
                            "Already in the else clause for the if started at {}.",
                            p.range_string(open)
                        ),
                        r,
                    ));
                    return;
                }
                Part::EndIf(_) => {
                    self.read();
                    return;
                }
                part @ Part::EndFor(r) => {
                    self.read();
                    self.diags.push(p.error(
                        &format!("Unexpected {} directive", end_name(part)),
                        format!(
                            "Expecting an endif directive for the if started at {}.",
                            p.range_string(open)
                        ),
                        r,
                    ));
                    return;
                }
                _ => self.parse_expr(),
            }
        }
    }

    fn parse_for(&mut self) {
        let p = self.parser;
        let Part::For(open) = self.read() else { return };
        loop {
            match self.peek() {
                Part::End(r) => {
                    self.diags.push(p.error(
                        "Unexpected end of template",
                        format!(
                            "The for directive at {} is missing its corresponding endfor \
                             directive.",
                            p.range_string(open)
                        ),
                        r,
                    ));
                    return;
                }
                Part::Else(r) => {
                    self.read();
                    self.diags.push(p.error(
                        "Unexpected else directive",
                        "An else clause is not expected for a for directive.",
                        r,
                    ));
                    return;
                }
                Part::EndFor(_) => {
                    self.read();
                    return;
                }
                part @ Part::EndIf(r) => {
                    self.read();
                    self.diags.push(p.error(
                        &format!("Unexpected {} directive", end_name(part)),
                        format!(
                            "Expecting an endfor directive corresponding to the for directive \
                             at {}.",
                            p.range_string(open)
                        ),
                        r,
                    ));
                    return;
                }
                _ => self.parse_expr(),
            }
        }
    }
}

/// hcl's `nameSuggestion`: the first candidate within edit distance 2.
fn name_suggestion<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates.iter().copied().find(|c| levenshtein(given, c) < 3)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn end_name(part: Part) -> &'static str {
    match part {
        Part::Else(_) => "else",
        Part::EndIf(_) => "endif",
        _ => "endfor",
    }
}
