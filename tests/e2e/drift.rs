//! Changes made outside batchform, against a standalone emulator: a batch's status moving on
//! is recorded but never planned as a change (and shown only with -refresh-only), and an
//! input file deleted outside is planned for re-creation with the batch that used it.

use crate::harness::Workdir;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

/// `batchform emulator serve` on a free port; killed on drop.
pub(crate) struct Emulator {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Emulator {
    pub(crate) fn start(speed: &str) -> Emulator {
        Emulator::start_with(speed, &[])
    }

    pub(crate) fn start_with(speed: &str, extra: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(crate::harness::binary())
            .args([
                "emulator",
                "serve",
                "-listen",
                "127.0.0.1:0",
                "-api-key",
                "sk-drift",
                "-speed",
                speed,
            ])
            .args(extra)
            .arg("-data-dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("url");
        let addr = line.trim().trim_start_matches("http://").trim_end_matches("/v1").to_string();
        Emulator { child, addr, _dir: dir }
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every batch the emulator holds (following pages): id -> status.
    pub(crate) fn batches(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/v1/batches?limit=100&after={a}"),
                None => "/v1/batches?limit=100".to_string(),
            };
            let (status, body) = self.request("GET", &path);
            assert!(status.contains("200"), "{status}: {body}");
            let page: serde_json::Value = serde_json::from_str(&body).expect("list json");
            let data = page["data"].as_array().cloned().unwrap_or_default();
            for b in &data {
                out.insert(
                    b["id"].as_str().unwrap_or_default().to_string(),
                    b["status"].as_str().unwrap_or_default().to_string(),
                );
            }
            let more = page["has_more"].as_bool().unwrap_or(false);
            let last = data.last().and_then(|b| b["id"].as_str()).map(str::to_string);
            match (more, last) {
                (true, Some(last)) if after.as_deref() != Some(last.as_str()) => after = Some(last),
                _ => return out,
            }
        }
    }

    /// One request with `Connection: close`: (status line, body).
    pub(crate) fn request(&self, method: &str, path: &str) -> (String, String) {
        let mut s = std::net::TcpStream::connect(&self.addr).expect("connect");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer sk-drift\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("write");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        (head.lines().next().unwrap_or_default().to_string(), body.to_string())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(emulator: &Emulator) -> String {
    format!(
        r#"provider "openai" {{
  base_url = "{}"
  api_key  = "sk-drift"
}}

resource "openai_file" "input" {{
  file    = "requests.jsonl"
  purpose = "batch"
}}

resource "openai_batch" "job" {{
  input_file_id     = openai_file.input.id
  endpoint          = "/v1/chat/completions"
  completion_window = "24h"
}}
"#,
        emulator.base_url()
    )
}

const REQUESTS: &str = "{\"custom_id\": \"a\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}\n";

fn state_attr(work: &Workdir, address: &str, attribute: &str) -> String {
    let out = work.run(&["show", "-json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("show -json");
    doc["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .and_then(|r| r["values"][attribute].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_status_change_is_recorded_never_planned() {
    // Fast enough that the batch completes between the apply and the next plan.
    let emulator = Emulator::start("1000");
    let work = Workdir::new();
    work.file("main.tf", &config(&emulator)).file("requests.jsonl", REQUESTS);
    let apply = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    assert_eq!(state_attr(&work, "openai_batch.job", "status"), "validating");
    std::thread::sleep(std::time::Duration::from_millis(1500));

    // The status moved on: no change is planned and no drift note is shown.
    let plan = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes. Your infrastructure matches the configuration."));
    assert!(!plan.stdout.contains("changed outside"), "{}", plan.stdout);

    // -refresh-only shows it, and applying that records it.
    let refresh = work.run(&["plan", "-refresh-only", "-detailed-exitcode", "-no-color"]);
    assert_eq!(refresh.code, 2, "{}{}", refresh.stdout, refresh.stderr);
    assert!(
        refresh.stdout.contains("Objects have changed outside of batchform"),
        "{}",
        refresh.stdout
    );
    assert!(refresh.stdout.contains("# openai_batch.job has changed"), "{}", refresh.stdout);
    assert!(refresh.stdout.contains("~ status"), "{}", refresh.stdout);
    let recorded = work.run(&["refresh", "-no-color"]);
    assert_eq!(recorded.code, 0, "{}{}", recorded.stdout, recorded.stderr);
    assert_eq!(state_attr(&work, "openai_batch.job", "status"), "completed");
    assert!(state_attr(&work, "openai_batch.job", "output_file_id").starts_with("file-"));
}

#[test]
fn a_file_deleted_outside_is_created_again_with_its_batch() {
    let emulator = Emulator::start("60");
    let work = Workdir::new();
    work.file("main.tf", &config(&emulator)).file("requests.jsonl", REQUESTS);
    let apply = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let file_id = state_attr(&work, "openai_file.input", "id");
    let (status, body) = emulator.request("DELETE", &format!("/v1/files/{file_id}"));
    assert!(status.contains("200"), "{status} {body}");

    let plan = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("# openai_file.input has been deleted"), "{}", plan.stdout);
    assert!(plan.stdout.contains("# openai_file.input will be created"), "{}", plan.stdout);
    assert!(plan.stdout.contains("# openai_batch.job must be replaced"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 1 to destroy."), "{}", plan.stdout);

    let again = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    let new_file = state_attr(&work, "openai_file.input", "id");
    assert!(new_file.starts_with("file-") && new_file != file_id);
    let converged = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(converged.code, 0, "{}{}", converged.stdout, converged.stderr);
}

#[test]
fn debug_logs_show_requests_but_never_the_key() {
    let emulator = Emulator::start("60");
    let work = Workdir::new();
    work.file("main.tf", &config(&emulator)).file("requests.jsonl", REQUESTS);
    let out =
        work.command(&["apply", "-auto-approve", "-no-color"], &[("BATCHFORM_LOG", "trace")], "");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("batchform_openai::http"), "{}", out.stderr);
    assert!(out.stderr.contains("/v1/batches"), "{}", out.stderr);
    assert!(!out.stderr.contains("sk-drift") && !out.stdout.contains("sk-drift"));
    // Terraform's variable works too.
    let tf = work.command(&["plan", "-no-color"], &[("TF_LOG", "DEBUG")], "");
    assert!(tf.stderr.contains("batchform_openai::http"), "{}", tf.stderr);
    assert!(!tf.stderr.contains("sk-drift"));
}

#[test]
fn an_existing_batch_is_imported_and_then_managed() {
    let emulator = Emulator::start("60");
    let made = Workdir::new();
    made.file("main.tf", &config(&emulator)).file("requests.jsonl", REQUESTS);
    let apply = made.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let file_id = state_attr(&made, "openai_file.input", "id");
    let batch_id = state_attr(&made, "openai_batch.job", "id");

    let work = Workdir::new();
    work.file("main.tf", &work_config_text(&emulator, &file_id));
    let import = work.run(&["import", "-no-color", "openai_batch.job", &batch_id]);
    assert_eq!(import.code, 0, "{}{}", import.stdout, import.stderr);
    assert!(import.stdout.contains("Import successful!"), "{}", import.stdout);
    assert_eq!(state_attr(&work, "openai_batch.job", "id"), batch_id);
    let again = work.run(&["import", "-no-color", "openai_batch.job", &batch_id]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("Resource already managed by batchform"), "{}", again.stderr);
    let plan = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);

    let missing = Workdir::new();
    missing.file("main.tf", &work_config_text(&emulator, &file_id));
    let out = missing.run(&["import", "-no-color", "openai_batch.job", "batch_does_not_exist"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Error: Cannot import batch"), "{}", out.stderr);
    assert!(out.stderr.contains("404"), "{}", out.stderr);
    assert!(missing.run(&["state", "list"]).stdout.is_empty());
}

fn work_config_text(emulator: &Emulator, file_id: &str) -> String {
    format!(
        "provider \"openai\" {{\n  base_url = \"{}\"\n  api_key  = \"sk-drift\"\n}}\n\nresource \"openai_batch\" \"job\" {{\n  input_file_id     = \"{file_id}\"\n  endpoint          = \"/v1/chat/completions\"\n  completion_window = \"24h\"\n}}\n",
        emulator.base_url()
    )
}

/// The batch ids in state by address; fails if the state does not load.
pub(crate) fn state_batches(work: &Workdir) -> std::collections::BTreeMap<String, String> {
    let out = work.run(&["show", "-json"]);
    assert_eq!(out.code, 0, "the state must load after a kill: {}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("show -json");
    doc["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "openai_batch")
        .map(|r| {
            (
                r["address"].as_str().unwrap_or_default().to_string(),
                r["values"]["id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn state_batch_ids(work: &Workdir) -> Vec<String> {
    state_batches(work).into_values().collect()
}

/// Ctrl-C during apply: no new operations start, the running ones finish and are recorded,
/// exit code 1; nothing exists remotely that the state does not know, and the next apply
/// finishes the job.
#[cfg(unix)]
#[test]
fn the_first_interrupt_lets_running_creates_finish_and_records_them() {
    let emulator = Emulator::start_with("60", &["-fault", "latency:400@POST:/v1/batches"]);
    let work = Workdir::new();
    let config = config(&emulator).replace(
        "resource \"openai_batch\" \"job\" {",
        "resource \"openai_batch\" \"job\" {\n  count             = 8",
    );
    work.file("main.tf", &config).file("requests.jsonl", REQUESTS);
    let mut child = Command::new(crate::harness::binary())
        .args(["apply", "-auto-approve", "-no-color", "-parallelism=2"])
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start apply");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    // Interrupt as soon as the first batch exists.
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            break;
        }
        seen.push_str(&line);
        if line.contains("openai_batch.job[") && line.contains("Creation complete") {
            let status = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .expect("kill");
            assert!(status.success());
            break;
        }
    }
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read");
    seen.push_str(&rest);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("Interrupt received"), "{seen}");
    let mut in_state = state_batch_ids(&work);
    let mut remote = emulator.batches().into_keys().collect::<Vec<_>>();
    in_state.sort();
    remote.sort();
    assert!(!in_state.is_empty() && in_state.len() < 8, "{in_state:?}\n{seen}");
    assert_eq!(in_state, remote, "every batch that exists is in the state");

    let again = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(emulator.batches().into_keys().collect::<Vec<_>>().len(), 8);
    assert_eq!(state_batch_ids(&work).len(), 8);
}

/// Start `batchform ARGS` in `work` with stdout and stderr piped.
#[cfg(unix)]
fn spawn(work: &Workdir, args: &[&str]) -> Child {
    Command::new(crate::harness::binary())
        .args(args)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start batchform")
}

#[cfg(unix)]
fn sigint(child: &Child) {
    let status =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
}

/// Read stdout lines into `seen` until one contains `needle` (false at end of output).
#[cfg(unix)]
fn read_until(stdout: &mut impl BufRead, seen: &mut String, needle: &str) -> bool {
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            return false;
        }
        seen.push_str(&line);
        if line.contains(needle) {
            return true;
        }
    }
}

/// The second Ctrl-C exits at once (exit 1) without waiting for running creates; every
/// change that completed is durable, so the state loads and the next apply converges.
#[cfg(unix)]
#[test]
fn the_second_interrupt_exits_at_once_and_the_state_stays_usable() {
    // Creates take 3 s each: the test would notice waiting for them.
    let emulator = Emulator::start_with("60", &["-fault", "latency:3000@POST:/v1/batches"]);
    let work = Workdir::new();
    let config = config(&emulator).replace(
        "resource \"openai_batch\" \"job\" {",
        "resource \"openai_batch\" \"job\" {\n  count             = 6",
    );
    work.file("main.tf", &config).file("requests.jsonl", REQUESTS);
    let mut child = spawn(&work, &["apply", "-auto-approve", "-no-color", "-parallelism=2"]);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    assert!(read_until(&mut stdout, &mut seen, "openai_batch.job[0]: Creating..."), "{seen}");
    let start = std::time::Instant::now();
    sigint(&child);
    // The second only after the first was handled (two signals at once count as one).
    assert!(read_until(&mut stdout, &mut seen, "Interrupt received"), "{seen}");
    sigint(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read");
    seen.push_str(&rest);
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    let status = child.wait().expect("wait");
    let elapsed = start.elapsed();
    assert_eq!(status.code(), Some(1), "{seen}{stderr}");
    assert!(stderr.contains("Two interrupts received. Exiting immediately."), "{stderr}");
    assert!(
        elapsed < std::time::Duration::from_millis(2500),
        "the second Ctrl-C waited for the running creates: {elapsed:?}"
    );
    // The state loads (the input file's upload completed and is recorded).
    let list = work.run(&["state", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("openai_file.input"), "{}", list.stdout);
    // The next apply converges, and after it nothing is left to do.
    let again = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert_eq!(state_batch_ids(&work).len(), 6);
    let plan = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
}

/// The first Ctrl-C during plan (while refreshing) stops it at once: exit 1, the state file
/// untouched, the lock released, as Terraform stops a plan.
#[cfg(unix)]
#[test]
fn an_interrupt_during_plan_stops_it_and_leaves_the_state_untouched() {
    // Reads take 3 s each, so the refresh is still running when the interrupt comes.
    let emulator = Emulator::start_with("60", &["-fault", "latency:3000@GET:/v1/batches"]);
    let work = Workdir::new();
    work.file("main.tf", &config(&emulator)).file("requests.jsonl", REQUESTS);
    let apply = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let before = std::fs::read(work.path().join("terraform.tfstate")).expect("state");

    let mut child = spawn(&work, &["plan", "-no-color"]);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    assert!(read_until(&mut stdout, &mut seen, "openai_batch.job: Refreshing state..."), "{seen}");
    let start = std::time::Instant::now();
    sigint(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("read");
    seen.push_str(&rest);
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{seen}{stderr}");
    assert!(start.elapsed() < std::time::Duration::from_millis(2500), "{:?}", start.elapsed());
    assert!(seen.contains("Interrupt received."), "{seen}");
    assert!(!seen.contains("Plan:") && !seen.contains("No changes."), "{seen}");
    assert!(stderr.contains("Error: Operation interrupted"), "{stderr}");
    assert_eq!(std::fs::read(work.path().join("terraform.tfstate")).expect("state"), before);
    assert!(!work.path().join(".terraform.tfstate.lock.info").exists(), "lock left behind");
}

/// Ctrl-C at the approval prompt aborts the input: nothing applied, exit 1.
#[cfg(unix)]
#[test]
fn an_interrupt_at_the_approval_prompt_cancels() {
    let work = Workdir::new();
    work.file("main.tf", "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n");
    let mut child = Command::new(crate::harness::binary())
        .args(["apply", "-no-color"])
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", work.path())
        .stdin(Stdio::piped()) // kept open: the prompt waits
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start apply");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("Enter a value: ") {
        let n = stdout.read(&mut buf).expect("read");
        assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    sigint(&child);
    stdout.read_to_end(&mut seen).expect("read");
    let status = child.wait().expect("wait");
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(text.contains("Apply cancelled."), "{text}");
    assert!(work.run(&["state", "list"]).stdout.is_empty(), "nothing applied");
}
