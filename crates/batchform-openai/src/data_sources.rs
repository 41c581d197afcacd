//! The data sources: `openai_batch` and `openai_file` (one object by id, with an optional
//! `project_id` sent as `OpenAI-Project`), and `openai_batches` and `openai_files` (every
//! object, following the cursor until `has_more` is false, with filters).

use crate::client::{ApiError, Ctx};
use crate::provider::{Configured, OpenAiProvider, unsupported};
use crate::values::{Arg, batch_read, file_fields, string_map};
use crate::{diag, schema};
use batchform_core::provider::{ReadDataSourceRequest, ReadDataSourceResponse};
use batchform_core::{AttrPath, Diagnostics, Type, Value};

/// `content` of the `openai_file` data source is read for files up to this size.
pub const CONTENT_LIMIT: u64 = 10 * 1024 * 1024;

pub fn validate_config(type_name: &str, config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let required = match type_name {
        schema::BATCH => Some("batch_id"),
        schema::FILE => Some("file_id"),
        schema::BATCHES | schema::FILES => None,
        other => return unsupported("data source", other),
    };
    if let Some(name) = required {
        if Arg::of(config, name).str().is_some_and(|s| s.trim().is_empty()) {
            diags.push(diag::invalid_argument(
                AttrPath::attr(name),
                "Invalid id",
                format!("{name} must not be empty."),
            ));
        }
    }
    if type_name == schema::FILES {
        if let Some(p) = Arg::of(config, "purpose").str() {
            const OBJECT_PURPOSES: [&str; 9] = [
                "assistants",
                "assistants_output",
                "batch",
                "batch_output",
                "fine-tune",
                "fine-tune-results",
                "vision",
                "user_data",
                "evals",
            ];
            if !OBJECT_PURPOSES.contains(&p) {
                diags.push(diag::invalid_argument(
                    AttrPath::attr("purpose"),
                    "Invalid file purpose",
                    format!(
                        "No file has the purpose {p:?}; purposes are {}.",
                        OBJECT_PURPOSES.join(", ")
                    ),
                ));
            }
        }
    }
    diags
}

pub async fn read(
    provider: &OpenAiProvider,
    configured: &Configured,
    req: ReadDataSourceRequest,
) -> ReadDataSourceResponse {
    let address = req.address.as_str();
    let diags = validate_config(&req.type_name, &req.config);
    if diags.has_errors() {
        return ReadDataSourceResponse { state: None, diagnostics: diags };
    }
    if !req.config.is_wholly_known() {
        // Read at apply, once the arguments are known: everything is known after apply.
        let schema = crate::plan::data_source_schema(&req.type_name);
        let mut fields = req.config.entries().cloned().unwrap_or_default();
        for (name, attr) in &schema.block.attributes {
            if attr.computed && !attr.optional && !attr.required {
                fields.insert(name.clone(), Value::unknown(attr.ty.clone()));
            }
        }
        return ReadDataSourceResponse {
            state: Some(crate::plan::conform(schema, fields)),
            diagnostics: diags,
        };
    }
    let project = Arg::of(&req.config, "project_id").str();
    let ctx = Ctx { address: Some(address), project };
    let result = match req.type_name.as_str() {
        schema::BATCH => read_batch(configured, &req.config, ctx).await,
        schema::FILE => read_file(configured, &req.config, ctx).await,
        schema::BATCHES => read_batches(provider, configured, &req.config, ctx).await,
        schema::FILES => read_files(provider, configured, &req.config, ctx).await,
        other => {
            return ReadDataSourceResponse {
                state: None,
                diagnostics: unsupported("data source", other),
            };
        }
    };
    match result {
        Ok(state) => ReadDataSourceResponse { state: Some(state), diagnostics: diags },
        Err((summary, err)) => ReadDataSourceResponse {
            state: None,
            diagnostics: diag::api_error(summary, &err, Some(address)).into(),
        },
    }
}

type Failed = (&'static str, ApiError);

/// The data source's object: its configured arguments plus what was read.
fn with_config(
    type_name: &str,
    config: &Value,
    fields: impl IntoIterator<Item = (String, Value)>,
) -> Value {
    let mut all: std::collections::BTreeMap<String, Value> =
        config.entries().cloned().unwrap_or_default();
    all.extend(fields);
    crate::plan::conform(crate::plan::data_source_schema(type_name), all)
}

async fn read_batch(
    configured: &Configured,
    config: &Value,
    ctx: Ctx<'_>,
) -> Result<Value, Failed> {
    let id = Arg::of(config, "batch_id").str().unwrap_or_default();
    let batch =
        configured.client.retrieve_batch(id, ctx).await.map_err(|e| ("Failed to read batch", e))?;
    Ok(with_config(schema::BATCH, config, batch_read(&batch)))
}

async fn read_file(configured: &Configured, config: &Value, ctx: Ctx<'_>) -> Result<Value, Failed> {
    let id = Arg::of(config, "file_id").str().unwrap_or_default();
    let file =
        configured.client.retrieve_file(id, ctx).await.map_err(|e| ("Failed to read file", e))?;
    let small = file.bytes.is_some_and(|b| (b as u64) <= CONTENT_LIMIT);
    let content = if small {
        match configured.client.file_content(&file.id, CONTENT_LIMIT, ctx).await {
            Ok(Some(bytes)) => String::from_utf8(bytes).ok(),
            Ok(None) => None,
            // Purposes such as assistants and user_data may not be downloaded.
            Err(e) if e.status() == Some(400) || e.status() == Some(403) => None,
            Err(e) => return Err(("Failed to download file", e)),
        }
    } else {
        None
    };
    let mut fields = file_fields(&file);
    fields.insert("content".into(), content.map_or(Value::Null(Type::String), Value::String));
    Ok(with_config(schema::FILE, config, fields))
}

async fn read_batches(
    provider: &OpenAiProvider,
    configured: &Configured,
    config: &Value,
    ctx: Ctx<'_>,
) -> Result<Value, Failed> {
    let all = configured
        .client
        .all_batches(provider.page_sizes().batches, ctx)
        .await
        .map_err(|e| ("Failed to list batches", e))?;
    let status = Arg::of(config, "status").str();
    let endpoint = Arg::of(config, "endpoint").str();
    let input_file_id = Arg::of(config, "input_file_id").str();
    let metadata = config
        .get_attr("metadata")
        .filter(|v| !v.is_null())
        .and_then(string_map)
        .unwrap_or_default();
    let keep = |b: &&crate::wire::Batch| {
        status.is_none_or(|s| b.status.as_deref() == Some(s))
            && endpoint.is_none_or(|e| b.endpoint.as_deref() == Some(e))
            && input_file_id.is_none_or(|f| b.input_file_id.as_deref() == Some(f))
            && metadata.iter().all(|(k, v)| b.metadata.as_ref().and_then(|m| m.get(k)) == Some(v))
    };
    let selected: Vec<&crate::wire::Batch> = all.iter().filter(keep).collect();
    let ids = selected.iter().map(|b| Value::string(&b.id)).collect();
    let items = selected.iter().map(|b| Value::Object(batch_read(b))).collect();
    Ok(with_config(
        schema::BATCHES,
        config,
        [
            ("batches".to_string(), Value::list(schema::batch_item_type(), items)),
            ("ids".to_string(), Value::list(Type::String, ids)),
        ],
    ))
}

async fn read_files(
    provider: &OpenAiProvider,
    configured: &Configured,
    config: &Value,
    ctx: Ctx<'_>,
) -> Result<Value, Failed> {
    let purpose = Arg::of(config, "purpose").str();
    let all = configured
        .client
        .all_files(purpose, provider.page_sizes().files, ctx)
        .await
        .map_err(|e| ("Failed to list files", e))?;
    // Servers that ignore the filter still get it applied.
    let selected: Vec<&crate::wire::FileObject> =
        all.iter().filter(|f| purpose.is_none_or(|p| f.purpose.as_deref() == Some(p))).collect();
    let ids = selected.iter().map(|f| Value::string(&f.id)).collect();
    let items = selected.iter().map(|f| Value::Object(file_fields(f))).collect();
    Ok(with_config(
        schema::FILES,
        config,
        [
            ("files".to_string(), Value::list(schema::file_item_type(), items)),
            ("ids".to_string(), Value::list(Type::String, ids)),
        ],
    ))
}
