//! Interim rendering (replaced by the full Terraform-shaped renderers).

pub mod apply_text;
pub mod plan_text;
pub mod ui_json;
