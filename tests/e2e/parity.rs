//! Parity with Terraform 1.11 on `terraform_data` configurations: every case under
//! `fixtures/parity/cases/` (goldens written by real Terraform with `fixtures/parity/generate.py`)
//! is run step by step by batchform the way the generator ran Terraform, and what batchform
//! did is compared with what Terraform did: exit codes, the plan summary, plan JSON actions and
//! values, diagnostics, the state file, outputs and convergence. See
//! `fixtures/parity/README.md` for the layout and the normalisation applied to both sides.

use crate::harness::{Output, Workdir};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const LINEAGE: &str = "ffffffff-ffff-ffff-ffff-ffffffffffff";
const CONFIG_SUFFIXES: &[&str] = &[".tf", ".tfvars", ".tfvars.json", ".tf.json"];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/parity/cases")
}

/// Random ids and deposed keys mapped to the generator's placeholders, in order of first sight.
#[derive(Default)]
struct Ids {
    map: HashMap<String, String>,
    count: usize,
    deposed: HashMap<String, String>,
}

impl Ids {
    fn register(&mut self, id: &str) {
        if !self.map.contains_key(id) {
            self.count += 1;
            self.map.insert(id.to_string(), format!("00000000-0000-0000-0000-{:012}", self.count));
        }
    }

    /// Ids in the order the state file lists them (resources sorted by address).
    fn register_state(&mut self, state: &Value) {
        if let Some(lineage) = state["lineage"].as_str() {
            self.map.entry(lineage.to_string()).or_insert_with(|| LINEAGE.to_string());
        }
        for resource in state["resources"].as_array().into_iter().flatten() {
            for instance in resource["instances"].as_array().into_iter().flatten() {
                if let Some(id) = instance["attributes"]["id"].as_str()
                    && is_uuid(id)
                {
                    self.register(id);
                }
            }
        }
    }

    fn normalise(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if i + 36 <= text.len() && text.is_char_boundary(i + 36) && is_uuid(&text[i..i + 36]) {
                let id = &text[i..i + 36];
                self.register(id);
                out.push_str(&self.map[id]);
                i += 36;
                continue;
            }
            let rest = &text[i..];
            if let Some(prefix) = ["deposed object ", "\"deposed\": \"", "\"deposed\":\""]
                .iter()
                .find(|p| rest.starts_with(**p))
            {
                let key_start = i + prefix.len();
                if key_start + 8 <= text.len()
                    && text[key_start..key_start + 8]
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                {
                    let key = text[key_start..key_start + 8].to_string();
                    let n = self.deposed.len() + 1;
                    let placeholder =
                        self.deposed.entry(key).or_insert_with(|| format!("{n:08}")).clone();
                    out.push_str(prefix);
                    out.push_str(&placeholder);
                    i = key_start + 8;
                    continue;
                }
            }
            let ch = text[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
        out
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// The state as compared: placeholders for ids and lineage, the serial as the step number,
/// `terraform_version` dropped, order-free lists sorted.
fn canonical_state(mut state: Value, step: usize) -> Value {
    if let Some(obj) = state.as_object_mut() {
        obj.remove("terraform_version");
        obj.insert("lineage".into(), Value::String(LINEAGE.into()));
        obj.insert("serial".into(), Value::from(step));
    }
    for resource in state["resources"].as_array_mut().into_iter().flatten() {
        for instance in resource["instances"].as_array_mut().into_iter().flatten() {
            if let Some(paths) =
                instance.get_mut("sensitive_attributes").and_then(Value::as_array_mut)
            {
                paths.sort_by_key(|p| p.to_string());
            }
        }
    }
    if let Some(results) = state.get_mut("check_results").and_then(Value::as_array_mut) {
        results.sort_by_key(|r| r.to_string());
    }
    state
}

/// A line diff of two JSON values, pretty-printed, with three lines of context.
fn json_diff(expected: &Value, actual: &Value) -> String {
    let a = serde_json::to_string_pretty(expected).unwrap_or_default();
    let b = serde_json::to_string_pretty(actual).unwrap_or_default();
    similar::TextDiff::from_lines(&a, &b).unified_diff().context_radius(3).to_string()
}

/// Progress lines as the goldens keep them: durations 0s, and each address's lines grouped
/// (addresses sorted; Terraform interleaves parallel instances differently on every run).
fn normalise_progress(text: &str) -> String {
    let text = regex::Regex::new(r"after \d+s").expect("regex").replace_all(text, "after 0s");
    let text =
        regex::Regex::new(r"\[\d+s elapsed\]").expect("regex").replace_all(&text, "[0s elapsed]");
    let progress = regex::Regex::new(
        r"^(\S+?)(?: \(deposed object [0-9a-f]+\))?: (Refreshing state|Creating|Modifying|Destroying|Reading|Importing|Preparing import|Creation complete|Modifications complete|Destruction complete|Read complete|Import complete|Still )",
    )
    .expect("regex");
    let mut out: Vec<String> = Vec::new();
    let mut block: Vec<(String, String)> = Vec::new();
    let flush = |block: &mut Vec<(String, String)>, out: &mut Vec<String>| {
        let mut order: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (addr, line) in block.drain(..) {
            order.entry(addr).or_default().push(line);
        }
        for lines in order.into_values() {
            out.extend(lines);
        }
    };
    for line in text.split('\n') {
        match progress.captures(line) {
            Some(c) => block.push((c[1].to_string(), line.to_string())),
            None => {
                flush(&mut block, &mut out);
                out.push(line.to_string());
            }
        }
    }
    flush(&mut block, &mut out);
    out.join("\n")
}

/// Terraform's texts name Terraform where ours name batchform (same length: wrapping agrees).
fn as_batchform(text: &str) -> String {
    text.replace("Terraform", "batchform").replace("terraform apply", "batchform apply")
}

/// The streaming UI (`-json`) as the goldens keep it (generate.py's `normalise_jsonl`):
/// timestamps and elapsed times fixed, and runs of messages about instances (hooks, and
/// separately planned changes and drift) grouped per address, addresses sorted.
fn normalise_jsonl(text: &str) -> Vec<Value> {
    let text = regex::Regex::new(r#""@timestamp":"[^"]*""#)
        .expect("regex")
        .replace_all(text, r#""@timestamp":"2000-01-01T00:00:00.000000Z""#);
    let text = regex::Regex::new(r#""elapsed_seconds":\d+"#)
        .expect("regex")
        .replace_all(&text, r#""elapsed_seconds":0"#);
    let text = regex::Regex::new(r"after \d+s").expect("regex").replace_all(&text, "after 0s");
    let text =
        regex::Regex::new(r"\[\d+s elapsed\]").expect("regex").replace_all(&text, "[0s elapsed]");
    let about = |m: &Value| -> Option<(&'static str, String)> {
        ["hook", "change"].into_iter().find_map(|key| {
            m.get(key)?.get("resource")?.get("addr")?.as_str().map(|a| (key, a.to_string()))
        })
    };
    let mut out: Vec<Value> = Vec::new();
    let mut block: Vec<(&'static str, String, Value)> = Vec::new();
    let flush = |block: &mut Vec<(&'static str, String, Value)>, out: &mut Vec<Value>| {
        let mut order: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
        for (_, addr, m) in block.drain(..) {
            order.entry(addr).or_default().push(m);
        }
        out.extend(order.into_values().flatten());
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut m: Value = serde_json::from_str(line).unwrap_or(Value::String(line.to_string()));
        // Names and versions: the version line says which program this is.
        if let Some(o) = m.as_object_mut() {
            if o.get("type").and_then(Value::as_str) == Some("version") {
                o.remove("@message");
                o.remove("terraform");
                o.remove("batchform");
            }
            if o.get("@module").and_then(Value::as_str) == Some("terraform.ui") {
                o.insert("@module".into(), Value::from("batchform.ui"));
            }
            if let Some(Value::String(msg)) = o.get_mut("@message") {
                *msg = as_batchform(msg);
            }
        }
        let kind = about(&m);
        if block.first().is_some_and(|b| kind.as_ref().is_none_or(|k| k.0 != b.0)) {
            flush(&mut block, &mut out);
        }
        match kind {
            Some((k, addr)) => block.push((k, addr, m)),
            None => out.push(m),
        }
    }
    flush(&mut block, &mut out);
    out
}

/// Instance address -> id of each current object in a state file.
fn current_ids(state: &Value) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    for resource in state["resources"].as_array().into_iter().flatten() {
        let mut base = format!(
            "{}.{}",
            resource["type"].as_str().unwrap_or_default(),
            resource["name"].as_str().unwrap_or_default()
        );
        if resource["mode"] == "data" {
            base = format!("data.{base}");
        }
        for instance in resource["instances"].as_array().into_iter().flatten() {
            let addr = match &instance["index_key"] {
                Value::Null => base.clone(),
                key => format!("{base}[{key}]"),
            };
            if instance.get("deposed").is_none()
                && let Some(id) = instance["attributes"]["id"].as_str()
            {
                ids.insert(addr, id.to_string());
            }
        }
    }
    ids
}

/// Deposed keys by address in a text (`ADDR (deposed object KEY)`).
fn deposed_keys(text: &str) -> HashMap<String, String> {
    regex::Regex::new(r"(\S+) \(deposed object ([0-9a-f]{8})\)")
        .expect("regex")
        .captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// A difference between two streams of UI messages, for the report.
fn jsonl_diff(expected: &[Value], actual: &[Value]) -> String {
    let lines = |v: &[Value]| v.iter().map(|m| format!("{m}\n")).collect::<String>();
    text_diff(&lines(expected), &lines(actual))
}

/// A line diff with context, for text mismatches.
fn text_diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual).unified_diff().context_radius(2).to_string()
}

/// The plan JSON as compared: no version or timestamp, `relevant_attributes` sorted.
fn canonical_plan_json(mut plan: Value) -> Value {
    if let Some(obj) = plan.as_object_mut() {
        obj.remove("terraform_version");
        obj.remove("timestamp");
        if let Some(prior) = obj.get_mut("prior_state").and_then(Value::as_object_mut) {
            prior.remove("terraform_version");
        }
    }
    // batchform leaves sensitive variables' values out (Terraform 1.11 prints them).
    if let Some(vars) = plan.get_mut("variables").and_then(Value::as_object_mut) {
        vars.retain(|_, v| v.get("sensitive").is_none());
    }
    // Terraform lists these in map order, which varies from run to run.
    for key in ["relevant_attributes", "checks"] {
        if let Some(r) = plan.get_mut(key).and_then(Value::as_array_mut) {
            r.sort_by_key(|v| v.to_string());
        }
    }
    plan
}

/// `Error: SUMMARY` lines of a diagnostic stream, in order.
fn error_summaries(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start_matches(['│', '╷', ' ']).strip_prefix("Error: "))
        .map(|s| s.trim().replace("Terraform", "batchform"))
        .collect()
}

struct Step {
    config: String,
    args: Vec<String>,
    destroy: bool,
    before: Vec<Vec<String>>,
    import: Option<(String, String)>,
    expect_error: Option<&'static str>,
}

fn steps(case: &Value) -> Vec<Step> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
    };
    case["steps"]
        .as_array()
        .expect("case.json has steps")
        .iter()
        .map(|s| Step {
            config: s["config"].as_str().expect("step config").to_string(),
            args: strings(&s["args"]),
            destroy: s["destroy"].as_bool().unwrap_or(false),
            before: s["before"].as_array().into_iter().flatten().map(strings).collect(),
            import: s.get("import").map(|i| {
                (
                    i["address"].as_str().unwrap_or("").to_string(),
                    i["id"].as_str().unwrap_or("").to_string(),
                )
            }),
            expect_error: match &s["expect_error"] {
                Value::Bool(true) => Some("plan"),
                Value::String(s) if s == "apply" => Some("apply"),
                Value::String(_) => Some("plan"),
                _ => None,
            },
        })
        .collect()
}

fn install_config(case_dir: &Path, label: &str, work: &Workdir) {
    for entry in std::fs::read_dir(work.path()).expect("read workdir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if CONFIG_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            std::fs::remove_file(entry.path()).expect("remove config file");
        }
    }
    let src = case_dir.join("config").join(label);
    let mut names: Vec<_> =
        std::fs::read_dir(&src).expect("config dir").flatten().map(|e| e.path()).collect();
    names.sort();
    for path in names {
        std::fs::copy(&path, work.path().join(path.file_name().expect("file name")))
            .expect("copy config");
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// How many states batchform wrote Terraform has planned on (for the final count check).
static TERRAFORM_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn terraform_available() -> bool {
    std::process::Command::new("sh")
        .args(["-c", "command -v terraform"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Run real Terraform offline, as `fixtures/parity/generate.py` does.
fn terraform(work: &Workdir, args: &[&str]) -> Output {
    let out = std::process::Command::new("terraform")
        .args(args)
        .current_dir(work.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("run terraform");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run batchform as the generator ran Terraform (`TF_IN_AUTOMATION=1`: no next-step hints).
fn tf(work: &Workdir, args: &[&str]) -> Output {
    work.command(args, &[("TF_IN_AUTOMATION", "1")], "")
}

/// Runs one case; returns the mismatches found.
fn run_case(case_dir: &Path) -> Vec<String> {
    let name = case_dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let case = read_json(&case_dir.join("case.json"));
    let steps = steps(&case);
    let work = Workdir::new();
    let mut ids = Ids::default();
    let mut problems = Vec::new();
    install_config(case_dir, &steps[0].config, &work);
    // Terraform itself, when the machine has it (`command -v terraform`), for the check that
    // it plans no changes on the states batchform writes.
    let terraform_dir = terraform_available().then(|| {
        let dir = Workdir::new();
        install_config(case_dir, &steps[0].config, &dir);
        let init = terraform(&dir, &["init", "-input=false", "-no-color"]);
        assert_eq!(init.code, 0, "terraform init: {}", init.stderr);
        dir
    });
    let init = tf(&work, &["init", "-input=false", "-no-color"]);
    if init.code != 0 {
        return vec![format!("{name}: init failed: {}", init.stderr)];
    }
    for (index, step) in steps.iter().enumerate() {
        let number = index + 1;
        let expected = case_dir.join("expected").join(number.to_string());
        let mut problem = |what: String| problems.push(format!("{name} step {number}: {what}"));
        let result = read_json(&expected.join("result.json"));
        install_config(case_dir, &step.config, &work);
        let mut args: Vec<String> = step.args.clone();
        if step.destroy {
            args.insert(0, "-destroy".into());
        }
        for command in &step.before {
            let argv: Vec<&str> = command.iter().map(String::as_str).collect();
            let out = tf(&work, &argv);
            if out.code != 0 {
                problem(format!("`{}` failed: {}", command.join(" "), out.stderr));
            }
        }
        let argv = |head: &[&str]| -> Vec<String> {
            head.iter().map(|s| s.to_string()).chain(args.iter().cloned()).collect()
        };
        let run = |argv: Vec<String>| -> Output {
            let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
            tf(&work, &refs)
        };

        if let Some((address, id)) = &step.import {
            let mut full = argv(&["import", "-input=false", "-no-color"]);
            full.push(address.clone());
            full.push(id.clone());
            let out = run(full);
            if out.code != 0 {
                problem(format!("import exited {}: {}", out.code, out.stderr));
            }
        } else {
            let plan = run(argv(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]));
            let want = result["plan_exit_code"].as_i64().unwrap_or(-1);
            assert_eq!(
                want == 1,
                step.expect_error == Some("plan"),
                "{name} step {number}: the golden's plan exit code disagrees with case.json"
            );
            if i64::from(plan.code) != want {
                problem(format!(
                    "plan exited {} (Terraform: {want})\nstdout:\n{}\nstderr:\n{}",
                    plan.code, plan.stdout, plan.stderr
                ));
                continue;
            }
            if let Some(want_text) = read_text(&expected.join("plan.txt")) {
                let ours = normalise_progress(&ids.normalise(&plan.stdout));
                let theirs = as_batchform(&want_text);
                if ours != theirs {
                    problem(format!(
                        "plan text differs (- Terraform, + batchform):\n{}",
                        text_diff(&theirs, &ours)
                    ));
                }
            }
            if let Some(want) = read_text(&expected.join("plan.jsonl")) {
                let streamed = run(argv(&["plan", "-json", "-input=false", "-detailed-exitcode"]));
                let ours = normalise_jsonl(&ids.normalise(&streamed.stdout));
                let theirs = normalise_jsonl(&want);
                if streamed.code != plan.code || ours != theirs {
                    problem(format!(
                        "plan -json exited {} and differs (- Terraform, + batchform):\n{}",
                        streamed.code,
                        jsonl_diff(&theirs, &ours)
                    ));
                }
            }
            if plan.code == 1 {
                let want =
                    error_summaries(&read_text(&expected.join("error.txt")).unwrap_or_default());
                let ours = error_summaries(&plan.stderr);
                if ours != want {
                    problem(format!("plan errors {ours:?}, Terraform's {want:?}\n{}", plan.stderr));
                }
                continue;
            }
            let saved = run(argv(&["plan", "-input=false", "-no-color", "-out=tfplan"]));
            if saved.code != 0 {
                problem(format!("plan -out failed: {}", saved.stderr));
                continue;
            }
            let shown = tf(&work, &["show", "-json", "tfplan"]);
            // The same saved plan applied with -json in a copy of the working directory (as
            // generate.py does); the copy's ids are mapped back to the real ones by address.
            let copy = Workdir::new();
            let copied = std::process::Command::new("cp")
                .arg("-a")
                .arg(work.path().join("."))
                .arg(copy.path())
                .status()
                .expect("cp");
            assert!(copied.success(), "copying the working directory");
            let streamed = tf(&copy, &["apply", "-json", "-input=false", "tfplan"]);
            let copy_state = std::fs::read_to_string(copy.path().join("terraform.tfstate"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            let apply = tf(&work, &["apply", "-input=false", "-no-color", "tfplan"]);
            let want = result["apply_exit_code"].as_i64().unwrap_or(-1);
            if i64::from(apply.code) != want {
                problem(format!(
                    "apply exited {} (Terraform: {want})\nstdout:\n{}\nstderr:\n{}",
                    apply.code, apply.stdout, apply.stderr
                ));
            }
            if apply.code == 1 {
                let want =
                    error_summaries(&read_text(&expected.join("error.txt")).unwrap_or_default());
                let ours = error_summaries(&apply.stderr);
                if ours != want {
                    problem(format!("apply errors {ours:?}, Terraform's {want:?}"));
                }
            }
            // Ids new in this step are numbered from the state the apply wrote.
            if let Ok(text) = std::fs::read_to_string(work.path().join("terraform.tfstate")) {
                ids.register_state(&serde_json::from_str(&text).unwrap_or(Value::Null));
            }
            if let Some(want) = read_text(&expected.join("apply.jsonl")) {
                let real_state = std::fs::read_to_string(work.path().join("terraform.tfstate"))
                    .ok()
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null);
                let real_ids = current_ids(&real_state);
                let mut text = streamed.stdout.clone();
                for (addr, copy_id) in current_ids(&copy_state) {
                    if let Some(real) = real_ids.get(&addr) {
                        text = text.replace(&copy_id, real);
                    }
                }
                let real_deposed = deposed_keys(&apply.stdout);
                for (addr, key) in deposed_keys(&text) {
                    if let Some(real) = real_deposed.get(&addr) {
                        text = text.replace(&key, real);
                    }
                }
                let ours = normalise_jsonl(&ids.normalise(&text));
                let theirs = normalise_jsonl(&want);
                if streamed.code != apply.code || ours != theirs {
                    problem(format!(
                        "apply -json exited {} and differs (- Terraform, + batchform):\n{}",
                        streamed.code,
                        jsonl_diff(&theirs, &ours)
                    ));
                }
            }
            if let Some(want) = read_text(&expected.join("plan.json")) {
                let ours: Value =
                    serde_json::from_str(&ids.normalise(&shown.stdout)).unwrap_or(Value::Null);
                let mut theirs: Value = serde_json::from_str(&want).unwrap_or(Value::Null);
                // Variables we left out as sensitive are compared as absent on both sides.
                if let (Some(ours_vars), Some(their_vars)) = (
                    ours.get("variables").and_then(Value::as_object),
                    theirs.get_mut("variables").and_then(Value::as_object_mut),
                ) {
                    let redacted: Vec<String> = ours_vars
                        .iter()
                        .filter(|(_, v)| v.get("sensitive").is_some())
                        .map(|(k, _)| k.clone())
                        .collect();
                    for k in redacted {
                        their_vars.remove(&k);
                    }
                }
                let (ours, theirs) = (canonical_plan_json(ours), canonical_plan_json(theirs));
                if ours != theirs {
                    problem(format!(
                        "show -json tfplan differs (- Terraform, + batchform):\n{}",
                        json_diff(&theirs, &ours)
                    ));
                }
            }
            if let Some(want_text) = read_text(&expected.join("apply.txt")) {
                let ours = normalise_progress(&ids.normalise(&apply.stdout));
                let theirs = as_batchform(&want_text);
                if ours != theirs {
                    problem(format!(
                        "apply text differs (- Terraform, + batchform):\n{}",
                        text_diff(&theirs, &ours)
                    ));
                }
            }
            let _ = std::fs::remove_file(work.path().join("tfplan"));
        }

        // The state file.
        let state_path = work.path().join("terraform.tfstate");
        let ours: Value = match std::fs::read_to_string(&state_path) {
            Ok(text) => {
                let raw: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                ids.register_state(&raw);
                serde_json::from_str(&ids.normalise(&text)).unwrap_or(Value::Null)
            }
            Err(e) => {
                problem(format!("no state file: {e}"));
                continue;
            }
        };
        let theirs = read_json(&expected.join("state.tfstate"));
        let (ours, theirs) = (canonical_state(ours, number), canonical_state(theirs, number));
        if ours != theirs {
            problem(format!(
                "state differs (- Terraform, + batchform):\n{}",
                json_diff(&theirs, &ours)
            ));
        }

        // Outputs.
        let out = tf(&work, &["output", "-json"]);
        let ours: Value = serde_json::from_str(&ids.normalise(&out.stdout)).unwrap_or(Value::Null);
        let theirs = read_json(&expected.join("outputs.json"));
        if ours != theirs {
            problem(format!(
                "output -json differs (- Terraform, + batchform):\n{}",
                json_diff(&theirs, &ours)
            ));
        }

        // `show` of the state, as text and as state JSON (format 1.0).
        if let Some(want_text) = read_text(&expected.join("show.txt")) {
            let shown = tf(&work, &["show", "-no-color"]);
            let ours = ids.normalise(&shown.stdout);
            let theirs = as_batchform(&want_text);
            if ours != theirs {
                problem(format!(
                    "show text differs (- Terraform, + batchform):\n{}",
                    text_diff(&theirs, &ours)
                ));
            }
        }
        if expected.join("show.json").exists() {
            let shown = tf(&work, &["show", "-json"]);
            let mut ours: Value =
                serde_json::from_str(&ids.normalise(&shown.stdout)).unwrap_or(Value::Null);
            let mut theirs = read_json(&expected.join("show.json"));
            for v in [&mut ours, &mut theirs] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("terraform_version");
                }
            }
            if ours != theirs {
                problem(format!(
                    "show -json differs (- Terraform, + batchform):\n{}",
                    json_diff(&theirs, &ours)
                ));
            }
        }

        // Converged, as Terraform judged its own result?
        let replan_args: Vec<String> =
            args.iter().filter(|a| !a.starts_with("-replace")).cloned().collect();
        let mut full: Vec<String> = ["plan", "-input=false", "-no-color", "-detailed-exitcode"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        full.extend(replan_args);
        let replan = run(full.clone());
        let want = result["replan_exit_code"].as_i64().unwrap_or(-1);
        // Terraform on the state batchform wrote plans no changes either.
        if want == 0
            && let Some(tf_dir) = &terraform_dir
        {
            install_config(case_dir, &step.config, tf_dir);
            std::fs::copy(
                work.path().join("terraform.tfstate"),
                tf_dir.path().join("terraform.tfstate"),
            )
            .expect("copy batchform's state");
            let mut args: Vec<&str> =
                vec!["plan", "-input=false", "-no-color", "-detailed-exitcode"];
            args.extend(full.iter().skip(4).map(String::as_str));
            let out = terraform(tf_dir, &args);
            TERRAFORM_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if out.code != 0 {
                problem(format!(
                    "on batchform's state, terraform plan exited {} (expected 0: no changes)\n{}{}",
                    out.code, out.stdout, out.stderr
                ));
            }
        }
        // The other direction: batchform on the state Terraform wrote plans no changes
        // wherever Terraform itself saw none.
        if want == 0 {
            let other = Workdir::new();
            install_config(case_dir, &step.config, &other);
            std::fs::copy(expected.join("state.tfstate"), other.path().join("terraform.tfstate"))
                .expect("copy Terraform's state");
            let refs: Vec<&str> = full.iter().map(String::as_str).collect();
            let out = tf(&other, &refs);
            if out.code != 0 {
                problem(format!(
                    "on Terraform's state, batchform plan exited {} (expected 0: no changes)\n{}{}",
                    out.code, out.stdout, out.stderr
                ));
            }
        }
        if i64::from(replan.code) != want {
            problem(format!(
                "replan exited {} (Terraform: {want})\n{}{}",
                replan.code, replan.stdout, replan.stderr
            ));
        }
    }
    problems
}

#[test]
fn terraform_data_cases_match_terraform() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("fixtures/parity/cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("case.json").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "the parity cases are missing: {}", dirs.len());
    let mut report = String::new();
    let mut failed = 0;
    for dir in &dirs {
        let problems = run_case(dir);
        if !problems.is_empty() {
            failed += 1;
        }
        for p in problems {
            let _ = writeln!(report, "- {p}\n");
        }
    }
    assert!(
        report.is_empty(),
        "{failed} of {} parity cases differ from Terraform:\n{report}",
        dirs.len()
    );
    if terraform_available() {
        let checked = TERRAFORM_CHECKS.load(std::sync::atomic::Ordering::Relaxed);
        assert!(checked >= 40, "Terraform planned on only {checked} of batchform's states");
        eprintln!("terraform plans no changes on {checked} states batchform wrote");
    }
}
