//! `batchform fmt` end to end: each scenario of `fixtures/fmt/cli/scenarios.tsv` runs the real
//! binary in a fresh copy of `fixtures/fmt/cli/tree/` and must print the same stdout, return
//! the same exit code and leave the same files as `terraform fmt` did (recorded by
//! `fixtures/fmt/regenerate.sh`). Errors must carry the same summaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fmt/cli")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `root` in byte order, as `== path ==` then its contents and a newline.
fn dump_tree(root: &Path) -> Vec<u8> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut files = Vec::new();
    walk(root, "", &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        out.extend_from_slice(format!("== {file} ==\n").as_bytes());
        out.extend(std::fs::read(root.join(&file)).unwrap());
        out.push(b'\n');
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn fmt_behaves_like_terraform_fmt() {
    let scenarios = std::fs::read_to_string(fixtures().join("scenarios.tsv")).unwrap();
    let expected_dir = fixtures().join("expected");
    let mut count = 0;
    for line in scenarios.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, args, stdin] = fields[..] else { panic!("bad scenario line {line:?}") };
        let expected =
            |ext: &str| std::fs::read(expected_dir.join(format!("{name}.{ext}"))).unwrap();

        let dir = tempfile::tempdir().unwrap();
        copy_tree(&fixtures().join("tree"), dir.path());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_batchform"));
        cmd.arg("fmt").args(args.split(' ').filter(|a| !a.is_empty())).current_dir(dir.path());
        cmd.stdin(if stdin == "-" {
            Stdio::null()
        } else {
            Stdio::from(std::fs::File::open(dir.path().join(stdin)).unwrap())
        });
        let output = cmd.output().unwrap();

        assert_eq!(text(&output.stdout), text(&expected("stdout")), "{name}: stdout");
        let code: i32 = text(&expected("code")).trim().parse().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{name}: exit code; stderr: {}",
            text(&output.stderr)
        );
        assert_eq!(text(&dump_tree(dir.path())), text(&expected("tree")), "{name}: files after");

        // batchform also formats .hcl files, and says so.
        let tf_stderr = text(&expected("stderr")).replace(
            ".tftest.hcl files can be processed with terraform fmt",
            ".hcl files can be processed with batchform fmt",
        );
        let stderr = text(&output.stderr);
        for summary in tf_stderr.lines().filter_map(|l| l.strip_prefix("Error: ")) {
            assert!(stderr.contains(summary), "{name}: {summary:?} missing from stderr:\n{stderr}");
        }
        assert_eq!(stderr.is_empty(), tf_stderr.trim().is_empty(), "{name}: stderr {stderr:?}");
        count += 1;
    }
    assert!(count >= 15, "only {count} scenarios");
}

/// Plain `.hcl` files are batchform configuration, so fmt formats them (terraform skips them).
#[test]
fn fmt_also_formats_hcl_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("jobs.hcl"), "x=1\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "x=1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_batchform"))
        .args(["fmt", "-check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(text(&output.stdout), "jobs.hcl\n");
}
