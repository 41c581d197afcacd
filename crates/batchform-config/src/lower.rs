//! Parse a file with hcl-edit and lower its tree to [`crate::ast`], keeping source ranges.
//!
//! Templates are re-tokenised the way HCL's own parser does (one literal token per heredoc
//! line, `~` strip markers trimming only the adjacent token, then the flush-heredoc rule for
//! `<<-`), because hcl-edit's own dedent does not look inside directives.

use crate::ast::{
    Attribute, BinaryOp, Block, Body, Expr, ExprKind, ForExpr, ObjectItem, ObjectKey, Step,
    StepKind, TemplatePart, UnaryOp,
};
use crate::source::SourceFile;
use batchform_core::{Diagnostic, Diagnostics, Number, SourceRange};
use hcl_edit::Span;
use hcl_edit::expr::{self as hexpr, Expression};
use hcl_edit::structure as hstruct;
use hcl_edit::template::{self as htemplate, Element, Strip};
use std::ops::Range;

/// Parse one file into a body. Syntax errors are HCL's own (wording, ranges, order), found
/// by the port of HCL's parser that `fmt` uses; hcl-edit then builds the tree.
pub fn parse_file(file: &SourceFile) -> Result<Body, Diagnostics> {
    let hcl_errors = crate::fmt::check_syntax(file.text.as_bytes(), &file.name);
    if hcl_errors.has_errors() {
        return Err(hcl_errors);
    }
    match hcl_edit::parser::parse_body(&file.text) {
        Ok(body) => {
            let lowerer = Lowerer { file };
            Ok(lowerer.body(&body, 0..file.text.len()))
        }
        Err(err) => Err(Diagnostics::from(syntax_error(file, &err, Mode::Body))),
    }
}

/// Parse a standalone expression (console input, `-var` values of complex types).
pub fn parse_expression(file: &SourceFile) -> Result<Expr, Diagnostics> {
    let hcl_errors = crate::fmt::check_expression_syntax(file.text.as_bytes(), &file.name);
    if hcl_errors.has_errors() {
        return Err(hcl_errors);
    }
    match hcl_edit::parser::parse_expr(&file.text) {
        Ok(expr) => Ok(Lowerer { file }.expr(&expr, 0..file.text.len())),
        Err(err) => Err(Diagnostics::from(syntax_error(file, &err, Mode::Expr))),
    }
}

/// Parse a template string (for `templatefile`).
pub fn parse_template(file: &SourceFile) -> Result<Expr, Diagnostics> {
    match hcl_edit::parser::parse_template(&file.text) {
        Ok(template) => {
            let lowerer = Lowerer { file };
            let whole = 0..file.text.len();
            let mut tokens = Vec::new();
            lowerer.flatten(&template, false, &mut tokens);
            Ok(lowerer.finish_template(tokens, false, whole))
        }
        Err(err) => Err(Diagnostics::from(syntax_error(file, &err, Mode::Expr))),
    }
}

/// What was being parsed: a whole file or a lone expression (console, `-var`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Body,
    Expr,
}

fn syntax_error(file: &SourceFile, err: &hcl_edit::parser::Error, mode: Mode) -> Diagnostic {
    let loc = err.location();
    let mut start = loc.offset().min(file.text.len());
    while !file.text.is_char_boundary(start) {
        start -= 1;
    }
    let end = next_char_boundary(&file.text, start);
    let (summary, detail) = describe_syntax_error(err.message(), &file.text, start, mode);
    Diagnostic::error(summary, detail).with_subject(Some(file.range(start..end)))
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
}

/// Whether the innermost unclosed bracket before `at` opens a `for` expression.
fn inside_for(text: &str, at: usize) -> bool {
    let mut stack: Vec<usize> = Vec::new();
    let mut in_string = false;
    let mut prev = '\0';
    for (i, c) in text[..at].char_indices() {
        if in_string {
            if c == '"' && prev != '\\' {
                in_string = false;
            }
        } else {
            match c {
                '"' => in_string = true,
                '[' | '{' | '(' => stack.push(i),
                ']' | '}' | ')' => {
                    stack.pop();
                }
                _ => {}
            }
        }
        prev = c;
    }
    stack.last().is_some_and(|&open| {
        let after = text[open + 1..].trim_start();
        after.starts_with("for ") || after.starts_with("for\t") || after.starts_with("for\n")
    })
}

/// Whether a quoted string opened before `at` is still open there.
fn unterminated_string(text: &str, at: usize) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for c in text[..at.min(text.len())].chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c == '\n' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
    }
    in_string
        || text[at.min(text.len())..].trim_start().starts_with('"')
            && !text[at..].trim_start()[1..].contains('"')
}

/// Turn hcl-edit's parser message into HCL's summary and detail (hclsyntax's wording).
fn describe_syntax_error(
    message: &str,
    text: &str,
    at: usize,
    mode: Mode,
) -> (&'static str, String) {
    let rest = &text[at..];
    let at_end = rest.trim().is_empty();
    let invalid_expr = || {
        (
            "Invalid expression",
            "Expected the start of an expression, but found an invalid expression token."
                .to_string(),
        )
    };
    let missing_expr = || {
        (
            "Missing expression",
            "Expected the start of an expression, but found the end of the file.".to_string(),
        )
    };
    if message.starts_with("invalid expression") {
        if at_end {
            return missing_expr();
        }
        if rest.starts_with('\'') {
            return (
                "Invalid character",
                "Expected the start of an expression, but found an invalid expression token."
                    .into(),
            );
        }
        return invalid_expr();
    }
    if message.starts_with("invalid escape sequence") {
        let symbol = text[..at]
            .chars()
            .next_back()
            .filter(|c| *c != '\\')
            .map_or_else(|| rest.chars().next().unwrap_or(' ').to_string(), |c| c.to_string());
        return (
            "Invalid escape sequence",
            format!("The symbol {symbol:?} is not a valid escape sequence selector."),
        );
    }
    if message.starts_with("expected heredoc end delimiter") {
        return (
            "Unterminated template string",
            "No closing marker was found for the string.".into(),
        );
    }
    if message == "expected `:`" {
        if inside_for(text, at) {
            return (
                "Invalid 'for' expression",
                "For expression requires a colon after the collection expression.".into(),
            );
        }
        return (
            "Missing false expression in conditional",
            "The conditional operator (...?...:...) requires a false expression, delimited by a colon.".into(),
        );
    }
    if message == "expected `in`" {
        return (
            "Invalid 'for' expression",
            "For expression requires the 'in' keyword after its name declarations.".into(),
        );
    }
    if message == "expected `=>`" {
        return (
            "Invalid 'for' expression",
            "Key expression is required when building an object.".into(),
        );
    }
    if message == "expected `]`" || message == "expected `}`" && inside_for(text, at) {
        if inside_for(text, at) {
            if rest.starts_with("...") {
                return (
                    "Invalid 'for' expression",
                    "Grouping ellipsis (...) cannot be used when building a tuple.".into(),
                );
            }
            return (
                "Invalid 'for' expression",
                "Extra characters after the end of the 'for' expression.".into(),
            );
        }
        if at_end {
            return missing_expr();
        }
        return (
            "Missing item separator",
            "Expected a comma to mark the beginning of the next item.".into(),
        );
    }
    if message == "expected `}`" {
        if unterminated_string(text, at) || text[..at].contains("${") {
            return (
                "Unclosed template interpolation sequence",
                "There is no closing brace for this interpolation sequence before the end of the quoted template. This might be caused by incorrect nesting inside the given expression.".into(),
            );
        }
        return (
            "Missing item separator",
            "Expected a comma to mark the beginning of the next item.".into(),
        );
    }
    if message.contains("redefined object key") {
        return (
            "Duplicate object key",
            "This key is already set earlier in the same object constructor. Terraform would keep the last value; batchform asks you to remove one of them so that the intent is clear.".into(),
        );
    }
    if message.starts_with("invalid object item") {
        return (
            "Missing attribute separator",
            "Expected a newline or comma to mark the beginning of the next attribute.".into(),
        );
    }
    if message.starts_with("invalid object value assignment") {
        return (
            "Missing key/value separator",
            "Expected an equals sign (\"=\") to mark the beginning of the attribute value.".into(),
        );
    }
    if message.starts_with("expected `)` or expression") {
        return (
            "Missing argument separator",
            "A comma is required to separate each function argument from the next.".into(),
        );
    }
    if message == "unexpected token" {
        if unterminated_string(text, at) {
            return (
                "Unterminated template string",
                "No closing marker was found for the string.".into(),
            );
        }
        let after = rest.get(1..).unwrap_or("").trim();
        if after.is_empty()
            && rest
                .starts_with(['[', '(', '+', '-', '*', '/', '%', '<', '>', '=', '!', '&', '|', '.'])
        {
            return missing_expr();
        }
        return match mode {
            Mode::Expr => (
                "Extra characters after expression",
                "An expression was successfully parsed, but extra characters were found after it."
                    .into(),
            ),
            Mode::Body if rest.starts_with(['\n', '\r']) || text[..at].ends_with('\n') => (
                "Argument or block definition required",
                "An argument or block definition is required here.".into(),
            ),
            Mode::Body => (
                "Missing newline after argument",
                "An argument definition must end with a newline.".into(),
            ),
        };
    }
    if message.contains("block body") {
        return (
            "Invalid block definition",
            "Either a quoted string block label or an opening brace (\"{\") is expected here."
                .into(),
        );
    }
    if message == "expected `{`" || message.contains("`=`") {
        return (
            "Invalid block definition",
            "Either a quoted string block label or an opening brace (\"{\") is expected here."
                .into(),
        );
    }
    let mut detail = message.to_string();
    if let Some(first) = detail.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    if !detail.ends_with('.') {
        detail.push('.');
    }
    ("Syntax error", detail)
}

struct Lowerer<'a> {
    file: &'a SourceFile,
}

/// A flat template token, as HCL's template parser sees them.
enum Token {
    Literal(String),
    Interp(Expr, Strip),
    If(Expr, Strip),
    Else(Strip),
    EndIf(Strip),
    For { key: Option<String>, value: String, collection: Expr, strip: Strip, span: Range<usize> },
    EndFor(Strip),
}

impl Token {
    fn strip(&self) -> Strip {
        match self {
            Token::Literal(_) => Strip::None,
            Token::Interp(_, s) | Token::If(_, s) | Token::Else(s) | Token::EndIf(s) => *s,
            Token::For { strip, .. } => *strip,
            Token::EndFor(s) => *s,
        }
    }
}

impl<'a> Lowerer<'a> {
    fn range(&self, span: Option<Range<usize>>, fallback: &Range<usize>) -> SourceRange {
        self.file.range(span.unwrap_or_else(|| fallback.clone()))
    }

    fn span_or(span: Option<Range<usize>>, fallback: &Range<usize>) -> Range<usize> {
        span.unwrap_or_else(|| fallback.clone())
    }

    fn body(&self, body: &hstruct::Body, fallback: Range<usize>) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                hstruct::Structure::Attribute(attr) => {
                    let span = Self::span_or(attr.span(), &fallback);
                    out.attributes.push(Attribute {
                        name: attr.key.as_str().to_string(),
                        name_range: self.range(attr.key.span(), &span),
                        expr: self.expr(&attr.value, span.clone()),
                        range: self.file.range(span),
                    });
                }
                hstruct::Structure::Block(block) => out.blocks.push(self.block(block, &fallback)),
            }
        }
        out
    }

    fn block(&self, block: &hstruct::Block, fallback: &Range<usize>) -> Block {
        let span = Self::span_or(block.span(), fallback);
        let type_span = Self::span_or(block.ident.span(), &span);
        let mut label_ranges = Vec::new();
        let mut header_end = type_span.end;
        for label in &block.labels {
            let label_span = match label {
                hstruct::BlockLabel::Ident(i) => i.span(),
                hstruct::BlockLabel::String(s) => s.span(),
            };
            let label_span = Self::span_or(label_span, &type_span);
            header_end = label_span.end;
            label_ranges.push(self.file.range(label_span));
        }
        let brace = self.file.text[header_end..span.end.max(header_end)]
            .find('{')
            .map_or(header_end, |i| header_end + i);
        Block {
            block_type: block.ident.as_str().to_string(),
            labels: block.labels.iter().map(|l| l.as_str().to_string()).collect(),
            type_range: self.file.range(type_span),
            label_ranges,
            open_brace_range: self.file.range(brace..next_char_boundary(&self.file.text, brace)),
            range: self.file.range(span.clone()),
            body: self.body(&block.body, span),
        }
    }

    fn expr(&self, expr: &Expression, fallback: Range<usize>) -> Expr {
        let span = Self::span_or(expr.span(), &fallback);
        let range = self.file.range(span.clone());
        let kind = match expr {
            Expression::Null(_) => ExprKind::Null,
            Expression::Bool(b) => ExprKind::Bool(*b.value()),
            Expression::Number(n) => {
                let text = self.file.text.get(span.clone()).unwrap_or("").trim();
                match Number::parse(text) {
                    Ok(num) => ExprKind::Number(num),
                    Err(_) => ExprKind::Number(Number::from_f64(n.as_f64().unwrap_or(0.0))),
                }
            }
            Expression::String(s) => ExprKind::String(s.value().clone()),
            Expression::Array(array) => {
                ExprKind::Tuple(array.iter().map(|e| self.expr(e, span.clone())).collect())
            }
            Expression::Object(object) => ExprKind::Object(
                object
                    .iter()
                    .map(|(key, value)| ObjectItem {
                        key: match key {
                            hexpr::ObjectKey::Ident(ident) => ObjectKey::Ident(
                                ident.as_str().to_string(),
                                self.range(ident.span(), &span),
                            ),
                            hexpr::ObjectKey::Expression(e) => {
                                ObjectKey::Expr(self.expr(e, span.clone()))
                            }
                        },
                        value: self.expr(value.expr(), span.clone()),
                    })
                    .collect(),
            ),
            Expression::StringTemplate(template) => {
                let mut tokens = Vec::new();
                self.flatten(template, false, &mut tokens);
                return self.finish_template(tokens, false, span);
            }
            Expression::HeredocTemplate(heredoc) => {
                let flush = self.file.text.get(span.clone()).is_some_and(|t| t.starts_with("<<-"));
                let mut tokens = Vec::new();
                self.flatten(&heredoc.template, true, &mut tokens);
                return self.finish_template(tokens, flush, span);
            }
            Expression::Parenthesis(p) => {
                ExprKind::Parens(Box::new(self.expr(p.inner(), span.clone())))
            }
            Expression::Variable(v) => ExprKind::Variable(v.as_str().to_string()),
            Expression::Conditional(c) => ExprKind::Conditional {
                cond: Box::new(self.expr(&c.cond_expr, span.clone())),
                then: Box::new(self.expr(&c.true_expr, span.clone())),
                otherwise: Box::new(self.expr(&c.false_expr, span.clone())),
            },
            Expression::FuncCall(call) => {
                let mut name = String::new();
                for ns in &call.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(call.name.name.as_str());
                let name_start = call
                    .name
                    .namespace
                    .first()
                    .and_then(|n| n.span())
                    .or_else(|| call.name.name.span())
                    .unwrap_or(span.clone());
                let name_end = call.name.name.span().unwrap_or(name_start.clone());
                ExprKind::FuncCall {
                    name,
                    name_range: self.file.range(name_start.start..name_end.end),
                    args: call.args.iter().map(|a| self.expr(a, span.clone())).collect(),
                    expand_final: call.args.expand_final(),
                }
            }
            Expression::Traversal(t) => {
                let source = self.expr(&t.expr, span.clone());
                let steps = t
                    .operators
                    .iter()
                    .map(|op| {
                        let op_span = Self::span_or(op.span(), &span);
                        let kind = match op.value() {
                            hexpr::TraversalOperator::AttrSplat(_) => StepKind::AttrSplat,
                            hexpr::TraversalOperator::FullSplat(_) => StepKind::FullSplat,
                            hexpr::TraversalOperator::GetAttr(name) => {
                                StepKind::GetAttr(name.as_str().to_string())
                            }
                            hexpr::TraversalOperator::Index(e) => {
                                StepKind::Index(Box::new(self.expr(e, op_span.clone())))
                            }
                            hexpr::TraversalOperator::LegacyIndex(i) => {
                                StepKind::LegacyIndex(*i.value())
                            }
                        };
                        Step { kind, range: self.step_range(op_span) }
                    })
                    .collect();
                ExprKind::Traversal { source: Box::new(source), steps }
            }
            Expression::UnaryOp(op) => ExprKind::Unary {
                op: match op.operator.value() {
                    hexpr::UnaryOperator::Neg => UnaryOp::Neg,
                    hexpr::UnaryOperator::Not => UnaryOp::Not,
                },
                operand: Box::new(self.expr(&op.expr, span.clone())),
            },
            Expression::BinaryOp(op) => {
                use hexpr::BinaryOperator as B;
                ExprKind::Binary {
                    op: match op.operator.value() {
                        B::Eq => BinaryOp::Eq,
                        B::NotEq => BinaryOp::NotEq,
                        B::LessEq => BinaryOp::LtEq,
                        B::GreaterEq => BinaryOp::GtEq,
                        B::Less => BinaryOp::Lt,
                        B::Greater => BinaryOp::Gt,
                        B::Plus => BinaryOp::Add,
                        B::Minus => BinaryOp::Sub,
                        B::Mul => BinaryOp::Mul,
                        B::Div => BinaryOp::Div,
                        B::Mod => BinaryOp::Mod,
                        B::And => BinaryOp::And,
                        B::Or => BinaryOp::Or,
                    },
                    lhs: Box::new(self.expr(&op.lhs_expr, span.clone())),
                    rhs: Box::new(self.expr(&op.rhs_expr, span.clone())),
                }
            }
            Expression::ForExpr(fe) => {
                let collection = self.expr(&fe.intro.collection_expr, span.clone());
                let intro_end = collection.range.end.byte;
                ExprKind::For(Box::new(ForExpr {
                    key_var: fe.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                    value_var: fe.intro.value_var.as_str().to_string(),
                    intro_range: self.file.range(span.start..intro_end.max(span.start)),
                    collection,
                    key_expr: fe.key_expr.as_ref().map(|k| self.expr(k, span.clone())),
                    value_expr: self.expr(&fe.value_expr, span.clone()),
                    cond: fe.cond.as_ref().map(|c| self.expr(&c.expr, span.clone())),
                    grouping: fe.grouping,
                }))
            }
        };
        Expr { kind, range }
    }

    /// hcl-edit's operator spans include the leading `.`/`[`; keep them as they are.
    fn step_range(&self, span: Range<usize>) -> SourceRange {
        self.file.range(span)
    }

    /// Flatten a template into HCL's token sequence. Heredoc literals are taken from the raw
    /// source (hcl-edit may have dedented them) and split after each newline.
    fn flatten(&self, template: &htemplate::Template, heredoc: bool, out: &mut Vec<Token>) {
        let whole = template.span().unwrap_or(0..0);
        for element in template.iter() {
            match element {
                Element::Literal(lit) => {
                    let raw = if heredoc {
                        lit.span()
                            .and_then(|s| self.file.text.get(s))
                            .map(unescape_heredoc)
                            .unwrap_or_else(|| lit.value().clone())
                    } else {
                        lit.value().clone()
                    };
                    if heredoc {
                        for line in raw.split_inclusive('\n') {
                            out.push(Token::Literal(line.to_string()));
                        }
                    } else {
                        out.push(Token::Literal(raw));
                    }
                }
                Element::Interpolation(interp) => {
                    let span = Self::span_or(interp.span(), &whole);
                    out.push(Token::Interp(self.expr(&interp.expr, span), interp.strip));
                }
                Element::Directive(directive) => {
                    self.flatten_directive(directive, heredoc, &whole, out)
                }
            }
        }
    }

    fn flatten_directive(
        &self,
        directive: &htemplate::Directive,
        heredoc: bool,
        whole: &Range<usize>,
        out: &mut Vec<Token>,
    ) {
        {
            match directive {
                htemplate::Directive::If(d) => {
                    let span = Self::span_or(d.span(), whole);
                    out.push(Token::If(self.expr(&d.if_expr.cond_expr, span), d.if_expr.strip));
                    self.flatten(&d.if_expr.template, heredoc, out);
                    if let Some(else_expr) = &d.else_expr {
                        out.push(Token::Else(else_expr.strip));
                        self.flatten(&else_expr.template, heredoc, out);
                    }
                    out.push(Token::EndIf(d.endif_expr.strip));
                }
                htemplate::Directive::For(d) => {
                    let span = Self::span_or(d.span(), whole);
                    out.push(Token::For {
                        key: d.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                        value: d.for_expr.value_var.as_str().to_string(),
                        collection: self.expr(&d.for_expr.collection_expr, span.clone()),
                        strip: d.for_expr.strip,
                        span: span.clone(),
                    });
                    self.flatten(&d.for_expr.template, heredoc, out);
                    out.push(Token::EndFor(d.endfor_expr.strip));
                }
            }
        }
    }

    /// Apply strip markers and the flush rule, then rebuild the nested template.
    fn finish_template(&self, mut tokens: Vec<Token>, flush: bool, span: Range<usize>) -> Expr {
        apply_strip_markers(&mut tokens);
        if flush {
            flush_heredoc(&mut tokens);
        }
        let range = self.file.range(span.clone());
        // A template that is exactly one interpolation (no literal at all, as HCL's parser
        // checks) passes its value through unchanged.
        if let [Token::Interp(e, _)] = tokens.as_slice() {
            return Expr::new(ExprKind::TemplateWrap(Box::new(e.clone())), range);
        }
        let mut iter = tokens.into_iter().peekable();
        let parts = build_parts(&mut iter, self.file);
        match parts.as_slice() {
            [] => Expr::new(ExprKind::String(String::new()), range),
            [TemplatePart::Literal(s)] => Expr::new(ExprKind::String(s.clone()), range),
            _ => Expr::new(ExprKind::Template(parts), range),
        }
    }
}

/// Heredocs only know the `$${` and `%%{` escapes.
fn unescape_heredoc(raw: &str) -> String {
    raw.replace("$${", "${").replace("%%{", "%{")
}

/// HCL's `~` handling: `${~`/`%{~` trims trailing whitespace of the literal token right
/// before; `~}` trims leading whitespace of the literal token right after.
fn apply_strip_markers(tokens: &mut [Token]) {
    for i in 0..tokens.len() {
        let strip = tokens[i].strip();
        if strip.strip_start() && i > 0 {
            if let Token::Literal(s) = &mut tokens[i - 1] {
                let trimmed_len = s.trim_end().len();
                s.truncate(trimmed_len);
            }
        }
        if strip.strip_end() && i + 1 < tokens.len() {
            if let Token::Literal(s) = &mut tokens[i + 1] {
                *s = s.trim_start().to_string();
            }
        }
    }
}

/// HCL's `flushHeredocTemplateParts`: find the smallest indentation of the lines (blank lines
/// do not count, a line starting with an interpolation or directive counts as zero) and remove
/// that many characters from every line-leading literal.
fn flush_heredoc(tokens: &mut [Token]) {
    let mut min_spaces = usize::MAX;
    let mut newline = true;
    let mut adjust = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match token {
                Token::Literal(s) => {
                    let trimmed = s.trim_start();
                    if trimmed.is_empty() && s.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        s[..s.len() - trimmed.len()].chars().count()
                    }
                }
                _ => 0,
            };
            min_spaces = min_spaces.min(spaces);
        }
        if let Token::Literal(s) = token {
            if s.ends_with('\n') {
                newline = true;
            }
        }
    }
    if min_spaces == usize::MAX {
        return;
    }
    for i in adjust {
        if let Token::Literal(s) = &mut tokens[i] {
            let cut: usize = s.chars().take(min_spaces).map(char::len_utf8).sum();
            s.drain(..cut);
        }
    }
}

fn build_parts(
    tokens: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
    file: &SourceFile,
) -> Vec<TemplatePart> {
    let mut parts: Vec<TemplatePart> = Vec::new();
    while let Some(token) = tokens.peek() {
        if matches!(token, Token::Else(_) | Token::EndIf(_) | Token::EndFor(_)) {
            break;
        }
        let Some(token) = tokens.next() else { break };
        match token {
            Token::Literal(s) => {
                if let Some(TemplatePart::Literal(prev)) = parts.last_mut() {
                    prev.push_str(&s);
                } else {
                    parts.push(TemplatePart::Literal(s));
                }
            }
            Token::Interp(e, _) => parts.push(TemplatePart::Interpolation(e)),
            Token::If(cond, _) => {
                let then = build_parts(tokens, file);
                let mut otherwise = Vec::new();
                if matches!(tokens.peek(), Some(Token::Else(_))) {
                    tokens.next();
                    otherwise = build_parts(tokens, file);
                }
                if matches!(tokens.peek(), Some(Token::EndIf(_))) {
                    tokens.next();
                }
                parts.push(TemplatePart::If { cond, then, otherwise });
            }
            Token::For { key, value, collection, span, .. } => {
                let body = build_parts(tokens, file);
                if matches!(tokens.peek(), Some(Token::EndFor(_))) {
                    tokens.next();
                }
                parts.push(TemplatePart::For {
                    key_var: key,
                    value_var: value,
                    collection,
                    body,
                    range: file.range(span),
                });
            }
            Token::Else(_) | Token::EndIf(_) | Token::EndFor(_) => {}
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Body {
        parse_file(&SourceFile::new("t.tf", text)).unwrap()
    }

    fn template(text: &str) -> Expr {
        parse(text).attributes.remove(0).expr
    }

    fn literal_parts(expr: &Expr) -> Vec<String> {
        match &expr.kind {
            ExprKind::String(s) => vec![s.clone()],
            ExprKind::Template(parts) => parts
                .iter()
                .map(|p| match p {
                    TemplatePart::Literal(s) => s.clone(),
                    TemplatePart::Interpolation(_) => "${}".into(),
                    TemplatePart::If { then, otherwise, .. } => {
                        format!("if[{}|{}]", literal_text(then), literal_text(otherwise))
                    }
                    TemplatePart::For { body, .. } => format!("for[{}]", literal_text(body)),
                })
                .collect(),
            other => vec![format!("{other:?}")],
        }
    }

    fn literal_text(parts: &[TemplatePart]) -> String {
        parts
            .iter()
            .map(|p| match p {
                TemplatePart::Literal(s) => s.clone(),
                _ => "*".into(),
            })
            .collect()
    }

    #[test]
    fn flush_heredoc_dedents_inside_directives() {
        let e =
            template("a = <<-EOT\n    x\n    %{ if c }\n      y\n    %{ endif }\n    z\n    EOT\n");
        assert_eq!(literal_parts(&e), ["x\n", "if[\n  y\n|]", "\nz\n"]);
    }

    #[test]
    fn strip_markers_trim_adjacent_tokens_only() {
        let e = template("a = <<EOT\nA\n  \n%{~ if c ~}\n  \n  B\n%{ endif }\nEOT\n");
        // Terraform 1.11 renders this as "A\n  \n  B\n\n".
        assert_eq!(literal_parts(&e), ["A\n", "if[  \n  B\n|]", "\n"]);
    }

    #[test]
    fn single_interpolation_is_passed_through() {
        assert!(matches!(template("a = \"${x}\"\n").kind, ExprKind::TemplateWrap(_)));
        assert!(matches!(template("a = \"${x} \"\n").kind, ExprKind::Template(_)));
    }

    #[test]
    fn numbers_keep_exact_digits() {
        match template("a = 0.1\n").kind {
            ExprKind::Number(n) => assert_eq!(n.to_text(), "0.1"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let err = parse_file(&SourceFile::new("main.tf", "a = 1 +\n")).unwrap_err();
        let d = &err.0[0];
        // `terraform validate` reports this at the end of line 1.
        assert_eq!(d.summary, "Invalid expression");
        let subject = d.subject.as_ref().unwrap();
        assert_eq!(subject.start.line, 1);
    }

    #[test]
    fn syntax_error_inside_a_multibyte_character_is_reported() {
        // Found by the fuzzer: hcl-edit may report an offset inside a character.
        let text = "output \"o\" {\n  value = try(local.x.y[0], can(var.z) ? 1 :\u{e9}";
        let err = parse_file(&SourceFile::new("main.tf", text)).unwrap_err();
        assert_eq!(err.0[0].subject.as_ref().unwrap().start.line, 2);
    }

    #[test]
    fn blocks_keep_header_ranges() {
        let body = parse("resource \"openai_batch\" \"x\" {\n  a = 1\n}\n");
        let b = &body.blocks[0];
        assert_eq!(b.header(), "resource \"openai_batch\" \"x\"");
        assert_eq!(b.open_brace_range.start.column, 29);
        assert_eq!(b.body.attributes[0].name_range.start.line, 2);
    }
}
