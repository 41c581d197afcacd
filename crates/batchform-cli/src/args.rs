//! Argument spelling: Terraform users write `-auto-approve`, GNU users `--auto-approve`.
//! Both reach clap as `--auto-approve`.

/// Rewrite single-dash long flags (`-chdir=DIR`, `-no-color`) to the double-dash form clap
/// parses. A lone `-` (stdin) and anything after `--` are left alone, as are arguments that are
/// values of a preceding flag (they never start with a dash followed by a letter in practice,
/// and when they do the user can write `-flag=value`).
pub fn normalize(argv: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut passthrough = false;
    for (i, arg) in argv.into_iter().enumerate() {
        if i == 0 || passthrough {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        let bytes = arg.as_bytes();
        let single_dash_long = bytes.len() > 2
            && bytes[0] == b'-'
            && bytes[1] != b'-'
            && bytes[1].is_ascii_alphabetic();
        if single_dash_long {
            out.push(format!("-{arg}"));
        } else {
            out.push(arg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn single_dash_long_flags_become_double_dash() {
        assert_eq!(
            norm(&["bf", "-chdir=x", "plan", "-no-color", "--json", "-", "-v"]),
            ["bf", "--chdir=x", "plan", "--no-color", "--json", "-", "-v"]
        );
    }

    #[test]
    fn values_and_passthrough_are_kept() {
        assert_eq!(
            norm(&["bf", "plan", "-var", "x=-1", "--", "-y"]),
            ["bf", "plan", "--var", "x=-1", "--", "-y"]
        );
    }
}
