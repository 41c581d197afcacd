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
