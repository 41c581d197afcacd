//! The plan/apply family as a user drives it: init, the approval prompt, saved plans and their
//! staleness checks, -target, taint, graph, -detailed-exitcode. Texts are Terraform 1.11's
//! with "batchform" where it names itself.

use crate::harness::Workdir;

const CONFIG: &str = "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n\nresource \"terraform_data\" \"b\" {\n  input = terraform_data.a.output\n}\n";

fn workdir() -> Workdir {
    let w = Workdir::new();
    w.file("main.tf", CONFIG);
    w
}

#[test]
fn init_prints_terraforms_success_lines_and_makes_the_data_directory() {
    let w = workdir();
    let out = w.run(&["init", "-no-color"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("batchform has been successfully initialized!"), "{}", out.stdout);
    assert!(w.path().join(".batchform").is_dir());
}

#[test]
fn only_yes_approves_an_apply() {
    let w = workdir();
    let no = w.run_with_stdin(&["apply", "-no-color"], "no\n");
    assert_eq!(no.code, 1, "{}", no.stdout);
    assert!(no.stdout.contains("Do you want to perform these actions?"));
    assert!(no.stdout.contains("Only 'yes' will be accepted to approve."));
    assert!(no.stdout.contains("Apply cancelled."), "{}", no.stdout);
    assert!(
        !w.path().join("terraform.tfstate").exists() || w.run(&["state", "list"]).stdout.is_empty()
    );
    // A refusal releases the lock, info file included; so does -input=false, which cannot
    // ask.
    let lock_info = w.path().join(".terraform.tfstate.lock.info");
    assert!(!lock_info.exists(), "the lock was released");
    let no_input = w.run(&["apply", "-no-color", "-input=false"]);
    assert_eq!(no_input.code, 1, "{}", no_input.stdout);
    assert!(no_input.stderr.contains("Error: No approval given"), "{}", no_input.stderr);
    assert!(!lock_info.exists(), "the lock was released");

    let yes = w.run_with_stdin(&["apply", "-no-color"], "yes\n");
    assert_eq!(yes.code, 0, "{}{}", yes.stdout, yes.stderr);
    assert!(yes.stdout.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."));
    assert_eq!(w.run(&["state", "list"]).stdout, "terraform_data.a\nterraform_data.b\n");

    let destroy = w.run_with_stdin(&["destroy", "-no-color"], "yes\n");
    assert_eq!(destroy.code, 0, "{}{}", destroy.stdout, destroy.stderr);
    assert!(destroy.stdout.contains("Do you really want to destroy all resources?"));
    assert!(destroy.stdout.contains("Destroy complete! Resources: 2 destroyed."));
}

#[test]
fn a_saved_plan_is_applied_exactly_once() {
    let w = workdir();
    let plan = w.run(&["plan", "-no-color", "-out=tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("Saved the plan to: tfplan"), "{}", plan.stdout);
    let apply = w.run(&["apply", "-no-color", "tfplan"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert!(!apply.stdout.contains("Enter a value"), "no prompt for a saved plan");

    // The state moved on since the plan: Terraform's message, nothing applied.
    let again = w.run(&["apply", "-no-color", "tfplan"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("Error: Saved plan is stale"), "{}", again.stderr);

    // A plan made against another state lineage.
    let other = workdir();
    assert_eq!(other.run(&["apply", "-auto-approve"]).code, 0);
    assert_eq!(other.run(&["plan", "-out=other.tfplan", "-no-color"]).code, 0);
    std::fs::copy(other.path().join("other.tfplan"), w.path().join("other.tfplan")).unwrap();
    let foreign = w.run(&["apply", "-no-color", "other.tfplan"]);
    assert_eq!(foreign.code, 1);
    assert!(
        foreign.stderr.contains("Error: Saved plan does not match the given state"),
        "{}",
        foreign.stderr
    );
}

#[test]
fn detailed_exitcode_target_and_taint() {
    let w = workdir();
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 2);
    assert_eq!(w.run(&["apply", "-auto-approve"]).code, 0);
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);

    // Destroying a target takes what depends on it along.
    let target = w.run(&["plan", "-destroy", "-target=terraform_data.a", "-no-color"]);
    assert!(target.stdout.contains("# terraform_data.a will be destroyed"), "{}", target.stdout);
    assert!(target.stdout.contains("# terraform_data.b will be destroyed"), "{}", target.stdout);
    assert!(
        target.stdout.contains("Warning: Resource targeting is in effect"),
        "{}",
        target.stdout
    );

    let taint = w.run(&["taint", "-no-color", "terraform_data.a"]);
    assert_eq!(taint.stdout, "Resource instance terraform_data.a has been marked as tainted.\n");
    let plan = w.run(&["plan", "-no-color"]);
    assert!(
        plan.stdout.contains("# terraform_data.a is tainted, so must be replaced"),
        "{}",
        plan.stdout
    );
    let untaint = w.run(&["untaint", "-no-color", "terraform_data.a"]);
    assert_eq!(untaint.code, 0);
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0);
    let missing = w.run(&["taint", "-no-color", "terraform_data.nope"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("No such resource instance"), "{}", missing.stderr);
}

#[test]
fn graph_draws_the_dependencies() {
    let w = workdir();
    let out = w.run(&["graph"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("digraph"), "{}", out.stdout);
    assert!(out.stdout.contains("\"terraform_data.b\" -> \"terraform_data.a\""), "{}", out.stdout);
}

/// `-json`: one JSON object per line, Terraform's message types in Terraform's order.
#[test]
fn json_streams_one_message_per_line() {
    let w = workdir();
    let types = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value =
                    serde_json::from_str(l).expect("one JSON object per line");
                assert_eq!(v["@module"], "batchform.ui");
                v["type"].as_str().unwrap_or_default().to_string()
            })
            .collect()
    };
    let plan = w.run(&["plan", "-json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(
        types(&plan.stdout),
        ["version", "planned_change", "planned_change", "change_summary"]
    );
    let apply = w.run(&["apply", "-json", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let t = types(&apply.stdout);
    assert_eq!(t.first().map(String::as_str), Some("version"));
    assert_eq!(t.iter().filter(|t| *t == "apply_start").count(), 2, "{t:?}");
    assert_eq!(t.iter().filter(|t| *t == "apply_complete").count(), 2, "{t:?}");
    assert_eq!(&t[t.len() - 2..], ["change_summary", "outputs"]);
    // Without -auto-approve there is no one to ask.
    let refused = w.run(&["apply", "-json"]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("Plan file or auto-approve required"), "{}", refused.stderr);
}

/// Outputs-only plans, including an empty string (Terraform 1.11.4's text for this config).
#[test]
fn an_empty_string_output_is_a_change() {
    let w = Workdir::new();
    w.file("main.tf", "output \"e\" {\n  value = \"\"\n}\noutput \"f\" {\n  value = \"x\"\n}\n");
    let out = w.run(&["plan", "-no-color", "-detailed-exitcode"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stdout,
        "\nChanges to Outputs:\n  + e = \"\"\n  + f = \"x\"\n\nYou can apply this plan to save these new output values to the batchform\nstate, without changing any real infrastructure.\n\n─────────────────────────────────────────────────────────────────────────────\n\nNote: You didn't use the -out option to save this plan, so batchform can't\nguarantee to take exactly these actions if you run \"batchform apply\" now.\n"
    );
}

#[test]
fn a_failed_final_write_leaves_errored_tfstate_to_push() {
    let w = workdir();
    assert_eq!(w.run(&["apply", "-auto-approve"]).code, 0);
    w.file(
        "main.tf",
        &format!("{CONFIG}\nresource \"terraform_data\" \"c\" {{\n  input = \"y\"\n}}\n"),
    );
    // The first overwrite of a run copies the old state to terraform.tfstate.backup; a
    // directory in its place makes that, and so the final snapshot, fail (even for root),
    // after every change was journaled.
    let blocker = w.path().join("terraform.tfstate.backup");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), "").unwrap();
    let before = std::fs::read(w.path().join("terraform.tfstate")).unwrap();
    let apply = w.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 1, "{}{}", apply.stdout, apply.stderr);
    let message = apply.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(message.contains("Error: Failed to save state"), "{message}");
    assert!(message.contains("so it was written to ./errored.tfstate instead"), "{message}");
    assert!(message.contains("Run \"batchform state push ./errored.tfstate\""), "{message}");
    assert_eq!(std::fs::read(w.path().join("terraform.tfstate")).unwrap(), before);
    let errored = std::fs::read_to_string(w.path().join("errored.tfstate")).unwrap();
    assert!(errored.contains("\"name\": \"c\""), "{errored}");
    assert!(!w.path().join(".terraform.tfstate.lock.info").exists(), "the lock was released");

    // Once the problem is fixed, the user pushes it as told.
    std::fs::remove_dir_all(&blocker).unwrap();
    let push = w.run(&["state", "push", "./errored.tfstate"]);
    assert_eq!(push.code, 0, "{}{}", push.stdout, push.stderr);
    assert_eq!(
        w.run(&["state", "list"]).stdout,
        "terraform_data.a\nterraform_data.b\nterraform_data.c\n"
    );
    assert!(!w.path().join("terraform.tfstate.journal").exists(), "folded into the snapshot");
    assert_eq!(w.run(&["plan", "-detailed-exitcode"]).code, 0, "nothing left to do");
}

/// `graph -type=plan` prints what Terraform 1.11 prints on the same configuration (count,
/// for_each, depends_on, outputs with and without references): the transitively reduced
/// operation graph. The golden file is `fixtures/graph/plan/terraform.dot`, made by
/// `fixtures/graph/plan/generate.sh` with real Terraform.
#[test]
fn graph_type_plan_matches_terraform() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/graph/plan");
    let w = crate::harness::Workdir::new();
    w.file("main.tf", &std::fs::read_to_string(format!("{dir}/main.tf")).expect("main.tf"));
    let out = w.run(&["graph", "-type=plan"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let golden = std::fs::read_to_string(format!("{dir}/terraform.dot")).expect("golden");
    assert_eq!(out.stdout, golden);
}

/// With -auto-approve the walk starts while the plan is still being rendered; what it prints
/// (and the warnings that follow the plan) still comes after the whole plan, in order, and
/// the plan text is the one `plan` prints.
#[test]
fn an_auto_approved_apply_prints_the_whole_plan_before_anything_it_does() {
    let w = Workdir::new();
    w.file(
        "main.tf",
        "resource \"terraform_data\" \"many\" {\n  count = 300\n  input = \"x-${count.index}\"\n}\n",
    );
    let target = "-target=terraform_data.many";
    let plan = w.run(&["plan", "-no-color", target]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let apply = w.run(&["apply", "-auto-approve", "-no-color", target]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let out = &apply.stdout;
    let at = |needle: &str| out.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {out}"));
    // The plan's text up to its summary is the same as `plan`'s.
    let plan_part = &plan.stdout[..plan.stdout.find("Plan: 300 to add").unwrap()];
    assert!(out.starts_with(plan_part), "{out}");
    // Then the -target warning, then the walk, then the summary.
    assert!(at("Plan: 300 to add") < at("Warning: Resource targeting is in effect"));
    assert!(at("Warning: Resource targeting is in effect") < at(": Creating..."));
    assert!(out.rfind("Creation complete").unwrap() < at("Apply complete! Resources: 300 added"));
    assert_eq!(out.matches(": Creating...").count(), 300);

    // The same in -json: every planned change before the first apply_start.
    let w = Workdir::new();
    w.file("main.tf", "resource \"terraform_data\" \"many\" {\n  count = 300\n}\n");
    let apply = w.run(&["apply", "-json", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let types: Vec<String> = apply
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    let first_start = types.iter().position(|t| t == "\"apply_start\"").unwrap();
    let last_planned = types.iter().rposition(|t| t == "\"planned_change\"").unwrap();
    assert_eq!(types.iter().filter(|t| *t == "\"planned_change\"").count(), 300);
    assert!(last_planned < first_start, "{types:?}");
    assert_eq!(types[first_start - 1], "\"change_summary\"", "{types:?}");
}

/// The state is read while the configuration's providers start: a provider only the state
/// names (its resources were removed from the configuration) still starts, so their objects
/// can be destroyed; a state that cannot be read stops the command untouched.
#[test]
fn providers_named_only_by_the_state_start_and_a_broken_state_stops_the_run() {
    let w = workdir();
    assert_eq!(w.run(&["apply", "-auto-approve"]).code, 0);
    w.file("main.tf", "output \"x\" {\n  value = 1\n}\n");
    let plan = w.run(&["plan", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("# terraform_data.a will be destroyed"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 0 to add, 0 to change, 2 to destroy."), "{}", plan.stdout);

    w.file("terraform.tfstate", "{\"version\": 4, \"lineage\": ");
    let broken = w.run(&["plan", "-no-color"]);
    assert_eq!(broken.code, 1);
    let message = broken.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(message.contains("Error: Failed to load state"), "{message}");
    assert!(message.contains("The state file was left untouched."), "{message}");
    assert_eq!(
        std::fs::read_to_string(w.path().join("terraform.tfstate")).unwrap(),
        "{\"version\": 4, \"lineage\": "
    );
    assert!(!w.path().join(".terraform.tfstate.lock.info").exists(), "the lock was released");
}
