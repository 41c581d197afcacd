//! `-input`: a required variable with no value is asked for at Terraform's prompt when stdin
//! is a terminal; with `-input=false` or no terminal it is "No value for required variable".

use crate::harness::{Workdir, binary};
use std::io::Write;
use std::process::{Command, Stdio};

const CONFIG: &str = r#"
variable "region" {
  description = "Where to run."
}

variable "size" {
  type = number
}

variable "optional" {
  default = "d"
}

output "r" {
  value = "${var.region}-${var.size}-${var.optional}"
}
"#;

#[test]
fn no_terminal_or_input_false_reports_the_missing_variables() {
    let w = Workdir::new();
    w.file("main.tf", CONFIG);
    for args in [&["plan", "-no-color"][..], &["plan", "-no-color", "-input=false"]] {
        let out = w.run(args);
        assert_eq!(out.code, 1, "{args:?}");
        assert!(!out.stdout.contains("Enter a value"), "{}", out.stdout);
        assert_eq!(out.stderr.matches("Error: No value for required variable").count(), 2);
        assert!(out.stderr.contains("variable \"region\""), "{}", out.stderr);
        assert!(!out.stderr.contains("\"optional\""), "{}", out.stderr);
    }
    // A given value is not asked for.
    let out = w.run(&["plan", "-no-color", "-var", "region=eu"]);
    assert_eq!(out.stderr.matches("No value for required variable").count(), 1);
    // A variable with no `type` takes -var text literally (Terraform's parsing mode), not as
    // an expression (`eu` would be a reference).
    let out = w.run(&["plan", "-no-color", "-var", "region=eu", "-var", "size=3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("+ r = \"eu-3-d\""), "{}", out.stdout);
}

/// On a terminal (a pty made by util-linux `script`), the prompt asks for each missing
/// variable in name order; the answers are used as `-var` text is.
#[cfg(target_os = "linux")]
#[test]
fn a_terminal_is_asked_for_each_missing_variable() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` (to make a terminal) is not installed");
        return;
    }
    let w = Workdir::new();
    w.file("main.tf", CONFIG);
    let command = format!("{} plan -no-color", binary().display());
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(w.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", w.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    let mut stdin = child.stdin.take().expect("stdin");
    // Answer after each prompt had time to appear (the typed text is echoed by the terminal).
    std::thread::spawn(move || {
        for answer in ["eu\n", "3\n"] {
            std::thread::sleep(std::time::Duration::from_millis(700));
            let _ = stdin.write_all(answer.as_bytes());
            let _ = stdin.flush();
        }
        std::thread::sleep(std::time::Duration::from_secs(10));
    });
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("var.region\n  Where to run.\n\n  Enter a value: "), "{text}");
    assert!(text.contains("var.size\n  Enter a value: "), "{text}");
    assert!(!text.contains("var.optional"), "{text}");
    assert!(text.find("var.region") < text.find("var.size"), "name order: {text}");
    assert!(text.contains("+ r = \"eu-3-d\""), "{text}");
}
