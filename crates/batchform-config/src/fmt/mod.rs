//! Canonical formatting of configuration files, byte for byte what `terraform fmt` (1.11)
//! produces. Text in, text out; no I/O.
//!
//! # How, and why this way
//!
//! `terraform fmt` is not a pretty-printer over a syntax tree. It runs three steps, and this
//! module reproduces each of them:
//!
//! 1. **Check the syntax** with `hclsyntax.ParseConfig`; on any error the file is left alone
//!    and the diagnostics are reported. [`parser`] is a port of that parser (without building
//!    expressions) so the same inputs are rejected with the same summaries, details and ranges.
//! 2. **Edit tokens** (`formatBody` in terraform's `internal/command/fmt.go`): `"${x}"`
//!    becomes `x`, legacy type constraints in `variable` blocks are modernised, block labels
//!    are re-quoted. See [`rewrite`].
//! 3. **Lay out whitespace** with `hclwrite`'s formatter, which works on the flat token
//!    stream: it re-indents by counting brackets per line, sets the spaces between tokens
//!    from a rule table, and aligns `=` and trailing comments across consecutive lines. It
//!    never touches token text, so comments, heredoc bodies and blank lines survive. See
//!    [`layout`].
//!
//! Because step 3 is defined on hclsyntax's tokens, not on a tree, being byte-identical
//! needs the same tokens: [`lexer`] ports hcl's Ragel scanner, including its quirks (a
//! heredoc's closing marker keeps its own indentation, `$$` scans as two literals, line
//! comments swallow their newline). hcl-edit's tree would have been the other option, but
//! it has its own tokenisation and decor model and normalises things terraform keeps, so
//! reproducing hclwrite's line/cell algorithm on top of it would mean re-deriving tokens
//! anyway. The port is checked against files formatted by the real `terraform fmt`
//! (`fixtures/fmt/`).
//!
//! The result differs from the input only in spaces, the three token edits, and a UTF-8 byte
//! order mark, which is dropped (as hcl does).

mod layout;
mod lexer;
mod parser;
mod rewrite;
mod strlit;
mod token;

use batchform_core::Diagnostics;
use std::sync::Arc;

/// Format one file's source. `filename` names the file in diagnostics.
///
/// Returns the formatted bytes, or the syntax errors that stop formatting (the same ones,
/// in the same order, that Terraform reports).
pub fn format_source(src: &[u8], filename: &str) -> Result<Vec<u8>, Diagnostics> {
    let (tokens, body, diags) = parse(src, filename);
    if diags.has_errors() {
        return Err(diags);
    }
    let mut writer_tokens = rewrite::writer_tokens(src, &tokens, &body);
    layout::format(&mut writer_tokens);
    Ok(layout::write(&writer_tokens))
}

/// The syntax errors `hclsyntax.ParseConfig` reports for a file, in its order, with its
/// wording and ranges; empty when the file is well-formed. (Only syntax: no block or argument
/// is checked against a schema.)
pub fn check_syntax(src: &[u8], filename: &str) -> Diagnostics {
    parse(src, filename).2
}

/// The syntax errors `hclsyntax.ParseExpression` reports for a lone expression (console
/// input, `-var` values), in its wording and ranges.
pub fn check_expression_syntax(src: &[u8], filename: &str) -> Diagnostics {
    let filename: Arc<str> = Arc::from(filename);
    let tokens = lexer::lex(src);
    let mut diags = token::check_invalid_tokens(src, &tokens, &filename);
    diags.extend(parser::parse_expression_only(src, &tokens, &filename));
    Diagnostics(diags)
}

/// The top-level blocks of a file that may not parse, as hclsyntax's partial body has them:
/// `(start byte, end byte, header)` where the header is `type "label"...`. A block ends where
/// the next top-level item starts (or at the end of the file), which is all that the
/// diagnostics' "in BLOCK" context needs.
pub fn top_level_blocks(src: &str) -> Vec<(usize, usize, String)> {
    let (tokens, body, _) = parse(src.as_bytes(), "");
    let starts: Vec<usize> = body
        .items
        .iter()
        .map(|item| match item {
            parser::Item::Attribute(a) => tokens[a.name].start,
            parser::Item::Block(b) => tokens[b.type_name].start,
        })
        .collect();
    let mut out = Vec::new();
    for (i, item) in body.items.iter().enumerate() {
        let parser::Item::Block(block) = item else { continue };
        let start = starts[i];
        let end = starts.get(i + 1).copied().unwrap_or(src.len());
        let mut header =
            String::from_utf8_lossy(tokens[block.type_name].bytes(src.as_bytes())).into_owned();
        for label in &block.labels {
            let text: String = tokens[label.clone()]
                .iter()
                .filter(|t| t.ty != token::TokenType::OQuote && t.ty != token::TokenType::CQuote)
                .map(|t| String::from_utf8_lossy(t.bytes(src.as_bytes())).into_owned())
                .collect();
            header.push(' ');
            header.push_str(&batchform_core::addr::quote_string(&text));
        }
        out.push((start, end, header));
    }
    out
}

fn parse(src: &[u8], filename: &str) -> (Vec<token::Token>, parser::Body, Diagnostics) {
    let filename: Arc<str> = Arc::from(filename);
    let tokens = lexer::lex(src);
    let mut diags = token::check_invalid_tokens(src, &tokens, &filename);
    let (body, parse_diags) = parser::parse_config(src, &tokens, &filename);
    diags.extend(parse_diags);
    (tokens, body, Diagnostics(diags))
}

#[cfg(test)]
mod tests;
