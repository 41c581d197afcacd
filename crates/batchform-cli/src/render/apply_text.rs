//! Interim apply text.

use crate::commands::apply::Kind;
use batchform_engine::apply::ApplyOutcome;
use batchform_engine::hooks::Event;
use batchform_engine::plan::PlanMode;

pub fn event_line(event: &Event, _color: bool) -> Option<String> {
    Some(match event {
        Event::ImportPrepare { addr, id } => format!("{addr}: Preparing import... [id={id}]"),
        Event::RefreshStart { addr, id } => {
            format!("{addr}: Refreshing state... [id={}]", id.clone().unwrap_or_default())
        }
        Event::ApplyStart { addr, .. } => format!("{addr}: Applying..."),
        Event::ApplyComplete { addr, id, .. } => {
            format!("{addr}: Complete [id={}]", id.clone().unwrap_or_default())
        }
        _ => return None,
    })
}

pub fn approval_prompt(_mode: PlanMode, _color: bool) -> String {
    "\nDo you want to perform these actions?\n  Enter a value: ".to_string()
}

pub fn summary(kind: Kind, outcome: &ApplyOutcome, _color: bool) -> String {
    match kind {
        Kind::Destroy => {
            format!("\nDestroy complete! Resources: {} destroyed.\n", outcome.destroyed)
        }
        _ if outcome.imported > 0 => format!(
            "\nApply complete! Resources: {} imported, {} added, {} changed, {} destroyed.\n",
            outcome.imported, outcome.added, outcome.changed, outcome.destroyed
        ),
        _ => format!(
            "\nApply complete! Resources: {} added, {} changed, {} destroyed.\n",
            outcome.added, outcome.changed, outcome.destroyed
        ),
    }
}

pub fn outputs(_state: &batchform_state::State, _color: bool) -> String {
    String::new()
}
