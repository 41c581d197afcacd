//! `batchform import ADDRESS ID`: adopt an existing remote object (for example a batch made
//! outside batchform) into state under a resource address the configuration declares.

use super::Context;
use crate::session;
use batchform_core::provider::{ImportResourceStateRequest, ReadResourceRequest};
use batchform_core::{Diagnostic, Diagnostics, TargetAddr};
use batchform_state::{Backend, ObjectState, StateChange};

/// Associate an existing remote object with a resource instance in the configuration.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub op: super::plan::OperationArgs,
    /// The resource instance address to import into, e.g. openai_batch.nightly.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The remote object's id, e.g. batch_abc123.
    #[arg(value_name = "ID")]
    pub id: String,
}

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.op.color.color();
    let fail = |summary: &str, detail: String| {
        crate::diagnostics::print(
            &Diagnostics::from(Diagnostic::error(summary, detail)),
            &crate::diagnostics::Sources::new(),
            color,
        );
        1
    };
    let addr = match args.address.parse::<TargetAddr>() {
        Ok(TargetAddr::Instance(i)) => i,
        Ok(TargetAddr::Resource(r)) => r.instance(batchform_core::InstanceKey::None),
        Err(e) => return fail("Invalid address", e.to_string()),
    };
    let mut session =
        match session::open(ctx, &args.op.state_options(), "OperationTypeImport", color, true) {
            Ok(s) => s,
            Err(code) => return code,
        };
    let Some(resource) = session.config().resources.get(&addr.resource).cloned() else {
        return fail(
            "Configuration for import target does not exist",
            format!(
                "The configuration does not contain {}. Before importing this resource, please create its configuration in the root module. For example:\n\nresource \"{}\" \"{}\" {{\n  # (resource arguments)\n}}",
                addr.resource, addr.resource.type_name, addr.resource.name
            ),
        );
    };
    if session.state.current(&addr).is_some() {
        return fail(
            "Resource already managed by batchform",
            format!(
                "batchform is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state."
            ),
        );
    }
    let Some(entry) = session.providers.get(&resource.provider) else {
        return fail(
            "Provider configuration not present",
            format!("No provider configuration for {addr}."),
        );
    };
    let Some(schema) = entry.schema.resources.get(&addr.resource.type_name).cloned() else {
        return fail(
            "Invalid resource type",
            format!("The provider does not support resource type {:?}.", addr.resource.type_name),
        );
    };
    let provider = entry.provider.clone();
    let state_addr = entry.state_addr.clone();
    outln!("{addr}: Importing from ID \"{}\"...", args.id);
    let imported =
        session.runtime.block_on(provider.import_resource_state(ImportResourceStateRequest {
            type_name: addr.resource.type_name.clone(),
            id: args.id.clone(),
        }));
    if imported.diagnostics.has_errors() {
        session.print(&batchform_engine::operation::with_address(imported.diagnostics, &addr));
        return 1;
    }
    let Some(object) = imported.state else {
        return fail(
            "Cannot import non-existent remote object",
            format!(
                "While attempting to import an existing object to \"{addr}\", the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"batchform apply\" to create a new remote object for this resource."
            ),
        );
    };
    outln!("{addr}: Import prepared!\n  Prepared {} for import", addr.resource.type_name);
    outln!("{addr}: Refreshing state... [id={}]", args.id);
    let refreshed = session.runtime.block_on(provider.read_resource(ReadResourceRequest {
        type_name: addr.resource.type_name.clone(),
        address: addr.to_string(),
        prior_state: object.clone(),
        private: Vec::new(),
    }));
    if refreshed.diagnostics.has_errors() {
        session.print(&refreshed.diagnostics);
        return 1;
    }
    let Some(object) = refreshed.new_state.or(Some(object)) else { return 1 };
    let (json, paths) = match batchform_engine::values::object_to_state(&object, &schema) {
        Ok(v) => v,
        Err(e) => return fail("Provider produced invalid object", e.to_string()),
    };
    let mut stored = ObjectState::new(json);
    stored.sensitive_attributes = paths;
    stored.schema_version = schema.version;
    let change =
        StateChange::SetCurrent { addr: addr.clone(), provider: state_addr, object: stored };
    session.state.apply(&change);
    if let Err(e) = session
        .backend
        .persist_change(&change)
        .and_then(|_| session.backend.persist_snapshot(&session.state).map(|_| ()))
    {
        return fail("Failed to save state", e.to_string());
    }
    let _ = session.backend.unlock();
    let text = "Import successful!";
    outln!("\n{}", if color { format!("\x1b[32m\x1b[1m{text}\x1b[0m") } else { text.to_string() });
    outln!(
        "\nThe resources that were imported are shown above. These resources are now in\nyour batchform state and will henceforth be managed by batchform."
    );
    0
}
