//! The configuration fixtures (`fixtures/configs/{valid,invalid}/CASE/`): batchform must
//! report what Terraform 1.11 reports on each (recorded by `fixtures/configs/regenerate.sh`
//! in `CASE/terraform.stderr` and `CASE/terraform.code`): the exit code and, for every
//! diagnostic, its severity and summary, its `on FILE line N[, in BLOCK]:` location and its
//! detail (whitespace collapsed, since only the words matter once wrapped). Diagnostics are
//! compared as sorted lists. Cases where batchform deliberately differs are listed in
//! `fixtures/configs/known-differences.tsv` with the reason; for those the test checks that
//! the difference is still there, so the list cannot go stale.

use crate::harness::Workdir;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One rendered diagnostic, as a user reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Rendered {
    heading: String,
    location: Option<String>,
    detail: String,
}

/// Split `-no-color` output into diagnostics.
fn parse(text: &str) -> Vec<Rendered> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            (lines[i].starts_with("Error: ") || lines[i].starts_with("Warning: "))
                && (i == 0 || lines[i - 1].is_empty())
        })
        .collect();
    let mut out = Vec::new();
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        let body = &lines[start + 1..end];
        let mut i = 0;
        while i < body.len() && body[i].is_empty() {
            i += 1;
        }
        let mut location = None;
        if i < body.len() && body[i].starts_with("  on ") {
            location = Some(body[i].trim().to_string());
            // The snippet runs to the next blank line.
            while i < body.len() && !body[i].is_empty() {
                i += 1;
            }
        }
        let detail = body[i.min(body.len())..].join(" ");
        out.push(Rendered {
            heading: lines[start].to_string(),
            location,
            detail: detail.split_whitespace().collect::<Vec<_>>().join(" "),
        });
    }
    out.sort();
    out
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/configs")
}

/// `case -> reason` from known-differences.tsv.
fn known_differences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fixtures().join("known-differences.tsv"))
        .expect("known-differences.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (case, reason) = l.split_once('\t').expect("CASE<TAB>REASON");
            assert!(!reason.trim().is_empty(), "{case}: a known difference needs its reason");
            (case.to_string(), reason.to_string())
        })
        .collect()
}

struct Outcome {
    case: String,
    code: i32,
    expected_code: i32,
    got: Vec<Rendered>,
    expected: Vec<Rendered>,
    stderr: String,
}

fn run_case(dir: &Path, case: String) -> Outcome {
    let w = Workdir::new();
    let mut args = "validate -no-color".to_string();
    for entry in std::fs::read_dir(dir).expect("case dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        if name == "args" {
            args = std::fs::read_to_string(&path).expect("args").trim().to_string();
        } else if name != "terraform.stderr" && name != "terraform.code" {
            w.file(&name, &std::fs::read_to_string(&path).expect("fixture file"));
        }
    }
    let argv: Vec<&str> = args.split_whitespace().collect();
    let out = w.run(&argv);
    let expected_code: i32 = std::fs::read_to_string(dir.join("terraform.code"))
        .expect("terraform.code (run regenerate.sh)")
        .trim()
        .parse()
        .expect("exit code");
    let expected_stderr = std::fs::read_to_string(dir.join("terraform.stderr")).expect("stderr");
    assert!(!out.stderr.contains("panicked"), "{case}: batchform panicked:\n{}", out.stderr);
    Outcome {
        case,
        code: out.code,
        expected_code,
        got: parse(&out.stderr),
        expected: parse(&expected_stderr),
        stderr: out.stderr,
    }
}

fn cases(kind: &str) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(fixtures().join(kind))
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .map(|p| {
            let name = format!("{kind}/{}", p.file_name().and_then(|n| n.to_str()).expect("name"));
            (p, name)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_parser_reads_terraform_output() {
    let text = "\nError: Cycle: local.b, local.a\n\n\nError: Unsupported argument\n\n  on main.tf line 2, in resource \"terraform_data\" \"a\":\n   2:   inptu = \"x\"\n\nAn argument named \"inptu\" is not\nexpected here.\n\nWarning: W\n\nNo location.\n";
    let got = parse(text);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].heading, "Error: Cycle: local.b, local.a");
    assert_eq!((got[0].location.as_deref(), got[0].detail.as_str()), (None, ""));
    assert_eq!(
        got[1].location.as_deref(),
        Some("on main.tf line 2, in resource \"terraform_data\" \"a\":")
    );
    assert_eq!(got[1].detail, "An argument named \"inptu\" is not expected here.");
    assert_eq!((got[2].location.as_deref(), got[2].detail.as_str()), (None, "No location."));
}

#[test]
fn configuration_fixtures_match_terraform() {
    let known = known_differences();
    let all: Vec<(PathBuf, String)> = cases("valid").into_iter().chain(cases("invalid")).collect();
    assert!(all.len() >= 30, "the fixture set shrank to {}", all.len());
    for case in known.keys() {
        assert!(all.iter().any(|(_, c)| c == case), "known-differences.tsv names no case {case}");
    }
    let mut failures = Vec::new();
    for (dir, case) in all {
        let o = run_case(&dir, case);
        if o.case.starts_with("invalid/") && o.expected.is_empty() {
            failures.push(format!("{}: Terraform reported nothing; regenerate", o.case));
        }
        if o.code != o.expected_code {
            failures.push(format!(
                "{}: exit code {} (Terraform {})\n{}",
                o.case, o.code, o.expected_code, o.stderr
            ));
            continue;
        }
        let same = o.got == o.expected;
        match (known.get(&o.case), same) {
            (None, false) => failures.push(format!(
                "{}: diagnostics differ from Terraform's\n  batchform: {:#?}\n  terraform: {:#?}",
                o.case, o.got, o.expected
            )),
            (Some(_), true) => failures.push(format!(
                "{}: now matches Terraform; remove it from known-differences.tsv",
                o.case
            )),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
