//! Terraform's colour markup (`[bold]`, `[red]`, `[reset]`, as `mitchellh/colorstring` reads
//! it), turned into ANSI sequences with `anstyle`, or stripped for `-no-color`.
//!
//! Every `Color` call of colorstring appends a reset when the text held a known code and
//! colour is on; the renderers call [`Colorize::color`] on exactly the pieces Terraform
//! colours, so the bytes match Terraform's, resets included.

use anstyle::{AnsiColor, Effects, Style};

/// Colour on or off (`-no-color`, `NO_COLOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colorize {
    pub enabled: bool,
}

impl Colorize {
    pub fn new(enabled: bool) -> Colorize {
        Colorize { enabled }
    }

    /// Replace the `[name]` codes in `text`: with their ANSI sequence when colour is on (plus a
    /// final reset if any code was found), with nothing when it is off. Unknown names are left
    /// as written, as colorstring leaves them.
    pub fn color(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut colored = false;
        let mut rest = text;
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let name_len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                .count();
            if name_len > 0 && after.as_bytes().get(name_len) == Some(&b']') {
                let name = &after[..name_len];
                match code(name) {
                    Some(sequence) => {
                        colored = true;
                        if self.enabled {
                            out.push_str(&sequence);
                        }
                    }
                    None => out.push_str(&rest[open..open + name_len + 2]),
                }
                rest = &after[name_len + 1..];
            } else {
                out.push('[');
                rest = after;
            }
        }
        out.push_str(rest);
        if colored && self.enabled {
            out.push_str(&anstyle::Reset.render().to_string());
        }
        out
    }
}

/// The ANSI sequence of one colorstring code name (its `DefaultColors` table).
fn code(name: &str) -> Option<String> {
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    let bg = |c: AnsiColor| Style::new().bg_color(Some(c.into()));
    let style = match name {
        "reset" => return Some(anstyle::Reset.render().to_string()),
        "default" => return Some("\x1b[39m".into()),
        "_default_" => return Some("\x1b[49m".into()),
        "bold" => Style::new().effects(Effects::BOLD),
        "dim" => Style::new().effects(Effects::DIMMED),
        "underline" => Style::new().effects(Effects::UNDERLINE),
        "blink_slow" => Style::new().effects(Effects::BLINK),
        "invert" => Style::new().effects(Effects::INVERT),
        "hidden" => Style::new().effects(Effects::HIDDEN),
        "black" => fg(AnsiColor::Black),
        "red" => fg(AnsiColor::Red),
        "green" => fg(AnsiColor::Green),
        "yellow" => fg(AnsiColor::Yellow),
        "blue" => fg(AnsiColor::Blue),
        "magenta" => fg(AnsiColor::Magenta),
        "cyan" => fg(AnsiColor::Cyan),
        "light_gray" => fg(AnsiColor::White),
        "dark_gray" => fg(AnsiColor::BrightBlack),
        "light_red" => fg(AnsiColor::BrightRed),
        "light_green" => fg(AnsiColor::BrightGreen),
        "light_yellow" => fg(AnsiColor::BrightYellow),
        "light_blue" => fg(AnsiColor::BrightBlue),
        "light_magenta" => fg(AnsiColor::BrightMagenta),
        "light_cyan" => fg(AnsiColor::BrightCyan),
        "white" => fg(AnsiColor::BrightWhite),
        "_black_" => bg(AnsiColor::Black),
        "_red_" => bg(AnsiColor::Red),
        "_green_" => bg(AnsiColor::Green),
        "_yellow_" => bg(AnsiColor::Yellow),
        "_blue_" => bg(AnsiColor::Blue),
        "_magenta_" => bg(AnsiColor::Magenta),
        "_cyan_" => bg(AnsiColor::Cyan),
        "_light_gray_" => bg(AnsiColor::White),
        "_dark_gray_" => bg(AnsiColor::BrightBlack),
        "_white_" => bg(AnsiColor::BrightWhite),
        _ => return None,
    };
    Some(style.render().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_sequences_with_a_final_reset() {
        let on = Colorize::new(true);
        assert_eq!(on.color("  [green]+[reset] create"), "  \x1b[32m+\x1b[0m create\x1b[0m");
        assert_eq!(on.color("[bold]  # a[reset] x"), "\x1b[1m  # a\x1b[0m x\x1b[0m");
        assert_eq!(on.color("[dark_gray]null[reset]"), "\x1b[90mnull\x1b[0m\x1b[0m");
        // No code: no reset.
        assert_eq!(on.color("plain"), "plain");
    }

    #[test]
    fn off_strips_known_codes_and_keeps_the_rest() {
        let off = Colorize::new(false);
        assert_eq!(off.color("[bold]x[reset] [0] [RED] [a b] [[red]"), "x [0] [RED] [a b] [");
        assert_eq!(Colorize::new(true).color("[0]"), "[0]");
    }
}
