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
