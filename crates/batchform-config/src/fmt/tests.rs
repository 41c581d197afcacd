//! Unit tests of the formatter on small inputs; the golden corpus is in `tests/fmt.rs`.

use super::format_source;

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
