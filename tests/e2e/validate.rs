use crate::harness::Workdir;

#[test]
fn valid_configuration_succeeds() {
    let w = Workdir::new();
    w.file(
        "main.tf",
        "variable \"n\" {\n  type = number\n}\nresource \"terraform_data\" \"a\" {\n  count = 2\n  input = var.n + count.index\n}\noutput \"ids\" {\n  value = terraform_data.a[*].id\n}\n",
    );
    let out = w.run(&["validate", "-no-color"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "Success! The configuration is valid.\n\n", "")
    );
}

#[test]
fn errors_are_reported_in_terraform_plain_form() {
    // The expected text is `terraform validate -no-color` 1.11.4 on the same file.
    let w = Workdir::new();
    w.file("main.tf", "output \"o\" {\n  value = local.nope\n}\n");
    let out = w.run(&["validate", "-no-color"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "\nError: Reference to undeclared local value\n\n  on main.tf line 2, in output \"o\":\n   2:   value = local.nope\n\nA local value with the name \"nope\" has not been declared.\n"
    );
}

#[test]
fn gnu_and_terraform_flag_spellings_both_work() {
    let w = Workdir::new();
    w.file("main.tf", "output \"o\" {\n  value = local.nope\n}\n");
    let a = w.run(&["validate", "-no-color"]);
    let b = w.run(&["validate", "--no-color"]);
    assert_eq!((a.code, &a.stderr), (b.code, &b.stderr));
}

#[test]
fn json_output_matches_terraform_shape() {
    let w = Workdir::new();
    w.file("main.tf", "output \"o\" {\n  value = local.nope\n}\n");
    let out = w.run(&["validate", "-json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["format_version"], "1.0");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 1);
    assert_eq!(v["warning_count"], 0);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["summary"], "Reference to undeclared local value");
    assert_eq!(d["range"]["filename"], "main.tf");
    assert_eq!(d["range"]["start"], serde_json::json!({"line": 2, "column": 11, "byte": 23}));
    assert_eq!(d["range"]["end"], serde_json::json!({"line": 2, "column": 21, "byte": 33}));
    assert_eq!(d["snippet"]["context"], "output \"o\"");
    assert_eq!(d["snippet"]["code"], "  value = local.nope");
    assert_eq!(d["snippet"]["highlight_start_offset"], 10);
    assert_eq!(d["snippet"]["highlight_end_offset"], 20);
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let w = Workdir::new();
    w.file("main.tf", "resource \"terraform_data\" \"a\" {\n  input = [1, 2\n}\n");
    let out = w.run(&["validate", "-json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["range"]["filename"], "main.tf");
    assert_eq!(d["range"]["start"]["line"], 3);
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let w = Workdir::new();
    w.file(
        "main.tf",
        "output \"a\" {\n  value = var.x\n}\noutput \"b\" {\n  value = local.y\n}\nthing \"z\" {}\n",
    );
    let out = w.run(&["validate", "-json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["error_count"], 3, "{}", out.stdout);
}

/// `output_expires_after` (and `expires_after`) are object arguments; the block form is
/// accepted too and plans exactly what the argument form plans.
#[test]
fn object_arguments_may_be_written_as_blocks() {
    let plan_of = |body: &str| {
        let w = Workdir::new();
        w.file(
            "main.tf",
            &format!(
                "provider \"openai\" {{\n  emulator = true\n}}\nresource \"openai_file\" \"f\" {{\n  content  = \"{{\\\"custom_id\\\": \\\"a\\\", \\\"method\\\": \\\"POST\\\", \\\"url\\\": \\\"/v1/embeddings\\\", \\\"body\\\": {{\\\"model\\\": \\\"m\\\", \\\"input\\\": \\\"x\\\"}}}}\\n\"\n  filename = \"in.jsonl\"\n  purpose  = \"batch\"\n}}\nresource \"openai_batch\" \"b\" {{\n  input_file_id     = openai_file.f.id\n  endpoint          = \"/v1/embeddings\"\n  completion_window = \"24h\"\n{body}}}\n"
            ),
        );
        let out = w.run(&["plan", "-refresh=false", "-no-color", "-out=p"]);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        let shown = w.run(&["show", "-json", "p"]);
        let doc: serde_json::Value = serde_json::from_str(&shown.stdout).expect("plan JSON");
        let batch = doc["resource_changes"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["address"] == "openai_batch.b"))
            .expect("the batch's change")
            .clone();
        batch["change"]["after"]["output_expires_after"].clone()
    };
    let block = plan_of(
        "  output_expires_after {\n    anchor  = \"created_at\"\n    seconds = 3600\n  }\n",
    );
    let argument = plan_of(
        "  output_expires_after = {\n    anchor  = \"created_at\"\n    seconds = 3600\n  }\n",
    );
    assert_eq!(block, serde_json::json!({"anchor": "created_at", "seconds": 3600}));
    assert_eq!(block, argument);

    let w = Workdir::new();
    w.file(
        "main.tf",
        "provider \"openai\" {\n  emulator = true\n}\nresource \"openai_batch\" \"b\" {\n  input_file_id     = \"file-abc\"\n  endpoint          = \"/v1/embeddings\"\n  completion_window = \"24h\"\n  output_expires_after = { anchor = \"created_at\", seconds = 3600 }\n  output_expires_after {\n    anchor = \"created_at\"\n  }\n}\n",
    );
    let out = w.run(&["validate", "-no-color"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Error: Duplicate argument"), "{}", out.stderr);
    assert!(out.stderr.contains("main.tf line 9"), "{}", out.stderr);
}
