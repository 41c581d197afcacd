//! Style is a test (rust-analyzer's `tidy.rs`): the house rules that a reviewer would
//! otherwise have to remember.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| {
                n == "target" || n == "node_modules" || n.to_string_lossy().starts_with('.')
            }) {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crates() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_crate_root_says_what_it_does() {
    for krate in crates() {
        for root_file in ["src/lib.rs", "src/main.rs"] {
            let path = krate.join(root_file);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            assert!(
                text.starts_with("//!"),
                "{} must start with a //! doc comment",
                path.display()
            );
        }
    }
}

#[test]
fn no_debugging_leftovers_in_sources() {
    let mut files = Vec::new();
    for krate in crates() {
        rust_files(&krate.join("src"), &mut files);
    }
    rust_files(&root().join("tests"), &mut files);
    let banned = [concat!("dbg", "!("), concat!("todo", "!("), concat!("unimplemented", "!(")];
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for pattern in banned {
            assert!(!text.contains(pattern), "{} contains {pattern}", file.display());
        }
    }
}

/// The CLI prints only through `ui`'s `out!` / `outln!` / `eoutln!`, which ignore a closed
/// pipe (`batchform plan | head -1`) instead of panicking as `println!` does.
#[test]
fn the_cli_prints_only_through_its_pipe_safe_macros() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/batchform-cli/src"), &mut files);
    let banned = [
        concat!("println", "!("),
        concat!("print", "!("),
        concat!("eprintln", "!("),
        concat!("eprint", "!("),
    ];
    for file in files {
        if file.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for pattern in banned {
                let hit = line
                    .match_indices(pattern)
                    .any(|(i, _)| !line[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
                assert!(!hit, "{}: {line}", file.display());
            }
        }
    }
}

#[test]
fn dependencies_come_from_the_workspace() {
    for krate in crates() {
        let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("Cargo.toml");
        let mut in_deps = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_deps = line.ends_with("dependencies]");
                continue;
            }
            if !in_deps || line.is_empty() || line.starts_with('#') {
                continue;
            }
            assert!(
                line.contains("workspace = true"),
                "{}: dependency `{line}` must be declared in [workspace.dependencies] and used with workspace = true",
                krate.display()
            );
        }
    }
}

#[test]
fn internal_crates_are_not_published() {
    for krate in crates() {
        let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("Cargo.toml");
        assert!(
            manifest.contains("publish.workspace = true"),
            "{} must inherit publish = false",
            krate.display()
        );
    }
}

#[test]
fn every_example_is_exercised_by_a_test() {
    // Each directory under examples/ must be run by a test of tests/e2e/examples.rs, which
    // copies an example with `Example::copy("NAME")` before driving it.
    let examples = root().join("examples");
    let tests_text = std::fs::read_to_string(root().join("tests/e2e/examples.rs"))
        .expect("tests/e2e/examples.rs");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .expect("examples/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "examples/ has no example");
    let untested: Vec<&String> = names
        .iter()
        .filter(|name| !tests_text.contains(&format!("Example::copy(\"{name}\")")))
        .collect();
    assert!(
        untested.is_empty(),
        "examples not run by any test in tests/e2e/examples.rs (Example::copy(\"NAME\")): {untested:?}"
    );
}

#[test]
fn crate_map_lists_every_crate() {
    let map = std::fs::read_to_string(root().join("crates/README.md")).expect("crates/README.md");
    for krate in crates() {
        let name = krate.file_name().unwrap_or_default().to_string_lossy().into_owned();
        assert!(map.contains(&format!("## {name}")), "crates/README.md has no section for {name}");
    }
}
