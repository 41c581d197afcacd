//! Static checks of `openai_file` arguments (values may still be unknown), and of the
//! `{anchor, seconds}` objects both resources use.

use super::PURPOSES;
use crate::diag;
use crate::values::Arg;
use batchform_core::{AttrPath, Diagnostic, Diagnostics, Value};

/// Static checks (values may be unknown).
pub fn validate_config(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let file = Arg::of(config, "file");
    let content = Arg::of(config, "content");
    match (file, content) {
        (Arg::Known(_), Arg::Known(_)) => diags.push(diag::invalid_argument(
            AttrPath::attr("content"),
            "Conflicting configuration arguments",
            "\"content\": only one of `content,file` can be specified, but `content,file` were specified.".into(),
        )),
        (Arg::Null, Arg::Null) => diags.push(diag::invalid_argument(
            AttrPath::attr("file"),
            "Missing file or content",
            "An openai_file needs either file (the path of a local file to upload) or content (the text to upload).".into(),
        )),
        _ => {}
    }
    if file.str() == Some("") {
        diags.push(diag::invalid_argument(
            AttrPath::attr("file"),
            "Invalid file path",
            "file must not be empty.".into(),
        ));
    }
    let purpose = Arg::of(config, "purpose").str();
    if let Some(p) = purpose {
        if !PURPOSES.contains(&p) {
            let mut detail = format!(
                "The purpose {p:?} is not one the Files API accepts: {}.",
                PURPOSES.join(", ")
            );
            if let Some(s) = batchform_core::diagnostic::name_suggestion(p, PURPOSES) {
                detail.push_str(&format!(" Did you mean {s:?}?"));
            }
            diags.push(diag::invalid_argument(
                AttrPath::attr("purpose"),
                "Invalid file purpose",
                detail,
            ));
        }
    }
    if let Some(name) = Arg::of(config, "filename").str() {
        if name.trim().is_empty() {
            diags.push(diag::invalid_argument(
                AttrPath::attr("filename"),
                "Invalid file name",
                "filename must not be empty.".into(),
            ));
        } else if purpose == Some("batch") && !name.ends_with(".jsonl") {
            diags.push(jsonl_name_error(name, "filename"));
        }
    }
    if let Some(batch_path) =
        file.str().filter(|_| purpose == Some("batch") && Arg::of(config, "filename").is_null())
    {
        if !batch_path.ends_with(".jsonl") {
            diags.push(jsonl_name_error(batch_path, "file"));
        }
    }
    diags.extend(validate_expires(config, "expires_after"));
    diags
}

fn jsonl_name_error(name: &str, attribute: &str) -> Diagnostic {
    diag::invalid_argument(
        AttrPath::attr(attribute),
        "Invalid batch input file name",
        format!(
            "The Batch API accepts only .jsonl files, and {name:?} would be uploaded under a name that does not end in .jsonl. Rename the file or set filename = \"....jsonl\"."
        ),
    )
}

/// `{anchor = "created_at", seconds = 3600..2592000}` (for `expires_after` and the batch's
/// `output_expires_after`).
pub fn validate_expires(config: &Value, name: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Arg::Known(value) = Arg::of(config, name) else { return diags };
    if let Some(anchor) = value.get_attr("anchor").filter(|v| v.is_known() && !v.is_null()) {
        if anchor.as_str() != Some("created_at") {
            diags.push(diag::invalid_argument(
                AttrPath::attr(name).then_attr("anchor"),
                "Invalid expiration anchor",
                format!("{name}.anchor must be \"created_at\" (the only anchor the API supports)."),
            ));
        }
    } else if value.get_attr("anchor").is_none_or(Value::is_null) {
        diags.push(diag::invalid_argument(
            AttrPath::attr(name).then_attr("anchor"),
            "Missing expiration anchor",
            format!("{name} needs anchor = \"created_at\"."),
        ));
    }
    match value.get_attr("seconds").filter(|v| v.is_known()) {
        Some(v) if v.is_null() => diags.push(diag::invalid_argument(
            AttrPath::attr(name).then_attr("seconds"),
            "Missing expiration seconds",
            format!("{name} needs seconds (3600 to 2592000)."),
        )),
        Some(v) => {
            let ok = v
                .as_number()
                .and_then(|n| n.to_i64())
                .is_some_and(|s| (3600..=2_592_000).contains(&s));
            if !ok {
                diags.push(diag::invalid_argument(
                    AttrPath::attr(name).then_attr("seconds"),
                    "Invalid expiration seconds",
                    format!("{name}.seconds must be a whole number from 3600 (one hour) to 2592000 (30 days)."),
                ));
            }
        }
        None => {}
    }
    diags
}
