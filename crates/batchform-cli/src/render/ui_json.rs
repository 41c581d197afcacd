//! Interim JSON UI.

use crate::commands::apply::Kind;
use batchform_engine::apply::ApplyOutcome;
use batchform_engine::hooks::Event;
use batchform_engine::plan::Plan;

pub fn version() -> String {
    String::from("{\"type\":\"version\"}")
}
pub fn event(_event: &Event) -> Option<String> {
    None
}
pub fn plan(_plan: &Plan) -> Vec<String> {
    Vec::new()
}
pub fn diagnostic(d: &batchform_core::Diagnostic, _s: &crate::diagnostics::Sources) -> String {
    format!("{{\"type\":\"diagnostic\",\"@message\":{:?}}}", d.summary)
}
pub fn apply_complete(_kind: Kind, _outcome: &ApplyOutcome, _plan: &Plan) -> Vec<String> {
    Vec::new()
}
