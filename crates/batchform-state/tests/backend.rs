//! The local backend's promises: serial and lineage rules, one backup per run, journal replay
//! after a crash, torn and stale journals, locking, force-unlock and push rules.

mod common;

use batchform_core::{InstanceKey, ResourceAddr};
use batchform_state::{
    Backend, BackendError, LocalBackend, LockRequest, State, StateChange, codec,
};
use common::*;
use std::time::{Duration, Instant};

fn dir_with_state() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("terraform.tfstate");
    (dir, path)
}

fn snapshot(path: &std::path::Path) -> State {
    codec::decode(&std::fs::read(path).unwrap()).unwrap().unwrap()
}

#[test]
fn serial_moves_only_when_content_changes_and_lineage_never_does() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    assert_eq!(backend.read().unwrap(), None);
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    let first = backend.persist_snapshot(&state).unwrap();
    assert_eq!((first.serial, first.written), (1, true));
    let again = backend.persist_snapshot(&state).unwrap();
    assert_eq!((again.serial, again.written), (1, false), "identical content is not rewritten");
    state.apply(&set("a", 1, 4));
    let second = backend.persist_snapshot(&state).unwrap();
    assert_eq!(second.serial, 2);
    let on_disk = snapshot(&path);
    assert_eq!(on_disk.serial, 2);
    assert_eq!(on_disk.lineage, state.lineage);
    assert_eq!(on_disk.terraform_version, batchform_state::WRITER_VERSION);

    // Another run: the lineage is kept, a different lineage is refused.
    let mut next = LocalBackend::new(&path);
    let mut loaded = next.read().unwrap().unwrap();
    assert_eq!(loaded.lineage, state.lineage);
    loaded.lineage = batchform_state::new_lineage();
    assert!(matches!(next.persist_snapshot(&loaded), Err(BackendError::Refused(_))));
    assert_eq!(snapshot(&path).serial, 2, "a refused write leaves the file alone");
}

#[test]
fn backup_is_taken_once_per_run_before_the_first_overwrite() {
    let (_dir, path) = dir_with_state();
    let backup = path.with_file_name("terraform.tfstate.backup");
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    LocalBackend::new(&path).persist_snapshot(&state).unwrap();
    assert!(!backup.exists(), "no backup of a state that did not exist");
    let original = std::fs::read(&path).unwrap();

    let mut run = LocalBackend::new(&path);
    let mut state = run.read().unwrap().unwrap();
    state.apply(&set("a", 1, 4));
    run.persist_snapshot(&state).unwrap();
    assert_eq!(std::fs::read(&backup).unwrap(), original);
    state.apply(&set("a", 2, 4));
    run.persist_snapshot(&state).unwrap();
    assert_eq!(std::fs::read(&backup).unwrap(), original, "the backup is taken once per run");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&path, &backup] {
            assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}

#[test]
fn journaled_changes_survive_without_a_final_snapshot() {
    let (_dir, path) = dir_with_state();
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    LocalBackend::new(&path).persist_snapshot(&state).unwrap();

    // A run that persists changes and then "crashes" (is dropped without a snapshot).
    {
        let mut run = LocalBackend::new(&path);
        run.read().unwrap();
        run.persist_change(&set("a", 1, 4)).unwrap();
        run.persist_change(&StateChange::RemoveCurrent {
            addr: ResourceAddr::managed("terraform_data", "a").instance(InstanceKey::Int(0)),
        })
        .unwrap();
        run.persist_change(&set("b", 7, 4)).unwrap();
    }
    assert_eq!(snapshot(&path).serial, 1, "the snapshot itself was not rewritten");
    let mut next = LocalBackend::new(&path);
    let recovered = next.read().unwrap().unwrap();
    let addrs: Vec<String> = recovered.instance_addrs().map(|a| a.to_string()).collect();
    assert_eq!(addrs, ["terraform_data.a[1]", "terraform_data.b[7]"]);
    assert_eq!(recovered.lineage, state.lineage);

    // The next run keeps journaling on top, then folds everything into one snapshot.
    next.persist_change(&set("b", 8, 4)).unwrap();
    let mut latest = recovered.clone();
    latest.apply(&set("b", 8, 4));
    assert_eq!(LocalBackend::new(&path).read().unwrap().unwrap(), latest);
    let persisted = next.persist_snapshot(&latest).unwrap();
    assert_eq!(persisted.serial, 2);
    assert!(!next.journal_path().exists(), "the journal is folded into the snapshot");
    assert_eq!(snapshot(&path).resources, latest.resources);
}

#[test]
fn a_new_state_can_be_journaled_before_any_snapshot_exists() {
    let (_dir, path) = dir_with_state();
    {
        let mut run = LocalBackend::new(&path);
        assert!(run.read().unwrap().is_none());
        run.persist_change(&set("a", 0, 4)).unwrap();
    }
    assert!(!path.exists());
    let recovered = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(recovered.instance_addrs().count(), 1);
}

#[test]
fn a_torn_last_line_is_dropped_and_the_journal_continues_cleanly() {
    let (_dir, path) = dir_with_state();
    let journal = path.with_file_name("terraform.tfstate.journal");
    {
        let mut run = LocalBackend::new(&path);
        run.read().unwrap();
        run.persist_changes(&[set("a", 0, 4), set("a", 1, 4)]).unwrap();
    }
    // Simulate a crash in the middle of writing a third line.
    let mut bytes = std::fs::read(&journal).unwrap();
    let partial = br#"{"op":"set_current","resource":{"mode":"managed","type":"terraf"#;
    bytes.extend_from_slice(partial);
    std::fs::write(&journal, &bytes).unwrap();

    let mut run = LocalBackend::new(&path);
    assert_eq!(run.read().unwrap().unwrap().instance_addrs().count(), 2);
    run.persist_change(&set("a", 2, 4)).unwrap();
    let recovered = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(recovered.instance_addrs().count(), 3, "the torn tail was cut before appending");
}

#[test]
fn a_damaged_line_in_the_middle_is_an_error_not_silent_loss() {
    let (_dir, path) = dir_with_state();
    let journal = path.with_file_name("terraform.tfstate.journal");
    {
        let mut run = LocalBackend::new(&path);
        run.read().unwrap();
        run.persist_changes(&[set("a", 0, 4), set("a", 1, 4)]).unwrap();
    }
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{garbage";
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    let err = LocalBackend::new(&path).read().unwrap_err();
    assert!(matches!(err, BackendError::Journal(_)), "{err}");
}

/// Fold `run`'s journal into a snapshot of `state`, then put the journal back as a crash
/// before its removal reached the disk would; the snapshot's serial.
fn fold_and_bring_back_the_journal(
    mut run: LocalBackend,
    state: &State,
    journal: &std::path::Path,
) -> u64 {
    let leftover = std::fs::read(journal).unwrap();
    let serial = run.persist_snapshot(state).unwrap().serial;
    assert!(!journal.exists());
    std::fs::write(journal, &leftover).unwrap();
    serial
}

#[test]
fn a_journal_left_behind_by_the_first_snapshot_is_ignored_and_loses_nothing() {
    // The window of a crash in a fresh directory: the first snapshot has been renamed into
    // place but the journal (started before any snapshot existed) not yet removed.
    let (_dir, path) = dir_with_state();
    let journal = path.with_file_name("terraform.tfstate.journal");
    let mut run = LocalBackend::new(&path);
    let mut state = run.read_or_new().unwrap();
    let changes = [set("a", 0, 4), set("a", 1, 4), set("b", 0, 4)];
    for change in &changes {
        state.apply(change);
        run.persist_change(change).unwrap();
    }
    assert_eq!(fold_and_bring_back_the_journal(run, &state, &journal), 1);

    let mut next = LocalBackend::new(&path);
    let loaded = next.read().unwrap().unwrap();
    assert_eq!(loaded, snapshot(&path));
    assert_eq!(loaded.lineage, state.lineage);
    let addrs: Vec<String> = loaded.instance_addrs().map(|a| a.to_string()).collect();
    assert_eq!(addrs, ["terraform_data.a[0]", "terraform_data.a[1]", "terraform_data.b[0]"]);
    // The next run journals and snapshots on top as usual, replacing the stale journal.
    let mut latest = next.read_or_new().unwrap();
    latest.apply(&set("c", 0, 4));
    next.persist_change(&set("c", 0, 4)).unwrap();
    assert_eq!(LocalBackend::new(&path).read().unwrap().unwrap().instance_addrs().count(), 4);
    assert_eq!(next.persist_snapshot(&latest).unwrap().serial, 2);
}

#[test]
fn a_journal_left_behind_by_a_later_snapshot_is_ignored_and_loses_nothing() {
    // The journal's removal after a snapshot is not synced: a crash may bring back the
    // journal of serial 1 beside the snapshot of serial 2 that folded it in.
    let (_dir, path) = dir_with_state();
    let journal = path.with_file_name("terraform.tfstate.journal");
    let mut run = LocalBackend::new(&path);
    let mut state = run.read_or_new().unwrap();
    state.apply(&set("a", 0, 4));
    run.persist_change(&set("a", 0, 4)).unwrap();
    assert_eq!(run.persist_snapshot(&state).unwrap().serial, 1);
    let mut state = run.read_or_new().unwrap();
    for change in [set("b", 0, 4), set("b", 1, 4)] {
        state.apply(&change);
        run.persist_change(&change).unwrap();
    }
    assert_eq!(fold_and_bring_back_the_journal(run, &state, &journal), 2);

    let mut next = LocalBackend::new(&path);
    let loaded = next.read().unwrap().unwrap();
    assert_eq!(loaded, snapshot(&path));
    assert_eq!(loaded.serial, 2);
    assert_eq!(loaded.instance_addrs().count(), 3);
    // Nothing of the stale journal is replayed on top of the next changes either.
    let mut latest = next.read_or_new().unwrap();
    latest.apply(&set("c", 0, 4));
    next.persist_change(&set("c", 0, 4)).unwrap();
    assert_eq!(LocalBackend::new(&path).read().unwrap().unwrap(), latest);
    assert_eq!(next.persist_snapshot(&latest).unwrap().serial, 3);
}

#[test]
fn a_new_state_keeps_the_lineage_its_journal_was_started_with() {
    let (_dir, path) = dir_with_state();
    let mut run = LocalBackend::new(&path);
    let state = run.read_or_new().unwrap();
    assert_eq!(run.read_or_new().unwrap().lineage, state.lineage, "handed out once");
    run.persist_change(&set("a", 0, 4)).unwrap();
    // A crashed run's journal: the next run recovers the same lineage.
    drop(run);
    let mut next = LocalBackend::new(&path);
    let mut recovered = next.read_or_new().unwrap();
    assert_eq!(recovered.lineage, state.lineage);
    // Folding the journal into a snapshot of another lineage is refused, not left to break
    // the next load.
    let lineage = recovered.lineage.clone();
    recovered.lineage = batchform_state::new_lineage();
    assert!(matches!(next.persist_snapshot(&recovered), Err(BackendError::Refused(_))));
    assert!(!path.exists());
    recovered.lineage = lineage;
    assert_eq!(next.persist_snapshot(&recovered).unwrap().serial, 1);
    assert_eq!(snapshot(&path).lineage, state.lineage);
}

#[test]
fn a_journal_of_another_history_is_refused() {
    let (_dir, path) = dir_with_state();
    let journal = path.with_file_name("terraform.tfstate.journal");
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    LocalBackend::new(&path).persist_snapshot(&state).unwrap();
    std::fs::write(
        &journal,
        "{\"batchform_journal\":1,\"lineage\":\"00000000-0000-0000-0000-000000000000\",\"base_serial\":1}\n",
    )
    .unwrap();
    let err = LocalBackend::new(&path).read().unwrap_err();
    assert!(matches!(err, BackendError::JournalMismatch { .. }), "{err}");
}

#[test]
fn unreadable_states_are_errors_and_never_overwritten() {
    let (_dir, path) = dir_with_state();
    for bad in [
        &b"{\"version\": 4, \"serial\": "[..],
        b"{\"serial\": 1}",
        b"{\"version\": 5, \"terraform_version\": \"9.0.0\"}",
    ] {
        std::fs::write(&path, bad).unwrap();
        let mut backend = LocalBackend::new(&path);
        assert!(matches!(backend.read(), Err(BackendError::Decode { .. })));
        assert!(backend.persist_snapshot(&State::new()).is_err());
        assert!(backend.persist_change(&set("a", 0, 1)).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), bad);
    }
    std::fs::write(&path, "").unwrap();
    assert_eq!(LocalBackend::new(&path).read().unwrap(), None, "an empty file is no state");
}

#[test]
fn a_second_locker_waits_then_fails_with_the_holders_info() {
    let (_dir, path) = dir_with_state();
    let mut holder = LocalBackend::new(&path);
    let info = holder.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    assert_eq!(info.pid, Some(std::process::id()));
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(holder.lock_info_path()).unwrap()).unwrap();
    for key in ["ID", "Operation", "Info", "Who", "Version", "Created", "Path", "PID"] {
        assert!(on_disk.get(key).is_some(), "lock info lacks {key}");
    }

    let mut other = LocalBackend::new(&path);
    let start = Instant::now();
    let err = other
        .lock(&LockRequest::new("OperationTypeApply"), Duration::from_millis(400))
        .unwrap_err();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(3), "{waited:?}");
    match err {
        BackendError::Locked { holder: Some(h) } => assert_eq!(h.id, info.id),
        other => panic!("expected Locked with info, got {other}"),
    }

    // Released: the info file goes and the waiter gets the lock.
    holder.unlock().unwrap();
    assert!(!holder.lock_info_path().exists());
    let start = Instant::now();
    other.lock(&LockRequest::new("OperationTypeApply"), Duration::from_secs(5)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_waiter_gets_the_lock_as_soon_as_it_is_released() {
    let (_dir, path) = dir_with_state();
    let mut holder = LocalBackend::new(&path);
    holder.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    let waiter_path = path.clone();
    let waiter = std::thread::spawn(move || {
        let mut b = LocalBackend::new(&waiter_path);
        let started = Instant::now();
        b.lock(&LockRequest::new("OperationTypeApply"), Duration::from_secs(10))
            .map(|_| started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    holder.unlock().unwrap();
    let waited = waiter.join().unwrap().unwrap();
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

#[test]
fn force_unlock_removes_only_a_stale_lock_with_the_right_id() {
    let (_dir, path) = dir_with_state();
    let mut holder = LocalBackend::new(&path);
    let info = holder.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    // A live holder keeps its lock.
    let err = LocalBackend::new(&path).force_unlock(&info.id).unwrap_err();
    assert!(matches!(err, BackendError::LockHeld { .. }), "{err}");
    // Simulate a crash: the OS lock goes with the process, the info file stays.
    let stale = std::fs::read(holder.lock_info_path()).unwrap();
    drop(holder);
    let lock_path = path.with_file_name(".terraform.tfstate.lock.info");
    std::fs::write(&lock_path, &stale).unwrap();
    let mut backend = LocalBackend::new(&path);
    let err = backend.force_unlock("wrong-id").unwrap_err();
    assert!(matches!(err, BackendError::LockIdMismatch { .. }), "{err}");
    assert!(lock_path.exists());
    assert_eq!(backend.force_unlock(&info.id).unwrap().id, info.id);
    assert!(!lock_path.exists());
    assert!(matches!(backend.force_unlock(&info.id), Err(BackendError::NotLocked)));
    // A stale info file never blocks a new lock either.
    std::fs::write(&lock_path, &stale).unwrap();
    LocalBackend::new(&path).lock(&LockRequest::new("x"), Duration::ZERO).unwrap();
}

#[test]
fn push_follows_terraforms_rules() {
    let (_dir, path) = dir_with_state();
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    state.serial = 5;
    // Into an empty slot the serial is kept.
    let p = LocalBackend::new(&path).push_snapshot(&state, false).unwrap();
    assert_eq!(p.serial, 5);
    let current = snapshot(&path);

    let mut other_lineage = current.clone();
    other_lineage.lineage = batchform_state::new_lineage();
    let mut lower = current.clone();
    lower.serial = 4;
    let mut same_serial = current.clone();
    same_serial.apply(&set("a", 1, 4));
    for (case, msg) in [
        (&other_lineage, "cannot import state with lineage"),
        (&lower, "cannot import state with serial 4 over newer state with serial 5"),
        (
            &same_serial,
            "cannot overwrite existing state with serial 5 with a different state that has the same serial",
        ),
    ] {
        match LocalBackend::new(&path).push_snapshot(case, false) {
            Err(BackendError::Refused(text)) => assert!(text.contains(msg), "{text}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&path), current);
    // -force writes it anyway, one past its own serial.
    let forced = LocalBackend::new(&path).push_snapshot(&other_lineage, true).unwrap();
    assert_eq!(forced.serial, 6);
    assert_eq!(snapshot(&path).lineage, other_lineage.lineage);
    // A newer serial of the same lineage is accepted without -force.
    let mut newer = snapshot(&path);
    newer.serial = 9;
    newer.apply(&set("b", 0, 4));
    assert_eq!(LocalBackend::new(&path).push_snapshot(&newer, false).unwrap().serial, 10);
}

#[test]
fn errored_state_is_written_for_the_user_to_push() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    let written = batchform_state::write_errored_state(dir.path(), &state).unwrap();
    assert_eq!(written, dir.path().join("errored.tfstate"));
    assert_eq!(snapshot(&written).resources, state.resources);
}

#[test]
fn a_failed_final_write_leaves_the_journal_intact() {
    let (dir, path) = dir_with_state();
    let mut run = LocalBackend::new(&path);
    run.read().unwrap();
    run.persist_change(&set("a", 0, 4)).unwrap();
    let mut state = State::new();
    state.apply(&set("a", 0, 4));
    // Make the snapshot's target impossible to replace: a directory where the file goes.
    std::fs::create_dir(&path).unwrap();
    assert!(run.persist_snapshot(&state).is_err());
    std::fs::remove_dir(&path).unwrap();
    let recovered = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(recovered.instance_addrs().count(), 1);
    drop(dir);
}

/// A local backend whose syncs take a known time, like a slow disk: while one sync runs, the
/// other workers' changes must queue up and go to disk together in the next.
struct SlowDisk {
    inner: LocalBackend,
    sync_time: Duration,
    largest_batch: usize,
}

impl Backend for SlowDisk {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn lock(
        &mut self,
        r: &LockRequest,
        t: Duration,
    ) -> Result<batchform_state::LockInfo, BackendError> {
        self.inner.lock(r, t)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.inner.unlock()
    }
    fn read(&mut self) -> Result<Option<State>, BackendError> {
        self.inner.read()
    }
    fn read_or_new(&mut self) -> Result<State, BackendError> {
        self.inner.read_or_new()
    }
    fn persist_changes(&mut self, changes: &[StateChange]) -> Result<(), BackendError> {
        self.largest_batch = self.largest_batch.max(changes.len());
        self.inner.persist_changes(changes)?;
        std::thread::sleep(self.sync_time);
        Ok(())
    }
    fn persist_snapshot(
        &mut self,
        state: &State,
    ) -> Result<batchform_state::Persisted, BackendError> {
        self.inner.persist_snapshot(state)
    }
    fn push_snapshot(
        &mut self,
        state: &State,
        force: bool,
    ) -> Result<batchform_state::Persisted, BackendError> {
        self.inner.push_snapshot(state, force)
    }
}

#[test]
fn concurrent_persists_share_syncs_and_all_become_durable() {
    const THREADS: i64 = 8;
    const EACH: i64 = 50;
    let (_dir, path) = dir_with_state();
    let mut inner = LocalBackend::new(&path);
    let state = inner.read_or_new().unwrap();
    let backend = SlowDisk { inner, sync_time: Duration::from_millis(5), largest_batch: 0 };
    let group = std::sync::Arc::new(batchform_state::GroupCommit::new(backend));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let group = group.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    group.persist(set(&format!("t{t}"), i, 100)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let syncs = group.syncs();
    let changes = (THREADS * EACH) as u64;
    // One sync per change would be 400; with 8 workers waiting on each 5 ms sync, a sync
    // carries about 7 changes. A quarter of one-per-change leaves room for a loaded machine
    // and still fails if changes are not grouped.
    assert!(syncs <= changes / 4, "{changes} persists took {syncs} syncs: not shared");
    let recovered = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(recovered.instance_addrs().count() as u64, changes);
    assert_eq!(recovered.lineage, state.lineage);
    // The backend comes back for the final snapshot.
    let mut backend = group.close().unwrap();
    assert!(matches!(group.persist(set("late", 0, 4)), Err(BackendError::Closed)));
    assert!(backend.largest_batch > 1);
    assert_eq!(backend.persist_snapshot(&recovered).unwrap().serial, 1);
    eprintln!(
        "{changes} concurrent persists in {syncs} syncs (largest batch {})",
        backend.largest_batch
    );
}

#[test]
fn a_state_path_in_a_missing_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env/prod/terraform.tfstate");
    let mut backend = LocalBackend::new(&path);
    backend.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    backend.persist_change(&set("a", 0, 4)).unwrap();
    let state = backend.read().unwrap().unwrap();
    backend.persist_snapshot(&state).unwrap();
    backend.unlock().unwrap();
    assert_eq!(snapshot(&path).instance_addrs().count(), 1);
}

#[test]
fn closing_the_group_committer_hands_back_the_locked_backend_despite_stray_holders() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    backend.lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO).unwrap();
    let mut state = backend.read_or_new().unwrap();
    let group = std::sync::Arc::new(batchform_state::GroupCommit::new(backend));
    let stray = group.clone();
    group.persist(set("a", 0, 4)).unwrap();
    state.apply(&set("a", 0, 4));
    let mut backend = group.close().unwrap();
    assert!(group.close().is_none(), "handed back once");
    // Still locked while the final snapshot is written, and nothing can be journaled after it.
    let other =
        LocalBackend::new(&path).lock(&LockRequest::new("OperationTypeApply"), Duration::ZERO);
    assert!(matches!(other, Err(BackendError::Locked { .. })), "{other:?}");
    assert!(matches!(stray.persist(set("a", 1, 4)), Err(BackendError::Closed)));
    assert_eq!(backend.persist_snapshot(&state).unwrap().serial, 1);
    backend.unlock().unwrap();
    assert_eq!(snapshot(&path).instance_addrs().count(), 1);
    assert!(!backend.journal_path().exists());
}

fn intent(i: i64, token: &str) -> StateChange {
    StateChange::IntendCreate {
        intent: batchform_state::CreateIntent {
            addr: ResourceAddr::managed("openai_batch", "b").instance(InstanceKey::Int(i)),
            provider: "provider[\"registry.terraform.io/batchform/openai\"]".into(),
            token: token.into(),
            time: 1_765_000_000 + i,
        },
    }
}

#[test]
fn create_intents_replay_from_the_journal_after_a_crash() {
    let (_dir, path) = dir_with_state();
    {
        let mut backend = LocalBackend::new(&path);
        let mut state = backend.read_or_new().unwrap();
        record(&mut backend, &mut state, [intent(0, "t0"), intent(1, "t1"), set("x", 0, 1)]);
        let resolve = StateChange::ResolveCreate { token: "t0".into() };
        backend.persist_change(&resolve).unwrap();
        // Dropped without a snapshot: a kill.
    }
    let state = LocalBackend::new(&path).read().unwrap().unwrap();
    let tokens: Vec<&String> = state.pending_creates.keys().collect();
    assert_eq!(tokens, ["t1"]);
    let t1 = &state.pending_creates["t1"];
    assert_eq!(t1.addr.to_string(), "openai_batch.b[1]");
    assert_eq!(t1.time, 1_765_000_001);
    assert_eq!(state.instance_addrs().count(), 1);
}

#[test]
fn unresolved_intents_survive_folding_into_a_sidecar_that_goes_when_empty() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    let mut state = backend.read_or_new().unwrap();
    record(&mut backend, &mut state, [intent(0, "t0"), intent(1, "t1"), set("x", 0, 1)]);
    backend.persist_snapshot(&state).unwrap();
    let sidecar = backend.intents_path().to_path_buf();
    assert!(sidecar.exists());
    assert!(!backend.journal_path().exists());
    // The Terraform-format file holds no trace of them and stays schema-valid.
    let bytes = std::fs::read(&path).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("t0"));
    assert_schema_valid(&bytes);
    drop(backend);

    let mut backend = LocalBackend::new(&path);
    let mut state = backend.read().unwrap().unwrap();
    assert_eq!(state.pending_creates.keys().collect::<Vec<_>>(), ["t0", "t1"]);
    // A resolution journaled after the fold applies on top of the sidecar.
    let resolve = StateChange::ResolveCreate { token: "t0".into() };
    state.apply(&resolve);
    backend.persist_change(&resolve).unwrap();
    drop(backend);
    let mut backend = LocalBackend::new(&path);
    let mut state = backend.read().unwrap().unwrap();
    assert_eq!(state.pending_creates.keys().collect::<Vec<_>>(), ["t1"]);
    // Resolving the last one and folding removes the sidecar; the snapshot content (and so
    // its serial) does not change for intents alone.
    let serial = state.serial;
    let resolve = StateChange::ResolveCreate { token: "t1".into() };
    state.apply(&resolve);
    backend.persist_change(&resolve).unwrap();
    let persisted = backend.persist_snapshot(&state).unwrap();
    assert_eq!(persisted.serial, serial);
    assert!(!sidecar.exists());
    drop(backend);
    let state = LocalBackend::new(&path).read().unwrap().unwrap();
    assert!(state.pending_creates.is_empty());
}

#[test]
fn a_crash_between_sidecar_and_snapshot_keeps_every_intent() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    let mut state = backend.read_or_new().unwrap();
    state.apply(&set("x", 0, 1));
    backend.persist_change(&set("x", 0, 1)).unwrap();
    backend.persist_snapshot(&state).unwrap();
    record(&mut backend, &mut state, [intent(0, "t0"), intent(1, "t1")]);
    // The fold writes the sidecar before it touches the snapshot or the journal: when that
    // write fails (a directory in its place), both are left as they were.
    let old = std::fs::read(&path).unwrap();
    std::fs::create_dir(backend.intents_path()).unwrap();
    assert!(backend.persist_snapshot(&state).is_err());
    assert!(backend.journal_path().exists());
    assert_eq!(std::fs::read(&path).unwrap(), old);
    drop(backend);
    std::fs::remove_dir(LocalBackend::new(&path).intents_path()).unwrap();
    let state = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(state.pending_creates.keys().collect::<Vec<_>>(), ["t0", "t1"]);
}

#[test]
fn pushing_a_state_keeps_the_open_creates_of_the_one_it_replaces() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    let mut state = backend.read_or_new().unwrap();
    record(&mut backend, &mut state, [set("x", 0, 1)]);
    state.serial = backend.persist_snapshot(&state).unwrap().serial;
    record(&mut backend, &mut state, [intent(0, "t0"), set("x", 1, 1)]);
    drop(backend); // killed: the journal holds the open create
    // `state push` of a state like it (the format has no place for intents).
    let mut pulled = state.clone();
    pulled.pending_creates.clear();
    pulled.serial += 1;
    let mut backend = LocalBackend::new(&path);
    backend.push_snapshot(&pulled, false).unwrap();
    assert!(!backend.journal_path().exists());
    drop(backend);
    let state = LocalBackend::new(&path).read().unwrap().unwrap();
    assert_eq!(state.pending_creates.keys().collect::<Vec<_>>(), ["t0"]);
    assert_eq!(state.instance_addrs().count(), 2);
}

#[test]
fn a_damaged_intents_sidecar_is_an_error_not_silently_dropped() {
    let (_dir, path) = dir_with_state();
    let mut backend = LocalBackend::new(&path);
    let state = backend.read_or_new().unwrap();
    backend.persist_snapshot(&state).unwrap();
    std::fs::write(backend.intents_path(), "{not json").unwrap();
    drop(backend);
    let err = LocalBackend::new(&path).read().unwrap_err();
    assert!(matches!(err, BackendError::Intents { .. }), "{err}");
}
