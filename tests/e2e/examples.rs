//! The configurations in `examples/` (every example of the two provider documentation pages,
//! plus the quickstart) run as a user runs them: `init`, `validate`, `plan`, `apply
//! -auto-approve`, a second `plan -detailed-exitcode` that must find nothing to do, and
//! `destroy -auto-approve`, each on a copy of the example against its embedded emulator.
//!
//! `BATCHFORM_EMULATOR_SPEED=0.001` holds batches in `validating` (a batch validates for 60
//! simulated seconds: 16 hours at that speed), within a process and across them, since the
//! emulator's clock resumes where the previous run left it. After destroy, the emulator's data
//! directory is served again (`batchform emulator serve`) and listed over HTTP to check that no
//! batch the example created is left running.

use crate::harness::{Output, Workdir, binary};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Batches do not move while a command runs.
const FROZEN: &str = "0.001";
/// A batch completes within milliseconds.
const FAST: &str = "100000";

/// Every directory in `examples/`, each with its test below.
const EXAMPLES: &[&str] = &[
    "quickstart",
    "existing-batch",
    "specific-batch",
    "monitor-created-batch",
    "monitoring-batch-jobs",
    "batch-resource",
    "batch-data-source",
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A copy of `examples/NAME` under `examples/NAME` in a scratch directory (without anything
/// a previous run in the repository left behind), so commands can also be run from the
/// scratch root with `-chdir=examples/NAME`, as the README does.
struct Example {
    root: Workdir,
    name: &'static str,
}

impl Example {
    fn copy(name: &'static str) -> Example {
        let root = Workdir::new();
        let src = examples_dir().join(name);
        let dst = root.path().join("examples").join(name);
        copy_example(&src, &dst);
        Example { root, name }
    }

    fn dir(&self) -> PathBuf {
        self.root.path().join("examples").join(self.name)
    }

    /// `batchform -chdir=examples/NAME ARGS` with the emulator at `speed`.
    fn run(&self, args: &[&str], speed: &str) -> Output {
        let chdir = format!("-chdir=examples/{}", self.name);
        let mut all = vec![chdir.as_str()];
        all.extend_from_slice(args);
        self.root.command(&all, &[("BATCHFORM_EMULATOR_SPEED", speed)], "")
    }

    /// Run and require exit code `code`, showing everything the command printed otherwise.
    fn expect(&self, args: &[&str], speed: &str, code: i32) -> Output {
        let out = self.run(args, speed);
        assert_eq!(
            out.code,
            code,
            "examples/{}: batchform {} exited {}\n--- stdout\n{}\n--- stderr\n{}",
            self.name,
            args.join(" "),
            out.code,
            out.stdout,
            out.stderr
        );
        out
    }

    /// `output -json`, parsed: NAME -> value.
    fn outputs(&self) -> Value {
        let out = self.expect(&["output", "-json"], FROZEN, 0);
        let all: Value = serde_json::from_str(&out.stdout).expect("output -json is JSON");
        let mut values = serde_json::Map::new();
        for (name, output) in all.as_object().expect("an object of outputs") {
            values.insert(name.clone(), output["value"].clone());
        }
        Value::Object(values)
    }

    /// The ids in `seed.json`, if the example has one.
    fn seeded_ids(&self) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(self.dir().join("seed.json")) else {
            return Vec::new();
        };
        let seed: Value = serde_json::from_str(&text).expect("seed.json is JSON");
        let mut ids = Vec::new();
        for kind in ["files", "batches"] {
            for object in seed[kind].as_array().into_iter().flatten() {
                ids.push(object["id"].as_str().expect("seeded id").to_string());
            }
        }
        ids
    }
}

fn copy_example(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("example directory").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let leftover = name.starts_with('.')
            || name.starts_with("terraform.tfstate")
            || name.ends_with(".tfplan");
        if leftover {
            continue;
        }
        if entry.path().is_dir() {
            copy_example(&entry.path(), &dst.join(&name));
        } else {
            std::fs::copy(entry.path(), dst.join(&name)).expect("copy");
        }
    }
}

/// What the first apply of a cycle printed, and the outputs after it.
struct Applied {
    plan: Output,
    apply: Output,
    outputs: Value,
}

/// init, validate, plan, apply, (apply again when the first plan deferred something), a plan
/// that must report no changes, destroy; then the emulator must hold no running batch that the
/// example created. Returns what the first plan and apply said, for per-example checks.
fn cycle(example: &Example) -> Applied {
    let init = example.expect(&["init", "-no-color"], FROZEN, 0);
    assert!(init.stdout.contains("batchform has been successfully initialized!"), "{init:?}");
    let validate = example.expect(&["validate", "-no-color"], FROZEN, 0);
    assert_eq!(validate.stdout, "Success! The configuration is valid.\n\n");
    let plan = example.expect(&["plan", "-no-color"], FROZEN, 0);
    assert_eq!(plan.stderr, "", "plan warned or failed: {plan:?}");
    let apply = example.expect(&["apply", "-auto-approve", "-no-color"], FROZEN, 0);
    assert!(apply.stdout.contains("Apply complete! Resources: "), "{apply:?}");
    assert_eq!(apply.stderr, "");
    let outputs = example.outputs();
    if plan.stdout.contains(" deferred.") {
        // A partial plan: the next apply completes what the first one had to leave.
        let again = example.expect(&["apply", "-auto-approve", "-no-color"], FROZEN, 0);
        assert!(
            again.stdout.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."),
            "{again:?}"
        );
    }
    let second = example.expect(&["plan", "-detailed-exitcode", "-no-color"], FROZEN, 0);
    assert!(
        second.stdout.contains("No changes. Your infrastructure matches the configuration."),
        "{second:?}"
    );
    let created = created_ids(&apply.stdout);
    let destroy = example.expect(&["destroy", "-auto-approve", "-no-color"], FROZEN, 0);
    let destroyed = created.len();
    assert!(
        destroy.stdout.contains(&format!("Destroy complete! Resources: {destroyed} destroyed.")),
        "{destroy:?}"
    );
    // Only managed resources: data sources are left in state by destroy for now (see
    // `destroy_leaves_nothing_in_state`).
    let list = example.expect(&["state", "list"], FROZEN, 0);
    let managed: Vec<&str> = list.stdout.lines().filter(|l| !l.starts_with("data.")).collect();
    assert!(managed.is_empty(), "destroy left resources in state: {managed:?}");
    check_emulator_after_destroy(example, &created);
    Applied { plan, apply, outputs }
}

/// The ids in `Creation complete after Ns [id=ID]` lines.
fn created_ids(apply_stdout: &str) -> Vec<String> {
    apply_stdout
        .lines()
        .filter(|l| l.contains(": Creation complete after "))
        .filter_map(|l| l.rsplit_once("[id=").map(|(_, id)| id.trim_end_matches(']').to_string()))
        .collect()
}

/// Every batch in the emulator that the example did not seed was created by its apply and has
/// been cancelled (or had finished) by destroy; every file it uploaded has been deleted.
fn check_emulator_after_destroy(example: &Example, created: &[String]) {
    let seeded = example.seeded_ids();
    let server = Emulator::serve(&example.dir().join(".batchform/emulator"));
    let batches = server.list("/batches?limit=100");
    let files = server.list("/files?limit=10000");
    let mut made = Vec::new();
    for batch in &batches {
        let id = batch["id"].as_str().expect("batch id");
        if seeded.iter().any(|s| s == id) {
            continue;
        }
        made.push(id.to_string());
        let status = batch["status"].as_str().expect("status");
        assert!(
            ["cancelling", "cancelled", "completed", "failed", "expired"].contains(&status),
            "examples/{}: batch {id} is still {status} after destroy",
            example.name
        );
    }
    let mut expected: Vec<String> =
        created.iter().filter(|id| id.starts_with("batch_")).cloned().collect();
    made.sort();
    expected.sort();
    assert_eq!(made, expected, "the batches in the emulator are exactly those the apply created");
    for file in &files {
        let id = file["id"].as_str().expect("file id");
        assert!(
            !created.iter().any(|c| c == id),
            "examples/{}: uploaded file {id} was not deleted by destroy",
            example.name
        );
    }
}

/// `batchform emulator serve` on an example's data directory, stopped on drop.
struct Emulator {
    child: Child,
    /// `127.0.0.1:PORT`
    host: String,
}

impl Emulator {
    fn serve(data_dir: &Path) -> Emulator {
        assert!(data_dir.is_dir(), "no emulator data at {}", data_dir.display());
        let mut child = Command::new(binary())
            .args(["emulator", "serve", "--listen", "127.0.0.1:0", "--speed", FROZEN])
            .arg("--data-dir")
            .arg(data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn batchform emulator serve");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read the base URL");
        let host = line
            .trim()
            .strip_prefix("http://")
            .and_then(|rest| rest.strip_suffix("/v1"))
            .unwrap_or_else(|| panic!("emulator serve printed {line:?}, not its base URL"))
            .to_string();
        Emulator { child, host }
    }

    /// `GET /v1PATH` and the `data` of the list it answers (one page: `has_more` must be false).
    fn list(&self, path: &str) -> Vec<Value> {
        let mut stream = std::net::TcpStream::connect(&self.host).expect("connect");
        // HTTP/1.0: the server closes the connection after the (unchunked) answer.
        write!(
            stream,
            "GET /v1{path} HTTP/1.0\r\nHost: {}\r\nAuthorization: Bearer sk-test\r\n\r\n",
            self.host
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.split(' ').nth(1) == Some("200"), "GET /v1{path}: {head}\n{body}");
        let page: Value = serde_json::from_str(body).expect("JSON list");
        assert_eq!(page["has_more"], false, "more than one page");
        page["data"].as_array().expect("data").clone()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn id_like(value: &Value, prefix: &str) -> bool {
    value.as_str().is_some_and(|s| s.len() > prefix.len() && s.starts_with(prefix))
}

#[test]
fn examples_dir_holds_exactly_the_tested_examples() {
    let mut found: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "add a test for each new example (and list it in EXAMPLES)");
    for name in EXAMPLES {
        let readme = std::fs::read_to_string(examples_dir().join(name).join("README.md"))
            .unwrap_or_else(|_| panic!("examples/{name}/README.md"));
        assert!(readme.contains("From:"), "examples/{name}/README.md says where it comes from");
    }
}

#[test]
fn quickstart() {
    let example = Example::copy("quickstart");
    let Applied { plan, apply, outputs } = cycle(&example);
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{plan:?}");
    assert!(apply.stdout.contains("Apply complete! Resources: 2 added"), "{apply:?}");
    assert!(id_like(&outputs["batch_id"], "batch_"), "{outputs}");
    assert!(id_like(&outputs["file_id"], "file-"), "{outputs}");
    assert_eq!(outputs["status"], "validating");
    assert_eq!(
        outputs["request_counts"],
        serde_json::json!({"total": 0, "completed": 0, "failed": 0})
    );
    assert_eq!(outputs["output_file_id"], Value::Null);
}

/// The README's first command, from the repository root of a fresh clone.
#[test]
fn quickstart_runs_with_chdir_and_completes_on_the_next_apply() {
    let example = Example::copy("quickstart");
    example.expect(&["apply", "-auto-approve", "-no-color"], FROZEN, 0);
    assert!(example.dir().join("terraform.tfstate").is_file(), "state is in the example's dir");
    assert!(
        example.dir().join(".batchform/emulator").is_dir(),
        "and so are the emulator's objects"
    );
    assert!(!example.root.path().join("terraform.tfstate").exists());
    // Later, the batch has completed: the next apply reads it again.
    let again = example.expect(&["apply", "-auto-approve", "-no-color"], FAST, 0);
    assert!(again.stdout.contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."));
    let outputs = example.outputs();
    assert_eq!(outputs["status"], "completed");
    assert_eq!(
        outputs["request_counts"],
        serde_json::json!({"total": 3, "completed": 3, "failed": 0})
    );
    assert!(id_like(&outputs["output_file_id"], "file-"), "{outputs}");
}

/// The data source page's "Real-time Monitoring": `refresh`, then `output batch_status`.
#[test]
fn refresh_updates_the_status_output() {
    let example = Example::copy("quickstart");
    example.expect(&["apply", "-auto-approve", "-no-color"], FROZEN, 0);
    assert_eq!(example.outputs()["status"], "validating");
    example.expect(&["refresh", "-no-color"], FAST, 0);
    let status = example.expect(&["output", "-raw", "status"], FAST, 0);
    assert_eq!(status.stdout, "completed");
}

/// Terraform 1.11 removes data sources from state on destroy too (checked with
/// `terraform_remote_state`): `state list` is empty afterwards.
#[test]
fn destroy_leaves_nothing_in_state() {
    let example = Example::copy("existing-batch");
    example.expect(&["apply", "-auto-approve", "-no-color"], FROZEN, 0);
    example.expect(&["destroy", "-auto-approve", "-no-color"], FROZEN, 0);
    let list = example.expect(&["state", "list"], FROZEN, 0);
    assert_eq!(list.stdout, "");
}

#[test]
fn existing_batch() {
    let example = Example::copy("existing-batch");
    let Applied { apply, outputs, .. } = cycle(&example);
    assert!(apply.stdout.contains("Read complete after 0s [id=batch_abc123]"), "{apply:?}");
    assert_eq!(outputs["batch_status"], "completed");
    assert!(id_like(&outputs["output_file_id"], "file-"), "{outputs}");
}

#[test]
fn specific_batch() {
    let example = Example::copy("specific-batch");
    let Applied { outputs, .. } = cycle(&example);
    let details = &outputs["batch_details"];
    assert_eq!(details["status"], "completed");
    assert_eq!(details["input_file"], "file-67dc4576input");
    assert_eq!(details["endpoint"], "/v1/embeddings");
    assert!(id_like(&details["output_file"], "file-"), "{details}");
    assert!(details["created_at"].as_i64().is_some_and(|t| t > 1_700_000_000), "{details}");
    assert_eq!(
        details["request_count"],
        serde_json::json!({"total": 3, "completed": 3, "failed": 0})
    );
}

#[test]
fn monitor_created_batch() {
    let example = Example::copy("monitor-created-batch");
    let Applied { plan, outputs, .. } = cycle(&example);
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{plan:?}");
    assert_eq!(outputs["batch_results_available"], false);
    assert_eq!(outputs["batch_output_file_id"], "");
}

#[test]
fn monitoring_batch_jobs() {
    let example = Example::copy("monitoring-batch-jobs");
    let Applied { plan, apply, outputs } = cycle(&example);
    assert!(plan.stdout.contains("# data.openai_file.batch_results was deferred"), "{plan:?}");
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 0 to destroy, 1 deferred."));
    assert!(!apply.stdout.contains("batch_results[0]"), "{apply:?}");
    assert_eq!(outputs["batch_status"], "validating");
}

/// The same page's flow as a user lives it: the batch completes, a later apply reads its
/// results.
#[test]
fn monitoring_batch_jobs_reads_the_results_once_the_batch_completed() {
    let example = Example::copy("monitoring-batch-jobs");
    let plan = example.expect(&["plan", "-no-color"], FAST, 0);
    assert!(plan.stdout.contains("# data.openai_file.batch_results was deferred"), "{plan:?}");
    assert!(plan.stdout.contains("# its \"count\" depends on values known only after apply"));
    let first = example.expect(&["apply", "-auto-approve", "-no-color"], FAST, 0);
    assert!(first.stdout.contains("1 deferred."), "{first:?}");
    assert!(!first.stdout.contains("data.openai_file.batch_results[0]"), "{first:?}");
    let second = example.expect(&["apply", "-auto-approve", "-no-color"], FAST, 0);
    assert!(
        second.stdout.contains("data.openai_file.batch_results[0]: Read complete after"),
        "{second:?}"
    );
    assert!(!second.stdout.contains("deferred"), "{second:?}");
    let outputs = example.outputs();
    assert_eq!(outputs["batch_status"], "completed");
    assert_eq!(outputs["results_read"], 1);
    assert_eq!(outputs["result_custom_ids"], serde_json::json!(["doc-1", "doc-2", "doc-3"]));
    let list = example.expect(&["state", "list"], FAST, 0);
    assert!(list.stdout.lines().any(|l| l == "data.openai_file.batch_results[0]"), "{list:?}");
    let settled = example.expect(&["plan", "-detailed-exitcode", "-no-color"], FAST, 0);
    assert!(settled.stdout.contains("No changes."), "{settled:?}");
    let destroy = example.expect(&["destroy", "-auto-approve", "-no-color"], FAST, 0);
    assert!(destroy.stdout.contains("Destroy complete! Resources: 2 destroyed."));
}

#[test]
fn batch_resource() {
    let example = Example::copy("batch-resource");
    let Applied { plan, outputs, .. } = cycle(&example);
    assert!(plan.stdout.contains("+ input_file_id        = \"input_file_id\""), "{plan:?}");
    assert!(plan.stdout.contains("Plan: 1 to add, 0 to change, 0 to destroy."));
    assert!(id_like(&outputs["batch_id"], "batch_"), "{outputs}");
    assert_eq!(outputs["status"], "validating");
}

#[test]
fn batch_data_source() {
    let example = Example::copy("batch-data-source");
    let Applied { apply, outputs, .. } = cycle(&example);
    assert!(apply.stdout.contains("[id=batch_id]"), "{apply:?}");
    assert_eq!(outputs["status"], "completed");
    assert_eq!(
        outputs["request_counts"],
        serde_json::json!({"total": 2, "completed": 2, "failed": 0})
    );
}
