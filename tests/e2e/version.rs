use crate::harness::Workdir;

#[test]
fn version_prints_name_and_platform() {
    let w = Workdir::new();
    for args in [&["version"][..], &["-version"], &["--version"], &["-v"]] {
        let out = w.run(args);
        assert_eq!(out.code, 0, "{args:?}");
        let first = out.stdout.lines().next().unwrap_or_default();
        assert_eq!(first, format!("batchform v{}", env!("CARGO_PKG_VERSION")));
        assert!(out.stdout.lines().nth(1).unwrap_or_default().starts_with("on "), "{}", out.stdout);
    }
}

#[test]
fn version_json_is_terraform_shaped() {
    let out = Workdir::new().run(&["version", "-json"]);
    assert_eq!(out.code, 0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["terraform_version"], env!("CARGO_PKG_VERSION"));
    assert!(v["platform"].as_str().unwrap().contains('_'));
    assert!(v["provider_selections"].is_object());
}

#[test]
fn chdir_to_a_missing_directory_fails_cleanly() {
    let out = Workdir::new().run(&["-chdir=does-not-exist", "validate"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error handling -chdir option: chdir does-not-exist: no such file or directory\n"
    );
}
