//! The streaming machine-readable UI (`-json`): one JSON object per line, as Terraform's
//! `views/json` writes them (UI version 1.2), with `@module` `batchform.ui`. Top-level keys
//! are sorted (Terraform writes these lines through hclog); nested objects keep Terraform's
//! field order. Each function returns one line without its newline; the caller passes the
//! time the event happened.

use super::apply_text::{ObjectId, go_duration};
use crate::diagnostics::{Sources, to_json as diagnostic_json};
use batchform_core::{Diagnostic, InstanceAddr, InstanceKey, Severity};
use batchform_engine::plan::{Action, ActionReason, Drift, InstanceChange, OutputChange};
use batchform_state::OutputValue;
use batchform_state::json::{Sorted, to_vec_compact};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The machine-readable UI version.
pub const UI_VERSION: &str = "1.2";
const MODULE: &str = "batchform.ui";

/// An RFC 3339 timestamp with microseconds, as the stream's `@timestamp` (UTC).
pub fn timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// One line: the envelope keys plus `fields`, all sorted by key.
fn line(
    level: &str,
    message: &str,
    kind: &str,
    timestamp: &str,
    fields: Vec<(&str, Vec<u8>)>,
) -> String {
    let string = |s: &str| to_vec_compact(s).unwrap_or_default();
    let mut all: Vec<(&str, Vec<u8>)> = vec![
        ("@level", string(level)),
        ("@message", string(message)),
        ("@module", string(MODULE)),
        ("@timestamp", string(timestamp)),
        ("type", string(kind)),
    ];
    all.extend(fields);
    all.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::with_capacity(256);
    out.push(b'{');
    for (i, (key, value)) in all.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend(string(key));
        out.push(b':');
        out.extend(value);
    }
    out.push(b'}');
    String::from_utf8(out).unwrap_or_default()
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    to_vec_compact(value).unwrap_or_default()
}

/// `{"addr", "module", "resource", "implied_provider", "resource_type", "resource_name",
/// "resource_key"}`.
#[derive(Serialize)]
struct ResourceJson {
    addr: String,
    module: &'static str,
    resource: String,
    implied_provider: String,
    resource_type: String,
    resource_name: String,
    resource_key: Json,
}

fn resource(addr: &InstanceAddr) -> ResourceJson {
    let type_name = &addr.resource.type_name;
    ResourceJson {
        addr: addr.to_string(),
        module: "",
        resource: addr.to_string(),
        implied_provider: type_name.split('_').next().unwrap_or(type_name).to_string(),
        resource_type: type_name.clone(),
        resource_name: addr.resource.name.clone(),
        resource_key: match &addr.key {
            InstanceKey::None => Json::Null,
            InstanceKey::Int(i) => Json::from(*i),
            InstanceKey::Str(s) => Json::from(s.as_str()),
        },
    }
}

/// The first line: `{"terraform": VERSION, "ui": "1.2", "batchform": VERSION}`.
pub fn version(version: &str, timestamp: &str) -> String {
    line(
        "info",
        &format!("batchform {version}"),
        "version",
        timestamp,
        vec![
            ("batchform", encode(version)),
            ("terraform", encode(version)),
            ("ui", encode(UI_VERSION)),
        ],
    )
}

/// A free-text log line.
pub fn log(message: &str, timestamp: &str) -> String {
    line("info", message, "log", timestamp, Vec::new())
}

#[derive(Serialize)]
struct ChangeJson {
    resource: ResourceJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_resource: Option<ResourceJson>,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    importing: Option<ImportingJson>,
}

#[derive(Serialize)]
struct ImportingJson {
    id: String,
}

fn change_action(action: Action, importing: bool) -> &'static str {
    match action {
        Action::NoOp if importing => "import",
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Delete => "delete",
    }
}

fn change_reason(reason: Option<ActionReason>) -> Option<&'static str> {
    Some(match reason? {
        ActionReason::ReplaceBecauseTainted => "tainted",
        ActionReason::ReplaceByRequest => "requested",
        ActionReason::ReplaceByTriggers => "replace_triggered_by",
        ActionReason::ReplaceBecauseCannotUpdate => "cannot_update",
        other => other.json_name(),
    })
}

/// `planned_change`: `ADDR: Plan to create` (not written for no-ops, nor for data source
/// deletions). A no-op that moves the object is `move` and one that imports it `import`
/// (Terraform's `NewResourceInstanceChange`: the move wins); a change at a new address
/// names the old one as `previous_resource`.
pub fn planned_change(change: &InstanceChange, timestamp: &str) -> String {
    let action = match change.action {
        Action::NoOp if change.previous_address.is_some() => "move",
        other => change_action(other, change.importing.is_some()),
    };
    let json = ChangeJson {
        resource: resource(&change.addr),
        previous_resource: change.previous_address.as_ref().map(resource),
        action,
        reason: change_reason(change.reason),
        importing: change.importing.as_ref().map(|id| ImportingJson { id: id.clone() }),
    };
    line(
        "info",
        &format!("{}: Plan to {action}", change.addr),
        "planned_change",
        timestamp,
        vec![("change", encode(&json))],
    )
}

/// `resource_drift`: `ADDR: Drift detected (update)`.
pub fn resource_drift(drift: &Drift, timestamp: &str) -> String {
    let action = if drift.after.is_some() { "update" } else { "delete" };
    let json = ChangeJson {
        resource: resource(&drift.addr),
        previous_resource: None,
        action,
        reason: None,
        importing: None,
    };
    line(
        "info",
        &format!("{}: Drift detected ({action})", drift.addr),
        "resource_drift",
        timestamp,
        vec![("change", encode(&json))],
    )
}

/// What a change summary summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Plan,
    Apply,
    Destroy,
}

#[derive(Serialize)]
struct SummaryJson {
    add: usize,
    change: usize,
    import: usize,
    remove: usize,
    operation: &'static str,
}

/// `change_summary`, whose message is the human summary line.
pub fn change_summary(
    operation: Operation,
    add: usize,
    change: usize,
    import: usize,
    remove: usize,
    timestamp: &str,
) -> String {
    let message = match operation {
        Operation::Apply if import > 0 => format!(
            "Apply complete! Resources: {import} imported, {add} added, {change} changed, {remove} destroyed."
        ),
        Operation::Apply => {
            format!("Apply complete! Resources: {add} added, {change} changed, {remove} destroyed.")
        }
        Operation::Destroy => format!("Destroy complete! Resources: {remove} destroyed."),
        Operation::Plan if import > 0 => format!(
            "Plan: {import} to import, {add} to add, {change} to change, {remove} to destroy."
        ),
        Operation::Plan => format!("Plan: {add} to add, {change} to change, {remove} to destroy."),
    };
    let operation = match operation {
        Operation::Plan => "plan",
        Operation::Apply => "apply",
        Operation::Destroy => "destroy",
    };
    let json = SummaryJson { add, change, import, remove, operation };
    line("info", &message, "change_summary", timestamp, vec![("changes", encode(&json))])
}

#[derive(Serialize)]
struct PlannedOutputJson {
    sensitive: bool,
    action: &'static str,
}

/// `outputs` after a plan: each output's action.
pub fn planned_outputs(outputs: &[OutputChange], timestamp: &str) -> String {
    let map: BTreeMap<&str, PlannedOutputJson> = outputs
        .iter()
        .map(|o| {
            (
                o.name.as_str(),
                PlannedOutputJson {
                    sensitive: o.sensitive,
                    action: change_action(o.action, false),
                },
            )
        })
        .collect();
    line(
        "info",
        &format!("Outputs: {}", map.len()),
        "outputs",
        timestamp,
        vec![("outputs", encode(&map))],
    )
}

#[derive(Serialize)]
struct AppliedOutputJson<'a> {
    sensitive: bool,
    #[serde(rename = "type")]
    value_type: Sorted<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Sorted<'a>>,
}

/// `outputs` after an apply: values and types (values of sensitive outputs left out).
pub fn applied_outputs(outputs: &BTreeMap<String, OutputValue>, timestamp: &str) -> String {
    let map: BTreeMap<&str, AppliedOutputJson<'_>> = outputs
        .iter()
        .map(|(name, o)| {
            let json = AppliedOutputJson {
                sensitive: o.sensitive,
                value_type: Sorted(&o.value_type),
                value: (!o.sensitive).then_some(Sorted(&o.value)),
            };
            (name.as_str(), json)
        })
        .collect();
    line(
        "info",
        &format!("Outputs: {}", map.len()),
        "outputs",
        timestamp,
        vec![("outputs", encode(&map))],
    )
}

#[derive(Serialize)]
struct HookJson<'a> {
    resource: ResourceJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elapsed_seconds: Option<u64>,
}

fn hook_action(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Read => "read",
        Action::NoOp => "noop",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
    }
}

fn nouns(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("Creating", "creating", "Creation"),
        Action::Update => ("Modifying", "modifying", "Modifications"),
        Action::Delete => ("Destroying", "destroying", "Destruction"),
        Action::Read => ("Reading", "reading", "Read"),
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            ("Replacing", "replacing", "Replacement")
        }
        Action::NoOp => ("Applying", "applying", "Apply"),
    }
}

fn hook(
    addr: &InstanceAddr,
    action: Option<Action>,
    id: Option<&ObjectId>,
    elapsed: Option<Duration>,
) -> Vec<u8> {
    let seconds = elapsed.map(|e| (e.as_millis() + 500) as u64 / 1000);
    encode(&HookJson {
        resource: resource(addr),
        action: action.map(hook_action),
        id_key: id.map(|(k, _)| k.as_str()),
        id_value: id.map(|(_, v)| v.as_str()),
        elapsed_seconds: seconds,
    })
}

fn id_suffix(id: Option<&ObjectId>) -> String {
    id.map(|(k, v)| format!(" [{k}={v}]")).unwrap_or_default()
}

/// `apply_start`: `ADDR: Creating...` (id from the prior object, as in the human line).
pub fn apply_start(
    addr: &InstanceAddr,
    action: Action,
    id: Option<&ObjectId>,
    timestamp: &str,
) -> String {
    let message = format!("{addr}: {}...{}", nouns(action).0, id_suffix(id));
    line(
        "info",
        &message,
        "apply_start",
        timestamp,
        vec![("hook", hook(addr, Some(action), id, None))],
    )
}

/// `apply_progress`: `ADDR: Still creating... [10s elapsed]`.
pub fn apply_progress(
    addr: &InstanceAddr,
    action: Action,
    id: Option<&ObjectId>,
    elapsed: Duration,
    timestamp: &str,
) -> String {
    let message =
        format!("{addr}: Still {}... [{} elapsed]", nouns(action).1, go_duration(elapsed));
    line(
        "info",
        &message,
        "apply_progress",
        timestamp,
        vec![("hook", hook(addr, Some(action), id, Some(elapsed)))],
    )
}

/// `apply_complete`: `ADDR: Creation complete after 2s [id=X]` (id from the new object).
pub fn apply_complete(
    addr: &InstanceAddr,
    action: Action,
    id: Option<&ObjectId>,
    elapsed: Duration,
    timestamp: &str,
) -> String {
    let message = format!(
        "{addr}: {} complete after {}{}",
        nouns(action).2,
        go_duration(elapsed),
        id_suffix(id)
    );
    line(
        "info",
        &message,
        "apply_complete",
        timestamp,
        vec![("hook", hook(addr, Some(action), id, Some(elapsed)))],
    )
}

/// `apply_errored`: `ADDR: Creation errored after 10s` (the error follows as a diagnostic).
pub fn apply_errored(
    addr: &InstanceAddr,
    action: Action,
    elapsed: Duration,
    timestamp: &str,
) -> String {
    let message = format!("{addr}: {} errored after {}", nouns(action).2, go_duration(elapsed));
    line(
        "error",
        &message,
        "apply_errored",
        timestamp,
        vec![("hook", hook(addr, Some(action), None, Some(elapsed)))],
    )
}

/// `refresh_start`: `ADDR: Refreshing state... [id=X]`.
pub fn refresh_start(addr: &InstanceAddr, id: Option<&ObjectId>, timestamp: &str) -> String {
    let message = format!("{addr}: Refreshing state...{}", id_suffix(id));
    line("info", &message, "refresh_start", timestamp, vec![("hook", hook(addr, None, id, None))])
}

/// `refresh_complete`: `ADDR: Refresh complete [id=X]`.
pub fn refresh_complete(addr: &InstanceAddr, id: Option<&ObjectId>, timestamp: &str) -> String {
    let message = format!("{addr}: Refresh complete{}", id_suffix(id));
    line(
        "info",
        &message,
        "refresh_complete",
        timestamp,
        vec![("hook", hook(addr, None, id, None))],
    )
}

/// `diagnostic`: `Error: SUMMARY` / `Warning: SUMMARY` with the diagnostic's JSON form.
pub fn diagnostic(diag: &Diagnostic, sources: &Sources, timestamp: &str) -> String {
    let (level, prefix) = match diag.severity {
        Severity::Error => ("error", "Error"),
        Severity::Warning => ("warn", "Warning"),
    };
    let json = diagnostic_json(diag, sources);
    line(
        level,
        &format!("{prefix}: {}", diag.summary),
        "diagnostic",
        timestamp,
        vec![("diagnostic", encode(&json))],
    )
}
