//! A reader that closes the pipe early (`batchform plan | head -1`): the command must not
//! panic ("failed printing to stdout: Broken pipe"), must finish what it started (state
//! persisted, lock released) and print nothing on stderr.

use crate::harness::{Workdir, binary};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Run `batchform ARGS` in `w`, read the first line of stdout, close the pipe, and return the
/// exit code, that line and stderr.
fn run_reading_one_line(w: &Workdir, args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(w.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", w.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn batchform");
    let mut first = String::new();
    {
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        reader.read_line(&mut first).expect("read first line");
        // The reader is dropped here: the pipe's read end closes, as `head -1` does.
    }
    let out = child.wait_with_output().expect("wait");
    (out.status.code().unwrap_or(-1), first, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Enough instances that the output is far larger than a pipe's buffer (64 KiB), so the
/// writes after the reader left really fail with EPIPE.
const BIG: &str = r#"
resource "terraform_data" "a" {
  count = 400
  input = "a-${count.index}"
}
"#;

fn assert_quiet(stderr: &str) {
    assert!(!stderr.contains("panicked"), "panic on a closed pipe:\n{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(stderr, "", "nothing on stderr");
}

#[test]
fn plan_into_a_closed_pipe_exits_quietly() {
    let w = Workdir::new();
    w.file("main.tf", BIG);
    let (code, first, stderr) = run_reading_one_line(&w, &["plan"]);
    assert_quiet(&stderr);
    assert_eq!(code, 0);
    assert!(!first.is_empty());
}

#[test]
fn apply_into_a_closed_pipe_keeps_every_change() {
    let w = Workdir::new();
    w.file("main.tf", BIG);
    let (code, _, stderr) = run_reading_one_line(&w, &["apply", "-auto-approve"]);
    assert_quiet(&stderr);
    assert_eq!(code, 0);
    // Everything was applied and recorded, and the lock was released.
    let out = w.run(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("No changes."), "{}", out.stdout);
    let list = w.run(&["state", "list"]);
    assert_eq!(list.stdout.lines().count(), 400);
}

#[test]
fn version_help_and_state_list_into_a_closed_pipe_exit_quietly() {
    let w = Workdir::new();
    w.file("main.tf", BIG);
    assert_eq!(w.run(&["apply", "-auto-approve"]).code, 0);
    for args in [&["version"][..], &["-help"], &["state", "list"], &["show"]] {
        let mut child = Command::new(binary())
            .args(args)
            .current_dir(w.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn batchform");
        drop(child.stdout.take()); // closed before the command writes anything
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
