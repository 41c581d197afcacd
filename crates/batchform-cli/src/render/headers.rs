//! The lines above each resource's block (Terraform's `resourceChangeComment`) and the
//! legend lines, in colour markup.

use super::jsonplan::ResourceChange;
use batchform_engine::plan::{Action, ActionReason};
use serde_json::Value as Json;

/// Whether a drift entry is the drift section's "changed" or a planned change.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Drift,
    Change,
}

/// The `# ADDR will be ...` lines (Terraform's `resourceChangeComment`), in colour markup.
pub fn change_comment(rc: &ResourceChange, cause: Cause) -> String {
    let addr = match &rc.deposed {
        Some(key) => format!("{} (deposed object {key})", rc.address),
        None => rc.address.clone(),
    };
    let mut out = String::new();
    let mut printed_imported = false;
    let mut printed_moved = false;
    match rc.action {
        Action::Create => out.push_str(&format!("[bold]  # {addr}[reset] will be created")),
        Action::Read => {
            out.push_str(&format!("[bold]  # {addr}[reset] will be read during apply"));
            match rc.reason {
                Some(ActionReason::ReadBecauseConfigUnknown) => {
                    out.push_str("\n  # (config refers to values not yet known)")
                }
                Some(ActionReason::ReadBecauseDependencyPending) => {
                    out.push_str("\n  # (depends on a resource or a module with changes pending)")
                }
                _ => {}
            }
        }
        Action::Update => match cause {
            Cause::Change => out.push_str(&format!("[bold]  # {addr}[reset] will be updated in-place")),
            Cause::Drift => out.push_str(&format!("[bold]  # {addr}[reset] has changed")),
        },
        Action::CreateThenDelete | Action::DeleteThenCreate => match rc.reason {
            Some(ActionReason::ReplaceBecauseTainted) => out.push_str(&format!(
                "[bold]  # {addr}[reset] is tainted, so must be [bold][red]replaced[reset]"
            )),
            Some(ActionReason::ReplaceByRequest) => out.push_str(&format!(
                "[bold]  # {addr}[reset] will be [bold][red]replaced[reset], as requested"
            )),
            Some(ActionReason::ReplaceByTriggers) => out.push_str(&format!(
                "[bold]  # {addr}[reset] will be [bold][red]replaced[reset] due to changes in replace_triggered_by"
            )),
            _ => out.push_str(&format!("[bold]  # {addr}[reset] must be [bold][red]replaced[reset]")),
        },
        Action::Delete => {
            match cause {
                Cause::Change => {
                    out.push_str(&format!("[bold]  # {addr}[reset] will be [bold][red]destroyed[reset]"))
                }
                Cause::Drift => out.push_str(&format!("[bold]  # {addr}[reset] has been deleted")),
            }
            match rc.reason {
                Some(ActionReason::DeleteBecauseNoResourceConfig) => out.push_str(&format!(
                    "\n  # (because {}.{} is not in configuration)",
                    rc.type_name, rc.name
                )),
                Some(ActionReason::DeleteBecauseWrongRepetition) => out.push_str(match &rc.index {
                    None => "\n  # (because resource uses count or for_each)",
                    Some(Json::Number(_)) => "\n  # (because resource does not use count)",
                    Some(_) => "\n  # (because resource does not use for_each)",
                }),
                Some(ActionReason::DeleteBecauseCountIndex) => out.push_str(&format!(
                    "\n  # (because index [{}] is out of range for count)",
                    index_text(&rc.index)
                )),
                Some(ActionReason::DeleteBecauseEachKey) => out.push_str(&format!(
                    "\n  # (because key [{}] is not in for_each map)",
                    index_text(&rc.index)
                )),
                _ => {}
            }
            if rc.deposed.is_some() {
                out.push_str("\n  # (left over from a partially-failed replacement of this instance)");
            }
        }
        Action::NoOp => {
            if let Some(previous) = rc.previous_address.as_ref().filter(|p| **p != rc.address) {
                out.push_str(&format!(
                    "[bold]  # {previous}[reset] has moved to [bold]{addr}[reset]"
                ));
                printed_moved = true;
            } else if rc.change.importing.is_some() {
                out.push_str(&format!("[bold]  # {addr}[reset] will be imported"));
                printed_imported = true;
            } else {
                out.push_str(&format!(
                    "{addr} has an action the plan renderer doesn't support (this is a bug)"
                ));
            }
        }
    }
    out.push('\n');
    if let Some(previous) = rc.previous_address.as_ref().filter(|p| **p != rc.address)
        && !printed_moved
    {
        out.push_str(&format!("  # [reset](moved from {previous})\n"));
    }
    if let Some(importing) = &rc.change.importing {
        if !printed_imported {
            out.push_str(&format!("  # [reset](imported from \"{}\")\n", importing.id));
        }
        if rc.action.is_replace() {
            out.push_str(
                "  # [reset][yellow]Warning: this will destroy the imported resource[reset]\n",
            );
        }
    }
    out
}

/// An instance key as JSON text (`1`, `"a"`), as the destroy reasons print it.
fn index_text(index: &Option<Json>) -> String {
    index
        .as_ref()
        .and_then(|j| batchform_state::json::to_vec_compact(j).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// A legend line (Terraform's `actionDescription`), in colour markup.
pub fn action_description(action: Action) -> &'static str {
    match action {
        Action::Create => "  [green]+[reset] create",
        Action::Delete => "  [red]-[reset] destroy",
        Action::Update => "  [yellow]~[reset] update in-place",
        Action::CreateThenDelete => {
            "[green]+[reset]/[red]-[reset] create replacement and then destroy"
        }
        Action::DeleteThenCreate => {
            "[red]-[reset]/[green]+[reset] destroy and then create replacement"
        }
        Action::Read => " [cyan]<=[reset] read (data resources)",
        Action::NoOp => "",
    }
}
