//! checkov and terraform-compliance read our plan JSON exactly as they read Terraform's.
//! Needs `.venv-plan-readers` (see fixtures/render/plan-readers/README.md; `.ci/run` makes
//! it), or `BATCHFORM_SKIP_PLAN_READERS=1` to skip explicitly.

use super::*;
use crate::render::plan_json::plan_json;
use std::path::Path;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tool(name: &str) -> Option<PathBuf> {
    if std::env::var("BATCHFORM_SKIP_PLAN_READERS").as_deref() == Ok("1") {
        eprintln!("BATCHFORM_SKIP_PLAN_READERS=1: skipping {name}");
        return None;
    }
    let path = root().join(".venv-plan-readers/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: see fixtures/render/plan-readers/README.md (.ci/run installs it), or set \
         BATCHFORM_SKIP_PLAN_READERS=1 to skip.",
        path.display()
    );
    Some(path)
}

/// Our plan JSON for a case, written next to nothing else Terraform left.
fn our_plan(case: &str, mode: PlanMode, dir: &Path) -> PathBuf {
    let plan = plan_of(case, mode);
    let mut bytes = plan_json(&plan, Some(&config_of(case)), &schemas(), "1.11.4");
    bytes.push(b'\n');
    let path = dir.join(format!("{case}.json"));
    std::fs::write(&path, bytes).expect("write plan JSON");
    path
}

fn terraforms_plan(case: &str) -> PathBuf {
    case_dir(case).join("terraform/plan.json")
}

/// checkov's summary and failed resources for a plan file.
fn checkov(checkov: &Path, plan: &Path) -> (serde_json::Value, Vec<String>) {
    let out = Command::new(checkov)
        .args(["--framework", "terraform_plan", "--skip-download", "-o", "json", "-f"])
        .arg(plan)
        .arg("--external-checks-dir")
        .arg(root().join("fixtures/render/plan-readers/checks"))
        .output()
        .expect("run checkov");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("checkov output: {e}: {}", String::from_utf8_lossy(&out.stdout))
    });
    let mut failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["resource"].as_str().map(str::to_string))
        .collect();
    failed.sort();
    let mut summary = report["summary"].clone();
    if let Some(s) = summary.as_object_mut() {
        s.remove("checkov_version");
    }
    (summary, failed)
}

#[test]
fn checkov_reads_our_plan_json_as_it_reads_terraforms() {
    let Some(checkov_bin) = tool("checkov") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // One case (checkov takes seconds per run): `update` has every kind of change.
    let ours = checkov(&checkov_bin, &our_plan("update", PlanMode::Normal, dir.path()));
    let theirs = checkov(&checkov_bin, &terraforms_plan("update"));
    assert_eq!(ours, theirs);
    assert!(ours.0["resource_count"].as_u64().unwrap_or(0) > 0, "checkov saw no resources");
    assert!(!ours.1.is_empty(), "the custom check should fail somewhere");
}

/// terraform-compliance's report, without the lines naming the files and the run id.
fn compliance(bin: &Path, plan: &Path) -> (Option<i32>, String) {
    let out = Command::new(bin)
        .arg("-p")
        .arg(plan)
        .arg("-f")
        .arg(root().join("fixtures/render/plan-readers/features"))
        .arg("--no-ansi")
        .output()
        .expect("run terraform-compliance");
    let text = String::from_utf8_lossy(&out.stdout);
    let report = text
        .lines()
        .filter(|l| {
            !l.starts_with("> Plan File") && !l.starts_with("Run ") && !l.contains(" initiated")
        })
        .collect::<Vec<_>>()
        .join("\n");
    (out.status.code(), report)
}

#[test]
fn terraform_compliance_reads_our_plan_json_as_it_reads_terraforms() {
    let Some(bin) = tool("terraform-compliance") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for (case, mode) in [("update", PlanMode::Normal), ("destroy", PlanMode::Destroy)] {
        let ours = compliance(&bin, &our_plan(case, mode, dir.path()));
        let theirs = compliance(&bin, &terraforms_plan(case));
        assert_eq!(ours, theirs, "{case}");
        if case == "update" {
            assert!(ours.1.contains("does not have no_such_attribute property"), "{}", ours.1);
        }
    }
}
