//! The state store's speed target: write a 10,000-instance state (about 1 KB of attributes
//! each) with one durable incremental persist per instance, fold it into a snapshot, then load
//! it. Prints the time of each phase and the bytes written, next to what Terraform's approach
//! (rewrite the whole file after every resource) would write.
//!
//! Run: `cargo bench -p batchform-state --bench persist [-- N]`

use batchform_core::{InstanceKey, ResourceAddr};
use batchform_state::{
    Backend, GroupCommit, LocalBackend, LockRequest, ObjectState, State, StateChange,
};
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let path = dir.path().join("terraform.tfstate");
    let disk_sync = fdatasync_latency(dir.path(), 500);

    let total = Instant::now();
    let mut backend = LocalBackend::new(&path);
    backend.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    let mut state = backend.read_or_new().unwrap();
    let payload = "x".repeat(440);
    let mut latencies = Vec::with_capacity(n);
    let persist_start = Instant::now();
    for i in 0..n {
        let change = StateChange::SetCurrent {
            addr: ResourceAddr::managed("terraform_data", "bench")
                .instance(InstanceKey::Int(i as i64)),
            provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
            object: ObjectState::new(json!({
                "id": format!("{:08x}-0000-4000-8000-{:012x}", i, i),
                "input": {"value": payload, "type": "string"},
                "output": {"value": payload, "type": "string"},
                "triggers_replace": null,
            })),
        };
        state.apply(&change);
        let t = Instant::now();
        backend.persist_change(&change).unwrap();
        latencies.push(t.elapsed());
    }
    let persist_time = persist_start.elapsed();
    let snapshot_start = Instant::now();
    backend.persist_snapshot(&state).unwrap();
    let snapshot_time = snapshot_start.elapsed();
    backend.unlock().unwrap();
    let load_start = Instant::now();
    let loaded: State = LocalBackend::new(&path).read().unwrap().unwrap();
    let load_time = load_start.elapsed();
    let total_time = total.elapsed();
    assert_eq!(loaded.instance_addrs().count(), n);

    let final_size = std::fs::metadata(&path).unwrap().len();
    let written = backend.bytes_written();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let terraform_estimate = final_size as f64 * (n as f64 + 1.0) / 2.0;
    let mut out = std::io::stdout().lock();
    writeln!(out, "instances                     {n}").unwrap();
    writeln!(out, "disk fdatasync (1 KB append)  median {:?}", disk_sync).unwrap();
    writeln!(
        out,
        "incremental persists          {persist_time:?} (median {:?}, p99 {:?})",
        pct(0.5),
        pct(0.99)
    )
    .unwrap();
    // Each persist is durable before it returns, so the sequence cannot beat one device
    // flush per change: the disk's own floor, measured on the same directory just before.
    let floor = disk_sync * n as u32;
    writeln!(
        out,
        "  of which the disk's floor     {floor:?} ({n} x the median fdatasync); above it {:?}",
        persist_time.saturating_sub(floor)
    )
    .unwrap();
    writeln!(out, "final snapshot                {snapshot_time:?}").unwrap();
    writeln!(out, "load                          {load_time:?}").unwrap();
    writeln!(out, "total                         {total_time:?}").unwrap();
    writeln!(out, "final state size              {:.1} MB", final_size as f64 / 1e6).unwrap();
    writeln!(
        out,
        "bytes written                 {:.1} MB ({:.2}x the final size)",
        written as f64 / 1e6,
        written as f64 / final_size as f64
    )
    .unwrap();
    writeln!(
        out,
        "rewrite-per-change would write {:.1} GB ({:.0}x)",
        terraform_estimate / 1e9,
        terraform_estimate / final_size as f64
    )
    .unwrap();

    // The same changes from 10 workers at once (the apply walk's default parallelism),
    // through group commit.
    let dir2 = tempfile::tempdir_in(std::env::current_dir().unwrap()).unwrap();
    let path2 = dir2.path().join("terraform.tfstate");
    let changes: Vec<StateChange> = loaded
        .current_objects()
        .map(|(addr, object)| StateChange::SetCurrent {
            addr,
            provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
            object: object.clone(),
        })
        .collect();
    let changes = std::sync::Arc::new(changes);
    let start = Instant::now();
    let mut backend = LocalBackend::new(&path2);
    backend.read().unwrap();
    let group = std::sync::Arc::new(GroupCommit::new(backend));
    let workers: Vec<_> = (0..10)
        .map(|w| {
            let (group, changes) = (group.clone(), changes.clone());
            std::thread::spawn(move || {
                for change in changes.iter().skip(w).step_by(10) {
                    group.persist(change.clone()).unwrap();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let syncs = group.syncs();
    let mut backend = group.close().unwrap();
    let recovered = backend.read().unwrap().unwrap();
    backend.persist_snapshot(&recovered).unwrap();
    let concurrent = start.elapsed();
    assert_eq!(LocalBackend::new(&path2).read().unwrap().unwrap().instance_addrs().count(), n);
    writeln!(
        out,
        "10 concurrent writers         {concurrent:?} for persists + snapshot ({syncs} syncs for {n} changes)"
    )
    .unwrap();
}

/// The disk's own cost of one durable 1 KB append, for context.
fn fdatasync_latency(dir: &std::path::Path, samples: usize) -> Duration {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap();
    let line = vec![b'x'; 1024];
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            file.write_all(&line).unwrap();
            file.sync_data().unwrap();
            t.elapsed()
        })
        .collect();
    std::fs::remove_file(&path).unwrap();
    times.sort();
    times[samples / 2]
}
