//! Crash safety: a writer process persisting changes is killed with SIGKILL at random points,
//! many times. After every kill the state loads, and holds every change the writer had been
//! told was durable; the next writer gets the lock at once (the OS freed it).
//!
//! The writer is this test binary itself, re-run with `BATCHFORM_KILL_WRITER` set.

mod common;

use batchform_state::{Backend, LocalBackend, LockRequest, State};
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const RUNS: usize = 30;

/// The writer: lock, load, then persist changes forever, printing `ack N` after each returns.
/// Every few changes it folds everything into a snapshot, so kills also land in snapshot
/// writes, backups and journal removal.
#[test]
fn kill_writer_child() {
    let Some(path) = std::env::var_os("BATCHFORM_KILL_WRITER") else { return };
    let path = Path::new(&path);
    let seed: u64 = std::env::var("BATCHFORM_KILL_SEED").unwrap().parse().unwrap();
    let mut backend = LocalBackend::new(path);
    backend.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    let mut state = backend.read_or_new().unwrap();
    let mut next = state.instance_addrs().count() as i64;
    let mut rng = seed;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    loop {
        let r = splitmix(&mut rng);
        let batch = 1 + (r % 4) as usize;
        let changes: Vec<_> = (0..batch).map(|k| set("w", next + k as i64, 200)).collect();
        for c in &changes {
            state.apply(c);
        }
        backend.persist_changes(&changes).unwrap();
        next += batch as i64;
        writeln!(out, "ack {next}").unwrap();
        out.flush().unwrap();
        if (r >> 8) % 16 == 0 {
            backend.persist_snapshot(&state).unwrap();
            writeln!(out, "snapshot").unwrap();
            out.flush().unwrap();
        }
    }
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e3779b97f4a7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

#[test]
fn killed_writers_never_lose_acknowledged_changes() {
    if std::env::var_os("BATCHFORM_KILL_WRITER").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("terraform.tfstate");
    let exe = std::env::current_exe().unwrap();
    let seed0 =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            as u64;
    let mut rng = seed0;
    let mut snapshots_seen = 0;
    let mut acked_total = 0i64;
    for run in 0..RUNS {
        let r = splitmix(&mut rng);
        // Kill after a random number of acknowledgements, a random few microseconds later,
        // so kills land in journal appends, snapshot writes and journal removal alike.
        let kill_after = 1 + (r % 30) as i64;
        let extra = Duration::from_micros((r >> 16) % 3_000);
        let mut child = Command::new(&exe)
            .args(["--exact", "kill_writer_child", "--nocapture", "--test-threads=1"])
            .env("BATCHFORM_KILL_WRITER", &path)
            .env("BATCHFORM_KILL_SEED", (r >> 1).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let reader = std::thread::spawn(move || {
            let mut acked = 0i64;
            let mut seen = 0i64;
            let mut snapshots = 0;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ack ") {
                    acked = n.parse().unwrap();
                    seen += 1;
                    if seen == kill_after {
                        let _ = tx.send(());
                    }
                } else if line == "snapshot" {
                    snapshots += 1;
                }
            }
            (acked, snapshots)
        });
        let reached = rx.recv_timeout(Duration::from_secs(20));
        std::thread::sleep(extra);
        child.kill().unwrap();
        child.wait().unwrap();
        let (acked, snapshots) = reader.join().unwrap();
        assert!(
            reached.is_ok(),
            "run {run} (seed {seed0}): the writer died or stalled after {acked} of {kill_after} acknowledgements"
        );
        assert!(acked >= acked_total + kill_after, "run {run}: {acked} acknowledged");
        snapshots_seen += snapshots;

        // The killed writer's lock went with it: the next writer gets it at once.
        let mut next = LocalBackend::new(&path);
        next.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO)
            .unwrap_or_else(|e| panic!("run {run}: the lock outlived its holder: {e}"));
        next.unlock().unwrap();

        let state: State = LocalBackend::new(&path)
            .read()
            .unwrap_or_else(|e| panic!("run {run} (seed {seed0}): state does not load: {e}"))
            .unwrap_or_default();
        let present = state.instance_addrs().count() as i64;
        assert!(
            present >= acked,
            "run {run} (seed {seed0}): {acked} changes acknowledged but only {present} in state"
        );
        // Every instance is intact, numbered without gaps.
        for (i, (addr, object)) in state.current_objects().enumerate() {
            assert_eq!(
                object.attribute("id").and_then(|v| v.as_str()),
                Some(format!("id-{i}").as_str()),
                "{addr}"
            );
        }
        assert!(present >= acked_total, "run {run}: changes from earlier runs were lost");
        acked_total = acked.max(acked_total);
    }
    assert!(acked_total > 0, "the writers never got going");
    eprintln!(
        "{RUNS} kills, {acked_total} changes acknowledged, {snapshots_seen} snapshots folded (seed {seed0})"
    );
}
