//! Terraform's text layout helpers: `format.WordWrap` (over `mitchellh/go-wordwrap` 1.0.1)
//! and `format.HorizontalRule`.

use super::color::Colorize;

/// Wrap paragraphs to `width` columns as Terraform does: each line is wrapped at spaces to
/// `width - 1` columns, except lines starting with a space, which are left alone.
pub fn word_wrap(text: &str, width: usize) -> String {
    if width <= 1 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.starts_with(' ') {
            out.push_str(line);
        } else {
            out.push_str(&wrap_string(line, width - 1));
        }
    }
    out
}

/// `wordwrap.WrapString`: break at whitespace so that lines fit in `limit` characters; a
/// word longer than the limit overflows rather than being split.
pub fn wrap_string(text: &str, limit: usize) -> String {
    const NBSP: char = '\u{a0}';
    let mut out = String::with_capacity(text.len() + 8);
    let mut current = 0usize;
    let (mut word, mut space) = (String::new(), String::new());
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in text.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= limit {
                    out.push_str(&space);
                }
            } else {
                out.push_str(&space);
                out.push_str(&word);
            }
            space.clear();
            word.clear();
            space_len = 0;
            word_len = 0;
            out.push(c);
            current = 0;
        } else if c.is_whitespace() && c != NBSP {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                out.push_str(&space);
                out.push_str(&word);
                space.clear();
                word.clear();
                space_len = 0;
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + word_len + space_len > limit && word_len < limit {
                out.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= limit {
            out.push_str(&space);
        }
    } else {
        out.push_str(&space);
        out.push_str(&word);
    }
    out
}

/// A newline and a rule of `width - 1` box-drawing characters, dark grey when coloured.
pub fn horizontal_rule(color: &Colorize, width: usize) -> String {
    if width <= 1 {
        return "\n".into();
    }
    color.color(&format!("[dark_gray]\n{}", "─".repeat(width - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_like_terraform_at_78_columns() {
        let text = "Terraform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:";
        assert_eq!(
            word_wrap(text, 78),
            "Terraform used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:"
        );
        assert_eq!(word_wrap("  keep   this line as it is", 10), "  keep   this line as it is");
        assert_eq!(wrap_string("averyveryverylongword short", 5), "averyveryverylongword\nshort");
    }

    #[test]
    fn rule_is_one_shorter_than_the_width() {
        let rule = horizontal_rule(&Colorize::new(false), 78);
        assert_eq!(rule.chars().count(), 78);
        assert!(rule.starts_with('\n'));
    }
}
