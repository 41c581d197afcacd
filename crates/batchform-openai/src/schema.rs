//! The provider's schemas: the `provider "openai"` block, the `openai_file` and
//! `openai_batch` resources, and the `openai_batch`, `openai_file`, `openai_batches` and
//! `openai_files` data sources. Types follow the API exactly: timestamps are numbers,
//! `metadata` is `map(string)`, `request_counts`, `usage` and `errors` are objects of the
//! API's shape.

use batchform_core::schema::{Attribute, Block, Schema};
use batchform_core::{ProviderSchema, Type};
use std::collections::BTreeMap;

/// The provider's source address, as state files and messages name it.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/batchform/openai";

/// Resource and data source type names.
pub const FILE: &str = "openai_file";
pub const BATCH: &str = "openai_batch";
pub const BATCHES: &str = "openai_batches";
pub const FILES: &str = "openai_files";

/// The nine batch timestamps besides `created_at` (Unix seconds, null until they happen).
pub const BATCH_TIMESTAMPS: [&str; 8] = [
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
];

/// Everything the openai provider offers.
pub fn provider_schema() -> ProviderSchema {
    let mut resources = BTreeMap::new();
    resources.insert(FILE.to_string(), file_resource());
    resources.insert(BATCH.to_string(), batch_resource());
    let mut data_sources = BTreeMap::new();
    data_sources.insert(BATCH.to_string(), batch_data_source());
    data_sources.insert(FILE.to_string(), file_data_source());
    data_sources.insert(BATCHES.to_string(), batches_data_source());
    data_sources.insert(FILES.to_string(), files_data_source());
    ProviderSchema { provider: provider_block(), resources, data_sources }
}

/// `{anchor = string, seconds = number}`: `output_expires_after` and `expires_after`.
pub fn expires_after_type() -> Type {
    object([("anchor", Type::String), ("seconds", Type::Number)])
}

/// `request_counts`: `{total, completed, failed}`.
pub fn request_counts_type() -> Type {
    object([("total", Type::Number), ("completed", Type::Number), ("failed", Type::Number)])
}

/// `usage`, as the Batch object has it.
pub fn usage_type() -> Type {
    object([
        ("input_tokens", Type::Number),
        ("input_tokens_details", object([("cached_tokens", Type::Number)])),
        ("output_tokens", Type::Number),
        ("output_tokens_details", object([("reasoning_tokens", Type::Number)])),
        ("total_tokens", Type::Number),
    ])
}

/// One entry of `errors.data`.
pub fn batch_error_type() -> Type {
    object([
        ("code", Type::String),
        ("message", Type::String),
        ("param", Type::String),
        ("line", Type::Number),
    ])
}

/// `errors`: `{object = "list", data = [{code, message, param, line}]}`.
pub fn errors_type() -> Type {
    object([("object", Type::String), ("data", Type::list(batch_error_type()))])
}

/// One element of `openai_files.files`, and the metadata part of the `openai_file` data
/// source.
pub fn file_item_type() -> Type {
    Type::Object(file_object_attributes().into_iter().map(|(name, attr)| (name, attr.ty)).collect())
}

/// One element of `openai_batches.batches`.
pub fn batch_item_type() -> Type {
    Type::Object(batch_read_attributes().into_iter().map(|(name, attr)| (name, attr.ty)).collect())
}

fn provider_block() -> Schema {
    let attributes = attrs([
        (
            "api_key",
            Attribute::optional(Type::String).sensitive().describe(
                "The OpenAI API key. Defaults to the OPENAI_API_KEY environment variable.",
            ),
        ),
        (
            "base_url",
            Attribute::optional(Type::String).describe(
                "The API's base URL. Defaults to OPENAI_BASE_URL, then https://api.openai.com/v1.",
            ),
        ),
        (
            "organization",
            Attribute::optional(Type::String)
                .describe("Sent as OpenAI-Organization. Defaults to OPENAI_ORG_ID."),
        ),
        (
            "project",
            Attribute::optional(Type::String)
                .describe("Sent as OpenAI-Project. Defaults to OPENAI_PROJECT_ID."),
        ),
        (
            "request_timeout",
            Attribute::optional(Type::String)
                .describe("How long one HTTP request may take, as a duration (\"90s\", \"10m\")."),
        ),
        (
            "max_retries",
            Attribute::optional(Type::Number)
                .describe("How many times a failed request is retried (default 5)."),
        ),
        (
            "emulator",
            Attribute::optional(Type::Dynamic).describe(
                "true, or an object {data_dir, speed, faults, seed, fsync, validating_secs, per_request_secs, min_in_progress_secs, finalizing_secs, cancelling_secs, completion_window_secs}: run the embedded OpenAI emulator in-process instead of calling the API.",
            ),
        ),
    ]);
    schema(attributes, "The OpenAI Files and Batches API.")
}

fn file_resource() -> Schema {
    let mut attributes = attrs([
        ("id", Attribute::computed(Type::String).describe("The file's id (file-...).")),
        (
            "file",
            Attribute::optional(Type::String)
                .describe("Path of a local file to upload (relative to the working directory)."),
        ),
        (
            "content",
            Attribute::optional(Type::String)
                .describe("Inline content to upload instead of a file."),
        ),
        (
            "purpose",
            Attribute::required(Type::String)
                .describe("assistants, batch, fine-tune, vision, user_data or evals."),
        ),
        (
            "filename",
            Attribute::optional_computed(Type::String).describe(
                "The uploaded file's name. Defaults to the base name of file, or content.jsonl.",
            ),
        ),
        (
            "expires_after",
            Attribute::optional(expires_after_type())
                .describe("{anchor = \"created_at\", seconds = 3600..2592000}."),
        ),
        (
            "sha256",
            Attribute::computed(Type::String)
                .describe("SHA-256 of the content: an edit to the file plans a replacement."),
        ),
    ]);
    // The File object's other fields (purpose and filename are arguments above).
    for (name, attr) in file_object_attributes() {
        attributes.entry(name).or_insert(attr);
    }
    schema(attributes, "A file uploaded to OpenAI.")
}

fn file_data_source() -> Schema {
    let mut attributes = attrs([
        ("file_id", Attribute::required(Type::String).describe("The id of the file to read.")),
        (
            "project_id",
            Attribute::optional(Type::String).describe("Sent as OpenAI-Project for this read."),
        ),
        (
            "content",
            Attribute::computed(Type::String).describe(
                "The file's content, for UTF-8 files up to 10 MiB whose purpose allows downloads; null otherwise.",
            ),
        ),
    ]);
    attributes.extend(file_object_attributes());
    schema(attributes, "An existing OpenAI file.")
}

fn files_data_source() -> Schema {
    let attributes = attrs([
        ("purpose", Attribute::optional(Type::String).describe("Only files with this purpose.")),
        (
            "project_id",
            Attribute::optional(Type::String).describe("Sent as OpenAI-Project for this read."),
        ),
        (
            "files",
            Attribute::computed(Type::list(file_item_type()))
                .describe("Every file, newest first (all pages)."),
        ),
        ("ids", Attribute::computed(Type::list(Type::String)).describe("The files' ids.")),
    ]);
    schema(attributes, "Every OpenAI file, optionally filtered by purpose.")
}

fn batch_resource() -> Schema {
    let mut attributes = attrs([
        (
            "input_file_id",
            Attribute::required(Type::String)
                .describe("The id of a file uploaded with purpose batch."),
        ),
        (
            "endpoint",
            Attribute::required(Type::String).describe(
                "/v1/responses, /v1/chat/completions, /v1/embeddings, /v1/completions, /v1/moderations, /v1/images/generations, /v1/images/edits or /v1/videos.",
            ),
        ),
        (
            "completion_window",
            Attribute::required(Type::String).describe("Only \"24h\" is supported."),
        ),
        (
            "metadata",
            Attribute::optional(Type::map(Type::String))
                .describe("Up to 16 pairs; keys up to 64 characters, values up to 512."),
        ),
        (
            "output_expires_after",
            Attribute::optional(expires_after_type()).describe(
                "When the output and error files expire: {anchor = \"created_at\", seconds = 3600..2592000}.",
            ),
        ),
        (
            "model",
            Attribute::optional_computed(Type::String).describe(
                "The model the batch runs. Not sent (the input lines decide it); checked against them when set.",
            ),
        ),
    ]);
    for (name, attr) in batch_computed_attributes() {
        attributes.insert(name, attr);
    }
    schema(attributes, "An OpenAI batch job.")
}

fn batch_data_source() -> Schema {
    let mut attributes = attrs([
        ("batch_id", Attribute::required(Type::String).describe("The id of the batch to read.")),
        (
            "project_id",
            Attribute::optional(Type::String).describe("Sent as OpenAI-Project for this read."),
        ),
    ]);
    attributes.extend(batch_read_attributes());
    schema(attributes, "An existing OpenAI batch job.")
}

fn batches_data_source() -> Schema {
    let attributes = attrs([
        (
            "project_id",
            Attribute::optional(Type::String).describe("Sent as OpenAI-Project for this read."),
        ),
        ("status", Attribute::optional(Type::String).describe("Only batches with this status.")),
        ("endpoint", Attribute::optional(Type::String).describe("Only batches for this endpoint.")),
        (
            "input_file_id",
            Attribute::optional(Type::String).describe("Only batches reading this file."),
        ),
        (
            "metadata",
            Attribute::optional(Type::map(Type::String))
                .describe("Only batches whose metadata has all these pairs."),
        ),
        (
            "batches",
            Attribute::computed(Type::list(batch_item_type()))
                .describe("Every matching batch, newest first (all pages)."),
        ),
        ("ids", Attribute::computed(Type::list(Type::String)).describe("The batches' ids.")),
    ]);
    schema(attributes, "Every OpenAI batch job, optionally filtered.")
}

/// Attributes every view of a batch has: the data sources' and the list's elements.
fn batch_read_attributes() -> BTreeMap<String, Attribute> {
    let mut attributes = attrs([
        ("input_file_id", Attribute::computed(Type::String)),
        ("endpoint", Attribute::computed(Type::String)),
        ("completion_window", Attribute::computed(Type::String)),
        ("metadata", Attribute::computed(Type::map(Type::String))),
        ("model", Attribute::computed(Type::String)),
        (
            "error",
            Attribute::computed(Type::String)
                .describe("The errors' messages, one per line (with their input line), or null."),
        ),
    ]);
    attributes.extend(batch_computed_attributes());
    attributes
}

/// The computed attributes of the batch resource.
fn batch_computed_attributes() -> BTreeMap<String, Attribute> {
    let mut attributes = attrs([
        ("id", Attribute::computed(Type::String).describe("The batch's id (batch_...).")),
        (
            "status",
            Attribute::computed(Type::String).describe(
                "validating, failed, in_progress, finalizing, completed, expired, cancelling or cancelled.",
            ),
        ),
        (
            "output_file_id",
            Attribute::computed(Type::String)
                .describe("The file of successful results (null when nothing succeeded)."),
        ),
        (
            "error_file_id",
            Attribute::computed(Type::String).describe("The file of failed requests."),
        ),
        (
            "errors",
            Attribute::computed(errors_type()).describe("Validation errors of the input file."),
        ),
        ("created_at", Attribute::computed(Type::Number)),
        ("request_counts", Attribute::computed(request_counts_type())),
        ("usage", Attribute::computed(usage_type())),
    ]);
    for name in BATCH_TIMESTAMPS {
        attributes.insert(name.to_string(), Attribute::computed(Type::Number));
    }
    attributes
}

/// The File object's fields.
fn file_object_attributes() -> BTreeMap<String, Attribute> {
    attrs([
        ("id", Attribute::computed(Type::String)),
        ("filename", Attribute::computed(Type::String)),
        ("purpose", Attribute::computed(Type::String)),
        ("bytes", Attribute::computed(Type::Number)),
        ("created_at", Attribute::computed(Type::Number)),
        (
            "expires_at",
            Attribute::computed(Type::Number).describe("When the file expires (null: never)."),
        ),
        ("status", Attribute::computed(Type::String)),
        ("status_details", Attribute::computed(Type::String)),
    ])
}

fn object<const N: usize>(fields: [(&str, Type); N]) -> Type {
    Type::Object(fields.into_iter().map(|(k, t)| (k.to_string(), t)).collect())
}

fn attrs<const N: usize>(list: [(&str, Attribute); N]) -> BTreeMap<String, Attribute> {
    list.into_iter().map(|(k, a)| (k.to_string(), a)).collect()
}

fn schema(attributes: BTreeMap<String, Attribute>, description: &str) -> Schema {
    Schema {
        version: 0,
        block: Block { attributes, description: description.to_string(), ..Block::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_attribute_is_in_the_schemas() {
        let s = provider_schema();
        let data = &s.data_sources[BATCH].block.attributes;
        for name in [
            "batch_id",
            "project_id",
            "id",
            "status",
            "input_file_id",
            "endpoint",
            "completion_window",
            "output_file_id",
            "error_file_id",
            "error",
            "created_at",
            "in_progress_at",
            "expires_at",
            "completed_at",
            "request_counts",
            "metadata",
            "model",
        ] {
            assert!(data.contains_key(name), "data.openai_batch lacks {name}");
        }
        let res = &s.resources[BATCH].block.attributes;
        for name in [
            "completion_window",
            "endpoint",
            "input_file_id",
            "metadata",
            "output_expires_after",
            "model",
        ] {
            assert!(res.contains_key(name), "openai_batch lacks {name}");
        }
        assert!(res["completion_window"].required);
        assert!(res["model"].optional && res["model"].computed);
        assert_eq!(res["metadata"].ty, Type::map(Type::String));
        assert_eq!(res["created_at"].ty, Type::Number);
        assert!(s.provider.block.attributes["api_key"].sensitive);
    }

    #[test]
    fn file_resource_purpose_and_filename_are_arguments() {
        let s = provider_schema();
        let file = &s.resources[FILE].block.attributes;
        assert!(file["purpose"].required);
        assert!(file["filename"].optional && file["filename"].computed);
        assert!(file["sha256"].computed && !file["sha256"].optional);
    }
}
