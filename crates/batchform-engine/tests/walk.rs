//! The planner and the apply walk with a scripted provider: actions and reasons, dependency
//! order, bounded parallelism, failures that stop only dependents, durable persistence of
//! every change, deferred resources, and a second plan that finds nothing to do.

use batchform_config::model::Config;
use batchform_config::scope::Paths;
use batchform_config::source::SourceFile;
use batchform_core::provider::*;
use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::{Diagnostic, Diagnostics, ProviderSchema, Type, Value};
use batchform_engine::apply::{Cancel, MemoryPersister, Persister, apply};
use batchform_engine::hooks::NoHooks;
use batchform_engine::operation::Operation;
use batchform_engine::plan::{Action, ActionReason};
use batchform_engine::planner::{PlanOptions, plan};
use batchform_engine::providers::{ProviderFactory, ProviderSet};
use batchform_state::{State, StateChange};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// `mock_thing`: `name` forces replacement, `note` updates in place, `id` and `echo` are
/// computed (`echo` = name). Names starting with "fail" fail to create.
#[derive(Default)]
struct Mock {
    next_id: AtomicUsize,
    log: Mutex<Vec<String>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    /// When set, creates can be found again: objects by the create token they carried.
    finds: Mutex<Option<BTreeMap<String, Value>>>,
    /// How long a read takes (ms); reads and plans are logged in `events` when set.
    read_ms: std::sync::atomic::AtomicU64,
    events: Mutex<Vec<String>>,
    /// A read of this address fails.
    fail_read: Mutex<Option<String>>,
}

fn schema() -> Schema {
    let attributes = BTreeMap::from([
        ("id".to_string(), Attribute::computed(Type::String)),
        ("name".to_string(), Attribute::required(Type::String)),
        ("note".to_string(), Attribute::optional(Type::String)),
        ("echo".to_string(), Attribute::computed(Type::String)),
    ]);
    Schema { version: 0, block: Block { attributes, ..Block::default() } }
}

#[async_trait::async_trait]
impl Provider for Mock {
    fn schema(&self) -> ProviderSchema {
        ProviderSchema {
            resources: BTreeMap::from([("mock_thing".to_string(), schema())]),
            ..ProviderSchema::default()
        }
    }
    async fn configure(&self, _r: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
    fn finds_created(&self, _type_name: &str) -> bool {
        self.finds.lock().unwrap().is_some()
    }
    async fn find_created(&self, r: FindCreatedRequest) -> FindCreatedResponse {
        let finds = self.finds.lock().unwrap();
        let state = finds.as_ref().and_then(|f| f.get(&r.token)).cloned();
        FindCreatedResponse { state, ..Default::default() }
    }
    async fn read_resource(&self, r: ReadResourceRequest) -> ReadResourceResponse {
        let ms = self.read_ms.load(Ordering::SeqCst);
        if ms > 0 {
            self.events.lock().unwrap().push(format!("read {}", r.address));
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            self.events.lock().unwrap().push(format!("read done {}", r.address));
        }
        if self.fail_read.lock().unwrap().as_deref() == Some(r.address.as_str()) {
            let error = Diagnostic::error("Read failed", format!("{} cannot be read", r.address));
            return ReadResourceResponse { diagnostics: error.into(), ..Default::default() };
        }
        ReadResourceResponse { new_state: Some(r.prior_state), ..Default::default() }
    }
    async fn plan_resource_change(
        &self,
        r: PlanResourceChangeRequest,
    ) -> PlanResourceChangeResponse {
        if self.read_ms.load(Ordering::SeqCst) > 0 {
            self.events.lock().unwrap().push(format!("plan {}", r.address));
        }
        let mut planned = r.proposed_new_state.clone();
        if let Value::Object(attrs) = &mut planned {
            let name_changed = r
                .prior_state
                .as_ref()
                .map(|p| p.get_attr("name") != r.config.get_attr("name"))
                .unwrap_or(true);
            if name_changed {
                attrs.insert("echo".into(), Value::unknown(Type::String));
            }
            if r.prior_state.is_none() {
                attrs.insert("id".into(), Value::unknown(Type::String));
            }
        }
        PlanResourceChangeResponse {
            planned_state: Some(planned),
            requires_replace: vec![AttrPath::attr("name")],
            ..Default::default()
        }
    }
    async fn apply_resource_change(
        &self,
        r: ApplyResourceChangeRequest,
    ) -> ApplyResourceChangeResponse {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        let Some(planned) = r.planned_state else {
            self.log.lock().unwrap().push(format!("delete {}", r.address));
            return ApplyResourceChangeResponse::default();
        };
        let name =
            planned.get_attr("name").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        if name.starts_with("fail") {
            return ApplyResourceChangeResponse {
                diagnostics: Diagnostic::error("Boom", format!("{name} cannot be made")).into(),
                ..Default::default()
            };
        }
        self.log.lock().unwrap().push(format!("apply {}", r.address));
        let mut new = planned;
        if let Value::Object(attrs) = &mut new {
            if !attrs.get("id").is_some_and(Value::is_known) {
                let id = self.next_id.fetch_add(1, Ordering::SeqCst);
                attrs.insert("id".into(), Value::string(format!("id-{id}")));
            }
            attrs.insert("echo".into(), Value::string(name));
        }
        if let (Some(finds), Some(token)) = (self.finds.lock().unwrap().as_mut(), r.create_token) {
            finds.insert(token, new.clone());
        }
        ApplyResourceChangeResponse { new_state: Some(new), ..Default::default() }
    }
    async fn import_resource_state(
        &self,
        _r: ImportResourceStateRequest,
    ) -> ImportResourceStateResponse {
        ImportResourceStateResponse::default()
    }
    async fn read_data_source(&self, _r: ReadDataSourceRequest) -> ReadDataSourceResponse {
        ReadDataSourceResponse::default()
    }
}

struct Factory(Arc<Mock>);

impl ProviderFactory for Factory {
    fn create(&self, name: &str) -> Option<Arc<dyn Provider>> {
        (name == "mock").then(|| self.0.clone() as Arc<dyn Provider>)
    }
    fn source(&self, _name: &str) -> Option<String> {
        Some("test/mock".into())
    }
}

fn config(text: &str) -> Config {
    let file = SourceFile::new("main.tf", text);
    let (config, diags) = Config::load(&[file]);
    assert!(!diags.has_errors(), "{diags:?}");
    config
}

/// `count` instances of `mock_thing.many`, named `n-0`, `n-1`, ...
fn many(count: usize) -> Config {
    config(&format!(
        "resource \"mock_thing\" \"many\" {{\n  count = {count}\n  name  = \"n-${{count.index}}\"\n}}\n"
    ))
}

struct Run {
    mock: Arc<Mock>,
    providers: ProviderSet,
    variables: BTreeMap<String, Value>,
}

impl Run {
    fn new() -> Run {
        let mock = Arc::new(Mock::default());
        let mut providers = ProviderSet::new();
        providers.ensure(
            &batchform_config::model::ProviderConfigAddr::default_for("mock"),
            &Factory(mock.clone()),
        );
        Run { mock, providers, variables: BTreeMap::new() }
    }

    /// An operation over `config` with this run's provider, no variables and no functions.
    fn op<'a>(&'a self, config: &'a Config, parallelism: usize) -> Operation<'a> {
        Operation {
            config,
            variables: &self.variables,
            functions: &batchform_config::eval::NoFunctions,
            providers: &self.providers,
            hooks: Arc::new(NoHooks),
            paths: Paths::default(),
            parallelism,
        }
    }

    /// Plan `cfg` from an empty state, then apply it through `persister`; the outcome and
    /// how long the apply took (in tokio's time, which tests may pause).
    async fn timed_apply(
        &self,
        cfg: &Config,
        parallelism: usize,
        persister: Arc<dyn Persister>,
    ) -> (batchform_engine::apply::ApplyOutcome, std::time::Duration) {
        let op = self.op(cfg, parallelism);
        let p = plan(&op, State::new(), &PlanOptions::default()).await;
        let started = tokio::time::Instant::now();
        let outcome = apply(&op, &p, persister, &Cancel::new()).await;
        (outcome, started.elapsed())
    }

    async fn cycle(
        &self,
        cfg: &Config,
        state: State,
        parallelism: usize,
    ) -> (batchform_engine::plan::Plan, batchform_engine::apply::ApplyOutcome, Arc<MemoryPersister>)
    {
        let op = self.op(cfg, parallelism);
        let p = plan(&op, state, &PlanOptions { refresh: true, ..PlanOptions::default() }).await;
        assert!(!p.errored, "{:?}", p.diagnostics);
        let persister = Arc::new(MemoryPersister::default());
        let outcome = apply(&op, &p, persister.clone(), &Cancel::new()).await;
        (p, outcome, persister)
    }
}

const CHAIN: &str = r#"
resource "mock_thing" "a" {
  name = "a"
}
resource "mock_thing" "b" {
  count = 3
  name  = "b-${count.index}-${mock_thing.a.echo}"
}
output "names" {
  value = mock_thing.b[*].echo
}
"#;

#[tokio::test]
async fn creates_in_dependency_order_then_plans_nothing() {
    let run = Run::new();
    let cfg = config(CHAIN);
    let (p, outcome, persister) = run.cycle(&cfg, State::new(), 10).await;
    assert_eq!(p.summary(), (4, 0, 0, 0));
    assert!(p.changes.iter().all(|c| c.action == Action::Create));
    assert!(!outcome.diagnostics.has_errors(), "{:?}", outcome.diagnostics);
    assert_eq!(outcome.added, 4);
    let log = run.mock.log.lock().unwrap().clone();
    assert_eq!(log[0], "apply mock_thing.a", "a must be created before its dependents: {log:?}");
    // Every instance and the output were persisted.
    let persisted = persister.changes.lock().unwrap().len();
    assert_eq!(persisted, 5);
    let names = &outcome.state.outputs["names"].value;
    assert_eq!(names, &serde_json::json!(["b-0-a", "b-1-a", "b-2-a"]));
    // A second plan against the new state changes nothing.
    let (p2, _, _) = run.cycle(&cfg, outcome.state, 10).await;
    assert!(
        p2.changes.iter().all(|c| c.action == Action::NoOp),
        "{:?}",
        p2.changes.iter().map(|c| (c.addr.to_string(), c.action)).collect::<Vec<_>>()
    );
    assert!(!p2.has_changes());
}

#[tokio::test]
async fn replacement_update_and_deletion_reasons() {
    let run = Run::new();
    let (_, first, _) = run.cycle(&config(CHAIN), State::new(), 10).await;
    let edited = config(
        r#"
resource "mock_thing" "a" {
  name = "a2"
}
resource "mock_thing" "b" {
  count = 2
  name  = "b-${count.index}-${mock_thing.a.echo}"
  note  = "x"
}
"#,
    );
    let op = run.op(&edited, 4);
    let p = plan(&op, first.state, &PlanOptions { refresh: true, ..PlanOptions::default() }).await;
    let by_addr: BTreeMap<String, (Action, Option<ActionReason>)> =
        p.changes.iter().map(|c| (c.addr.to_string(), (c.action, c.reason))).collect();
    assert_eq!(
        by_addr["mock_thing.a"],
        (Action::DeleteThenCreate, Some(ActionReason::ReplaceBecauseCannotUpdate))
    );
    // b's name depends on a's new echo, unknown until a is replaced: replaced too.
    assert_eq!(by_addr["mock_thing.b[0]"].0, Action::DeleteThenCreate);
    assert_eq!(
        by_addr["mock_thing.b[2]"],
        (Action::Delete, Some(ActionReason::DeleteBecauseCountIndex))
    );
    assert_eq!(
        p.outputs.iter().find(|o| o.name == "names").map(|o| o.action),
        Some(Action::Delete)
    );
}

#[tokio::test]
async fn a_failure_stops_only_its_dependents() {
    let run = Run::new();
    let cfg = config(
        r#"
resource "mock_thing" "bad" {
  name = "fail-1"
}
resource "mock_thing" "after_bad" {
  name = "x-${mock_thing.bad.echo}"
}
resource "mock_thing" "independent" {
  count = 3
  name  = "ok-${count.index}"
}
"#,
    );
    let (_, outcome, _) = run.cycle(&cfg, State::new(), 10).await;
    assert!(outcome.diagnostics.has_errors());
    let log = run.mock.log.lock().unwrap().clone();
    assert!(!log.iter().any(|l| l.contains("after_bad")), "{log:?}");
    assert_eq!(log.iter().filter(|l| l.contains("independent")).count(), 3);
    assert_eq!(outcome.added, 3);
    assert!(
        outcome
            .state
            .current(
                &"mock_thing.independent[2]"
                    .parse::<batchform_core::TargetAddr>()
                    .map(|t| match t {
                        batchform_core::TargetAddr::Instance(i) => i,
                        _ => unreachable!(),
                    })
                    .unwrap()
            )
            .is_some()
    );
}

#[tokio::test]
async fn parallelism_bounds_concurrent_provider_calls() {
    let run = Run::new();
    let cfg = many(12);
    let (_, outcome, _) = run.cycle(&cfg, State::new(), 3).await;
    assert_eq!(outcome.added, 12);
    let max = run.mock.max_running.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max concurrent calls {max}");
}

/// Any `-parallelism` works, however large (the semaphores cannot hold `usize::MAX`).
#[tokio::test]
async fn the_largest_parallelism_is_accepted() {
    let run = Run::new();
    let cfg = many(3);
    let (p, outcome, _) = run.cycle(&cfg, State::new(), usize::MAX).await;
    assert_eq!(outcome.added, 3, "{:?}", outcome.diagnostics);
    // And the refresh of what was made.
    let op = run.op(&cfg, usize::MAX);
    let again =
        plan(&op, outcome.state, &PlanOptions { refresh: true, ..PlanOptions::default() }).await;
    assert!(!again.errored, "{:?}", again.diagnostics);
    assert!(!again.has_changes(), "{:?}", p.changes.len());
}

/// A store that accepts `ok` persists, then fails every one (a full disk).
struct FailingPersister {
    ok: std::sync::atomic::AtomicUsize,
    inner: MemoryPersister,
}

#[async_trait::async_trait]
impl Persister for FailingPersister {
    async fn persist(&self, change: StateChange) -> Result<(), String> {
        let left = self.ok.load(Ordering::SeqCst);
        if left == 0 {
            return Err("no space left on device".into());
        }
        self.ok.store(left - 1, Ordering::SeqCst);
        self.inner.persist(change).await
    }
}

/// Once a change cannot be persisted, no new provider call starts: what it would make
/// could not be recorded. The walk ends with the error.
#[tokio::test]
async fn no_call_starts_after_a_change_fails_to_persist() {
    // Without intents the one working persist records the first object, and the second
    // object's persist fails; a call slot is handed on as soon as a call returns, so the
    // third call may start while the second object is being persisted, but none after.
    // With intents the first intent is recorded and the second intent's persist fails
    // before its call. Nothing starts after the failure (the old walk made all 6 calls).
    for (with_intents, max_calls, added) in [(false, 3, 1), (true, 1, 0)] {
        let run = Run::new();
        if with_intents {
            *run.mock.finds.lock().unwrap() = Some(BTreeMap::new());
        }
        let cfg = many(6);
        let persister = Arc::new(FailingPersister {
            ok: std::sync::atomic::AtomicUsize::new(1),
            inner: MemoryPersister::default(),
        });
        let (outcome, _) = run.timed_apply(&cfg, 1, persister).await;
        let calls = run.mock.log.lock().unwrap().len();
        assert!(calls <= max_calls, "with_intents={with_intents}: {calls} calls of 6");
        assert!(outcome.diagnostics.has_errors());
        assert!(!outcome.interrupted, "not a Ctrl-C");
        assert_eq!(outcome.added, added, "with_intents={with_intents}");
    }
}

/// A durable store that takes `delay` per persist (an fsync on a busy disk).
struct SlowPersister {
    delay: std::time::Duration,
    inner: MemoryPersister,
}

#[async_trait::async_trait]
impl Persister for SlowPersister {
    async fn persist(&self, change: StateChange) -> Result<(), String> {
        tokio::time::sleep(self.delay).await;
        self.inner.persist(change).await
    }
}

/// `-parallelism` bounds provider calls only: a slow persist after each call does not hold
/// the call's slot, so N calls of latency L take about N*L/P, not N*(L+persist)/P.
#[tokio::test(start_paused = true)]
async fn slow_persistence_does_not_hold_a_provider_slot() {
    let run = Run::new();
    let cfg = many(12);
    let persister = Arc::new(SlowPersister {
        delay: std::time::Duration::from_millis(40),
        inner: MemoryPersister::default(),
    });
    let (outcome, elapsed) = run.timed_apply(&cfg, 3, persister.clone()).await;
    assert_eq!(outcome.added, 12);
    assert_eq!(persister.inner.changes.lock().unwrap().len(), 12);
    let max = run.mock.max_running.load(Ordering::SeqCst);
    assert!(max <= 3, "max concurrent calls {max}");
    // 12 calls of 20 ms, 3 at a time: 80 ms, plus the last persist (40 ms). Holding the slot
    // through the persist would take 4 x 60 = 240 ms.
    assert!(elapsed <= std::time::Duration::from_millis(130), "{elapsed:?}");
}

/// A create's intent is made durable before the create waits for a call slot, so a slow
/// intent sync overlaps the calls in flight instead of delaying the next call.
#[tokio::test(start_paused = true)]
async fn create_intents_are_synced_before_waiting_for_a_slot() {
    let run = Run::new();
    *run.mock.finds.lock().unwrap() = Some(BTreeMap::new());
    let cfg = many(12);
    let persister = Arc::new(SlowPersister {
        delay: std::time::Duration::from_millis(40),
        inner: MemoryPersister::default(),
    });
    let (outcome, elapsed) = run.timed_apply(&cfg, 3, persister.clone()).await;
    assert_eq!(outcome.added, 12);
    assert!(outcome.state.pending_creates.is_empty());
    assert!(run.mock.max_running.load(Ordering::SeqCst) <= 3);
    // Each intent is written before its call: 12 intents, 12 objects with their resolution.
    let changes = persister.inner.changes.lock().unwrap().clone();
    for (i, change) in changes.iter().enumerate() {
        if let StateChange::SetCurrent { addr, .. } = change {
            assert!(
                changes[..i].iter().any(
                    |c| matches!(c, StateChange::IntendCreate { intent } if &intent.addr == addr)
                ),
                "{addr} recorded before its intent"
            );
        }
    }
    assert_eq!(
        changes.iter().filter(|c| matches!(c, StateChange::IntendCreate { .. })).count(),
        12
    );
    // The last object and its resolution take 2 x 40 ms after the last call. With each
    // intent synced inside the slot, a slot spends 40 + 20 ms per create: 4 x 60 + 80 =
    // 320 ms. Synced ahead of the slot, the syncs overlap the calls: 220 ms.
    assert!(elapsed <= std::time::Duration::from_millis(240), "{elapsed:?}");
}

/// Ctrl-C while creates wait for a slot: they never call the provider, their intents are
/// resolved (nothing was created for them), and the walk ends interrupted.
#[tokio::test(start_paused = true)]
async fn an_interrupt_undoes_the_intents_of_creates_still_waiting_for_a_slot() {
    let run = Run::new();
    *run.mock.finds.lock().unwrap() = Some(BTreeMap::new());
    let cfg = many(5);
    let op = run.op(&cfg, 1);
    let p = plan(&op, State::new(), &PlanOptions::default()).await;
    let persister = Arc::new(MemoryPersister::default());
    let cancel = Cancel::new();
    let outcome = {
        let walk = apply(&op, &p, persister.clone(), &cancel);
        let interrupt = async {
            // The first call (20 ms) is under way; the next create waits for its slot.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            cancel.cancel();
        };
        let (outcome, ()) = tokio::join!(walk, interrupt);
        outcome
    };
    assert!(outcome.interrupted);
    assert_eq!(outcome.added, 1, "the running create finishes");
    assert_eq!(run.mock.log.lock().unwrap().len(), 1, "no call after the interrupt");
    assert!(outcome.state.pending_creates.is_empty(), "{:?}", outcome.state.pending_creates);
    let changes = persister.changes.lock().unwrap().clone();
    let intents = changes.iter().filter(|c| matches!(c, StateChange::IntendCreate { .. })).count();
    let resolved =
        changes.iter().filter(|c| matches!(c, StateChange::ResolveCreate { .. })).count();
    assert!(intents >= 2, "a waiting create had its intent written ahead: {changes:?}");
    assert_eq!(intents, resolved, "{changes:?}");
}

#[tokio::test]
async fn unknown_count_defers_the_resource_and_its_dependents() {
    let run = Run::new();
    let cfg = config(
        r#"
resource "mock_thing" "a" {
  name = "a"
}
resource "mock_thing" "later" {
  count = mock_thing.a.echo == "" ? 0 : 2
  name  = "later"
}
resource "mock_thing" "after_later" {
  name = mock_thing.later[0].echo
}
"#,
    );
    let (p, outcome, _) = run.cycle(&cfg, State::new(), 4).await;
    let deferred: Vec<String> = p.deferred.iter().map(|d| d.addr.to_string()).collect();
    assert_eq!(deferred, ["mock_thing.after_later", "mock_thing.later"]);
    assert_eq!(outcome.added, 1);
    // The next run knows the count and creates the rest.
    let (p2, outcome2, _) = run.cycle(&cfg, outcome.state, 4).await;
    assert!(p2.deferred.is_empty());
    assert_eq!(outcome2.added, 3);
}

fn thing(id: &str, name: &str) -> Value {
    Value::object(BTreeMap::from([
        ("id".to_string(), Value::string(id)),
        ("name".to_string(), Value::string(name)),
        ("note".to_string(), Value::NULL),
        ("echo".to_string(), Value::string(name)),
    ]))
}

fn intent(name: &str, token: &str) -> StateChange {
    StateChange::IntendCreate {
        intent: batchform_state::CreateIntent {
            addr: batchform_core::ResourceAddr::managed("mock_thing", name)
                .instance(batchform_core::InstanceKey::None),
            provider: "provider[\"test/mock\"]".into(),
            token: token.into(),
            time: 1_765_000_000,
        },
    }
}

#[tokio::test]
async fn creates_are_announced_by_an_intent_and_resolved_after_their_object() {
    let run = Run::new();
    *run.mock.finds.lock().unwrap() = Some(BTreeMap::new());
    let cfg = config(r#"resource "mock_thing" "a" { name = "a" }"#);
    let (_, outcome, persister) = run.cycle(&cfg, State::new(), 10).await;
    assert!(!outcome.diagnostics.has_errors(), "{:?}", outcome.diagnostics);
    let changes = persister.changes.lock().unwrap().clone();
    let [
        StateChange::IntendCreate { intent },
        StateChange::SetCurrent { .. },
        StateChange::ResolveCreate { token },
    ] = &changes[..]
    else {
        panic!("unexpected changes {changes:?}");
    };
    assert_eq!(&intent.token, token);
    assert_eq!(intent.addr.to_string(), "mock_thing.a");
    // The provider received the same token with the create.
    assert!(run.mock.finds.lock().unwrap().as_ref().unwrap().contains_key(token));
    assert!(outcome.state.pending_creates.is_empty());
}

#[tokio::test]
async fn objects_of_interrupted_creates_are_adopted_kept_or_destroyed() {
    let run = Run::new();
    *run.mock.finds.lock().unwrap() = Some(BTreeMap::from([
        ("t-kept".to_string(), thing("id-kept", "a")),
        ("t-gone".to_string(), thing("id-gone", "gone")),
        ("t-dup".to_string(), thing("id-dup", "b")),
    ]));
    let cfg = config(
        r#"
resource "mock_thing" "a" { name = "a" }
resource "mock_thing" "b" { name = "b" }
resource "mock_thing" "c" { name = "c" }
"#,
    );
    let mut state = State::new();
    // b already has an object; c's create made nothing.
    state.set_current(
        &batchform_core::ResourceAddr::managed("mock_thing", "b")
            .instance(batchform_core::InstanceKey::None),
        "provider[\"test/mock\"]",
        batchform_state::ObjectState::new(
            serde_json::json!({"id": "id-b", "name": "b", "note": null, "echo": "b"}),
        ),
    );
    for (name, token) in [("a", "t-kept"), ("gone", "t-gone"), ("b", "t-dup"), ("c", "t-none")] {
        state.apply(&intent(name, token));
    }
    let (p, outcome, persister) = run.cycle(&cfg, state, 10).await;
    let actions: BTreeMap<String, Action> = p
        .changes
        .iter()
        .map(|c| {
            (format!("{}{}", c.addr, if c.deposed.is_some() { " deposed" } else { "" }), c.action)
        })
        .collect();
    // a: adopted and matches its configuration; gone: adopted but no longer configured;
    // b: the found object is deposed and destroyed, the recorded one kept; c: created.
    assert_eq!(actions.get("mock_thing.a"), Some(&Action::NoOp), "{actions:?}");
    assert_eq!(actions.get("mock_thing.gone"), Some(&Action::Delete), "{actions:?}");
    assert_eq!(actions.get("mock_thing.b deposed"), Some(&Action::Delete), "{actions:?}");
    assert_eq!(actions.get("mock_thing.b"), Some(&Action::NoOp), "{actions:?}");
    assert_eq!(actions.get("mock_thing.c"), Some(&Action::Create), "{actions:?}");
    assert!(p.refreshed_state.pending_creates.is_empty());
    assert!(!outcome.diagnostics.has_errors(), "{:?}", outcome.diagnostics);
    let log = run.mock.log.lock().unwrap().clone();
    assert!(log.contains(&"delete mock_thing.gone".to_string()), "{log:?}");
    assert_eq!(log.iter().filter(|l| l.starts_with("delete mock_thing.b")).count(), 1, "{log:?}");
    // The adoption and the resolutions were persisted, so a crash after the plan keeps them.
    let changes = persister.changes.lock().unwrap().clone();
    let resolved: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            StateChange::ResolveCreate { token } => Some(token.as_str()),
            _ => None,
        })
        .collect();
    for token in ["t-kept", "t-gone", "t-dup", "t-none"] {
        assert!(resolved.contains(&token), "{token} not resolved: {changes:?}");
    }
    let id_of = |name: &str| {
        let addr = batchform_core::ResourceAddr::managed("mock_thing", name)
            .instance(batchform_core::InstanceKey::None);
        outcome.state.current(&addr).map(|o| o.attributes["id"].clone())
    };
    assert_eq!(id_of("a"), Some(serde_json::json!("id-kept")));
    assert_eq!(id_of("b"), Some(serde_json::json!("id-b")));
    assert!(
        outcome
            .state
            .resource(&batchform_core::ResourceAddr::managed("mock_thing", "gone"))
            .is_none()
    );
    assert!(outcome.state.pending_creates.is_empty());
    // And the next plan has nothing to do.
    let (p2, _, _) = run.cycle(&cfg, outcome.state, 10).await;
    assert!(!p2.has_changes());
}

const WIDE: &str = r#"
resource "mock_thing" "z" {
  name = "z"
}
resource "mock_thing" "b" {
  count = 12
  name  = "b-${count.index}-${mock_thing.z.echo}"
}
"#;

/// Plan `WIDE` again over `state`, with reads taking 20 ms, two at a time.
async fn replan_slowly(run: &Run, cfg: &Config, state: State) -> batchform_engine::plan::Plan {
    run.mock.read_ms.store(20, Ordering::SeqCst);
    let op = run.op(cfg, 2);
    plan(&op, state, &PlanOptions { refresh: true, ..PlanOptions::default() }).await
}

#[tokio::test]
async fn planning_overlaps_the_refresh_which_reads_dependencies_first() {
    let run = Run::new();
    let cfg = config(WIDE);
    let (_, first, _) = run.cycle(&cfg, State::new(), 10).await;
    let p = replan_slowly(&run, &cfg, first.state).await;
    assert!(!p.errored, "{:?}", p.diagnostics);
    assert!(!p.has_changes());
    let events = run.mock.events.lock().unwrap().clone();
    // The walk plans z first, so z is read first (state order would read b[0] first).
    assert_eq!(events[0], "read mock_thing.z", "{events:?}");
    // b[0] is planned while the reads of later instances are still running.
    let planned_b0 = events.iter().position(|e| e == "plan mock_thing.b[0]").unwrap();
    let last_read = events.iter().rposition(|e| e.starts_with("read done")).unwrap();
    assert!(planned_b0 < last_read, "planning waited for every read: {events:?}");
    // Every instance was read once and planned once, and never planned before its read.
    for i in 0..12 {
        let addr = format!("mock_thing.b[{i}]");
        let done = events.iter().position(|e| *e == format!("read done {addr}")).unwrap();
        let planned = events.iter().position(|e| *e == format!("plan {addr}")).unwrap();
        assert!(done < planned, "{addr} planned before it was read: {events:?}");
    }
    assert_eq!(events.iter().filter(|e| e.starts_with("read done")).count(), 13);
}

#[tokio::test]
async fn a_failed_read_still_ends_the_plan_at_the_refresh() {
    let run = Run::new();
    let cfg = config(WIDE);
    let (_, first, _) = run.cycle(&cfg, State::new(), 10).await;
    *run.mock.fail_read.lock().unwrap() = Some("mock_thing.b[9]".into());
    let p = replan_slowly(&run, &cfg, first.state).await;
    assert!(p.errored);
    let errors: Vec<String> = p.diagnostics.iter().map(|d| d.summary.clone()).collect();
    assert_eq!(errors, ["Read failed"], "only the read's error is reported");
    assert!(p.changes.is_empty(), "a plan that failed at the refresh plans no changes");
}
