//! Our plan JSON decodes with HashiCorp's terraform-json Go types (`tfjson.Plan`), what tools
//! written in Go use to read Terraform's. Needs Go and Debian's terraform-json sources; CI
//! installs neither, so this runs where they are and says so where they are not.

use super::*;
use crate::render::plan_json::plan_json;
use batchform_core::ResourceAddr;
use batchform_engine::plan::{Deferred, DeferredReason};
use std::path::Path;
use std::process::Command;

const GOPATH: &str = "/usr/share/gocode";

fn build_checker(dir: &Path) -> Option<std::path::PathBuf> {
    let go = Command::new("sh").args(["-c", "command -v go"]).output().ok()?;
    if !go.status.success() {
        eprintln!("skipped: no Go toolchain");
        return None;
    }
    if !Path::new(GOPATH).join("src/github.com/hashicorp/terraform-json").exists() {
        eprintln!(
            "skipped: no terraform-json sources under {GOPATH} (golang-github-hashicorp-terraform-json-dev)"
        );
        return None;
    }
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/render/tools/tfjsoncheck.go");
    let binary = dir.join("tfjsoncheck");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(&source)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOCACHE", dir.join("cache"))
        .status()
        .expect("run go build");
    assert!(status.success(), "building tfjsoncheck failed");
    Some(binary)
}

#[test]
fn terraform_json_reads_our_plan_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(checker) = build_checker(dir.path()) else { return };
    let registry = schemas();
    let mut plans: Vec<(String, Plan, Config)> = [
        ("create", PlanMode::Normal),
        ("update", PlanMode::Normal),
        ("destroy", PlanMode::Destroy),
        ("import", PlanMode::Normal),
        ("drift_normal", PlanMode::Normal),
        ("drift_refresh", PlanMode::RefreshOnly),
    ]
    .into_iter()
    .map(|(case, mode)| (case.to_string(), plan_of(case, mode), config_of(case)))
    .collect();
    // batchform's own addition: deferred resources in Terraform's deferred_changes shape.
    let mut deferred = plan_of("create", PlanMode::Normal);
    deferred.deferred = vec![Deferred {
        addr: ResourceAddr::managed("terraform_data", "later"),
        reason: "count depends on terraform_data.single.id".into(),
        kind: DeferredReason::InstanceCountUnknown,
    }];
    plans.push(("deferred".into(), deferred, config_of("create")));

    for (name, plan, config) in plans {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, plan_json(&plan, Some(&config), &registry, "0.1.0")).expect("write");
        let out = Command::new(&checker)
            .arg("plan")
            .arg(&path)
            .arg("-any-version")
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && stdout.starts_with("OK plan"), "{name}: {stdout}");
        for change in &plan.changes {
            let actions = change.action.json_actions().join(" ");
            assert!(
                stdout.contains(&format!("  {} [{actions}]\n", change.addr)),
                "{name}: {} in {stdout}",
                change.addr
            );
        }
    }
}
