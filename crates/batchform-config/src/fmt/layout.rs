//! The whitespace pass: a port of `hclwrite/format.go` (HCL v2.23). It only ever changes the
//! number of spaces before each token: indentation by bracket nesting, spacing between
//! tokens by a fixed rule table, and vertical alignment of `=` and of trailing comments in
//! runs of consecutive lines.

use super::token::{TokenType, grapheme_count};
use std::borrow::Cow;
use std::ops::Range;

/// A token as the writer sees it: type, text and the spaces written before it.
#[derive(Debug, Clone)]
pub(crate) struct WToken<'a> {
    pub ty: TokenType,
    pub bytes: Cow<'a, [u8]>,
    pub spaces_before: usize,
}

impl<'a> WToken<'a> {
    pub(crate) fn new(ty: TokenType, bytes: impl Into<Cow<'a, [u8]>>) -> Self {
        WToken { ty, bytes: bytes.into(), spaces_before: 0 }
    }

    fn is_newline(&self) -> bool {
        match self.ty {
            TokenType::Newline => true,
            // Line comments swallow their newline.
            TokenType::Comment => self.bytes.last() == Some(&b'\n'),
            _ => false,
        }
    }
}

const NIL: WToken<'static> =
    WToken { ty: TokenType::Nil, bytes: Cow::Borrowed(&[]), spaces_before: 0 };

/// One line split into its cells: `lead`, then the `assign` cell from `=` when the rest of
/// the line is bracket-balanced, then a trailing line `comment`.
#[derive(Debug, Clone, Default)]
struct Line {
    lead: Range<usize>,
    assign: Option<Range<usize>>,
    comment: Option<Range<usize>>,
}

/// Rewrite `spaces_before` of `tokens` in place to the canonical layout.
pub(crate) fn format(tokens: &mut [WToken<'_>]) {
    let lines = lines_for_format(tokens);
    format_indent(tokens, &lines);
    format_spaces(tokens, &lines);
    format_cells(tokens, &lines);
}

/// Concatenate the tokens with their spaces.
pub(crate) fn write(tokens: &[WToken<'_>]) -> Vec<u8> {
    let len = tokens.iter().map(|t| t.spaces_before + t.bytes.len()).sum();
    let mut out = Vec::with_capacity(len);
    for t in tokens {
        out.resize(out.len() + t.spaces_before, b' ');
        out.extend_from_slice(&t.bytes);
    }
    out
}

fn lines_for_format(tokens: &[WToken<'_>]) -> Vec<Line> {
    if tokens.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut line_start = 0;
    let mut end = tokens.len();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.ty == TokenType::Eof {
            end = i;
            break;
        }
        if tok.is_newline() {
            lines.push(Line { lead: line_start..i + 1, ..Line::default() });
            line_start = i + 1;
        }
    }
    // The last line, possibly empty; the EOF token belongs to no line.
    lines.push(Line { lead: line_start..end.max(line_start), ..Line::default() });

    for line in &mut lines {
        if line.lead.is_empty() {
            continue;
        }
        let last = line.lead.end - 1;
        if line.lead.len() > 1 && tokens[last].ty == TokenType::Comment {
            line.comment = Some(last..last + 1);
            line.lead.end = last;
        }
        for i in line.lead.clone().skip(1) {
            if tokens[i].ty == TokenType::Equal {
                // Only a bracket-balanced remainder is a whole single-line expression.
                let net: i32 = tokens[i..line.lead.end].iter().map(|t| t.ty.bracket_change()).sum();
                if net == 0 {
                    line.assign = Some(i..line.lead.end);
                    line.lead.end = i;
                }
                break;
            }
        }
    }
    lines
}

fn format_indent(tokens: &mut [WToken<'_>], lines: &[Line]) {
    let mut indents: Vec<i32> = Vec::with_capacity(10);
    for line in lines {
        if line.lead.is_empty() {
            continue;
        }
        let first = line.lead.start;
        if tokens[first].ty == TokenType::Newline {
            tokens[first].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for tok in &tokens[line.lead.clone()] {
            net += tok.ty.bracket_change();
            if tok.ty == TokenType::OHeredoc {
                break;
            }
        }
        if let Some(assign) = &line.assign {
            net += tokens[assign.clone()].iter().map(|t| t.ty.bracket_change()).sum::<i32>();
        }
        if net > 0 {
            tokens[first].spaces_before = 2 * indents.len();
            indents.push(net);
            continue;
        }
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = indents.last_mut() else { break };
            if closed > *top {
                closed -= *top;
                indents.pop();
            } else if closed < *top {
                *top -= closed;
                closed = 0;
            } else {
                indents.pop();
                closed = 0;
            }
        }
        tokens[first].spaces_before = 2 * indents.len();
    }
}

fn format_spaces(tokens: &mut [WToken<'_>], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead.clone());
        if let Some(assign) = &line.assign {
            // The `=` is always one space from what it assigns to (alignment may widen it).
            tokens[assign.start].spaces_before = 1;
            space_cell(tokens, assign.clone());
        }
    }
}

fn space_cell(tokens: &mut [WToken<'_>], cell: Range<usize>) {
    for i in cell.start..cell.end.saturating_sub(1) {
        let before = if i > cell.start { &tokens[i - 1] } else { &NIL };
        let space = space_after_token(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(space);
    }
}

fn format_cells(tokens: &mut [WToken<'_>], lines: &[Line]) {
    // The `=` cells first, since moving them also moves the comment cells.
    align(tokens, lines, |line| line.assign.clone(), |tokens, line| columns(tokens, &line.lead));
    align(
        tokens,
        lines,
        |line| line.comment.clone(),
        |tokens, line| {
            columns(tokens, &line.lead) + line.assign.as_ref().map_or(0, |a| columns(tokens, a))
        },
    );
}

/// Align the first token of `cell` across each run of consecutive lines that have one.
fn align(
    tokens: &mut [WToken<'_>],
    lines: &[Line],
    cell: impl Fn(&Line) -> Option<Range<usize>>,
    width: impl Fn(&[WToken<'_>], &Line) -> usize,
) {
    let mut i = 0;
    while i < lines.len() {
        if cell(&lines[i]).is_none() {
            i += 1;
            continue;
        }
        let chain_end =
            (i..lines.len()).find(|&j| cell(&lines[j]).is_none()).unwrap_or(lines.len());
        let widths: Vec<usize> = lines[i..chain_end].iter().map(|l| width(tokens, l)).collect();
        let max = widths.iter().copied().max().unwrap_or(0);
        for (line, w) in lines[i..chain_end].iter().zip(widths) {
            if let Some(c) = cell(line) {
                tokens[c.start].spaces_before = max - w + 1;
            }
        }
        i = chain_end;
    }
}

/// Columns a cell occupies: its spaces plus its grapheme clusters.
fn columns(tokens: &[WToken<'_>], cell: &Range<usize>) -> usize {
    tokens[cell.clone()].iter().map(|t| t.spaces_before + grapheme_count(&t.bytes)).sum()
}

/// Whether `subject` gets a space after it, given its neighbours (`spaceAfterToken`).
fn space_after_token(subject: &WToken<'_>, before: &WToken<'_>, after: &WToken<'_>) -> bool {
    use TokenType::*;
    let (s, a) = (subject.ty, after.ty);
    if a == Newline || a == Nil {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if s == Ident && &*subject.bytes == b"in" && before.ty == Ident {
        // `for x in [foo]: x` rather than `in[foo]`.
        return true;
    }
    if a == OBrack && (s == Ident || s == NumberLit || s.bracket_change() < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        // Negation takes no space; subtraction does. Guess from what precedes the minus.
        return !matches!(
            before.ty,
            Nil | OParen
                | OBrace
                | OBrack
                | Equal
                | Colon
                | Comma
                | Question
                | Plus
                | Star
                | Slash
                | Percent
                | Minus
                | EqualOp
                | NotEqual
                | GreaterThan
                | GreaterThanEq
                | LessThan
                | LessThanEq
                | And
                | Or
                | Bang
        );
    }
    if s == OBrace || a == CBrace {
        // Braces get spaces inside, except an empty pair `{}`.
        return !(s == OBrace && a == CBrace);
    }
    if (s == TemplateInterp || s == TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && (a == TemplateInterp || a == TemplateControl) {
        return false;
    }
    if s.bracket_change() > 0 {
        return false;
    }
    if a.bracket_change() < 0 {
        return false;
    }
    true
}
