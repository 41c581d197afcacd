use crate::harness::Workdir;

#[test]
fn piped_console_prints_the_last_result() {
    // Terraform's non-interactive console evaluates each line and prints the last result.
    let w = Workdir::new();
    w.file("main.tf", "variable \"n\" {\n  default = 2\n}\nlocals {\n  doubled = var.n * 2\n}\n");
    let out = w.run_with_stdin(&["console"], "1\nlocal.doubled + 0.5\n");
    assert_eq!((out.code, out.stdout.as_str()), (0, "4.5\n"), "{}", out.stderr);
}

#[test]
fn console_stops_at_the_first_error() {
    let w = Workdir::new();
    w.file("main.tf", "");
    let out = w.run_with_stdin(&["console"], "nope\n2\n");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("Error: Invalid reference"), "{}", out.stderr);
    assert!(out.stderr.contains("(source code not available)"), "{}", out.stderr);
}

#[test]
fn console_uses_variable_files_and_flags_with_precedence() {
    let w = Workdir::new();
    w.file("main.tf", "variable \"v\" {\n  type = string\n}\n");
    w.file("terraform.tfvars", "v = \"file\"\n");
    w.file("b.auto.tfvars", "v = \"auto\"\n");
    let out = w.run_with_stdin(&["console"], "var.v\n");
    assert_eq!(out.stdout, "\"auto\"\n", "{}", out.stderr);
    let out = w.run_with_stdin(&["console", "-var", "v=flag"], "var.v\n");
    assert_eq!(out.stdout, "\"flag\"\n", "{}", out.stderr);
    let out = w.command(&["console"], &[("TF_VAR_v", "env")], "var.v\n");
    assert_eq!(out.stdout, "\"auto\"\n", "env is the lowest precedence: {}", out.stderr);
}

#[test]
fn console_reads_resource_values_from_the_state() {
    // Terraform 1.11 on the same configuration: before apply `terraform_data.a.output` is
    // (known after apply); after `apply -target` of a and c, a and c print their recorded
    // values while b, not applied, is still (known after apply).
    let w = Workdir::new();
    w.file(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"hello\"\n}\nresource \"terraform_data\" \"c\" {\n  count = 2\n  input = count.index\n}\nresource \"terraform_data\" \"b\" {\n  input = { x = 1 }\n}\n",
    );
    let before = w.run_with_stdin(&["console"], "terraform_data.a.output\n");
    assert_eq!((before.code, before.stdout.as_str()), (0, "(known after apply)\n"));
    let apply = w.run(&[
        "apply",
        "-auto-approve",
        "-no-color",
        "-target=terraform_data.a",
        "-target=terraform_data.c",
    ]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let state_before = std::fs::read(w.path().join("terraform.tfstate")).expect("state");
    let cases = [
        ("terraform_data.a.output", "\"hello\"\n"),
        ("terraform_data.c[*].output", "[\n  0,\n  1,\n]\n"),
        ("terraform_data.b.output", "(known after apply)\n"),
        ("length(terraform_data.a.id) == 36", "true\n"),
    ];
    for (expr, want) in cases {
        let out = w.run_with_stdin(&["console"], &format!("{expr}\n"));
        assert_eq!((out.code, out.stdout.as_str()), (0, want), "{expr}: {}", out.stderr);
    }
    let whole = w.run_with_stdin(&["console"], "terraform_data.a\n");
    assert!(whole.stdout.contains("  \"input\" = \"hello\"\n"), "{}", whole.stdout);
    assert!(whole.stdout.contains("  \"triggers_replace\" = null\n"), "{}", whole.stdout);
    // Read-only: the state is untouched and no lock file is left behind.
    let state_after = std::fs::read(w.path().join("terraform.tfstate")).expect("state");
    assert_eq!(state_before, state_after);
    assert!(!w.path().join(".terraform.tfstate.lock.info").exists());
}

#[test]
fn console_reports_an_unreadable_state() {
    let w = Workdir::new();
    w.file("main.tf", "resource \"terraform_data\" \"a\" {\n}\n");
    w.file("terraform.tfstate", "{ not json");
    let out = w.run_with_stdin(&["console", "-no-color"], "1\n");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("Error: Unsupported state file format"), "{}", out.stderr);
    assert!(out.stderr.contains("could not be parsed as JSON"), "{}", out.stderr);
}
