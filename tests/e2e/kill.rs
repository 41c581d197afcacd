//! Crash safety against the API: `apply` of many batches is killed with SIGKILL at random
//! moments while creates are in flight (the emulator delays every batch create). After every
//! kill the state loads; after one more apply every live batch in the emulator is in state
//! exactly once (nothing orphaned, nothing duplicated) and a plan finds nothing to do;
//! destroy leaves no batch running.

use crate::drift::{Emulator, state_batches};
use crate::harness::{Workdir, binary};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

const BATCHES: usize = 40;
/// At least this many rounds, and more (up to `MAX_ROUNDS`) until a kill has hit a create.
const ROUNDS: usize = 6;
const MAX_ROUNDS: usize = 12;

const REQUESTS: &str = "{\"custom_id\": \"a\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": {\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}}\n";

/// `round` is in every batch's metadata, so each round replaces all of them (the create half
/// of a replacement is as exposed as a first create).
fn config(emulator: &Emulator, round: usize) -> String {
    format!(
        r#"provider "openai" {{
  base_url = "{}"
  api_key  = "sk-drift"
}}

resource "openai_file" "input" {{
  count   = {BATCHES}
  file    = "requests.jsonl"
  purpose = "batch"
}}

resource "openai_batch" "job" {{
  count             = {BATCHES}
  input_file_id     = openai_file.input[count.index].id
  endpoint          = "/v1/chat/completions"
  completion_window = "24h"
  metadata = {{
    index = tostring(count.index)
    round = "{round}"
  }}
}}
"#,
        emulator.base_url()
    )
}

fn live(status: &str) -> bool {
    !matches!(status, "cancelling" | "cancelled" | "expired" | "failed")
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e3779b97f4a7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

#[test]
fn killed_applies_leave_no_orphaned_batch_and_the_next_apply_converges() {
    let seed = std::env::var("BATCHFORM_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("seed {seed} (rerun with BATCHFORM_KILL_SEED={seed})");
    let mut rng = seed;
    // Real time, so no batch finishes during the test; every batch create is answered 200 ms after the batch exists.
    let emulator = Emulator::start_with("1", &["-fault", "latency-after:200@POST:/v1/batches"]);
    let work = Workdir::new();
    work.file("requests.jsonl", REQUESTS);
    let mut kills_with_creates_in_flight = 0;
    let mut round = 0;
    while round < ROUNDS || (kills_with_creates_in_flight == 0 && round < MAX_ROUNDS) {
        work.file("main.tf", &config(&emulator, round));
        let before = emulator.batches().len();
        let mut child = Command::new(binary())
            .args(["apply", "-auto-approve", "-no-color"])
            .current_dir(work.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", work.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn apply");
        // Files upload first (~0.3 s in debug); batches take 200 ms each, 10 at a time.
        let delay = 300 + splitmix(&mut rng) % 1200;
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        // Let a create the emulator was still answering finish on its side.
        std::thread::sleep(Duration::from_millis(300));
        let after = emulator.batches();
        let in_state = state_batches(&work);
        let unknown = after
            .iter()
            .filter(|(id, status)| live(status) && !in_state.values().any(|s| s == *id))
            .count();
        if unknown > 0 {
            kills_with_creates_in_flight += 1;
        }
        println!(
            "round {round}: killed after {delay} ms; emulator {before} -> {} batches, {} in state, {unknown} not in state",
            after.len(),
            in_state.len()
        );
        round += 1;
    }
    assert!(
        kills_with_creates_in_flight > 0,
        "no kill landed while a batch create was unanswered; the test proved nothing (seed {seed})"
    );
    // The final configuration is the last round's.
    let apply = work.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let in_state = state_batches(&work);
    let emulator_batches = emulator.batches();
    println!(
        "after the final apply: {} in state, {} in the emulator ({} live); {kills_with_creates_in_flight} kills left batches not in state",
        in_state.len(),
        emulator_batches.len(),
        emulator_batches.values().filter(|s| live(s)).count()
    );
    assert_eq!(in_state.len(), BATCHES);
    let state_ids: BTreeSet<&String> = in_state.values().collect();
    assert_eq!(state_ids.len(), BATCHES, "two addresses share a batch: {in_state:?}");
    for (id, status) in &emulator_batches {
        if live(status) {
            assert!(
                state_ids.contains(id),
                "batch {id} ({status}) is in the emulator but not in state"
            );
        }
    }
    for id in &state_ids {
        assert!(
            emulator_batches.contains_key(*id),
            "state holds {id}, which the emulator does not"
        );
    }
    let plan = work.run(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(!work.path().join("terraform.tfstate.intents").exists());

    let destroy = work.run(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(destroy.code, 0, "{}{}", destroy.stdout, destroy.stderr);
    let running: Vec<_> = emulator
        .batches()
        .into_iter()
        .filter(|(_, s)| matches!(s.as_str(), "validating" | "in_progress" | "finalizing"))
        .collect();
    assert!(running.is_empty(), "batches still running after destroy: {running:?}");
}
