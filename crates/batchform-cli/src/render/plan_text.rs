//! The plan as people read it: Terraform 1.11's layout (`jsonformat/plan.go` and
//! `views/operation.go`) with batchform's name where Terraform says its own, plus
//! batchform's deferred-resources note.

use super::TextOptions;
use super::color::Colorize;
use super::headers::{Cause, action_description, change_comment};
use super::human::diff::Diff;
use super::human::renderers::{Opts, diff_action_symbol, ensure_valid_attribute_name, pad};
use super::human::structured::Matcher;
use super::human::{output_diff, resource_diff};
use super::jsonplan::{self, ResourceChange};
use super::wrap::{horizontal_rule, word_wrap};
use crate::commands::state::text::go_quote;
use batchform_config::validate::SchemaSource;
use batchform_core::Mode;
use batchform_engine::plan::{Action, DeferredReason, InstanceChange, Plan, PlanMode};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};

/// Everything `plan` prints after the refresh lines: drift, deferred resources, the changes,
/// the summary, output changes, or the "No changes." texts. Not included: the trailing
/// note about `-out` ([`plan_next_step`]) and diagnostics.
pub fn plan_text(plan: &Plan, schemas: &dyn SchemaSource, options: &TextOptions) -> String {
    let color = Colorize::new(options.color);
    let width = options.width;
    let mut out = String::new();

    // Only changes that show (an action, an import, a move) are rendered up front; a no-op
    // prints nothing, and its diff matters only to the drift note's "nothing planned" test,
    // which computes it on demand. With 1,000 unchanged instances this is most of the work.
    let (changes, quiet): (Vec<_>, Vec<_>) = plan
        .changes
        .iter()
        .filter(|c| !(c.addr.resource.mode == Mode::Data && c.action == Action::Delete))
        .partition(|c| c.is_effective());
    let changes: Vec<(ResourceChange, Diff)> =
        changes.into_iter().map(|c| change_and_diff(c, schemas)).collect();
    let outputs: BTreeMap<&str, Diff> = plan
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), output_diff(&jsonplan::output_change(o))))
        .collect();

    let nothing_planned = || {
        changes.iter().all(|(_, d)| d.action == Action::NoOp)
            && quiet.iter().all(|c| change_and_diff(c, schemas).1.action == Action::NoOp)
            && outputs.values().all(|d| d.action == Action::NoOp)
    };
    let have_refresh_changes = drift_section(plan, schemas, nothing_planned, options, &mut out);

    // The changes to show and the counts for the legend and the summary.
    let mut counts: BTreeMap<Action, usize> = BTreeMap::new();
    let mut importing = 0;
    let mut shown = Vec::new();
    for (rc, diff) in &changes {
        let is_importing = rc.change.importing.is_some();
        let is_moved = rc.previous_address.as_ref().is_some_and(|p| *p != rc.address);
        if rc.action == Action::NoOp && !is_importing && !is_moved {
            continue;
        }
        shown.push((rc, diff));
        if is_importing {
            importing += 1;
        }
        if rc.action != Action::NoOp {
            *counts.entry(rc.action).or_default() += 1;
        }
    }
    let outputs_text = render_outputs(&outputs, &color);
    let applyable = !plan.errored && plan.has_changes();

    if shown.is_empty() && outputs_text.is_empty() {
        if plan.errored {
            if have_refresh_changes {
                out.push_str(&horizontal_rule(&color, width));
                out.push('\n');
            }
            out.push_str(&color.color("\n[reset][bold][red]Planning failed.[reset][bold] batchform encountered an error while generating this plan.[reset]\n\n"));
        } else if !plan.deferred.is_empty() {
            if have_refresh_changes {
                out.push_str(&horizontal_rule(&color, width));
                out.push('\n');
            }
            out.push_str(&color.color("\n[reset][bold][green]No current changes.[reset][bold] This plan requires another plan to be applied first.[reset]\n\n"));
        } else {
            match plan.mode {
                PlanMode::RefreshOnly => {
                    if have_refresh_changes {
                        return out;
                    }
                    out.push_str(&color.color("\n[reset][bold][green]No changes.[reset][bold] Your infrastructure still matches the configuration.[reset]\n\n"));
                    out.push_str(&word_wrap("batchform has checked that the real remote objects still match the result of your most recent changes, and found no differences.", width));
                    out.push('\n');
                }
                PlanMode::Destroy => {
                    if have_refresh_changes {
                        out.push_str(&horizontal_rule(&color, width));
                        out.push('\n');
                    }
                    out.push_str(&color.color("\n[reset][bold][green]No changes.[reset][bold] No objects need to be destroyed.[reset]\n\n"));
                    out.push_str(&word_wrap("Either you have not created any objects yet or the existing objects were already deleted outside of batchform.", width));
                    out.push('\n');
                }
                PlanMode::Normal => {
                    if have_refresh_changes {
                        out.push_str(&horizontal_rule(&color, width));
                        out.push('\n');
                    }
                    out.push_str(&color.color("\n[reset][bold][green]No changes.[reset][bold] Your infrastructure matches the configuration.[reset]\n\n"));
                    if have_refresh_changes {
                        let text = if applyable {
                            "Your configuration already matches the changes detected above, so applying this plan will only update the state to include the changes detected above and won't change any real infrastructure.".to_string()
                        } else {
                            let suggestion = if options.in_automation {
                                "."
                            } else {
                                ":\n  batchform apply -refresh-only"
                            };
                            format!(
                                "Your configuration already matches the changes detected above. If you'd like to update the batchform state to match, create and apply a refresh-only plan{suggestion}"
                            )
                        };
                        out.push_str(&word_wrap(&text, width));
                        out.push('\n');
                        return out;
                    }
                    out.push_str(&word_wrap("batchform has compared your real infrastructure against your configuration and found no differences, so no changes are needed.", width));
                    out.push('\n');
                }
            }
        }
    }

    if have_refresh_changes {
        out.push_str(&horizontal_rule(&color, width));
        out.push('\n');
    }

    if deferred_section(plan, &color, &mut out) {
        out.push_str(&horizontal_rule(&color, width));
        out.push('\n');
    }

    if !counts.is_empty() {
        out.push_str(&word_wrap("\nbatchform used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:", width));
        out.push('\n');
        for action in [
            Action::Create,
            Action::Update,
            Action::Delete,
            Action::DeleteThenCreate,
            Action::CreateThenDelete,
            Action::Read,
        ] {
            if counts.contains_key(&action) {
                out.push_str(&color.color(action_description(action)));
                out.push('\n');
            }
        }
    }

    if !shown.is_empty() {
        if plan.errored {
            out.push_str(
                "\nbatchform planned the following actions, but then encountered a problem:\n",
            );
        } else {
            out.push_str("\nbatchform will perform the following actions:\n");
        }
        for (rc, diff) in &shown {
            if let Some(text) = render_resource(rc, diff, Cause::Change, &color) {
                out.push('\n');
                out.push_str(&text);
                out.push('\n');
            }
        }
        let count = |a: Action| counts.get(&a).copied().unwrap_or(0);
        let replaced = count(Action::DeleteThenCreate) + count(Action::CreateThenDelete);
        let mut summary = String::from("\n[bold]Plan:[reset] ");
        if importing > 0 {
            summary.push_str(&format!("{importing} to import, "));
        }
        summary.push_str(&format!(
            "{} to add, {} to change, {} to destroy",
            count(Action::Create) + replaced,
            count(Action::Update),
            count(Action::Delete) + replaced
        ));
        if !plan.deferred.is_empty() {
            summary.push_str(&format!(", {} deferred", plan.deferred.len()));
        }
        summary.push_str(".\n");
        out.push_str(&color.color(&summary));
    }

    if !outputs_text.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs_text);
        out.push('\n');
        if counts.is_empty() {
            out.push_str(&word_wrap("\nYou can apply this plan to save these new output values to the batchform state, without changing any real infrastructure.", width));
            out.push('\n');
        }
    }
    out
}

/// The note after a plan that can be applied: how to apply exactly this plan. Nothing when
/// running in automation (`TF_IN_AUTOMATION`).
pub fn plan_next_step(out_path: Option<&str>, options: &TextOptions) -> String {
    if options.in_automation {
        return String::new();
    }
    let color = Colorize::new(options.color);
    let mut out = horizontal_rule(&color, options.width);
    out.push('\n');
    let text = match out_path {
        None => "\nNote: You didn't use the -out option to save this plan, so batchform can't guarantee to take exactly these actions if you run \"batchform apply\" now.".to_string(),
        Some(path) => format!(
            "\nSaved the plan to: {path}\n\nTo perform exactly these actions, run the following command to apply:\n    batchform apply {}",
            go_quote(path)
        ),
    };
    out.push_str(&word_wrap(&text, options.width));
    out.push('\n');
    out
}

fn change_and_diff(c: &InstanceChange, schemas: &dyn SchemaSource) -> (ResourceChange, Diff) {
    let rc = jsonplan::resource_change(c, schemas);
    let schema = jsonplan::schema_of(schemas, c.addr.resource.mode, &c.addr.resource.type_name);
    let diff = resource_diff(&rc.change, schema.map(|s| &s.block), Matcher::Always);
    (rc, diff)
}

/// The drift note; returns whether it was written. `nothing_planned` says whether no
/// change and no output change has anything to show (asked only when there is drift).
fn drift_section(
    plan: &Plan,
    schemas: &dyn SchemaSource,
    nothing_planned: impl FnOnce() -> bool,
    options: &TextOptions,
    out: &mut String,
) -> bool {
    let color = Colorize::new(options.color);
    let refresh_only = plan.mode == PlanMode::RefreshOnly;
    let mut drifted = plan.drift.iter().collect::<Vec<_>>();
    drifted.sort_by(|a, b| a.addr.cmp(&b.addr));
    // The relevant attributes by instance address, in plan order.
    let mut relevant_by_addr: HashMap<String, Vec<Json>> = HashMap::new();
    if !refresh_only {
        for r in &plan.relevant_attributes {
            relevant_by_addr
                .entry(r.resource.to_string())
                .or_default()
                .push(jsonplan::path_json(&r.attribute));
        }
    }
    let mut rendered = Vec::new();
    for drift in drifted {
        let paths: &[Json] = if refresh_only {
            &[]
        } else {
            match relevant_by_addr.get(&drift.addr.to_string()) {
                Some(paths) => paths,
                None => continue,
            }
        };
        let provider = plan
            .prior_state
            .provider(&drift.addr.resource)
            .or_else(|| plan.refreshed_state.provider(&drift.addr.resource))
            .unwrap_or_default();
        let rc = jsonplan::drift_change(drift, provider, schemas);
        let relevant = if refresh_only {
            Matcher::Always
        } else {
            Matcher::Paths {
                paths: paths.iter().filter_map(|p| p.as_array().map(Vec::as_slice)).collect(),
                propagate: true,
            }
        };
        let schema =
            jsonplan::schema_of(schemas, drift.addr.resource.mode, &drift.addr.resource.type_name);
        let diff = resource_diff(&rc.change, schema.map(|s| &s.block), relevant);
        if !refresh_only && diff.action == Action::NoOp {
            continue;
        }
        rendered.push((rc, diff));
    }
    if rendered.is_empty() {
        return false;
    }
    if !refresh_only && nothing_planned() {
        return false;
    }
    out.push_str(
        &color
            .color("\n[bold][cyan]Note:[reset][bold] Objects have changed outside of batchform\n"),
    );
    out.push('\n');
    out.push_str(&word_wrap(
        "batchform detected the following changes made outside of batchform since the last \"batchform apply\" which may have affected this plan:\n",
        options.width,
    ));
    for (rc, diff) in &rendered {
        if let Some(text) = render_resource(rc, diff, Cause::Drift, &color) {
            out.push('\n');
            out.push_str(&text);
            out.push('\n');
        }
    }
    let closing = if refresh_only {
        "\n\nThis is a refresh-only plan, so batchform will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the batchform state without changing any remote objects."
    } else {
        "\n\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes."
    };
    out.push_str(&word_wrap(closing, options.width));
    out.push('\n');
    true
}

/// batchform's note on deferred resources; returns whether it was written.
fn deferred_section(plan: &Plan, color: &Colorize, out: &mut String) -> bool {
    if plan.deferred.is_empty() {
        return false;
    }
    out.push_str(&color.color(
        "\n[bold][cyan]Note:[reset][bold] This is a partial plan, parts can only be known in the next plan / apply cycle.\n",
    ));
    let mut deferred: Vec<_> = plan.deferred.iter().collect();
    deferred.sort_by(|a, b| a.addr.cmp(&b.addr));
    for entry in deferred {
        let because = match entry.kind {
            DeferredReason::InstanceCountUnknown => {
                "because the number of resource instances is unknown"
            }
            DeferredReason::DeferredPrereq => {
                "because a prerequisite for this resource is deferred"
            }
        };
        out.push('\n');
        out.push_str(&color.color(&format!("[bold]  # {}[reset] was deferred\n", entry.addr)));
        out.push_str(&format!("  # ({because})\n"));
        for line in entry.reason.lines() {
            out.push_str(&format!("  # {line}\n"));
        }
    }
    true
}

/// Output changes, `=` aligned, sorted by name.
fn render_outputs(outputs: &BTreeMap<&str, Diff>, color: &Colorize) -> String {
    let escaped: BTreeMap<&str, String> =
        outputs.keys().map(|k| (*k, ensure_valid_attribute_name(k))).collect();
    let width = escaped.values().map(String::len).max().unwrap_or(0);
    let lines: Vec<String> = outputs
        .iter()
        .filter(|(_, d)| d.action != Action::NoOp)
        .map(|(name, diff)| {
            format!(
                "{} {} = {}",
                color.color(diff_action_symbol(diff.action)),
                pad(&escaped[name], width),
                diff.render(0, Opts::new(color))
            )
        })
        .collect();
    lines.join("\n")
}

/// One planned change as the plan shows it: comment lines, header and body (`None` for a
/// no-op with nothing to say). The plan renders all changes at once; the typed golden tests
/// render one at a time.
#[cfg(test)]
pub fn resource_text(
    change: &batchform_engine::plan::InstanceChange,
    schemas: &dyn SchemaSource,
    color: &Colorize,
) -> Option<String> {
    let rc = jsonplan::resource_change(change, schemas);
    let schema =
        jsonplan::schema_of(schemas, change.addr.resource.mode, &change.addr.resource.type_name);
    let diff = resource_diff(&rc.change, schema.map(|s| &s.block), Matcher::Always);
    render_resource(&rc, &diff, Cause::Change, color)
}

/// One resource's comment lines, header and body; `None` for no-ops with nothing to say.
fn render_resource(
    rc: &ResourceChange,
    diff: &Diff,
    cause: Cause,
    color: &Colorize,
) -> Option<String> {
    let importing = rc.change.importing.is_some();
    let moved = rc.previous_address.as_ref().is_some_and(|p| *p != rc.address);
    if rc.action == Action::NoOp && !importing && !moved {
        return None;
    }
    let mut opts = Opts::new(color);
    opts.show_unchanged_children = importing;
    let keyword = if rc.mode == "managed" { "resource" } else { "data" };
    Some(format!(
        "{}{} {keyword} \"{}\" \"{}\" {}",
        color.color(&change_comment(rc, cause)),
        color.color(diff_action_symbol(rc.action)),
        rc.type_name,
        rc.name,
        diff.render(0, opts)
    ))
}
