//! Unit tests of the formatter on small inputs; the golden corpus is in `tests/fmt.rs`.

use super::format_source;
use super::lexer::lex;
use super::token::TokenType::{self, *};
use batchform_core::Pos;

fn fmt(src: &str) -> String {
    match format_source(src.as_bytes(), "test.tf") {
        Ok(out) => String::from_utf8(out).unwrap(),
        Err(diags) => panic!("unexpected diagnostics: {diags:?}"),
    }
}

#[test]
fn aligns_equals_in_a_run_of_attributes() {
    assert_eq!(fmt("a=1\nlong_name   =  2\n\nb = 3\n"), "a         = 1\nlong_name = 2\n\nb = 3\n");
}

#[test]
fn indents_nested_blocks() {
    assert_eq!(fmt("a {\nb {\nc = 1\n}\n}\n"), "a {\n  b {\n    c = 1\n  }\n}\n");
}

/// Nesting up to the limit formats (within a 2 MiB test-thread stack, even unoptimised);
/// beyond it, every construct gets a diagnostic rather than overflowing the stack.
#[test]
fn deep_nesting_is_bounded() {
    let shapes: [(&str, &str, &str, &str); 8] = [
        ("a = ", "[", "1", "]"),
        ("a = ", "f(", "1", ")"),
        ("a = ", "{k = ", "1", "}"),
        ("a = ", "(", "1", ")"),
        ("a = ", "\"${", "1", "}\""),
        ("a = ", "[for x in ", "1", ": x]"),
        ("a = ", "-", "1", ""),
        ("", "b {\n", "c = 1", "}\n"),
    ];
    for (prefix, open, inner, close) in shapes {
        for (depth, ok) in [(super::parser::MAX_DEPTH - 2, true), (5000, false)] {
            let src = format!("{prefix}{}{inner}\n{}", open.repeat(depth), close.repeat(depth));
            let result = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || format_source(src.as_bytes(), "deep.tf"))
                .unwrap()
                .join()
                .unwrap();
            match result {
                Ok(_) => assert!(ok, "{open:?} x{depth} should be rejected"),
                Err(diags) => {
                    assert!(!ok, "{open:?} x{depth}: {diags:?}");
                    assert!(
                        diags.iter().any(|d| d.summary == "Configuration too deeply nested"),
                        "{open:?}: {diags:?}"
                    );
                }
            }
        }
    }
}

// ---- the scanner ----

fn types(src: &str) -> Vec<(TokenType, String)> {
    lex(src.as_bytes())
        .iter()
        .map(|t| (t.ty, String::from_utf8_lossy(t.bytes(src.as_bytes())).into_owned()))
        .collect()
}

#[test]
fn dollar_escapes_scan_as_hcl_does() {
    let toks = types(r#""hello $$""#);
    let lits: Vec<_> = toks.iter().filter(|t| t.0 == QuotedLit).map(|t| t.1.as_str()).collect();
    assert_eq!(lits, ["hello ", "$", "$"]);
    let toks = types(r#""a $${b}""#);
    let lits: Vec<_> = toks.iter().filter(|t| t.0 == QuotedLit).map(|t| t.1.as_str()).collect();
    assert_eq!(lits, ["a ", "$${", "b}"]);
}

#[test]
fn heredoc_marker_and_newline_are_separate_tokens() {
    let toks = types("x = <<EOT\nhi ${a}\n  EOT\n");
    let kinds: Vec<_> = toks.iter().map(|t| t.0).collect();
    assert_eq!(
        kinds,
        [
            Ident,
            Equal,
            OHeredoc,
            StringLit,
            TemplateInterp,
            Ident,
            TemplateSeqEnd,
            StringLit,
            CHeredoc,
            Newline,
            Eof
        ]
    );
    assert_eq!(toks[8].1, "  EOT");
}

#[test]
fn numbers_do_not_end_in_a_dot() {
    assert_eq!(types("1.")[0], (NumberLit, "1".into()));
    assert_eq!(types("1.5e+3x")[0], (NumberLit, "1.5e+3".into()));
    assert_eq!(types("2e")[0], (NumberLit, "2".into()));
}

#[test]
fn positions_count_graphemes_and_skip_a_bom() {
    let toks = lex("\u{FEFF}é = \"x\"\n".as_bytes());
    assert_eq!(toks[0].start_pos, Pos { line: 1, column: 1, byte: 3 });
    assert_eq!(toks[1].start_pos, Pos { line: 1, column: 3, byte: 6 });
    let eof = toks.last().unwrap();
    assert_eq!(eof.start_pos.line, 2);
}

#[test]
fn lone_sigil_before_a_heredoc_line_end_takes_the_next_byte() {
    // Token splits observed from hclsyntax: the sigil plus one byte, then the line end.
    let cases: [(&str, &[&str]); 6] = [
        ("%x\n", &["%x", "\n"]),
        ("%\r\n", &["%\r", "\n"]),
        ("$x\r\n", &["$x", "\r\n"]),
        ("$\n\n", &["$\n", "\n"]),
        ("$xy\n", &["$", "xy\n"]),
        ("$$$\n", &["$", "$$", "\n"]),
    ];
    for (body, want) in cases {
        let src = format!("x = <<EOT\n{body}EOT\n");
        let got: Vec<String> = lex(src.as_bytes())
            .iter()
            .filter(|t| t.ty == StringLit)
            .map(|t| String::from_utf8_lossy(t.bytes(src.as_bytes())).into_owned())
            .collect();
        assert_eq!(got, want, "{body:?}");
    }
}

#[test]
fn check_syntax_reports_what_format_rejects() {
    assert!(super::check_syntax(b"a = 1\n", "ok.tf").is_empty());
    let diags = super::check_syntax(b"a = 1 b = 2\n", "bad.tf");
    assert_eq!(diags.len(), 1);
    let diag = diags.iter().next().unwrap();
    assert_eq!(diag.summary, "Missing newline after argument");
    let subject = diag.subject.as_ref().unwrap();
    assert_eq!((&*subject.filename, subject.start.line, subject.start.column), ("bad.tf", 1, 7));
    assert_eq!(format_source(b"a = 1 b = 2\n", "bad.tf"), Err(diags));
}
