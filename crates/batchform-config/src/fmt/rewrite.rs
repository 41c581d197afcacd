//! The token edits `terraform fmt` makes on top of hclwrite (`internal/command/fmt.go`
//! `formatBody`): unwrap `"${expr}"` to `expr`, normalise legacy type constraints in
//! `variable` blocks, and rewrite block labels in their quoted form. hclwrite's own parse
//! drops anything between a block's type and its last label, which is reproduced here.

use super::layout::WToken;
use super::parser::{Block, Body, Item};
use super::strlit;
use super::token::{Token, TokenType};
use std::ops::Range;

/// The writer tokens for the file after Terraform's edits, before layout.
pub(crate) fn writer_tokens<'a>(src: &'a [u8], tokens: &[Token], body: &Body) -> Vec<WToken<'a>> {
    let mut edits: Vec<(Range<usize>, Vec<WToken<'a>>)> = Vec::new();
    let ctx = Ctx { src, tokens };
    ctx.format_body(body, &[], &mut edits);
    edits.sort_by_key(|(range, _)| range.start);

    let mut out = Vec::with_capacity(tokens.len());
    let mut last_end = 0;
    let mut edits = edits.into_iter().peekable();
    let mut i = 0;
    while i < tokens.len() {
        if edits.peek().is_some_and(|(range, _)| range.start == i) {
            if let Some((range, replacement)) = edits.next() {
                out.extend(replacement);
                let end = range.end.clamp(i + 1, tokens.len());
                last_end = tokens[end - 1].end;
                i = end;
                continue;
            }
        }
        let tok = &tokens[i];
        // hclwrite assumes only ASCII spaces sit between tokens; tabs count one each.
        let spaces_before = tok.start.saturating_sub(last_end);
        out.push(WToken { spaces_before, ..WToken::new(tok.ty, tok.bytes(src)) });
        last_end = tok.end;
        i += 1;
    }
    out
}

struct Ctx<'a, 't> {
    src: &'a [u8],
    tokens: &'t [Token],
}

impl<'a> Ctx<'a, '_> {
    fn wtoken(&self, i: usize) -> WToken<'a> {
        let tok = &self.tokens[i];
        WToken::new(tok.ty, tok.bytes(self.src))
    }

    fn text(&self, i: usize) -> &'a [u8] {
        self.tokens[i].bytes(self.src)
    }

    fn format_body(
        &self,
        body: &Body,
        in_blocks: &[&'a [u8]],
        edits: &mut Vec<(Range<usize>, Vec<WToken<'a>>)>,
    ) {
        for item in &body.items {
            match item {
                Item::Attribute(attr) => {
                    let expr: Vec<WToken<'a>> = attr.expr.clone().map(|i| self.wtoken(i)).collect();
                    let is_variable_type =
                        in_blocks == [b"variable".as_slice()] && self.text(attr.name) == b"type";
                    let rewritten = if is_variable_type {
                        format_type_expr(&expr)
                    } else {
                        format_value_expr(&expr)
                    };
                    if let Some(new) = rewritten {
                        edits.push((attr.expr.clone(), new));
                    }
                }
                Item::Block(block) => {
                    if let Some(edit) = self.label_edit(block) {
                        edits.push(edit);
                    }
                    let mut nested = in_blocks.to_vec();
                    nested.push(self.text(block.type_name));
                    self.format_body(&block.body, &nested, edits);
                }
            }
        }
    }

    /// `block.SetLabels(block.Labels())`: every label re-quoted; labels hclwrite cannot read
    /// back as a plain string are dropped, as are tokens between the type and the labels.
    fn label_edit(&self, block: &Block) -> Option<(Range<usize>, Vec<WToken<'a>>)> {
        let last = block.labels.last()?;
        let mut new = Vec::new();
        for label in &block.labels {
            if let Some(value) = self.label_value(label) {
                new.push(WToken::new(TokenType::OQuote, b"\"".as_slice()));
                let escaped = strlit::escape_quoted(&value);
                if !escaped.is_empty() {
                    new.push(WToken::new(TokenType::QuotedLit, escaped.into_bytes()));
                }
                new.push(WToken::new(TokenType::CQuote, b"\"".as_slice()));
            }
        }
        Some((block.type_name + 1..last.end, new))
    }

    fn label_value(&self, label: &Range<usize>) -> Option<String> {
        let types: Vec<TokenType> = label.clone().map(|i| self.tokens[i].ty).collect();
        match types.as_slice() {
            [TokenType::Ident] => Some(String::from_utf8_lossy(self.text(label.start)).into()),
            [TokenType::OQuote, TokenType::QuotedLit, TokenType::CQuote] => {
                let (value, errors) = strlit::decode(self.text(label.start + 1), true);
                errors.is_empty().then_some(value)
            }
            [TokenType::OQuote, TokenType::CQuote] => Some(String::new()),
            _ => None,
        }
    }
}

/// `formatValueExpr`: `"${expr}"` becomes `expr` (parenthesised when it spans lines).
fn format_value_expr<'a>(tokens: &[WToken<'a>]) -> Option<Vec<WToken<'a>>> {
    use TokenType::*;
    let n = tokens.len();
    if n < 5 {
        return None;
    }
    if tokens[0].ty != OQuote
        || tokens[1].ty != TemplateInterp
        || tokens[n - 2].ty != TemplateSeqEnd
        || tokens[n - 1].ty != CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0;
    for tok in inside {
        match tok.ty {
            OQuote => quotes += 1,
            CQuote => quotes -= 1,
            // Template sequences in nested quotes belong to a nested expression.
            _ if quotes > 0 => {}
            // `"${a}${b}"` or `"${a} b"` are real templates.
            TemplateInterp | TemplateSeqEnd | QuotedLit => return None,
            _ => {}
        }
    }
    let start = inside.iter().position(|t| t.ty != Newline).unwrap_or(inside.len());
    let end = inside.iter().rposition(|t| t.ty != Newline).map_or(start, |i| i + 1);
    let trimmed = &inside[start..end.max(start)];

    let mut multi_line = false;
    let mut leading_paren = false;
    let mut trailing_paren = false;
    for (i, tok) in trimmed.iter().enumerate() {
        if i == 0 && tok.ty == OParen {
            leading_paren = true;
        } else if tok.ty == Newline {
            multi_line = true;
        } else if i + 1 == trimmed.len() && tok.ty == CParen {
            trailing_paren = true;
        }
    }
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    let wrap = multi_line && !(leading_paren && trailing_paren);
    if wrap {
        out.push(WToken::new(OParen, b"(".as_slice()));
    }
    out.extend(trimmed.iter().cloned());
    if wrap {
        out.push(WToken::new(CParen, b")".as_slice()));
    }
    Some(out)
}

/// `formatTypeExpr`: `list` becomes `list(any)`, and the pre-0.12 quoted types `"string"`,
/// `"list"`, `"map"` become `string`, `list(string)`, `map(string)`.
fn format_type_expr<'a>(tokens: &[WToken<'a>]) -> Option<Vec<WToken<'a>>> {
    use TokenType::*;
    let call = |name: &'static [u8], arg: &'static [u8]| {
        vec![
            WToken::new(Ident, name),
            WToken::new(OParen, b"(".as_slice()),
            WToken::new(Ident, arg),
            WToken::new(CParen, b")".as_slice()),
        ]
    };
    match tokens {
        [kw] if kw.ty == Ident => match &*kw.bytes {
            b"list" => Some(call(b"list", b"any")),
            b"map" => Some(call(b"map", b"any")),
            b"set" => Some(call(b"set", b"any")),
            _ => None,
        },
        [open, lit, close] if open.ty == OQuote && lit.ty == QuotedLit && close.ty == CQuote => {
            match &*lit.bytes {
                b"string" => Some(vec![WToken::new(Ident, b"string".as_slice())]),
                b"list" => Some(call(b"list", b"string")),
                b"map" => Some(call(b"map", b"string")),
                _ => None,
            }
        }
        _ => None,
    }
}
