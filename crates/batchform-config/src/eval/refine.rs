//! The refinements the evaluator gives unknown results (cty's `Refine`): a template with an
//! unknown part is a string that is not null and starts with the text before that part.

use batchform_core::Refinement;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// HCL keeps at most this many bytes of a template's known prefix.
const MAX_PREFIX: usize = 128;

/// The refinement of a template whose first unknown part follows the text `known`.
pub(crate) fn template(known: &str) -> Refinement {
    let mut end = known.len().min(MAX_PREFIX);
    while !known.is_char_boundary(end) {
        end -= 1;
    }
    let prefix = safe_known_prefix(&known[..end]);
    Refinement { not_null: true, prefix: (!prefix.is_empty()).then(|| prefix.into()) }
}

/// cty's `ctystrings.SafeKnownPrefix`: the NFC form of `prefix` without its last grapheme
/// cluster, which the rest of the string could still extend or change (`e` followed by a
/// combining accent), unless that cluster is one of the delimiters that never combine.
pub(crate) fn safe_known_prefix(prefix: &str) -> String {
    let normal: String = prefix.nfc().collect();
    let Some((start, last)) = normal.grapheme_indices(true).next_back() else {
        return normal;
    };
    let mut chars = last.chars();
    let delimiter = match (chars.next(), chars.next()) {
        (Some(c), None) => "-_:;/\\,.(){}[]|?!~ \t@#$%^&*+\"'".contains(c),
        _ => false,
    };
    if delimiter { normal } else { normal[..start].to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_stop_before_what_could_still_change() {
        // As cty's prefix tests: delimiters are kept, letters and digits dropped.
        assert_eq!(safe_known_prefix("prefix-"), "prefix-");
        assert_eq!(safe_known_prefix("prefix"), "prefi");
        assert_eq!(safe_known_prefix("a1"), "a");
        assert_eq!(safe_known_prefix("e\u{301}"), "");
        assert_eq!(safe_known_prefix(""), "");
        assert_eq!(template("").prefix, None);
        assert!(template("").not_null);
        assert_eq!(template("arn:").prefix.as_deref(), Some("arn:"));
    }
}
