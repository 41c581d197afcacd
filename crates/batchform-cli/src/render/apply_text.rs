//! What `apply` and `destroy` print around the walk: progress lines (Terraform's
//! `views/hook_ui.go`), the end-of-run summary and outputs (`views/apply.go`), the approval
//! prompts (`backend/local/backend_apply.go`, `ui_input.go`) and the interrupt messages
//! (`views/operation.go`), in Terraform 1.11's words with batchform's name.

use super::color::Colorize;
use super::wrap::word_wrap;
use crate::commands::state::hcl::format_value;
use batchform_core::{InstanceAddr, Type, Value};
use batchform_engine::plan::{Action, PlanMode};
use batchform_state::OutputValue;
use std::collections::BTreeMap;
use std::time::Duration;

/// Ids longer than this are shortened in "Still ..." lines.
const MAX_ID_LEN: usize = 80;

/// An identifying attribute of an object for progress lines: (`id`, value), or (`name`, ...).
pub type ObjectId = (String, String);

/// Terraform's `ObjectValueID`: a known, non-sensitive string `id`, else `name`.
pub fn object_id(object: &Value) -> Option<ObjectId> {
    let (object, _) = object.unmarked();
    let Value::Object(attributes) = object else { return None };
    for key in ["id", "name"] {
        match attributes.get(key) {
            // The first of id / name the object type has decides, usable or not.
            Some(value) if value.ty() == Type::String => return string_attribute(key, value),
            _ => continue,
        }
    }
    None
}

/// Terraform's `ObjectValueIDOrName`: [`object_id`], else `name`, `tags.name` or
/// `tags.Name`.
pub fn object_id_or_name(object: &Value) -> Option<ObjectId> {
    if let Some(id) = object_id(object) {
        return Some(id);
    }
    let (object, _) = object.unmarked();
    let Value::Object(attributes) = object else { return None };
    if let Some(name) = attributes.get("name").filter(|v| v.ty() == Type::String) {
        return string_attribute("name", name);
    }
    let tags = attributes.get("tags")?;
    if tags.ty() != Type::map(Type::String) || tags.is_sensitive() || !tags.is_wholly_known() {
        return None;
    }
    let entries = tags.entries()?;
    if let Some(v) = entries.get("name") {
        return string_attribute("tags.name", v);
    }
    entries.get("Name").and_then(|v| string_attribute("tags.Name", v))
}

fn string_attribute(key: &str, value: &Value) -> Option<ObjectId> {
    if value.is_sensitive() {
        return None;
    }
    value.as_str().map(|s| (key.to_string(), s.to_string()))
}

fn display_addr(addr: &InstanceAddr, deposed: Option<&str>) -> String {
    match deposed {
        Some(key) => format!("{addr} (deposed object {key})"),
        None => addr.to_string(),
    }
}

fn id_suffix(id: Option<&ObjectId>) -> String {
    match id {
        Some((key, value)) if !key.is_empty() && !value.is_empty() => format!(" [{key}={value}]"),
        _ => String::new(),
    }
}

/// Go's `time.Duration` text for whole seconds: `0s`, `12s`, `1m0s`, `1h2m3s`.
pub fn go_duration(elapsed: Duration) -> String {
    let secs = (elapsed.as_millis() + 500) / 1000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// `ADDR: Refreshing state... [id=X]` (id from the prior object).
pub fn refreshing(
    addr: &InstanceAddr,
    deposed: Option<&str>,
    prior: &Value,
    color: &Colorize,
) -> String {
    let suffix = id_suffix(object_id(prior).as_ref());
    sprintf(
        &color.color("[reset][bold]%s: Refreshing state...%s"),
        &[&display_addr(addr, deposed), &suffix],
    )
}

/// The verb of a starting operation, and of its "Still ..." and completion lines.
fn verbs(action: Action) -> Option<(&'static str, &'static str, &'static str)> {
    match action {
        Action::Create => Some(("Creating...", "Still creating...", "Creation complete")),
        Action::Update => Some(("Modifying...", "Still modifying...", "Modifications complete")),
        Action::Delete => Some(("Destroying...", "Still destroying...", "Destruction complete")),
        Action::Read => Some(("Reading...", "Still reading...", "Read complete")),
        _ => None,
    }
}

/// `ADDR: Creating...`, `Modifying... [id=X]`, `Destroying... [id=X]`, `Reading...`: the
/// line printed when an operation starts (`action` is one of create, update, delete, read;
/// a replacement is a delete and a create). The id comes from the prior object.
pub fn apply_start(
    addr: &InstanceAddr,
    deposed: Option<&str>,
    action: Action,
    prior: &Value,
    color: &Colorize,
) -> Option<String> {
    let (verb, _, _) = verbs(action)?;
    let suffix = id_suffix(object_id_or_name(prior).as_ref());
    Some(sprintf(
        &color.color("[reset][bold]%s: %s%s[reset]"),
        &[&display_addr(addr, deposed), verb, &suffix],
    ))
}

/// `ADDR: Still creating... [10s elapsed]` (every 10 s; with `id=X, ` inside the brackets
/// when the starting line had an id).
pub fn still_running(
    addr: &InstanceAddr,
    action: Action,
    id: Option<&ObjectId>,
    elapsed: Duration,
    color: &Colorize,
) -> Option<String> {
    let (_, verb, _) = verbs(action)?;
    let id_text = match id {
        Some((key, value)) if !value.is_empty() => {
            format!("{key}={}, ", truncate_id(value, MAX_ID_LEN))
        }
        _ => String::new(),
    };
    Some(sprintf(
        &color.color("[reset][bold]%s: %s [%s%s elapsed][reset]"),
        &[&addr.to_string(), verb, &id_text, &go_duration(elapsed)],
    ))
}

/// `ADDR: Creation complete after 2s [id=X]` (the id from the new object; none after a
/// destroy). Terraform 1.11 leaves the deposed key out of this line.
pub fn apply_complete(
    addr: &InstanceAddr,
    action: Action,
    new_object: Option<&Value>,
    elapsed: Duration,
    color: &Colorize,
) -> Option<String> {
    let (_, _, verb) = verbs(action)?;
    let suffix = id_suffix(new_object.and_then(object_id).as_ref());
    Some(sprintf(
        &color.color("[reset][bold]%s: %s after %s%s"),
        &[&addr.to_string(), verb, &go_duration(elapsed), &suffix],
    ))
}

/// `ADDR: Preparing import... [id=X]` (plan).
pub fn preparing_import(addr: &InstanceAddr, id: &str, color: &Colorize) -> String {
    sprintf(&color.color("[reset][bold]%s: Preparing import... [id=%s]"), &[&addr.to_string(), id])
}

/// `ADDR: Importing... [id=X]` (apply).
pub fn importing(addr: &InstanceAddr, id: &str, color: &Colorize) -> String {
    sprintf(&color.color("[reset][bold]%s: Importing... [id=%s]"), &[&addr.to_string(), id])
}

/// `ADDR: Import complete [id=X]` (apply).
pub fn import_complete(addr: &InstanceAddr, id: &str, color: &Colorize) -> String {
    sprintf(&color.color("[reset][bold]%s: Import complete [id=%s]"), &[&addr.to_string(), id])
}

/// Fill the `%s` of a template that was coloured first, as Terraform colours its format
/// strings before `Sprintf` (so text from values is never read as colour markup).
fn sprintf(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut parts = template.split("%s");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push_str(args.get(i).copied().unwrap_or_default());
        out.push_str(part);
    }
    out
}

/// Terraform's `truncateId`: long ids keep their start and end around `...`.
pub fn truncate_id(id: &str, max_len: usize) -> String {
    let chars: Vec<char> = id.chars().collect();
    let total = chars.len();
    if total <= max_len {
        return id.to_string();
    }
    let max_len = max_len.max(5);
    let part = max_len / 2;
    let left = part - 1;
    let mut right = total - part - 1;
    let overlap = max_len as isize - (part * 2 + 3) as isize;
    if overlap < 0 {
        right = (right as isize - overlap) as usize;
    }
    let mut out: String = chars[..left].iter().collect();
    out.push_str("...");
    out.extend(&chars[right.min(total)..]);
    out
}

/// What one apply did, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyCounts {
    pub imported: usize,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
}

/// `\nApply complete! Resources: N added, N changed, N destroyed.\n` (with `N imported, `
/// first when there were imports), or `Destroy complete! Resources: N destroyed.` for
/// `destroy`.
pub fn apply_summary(destroy: bool, counts: ApplyCounts, color: &Colorize) -> String {
    let summary = if destroy {
        format!("Destroy complete! Resources: {} destroyed.", counts.destroyed)
    } else if counts.imported > 0 {
        format!(
            "Apply complete! Resources: {} imported, {} added, {} changed, {} destroyed.",
            counts.imported, counts.added, counts.changed, counts.destroyed
        )
    } else {
        format!(
            "Apply complete! Resources: {} added, {} changed, {} destroyed.",
            counts.added, counts.changed, counts.destroyed
        )
    };
    color.color(&format!("[reset][bold][green]\n{summary}\n"))
}

/// `\nOutputs:\n\n` and one `name = value` line per output, sorted, `<sensitive>` for
/// sensitive ones; nothing when there are no outputs.
pub fn outputs(outputs: &BTreeMap<String, OutputValue>, color: &Colorize) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    let mut out = color.color("[reset][bold][green]\nOutputs:\n\n");
    for (name, output) in outputs {
        let value = if output.sensitive {
            "<sensitive>".to_string()
        } else {
            format_value(&output.value, &output.value_type, 0)
        };
        out.push_str(&format!("{name} = {value}\n"));
    }
    out
}

/// The approval question, up to and including `Enter a value: ` (the caller reads the
/// answer, then prints a newline). Only the literal answer `yes` approves.
pub fn approval_prompt(mode: PlanMode, color: &Colorize) -> String {
    let (query, description) = match mode {
        PlanMode::Destroy => (
            "Do you really want to destroy all resources?",
            "batchform will destroy all your managed infrastructure, as shown above.\nThere is no undo. Only 'yes' will be accepted to confirm.",
        ),
        PlanMode::RefreshOnly => (
            "Would you like to update the batchform state to reflect these detected changes?",
            "batchform will write these changes to the state without modifying any real infrastructure.\nThere is no undo. Only 'yes' will be accepted to confirm.",
        ),
        PlanMode::Normal => (
            "Do you want to perform these actions?",
            "batchform will perform the actions described above.\nOnly 'yes' will be accepted to approve.",
        ),
    };
    let mut text = format!("[reset][bold]\n{query}[reset]\n");
    for line in description.lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str("\n  [bold]Enter a value:[reset] ");
    color.color(&text)
}

/// `Apply cancelled.` / `Destroy cancelled.` (any answer but `yes`; exit code 1).
pub fn cancelled(mode: PlanMode) -> &'static str {
    match mode {
        PlanMode::Destroy => "Destroy cancelled.\n",
        _ => "Apply cancelled.\n",
    }
}

/// The first Ctrl-C: no new operations start, running ones finish, state is saved.
pub fn interrupt_received(width: usize) -> String {
    format!(
        "{}\n",
        word_wrap(
            "\nInterrupt received.\nPlease wait for batchform to exit or data loss may occur.\nGracefully shutting down...\n",
            width
        )
    )
}

/// Printed while the walk winds down after an interrupt.
pub fn stopping_operation() -> &'static str {
    "Stopping operation...\n"
}

/// The second Ctrl-C (to stderr): stop at once.
pub fn two_interrupts(width: usize) -> String {
    format!(
        "{}\n",
        word_wrap(
            "\nTwo interrupts received. Exiting immediately. Note that data loss may have occurred.\n",
            width
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_go_prints_them() {
        assert_eq!(go_duration(Duration::from_millis(400)), "0s");
        assert_eq!(go_duration(Duration::from_secs(12)), "12s");
        assert_eq!(go_duration(Duration::from_secs(60)), "1m0s");
        assert_eq!(go_duration(Duration::from_secs(3723)), "1h2m3s");
    }

    #[test]
    fn long_ids_are_shortened_in_the_middle() {
        let id = "x".repeat(100);
        let short = truncate_id(&id, 80);
        assert_eq!(short.chars().count(), 80);
        assert!(short.contains("..."));
        assert_eq!(truncate_id("short", 80), "short");
    }

    #[test]
    fn ids_come_from_id_then_name_and_never_from_secrets() {
        let obj = |pairs: Vec<(&str, Value)>| Value::object(pairs);
        assert_eq!(
            object_id(&obj(vec![("id", Value::string("b-1")), ("name", Value::string("n"))])),
            Some(("id".into(), "b-1".into()))
        );
        assert_eq!(object_id(&obj(vec![("id", Value::string("s").mark_sensitive())])), None);
        assert_eq!(object_id(&obj(vec![("id", Value::unknown(Type::String))])), None);
        assert_eq!(
            object_id_or_name(&obj(vec![("name", Value::string("n"))])),
            Some(("name".into(), "n".into()))
        );
    }
}
