//! Rendering diagnostics exactly as Terraform does (`internal/command/format/diagnostic.go`):
//! the boxed form with colours, the plain form for `-no-color`, and the JSON form of
//! `validate -json` and the streaming UI.

use batchform_config::source::SourceFile;
use batchform_core::{Diagnostic, Diagnostics, Severity, SourceRange};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Terraform wraps at 78 columns when the output is not a terminal.
pub const DEFAULT_WIDTH: usize = 78;

/// Source texts and block contexts, so diagnostics can show the offending lines.
#[derive(Default)]
pub struct Sources {
    files: HashMap<Arc<str>, SourceFile>,
    contexts: HashMap<Arc<str>, Vec<(usize, usize, String)>>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, file: SourceFile) {
        self.files.insert(file.name.clone(), file);
    }

    /// Take the block contexts a loaded configuration computed.
    pub fn add_contexts(&mut self, config: &batchform_config::model::Config) {
        for (name, blocks) in &config.block_contexts {
            self.contexts.insert(name.clone(), blocks.clone());
        }
    }

    /// The configuration files (not variable files), sorted by name, for saved plans.
    pub fn files_in_order(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = self
            .files
            .values()
            .filter(|f| self.contexts.contains_key(&f.name))
            .map(|f| (f.name.to_string(), f.text.clone()))
            .collect();
        files.sort();
        files
    }

    /// The block containing the byte before the range, as Terraform's `hcled.ContextString`
    /// is asked (so a diagnostic about a whole block names no block).
    fn context(&self, range: &SourceRange) -> Option<&str> {
        let blocks = self.contexts.get(&range.filename)?;
        let offset = range.start.byte.checked_sub(1)?;
        blocks
            .iter()
            .find(|(start, end, _)| *start <= offset && offset < *end)
            .map(|(_, _, h)| h.as_str())
    }
}

/// The JSON shape of a diagnostic (`tfjson.Diagnostic`).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: &'static str,
    pub summary: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<JsonRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<JsonSnippet>,
}

#[derive(Debug, Serialize)]
pub struct JsonRange {
    pub filename: String,
    pub start: JsonPos,
    pub end: JsonPos,
}

#[derive(Debug, Serialize)]
pub struct JsonPos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonSnippet {
    pub context: Option<String>,
    pub code: String,
    pub start_line: usize,
    pub highlight_start_offset: usize,
    pub highlight_end_offset: usize,
    pub values: Vec<JsonValue>,
}

#[derive(Debug, Serialize)]
pub struct JsonValue {
    pub traversal: String,
    pub statement: String,
}

/// Build the JSON form (also the input of the human renderers, as in Terraform).
pub fn to_json(diag: &Diagnostic, sources: &Sources) -> JsonDiagnostic {
    let mut out = JsonDiagnostic {
        severity: match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        summary: diag.summary.clone(),
        detail: diag.detail.clone(),
        address: diag.address.clone(),
        range: None,
        snippet: None,
    };
    let Some(subject) = &diag.subject else { return out };
    let mut highlight = subject.clone();
    if highlight.end.byte < highlight.start.byte {
        highlight.end = highlight.start;
    }
    let mut snippet_range = diag.context.clone().unwrap_or_else(|| highlight.clone());
    if snippet_range.filename == highlight.filename {
        if highlight.start.byte < snippet_range.start.byte {
            snippet_range.start = highlight.start;
        }
        if highlight.end.byte > snippet_range.end.byte {
            snippet_range.end = highlight.end;
        }
    } else {
        snippet_range = highlight.clone();
    }
    if snippet_range.start.byte == snippet_range.end.byte {
        snippet_range.end.byte += 1;
        snippet_range.end.column += 1;
    }
    if highlight.start.byte == highlight.end.byte {
        highlight.end.byte += 1;
        highlight.end.column += 1;
    }
    out.range = Some(JsonRange {
        filename: highlight.filename.to_string(),
        start: JsonPos {
            line: highlight.start.line,
            column: highlight.start.column,
            byte: highlight.start.byte,
        },
        end: JsonPos {
            line: highlight.end.line,
            column: highlight.end.column,
            byte: highlight.end.byte,
        },
    });
    let Some(file) = sources.files.get(&highlight.filename) else { return out };
    // Whole lines covered by the snippet range.
    let first_line = snippet_range.start.line.max(1);
    let mut last_line = snippet_range.end.line.max(first_line);
    if last_line > first_line && snippet_range.end.column == 1 {
        last_line -= 1;
    }
    let mut code_lines = Vec::new();
    for n in first_line..=last_line {
        match file.line(n) {
            Some(l) => code_lines.push(l),
            None => break,
        }
    }
    let code = code_lines.join("\n");
    let code_start = file.byte_of_line(first_line);
    let start = highlight.start.byte.saturating_sub(code_start).min(code.len());
    let end = (start + (highlight.end.byte - highlight.start.byte)).min(code.len());
    out.snippet = Some(JsonSnippet {
        context: sources.context(&highlight).map(str::to_string),
        code,
        start_line: snippet_range.start.line,
        highlight_start_offset: start,
        highlight_end_offset: end,
        values: diag
            .values
            .iter()
            .map(|v| JsonValue { traversal: v.traversal.clone(), statement: v.statement.clone() })
            .collect(),
    });
    out
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, text: &str, style: anstyle::Style) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

fn red() -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into()))
}

fn yellow() -> anstyle::Style {
    anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Yellow.into()))
}

fn bold() -> anstyle::Style {
    anstyle::Style::new().bold()
}

/// Go's `wordwrap.WrapString`: break at spaces so that lines fit in `width`.
fn wrap(line: &str, width: usize) -> String {
    let options = textwrap::Options::new(width)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(line, options).join("\n")
}

fn snippet_lines(json: &JsonDiagnostic, style: &Style, out: &mut String) {
    if let Some(addr) = &json.address {
        out.push_str(&format!("  with {addr},\n"));
    }
    let Some(range) = &json.range else { return };
    match &json.snippet {
        None => out.push_str(&format!(
            "  on {} line {}:\n  (source code not available)\n",
            range.filename, range.start.line
        )),
        Some(snippet) => {
            let context = snippet.context.as_ref().map(|c| format!(", in {c}")).unwrap_or_default();
            out.push_str(&format!("  on {} line {}{context}:\n", range.filename, range.start.line));
            let code = &snippet.code;
            let start = floor_boundary(code, snippet.highlight_start_offset.min(code.len()));
            let end = floor_boundary(code, snippet.highlight_end_offset.clamp(start, code.len()));
            let underline = anstyle::Style::new().underline();
            let rendered = format!(
                "{}{}{}",
                &code[..start],
                style.paint(&code[start..end], underline),
                &code[end..]
            );
            for (i, line) in rendered.split('\n').enumerate() {
                out.push_str(&format!("{:4}: {line}\n", snippet.start_line + i));
            }
            if !snippet.values.is_empty() {
                let mut values: Vec<&JsonValue> = snippet.values.iter().collect();
                values.sort_by(|a, b| a.traversal.cmp(&b.traversal));
                out.push_str("    ├────────────────\n");
                for v in values {
                    let mut lines = v.statement.split('\n');
                    out.push_str(&format!(
                        "    │ {} {}\n",
                        style.paint(&v.traversal, bold()),
                        lines.next().unwrap_or_default()
                    ));
                    for line in lines {
                        out.push_str(&format!("    │   {line}\n"));
                    }
                }
            }
        }
    }
    out.push('\n');
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The boxed, coloured form (`format.Diagnostic`).
pub fn render_boxed(diag: &Diagnostic, sources: &Sources, color: bool, width: usize) -> String {
    let json = to_json(diag, sources);
    let style = Style { color };
    let (label, rule_style) = match diag.severity {
        Severity::Error => ("Error: ", red()),
        Severity::Warning => ("Warning: ", yellow()),
    };
    let mut body = String::new();
    body.push_str(&style.paint(label, bold().fg_color(rule_style.get_fg_color())));
    body.push_str(&style.paint(&json.summary, bold()));
    body.push_str("\n\n");
    snippet_lines(&json, &style, &mut body);
    if !json.detail.is_empty() {
        let para_width = width.saturating_sub(3);
        for line in json.detail.split('\n') {
            if para_width > 0 && !line.starts_with(' ') {
                body.push_str(&wrap(line, para_width));
            } else {
                body.push_str(line);
            }
            body.push('\n');
        }
    }
    let mut out = String::new();
    out.push_str(&style.paint("╷", rule_style));
    out.push('\n');
    for line in body.lines() {
        if line.is_empty() {
            out.push_str(&style.paint("│", rule_style));
        } else {
            out.push_str(&style.paint("│", rule_style));
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&style.paint("╵", rule_style));
    out.push('\n');
    out
}

/// The plain form for `-no-color` (`format.DiagnosticPlain`).
pub fn render_plain(diag: &Diagnostic, sources: &Sources, width: usize) -> String {
    let json = to_json(diag, sources);
    let style = Style { color: false };
    let mut out = String::new();
    out.push_str(match diag.severity {
        Severity::Error => "\nError: ",
        Severity::Warning => "\nWarning: ",
    });
    out.push_str(&json.summary);
    out.push_str("\n\n");
    snippet_lines(&json, &style, &mut out);
    if !json.detail.is_empty() {
        for line in json.detail.split('\n') {
            if width > 1 && !line.starts_with(' ') {
                out.push_str(&wrap(line, width - 1));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out
}

/// Print diagnostics the Terraform way: errors to stderr, warnings to stdout, each preceded
/// by a blank line in boxed mode.
pub fn print(diags: &Diagnostics, sources: &Sources, color: bool) {
    use crate::ui::{Stream, write_to};
    for diag in diags {
        let text = if color {
            format!("\n{}", render_boxed(diag, sources, true, DEFAULT_WIDTH))
        } else {
            render_plain(diag, sources, DEFAULT_WIDTH)
        };
        let stream = match diag.severity {
            Severity::Error => Stream::Stderr,
            Severity::Warning => Stream::Stdout,
        };
        write_to(stream, text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources_with(name: &str, text: &str) -> (Sources, SourceFile) {
        let file = SourceFile::new(name, text);
        let mut sources = Sources::new();
        sources.add(file.clone());
        (sources, file)
    }

    #[test]
    fn plain_form_matches_terraform() {
        // Expected text from `terraform validate -no-color` (1.11.4) on the same file.
        let text = "output \"o\" {\n  value = local.nope\n}\n";
        let (mut sources, file) = sources_with("main.tf", text);
        sources.contexts.insert(file.name.clone(), vec![(0, text.len(), "output \"o\"".into())]);
        let d = Diagnostic::error(
            "Reference to undeclared local value",
            "A local value with the name \"nope\" has not been declared.",
        )
        .with_subject(Some(file.range(23..33)));
        assert_eq!(
            render_plain(&d, &sources, DEFAULT_WIDTH),
            "\nError: Reference to undeclared local value\n\n  on main.tf line 2, in output \"o\":\n   2:   value = local.nope\n\nA local value with the name \"nope\" has not been declared.\n"
        );
    }

    #[test]
    fn boxed_form_without_colour() {
        let (sources, file) = sources_with("main.tf", "a = 1\n");
        let d =
            Diagnostic::warning("Something", "Detail text.").with_subject(Some(file.range(0..1)));
        assert_eq!(
            render_boxed(&d, &sources, false, DEFAULT_WIDTH),
            "╷\n│ Warning: Something\n│\n│   on main.tf line 1:\n│    1: a = 1\n│\n│ Detail text.\n╵\n"
        );
    }

    #[test]
    fn details_wrap_at_terraform_width() {
        let (sources, _) = sources_with("main.tf", "");
        let d = Diagnostic::error(
            "Value for undeclared variable",
            "A variable named \"zz\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.",
        );
        assert_eq!(
            render_plain(&d, &sources, DEFAULT_WIDTH),
            "\nError: Value for undeclared variable\n\nA variable named \"zz\" was assigned on the command line, but the root module\ndoes not declare a variable of that name. To use this value, add a \"variable\"\nblock to the configuration.\n"
        );
    }

    #[test]
    fn json_snippet_offsets() {
        let text = "output \"o\" {\n  value = local.nope\n}\n";
        let (sources, file) = sources_with("main.tf", text);
        let d = Diagnostic::error("S", "D").with_subject(Some(file.range(23..33)));
        let j = to_json(&d, &sources);
        let s = j.snippet.unwrap();
        assert_eq!(s.code, "  value = local.nope");
        assert_eq!((s.start_line, s.highlight_start_offset, s.highlight_end_offset), (2, 10, 20));
    }
}
