//! `batchform init`: check the configuration, create the working data directory, and say
//! which (built-in) providers it uses.

use super::Context;
use std::collections::BTreeSet;

/// Prepare the working directory for other commands.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub color: super::state::ColorArgs,
    /// Ask for input if necessary (-input=false never asks; init asks nothing).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", value_parser = super::state::parse_bool)]
    pub input: bool,
    /// Accepted for Terraform compatibility: providers are built in, there is nothing to upgrade.
    #[arg(long)]
    pub upgrade: bool,
}

/// The working data directory (Terraform's `.terraform`).
pub const DATA_DIR: &str = ".batchform";

pub fn run(args: &Args, ctx: &Context) -> u8 {
    let color = args.color.color();
    let loaded = crate::workdir::load(&ctx.working_dir);
    let mut diags = loaded.diagnostics.clone();
    if loaded.syntax_ok && !diags.has_errors() {
        let env = crate::functions::FunctionEnv::new(ctx, true, false);
        let library = env.library();
        let registry = crate::providers::Registry::builtin();
        diags.extend(batchform_config::validate::validate(
            &loaded.config,
            Some(&registry),
            &library,
        ));
    }
    let bold = |s: &str| if color { format!("\x1b[1m{s}\x1b[0m") } else { s.to_string() };
    outln!("{}", bold("Initializing the backend..."));
    if diags.has_errors() {
        crate::diagnostics::print(&diags, &loaded.sources, color);
        return 1;
    }
    if let Err(e) = std::fs::create_dir_all(DATA_DIR) {
        eoutln!(
            "\nError: Failed to create the working data directory\n\n{DATA_DIR}: {}.",
            crate::ui::io_error_text(&e)
        );
        return 1;
    }
    outln!();
    outln!("{}", bold("Initializing provider plugins..."));
    let registry = crate::providers::Registry::builtin();
    let mut names: BTreeSet<String> =
        loaded.config.resources.values().map(|r| r.provider.name.clone()).collect();
    names.extend(loaded.config.providers.keys().map(|p| p.name.clone()));
    for name in &names {
        match registry.source(name) {
            Some(source) => outln!("- {source} is built in to batchform"),
            None => {
                eoutln!(
                    "\nError: Provider not available\n\nThis configuration needs a provider named \"{name}\", which batchform does not include. batchform includes the \"openai\" provider and the built-in \"terraform_data\" resource."
                );
                return 1;
            }
        }
    }
    crate::diagnostics::print(&diags, &loaded.sources, color);
    let success = "batchform has been successfully initialized!";
    outln!();
    outln!(
        "{}",
        if color { format!("\x1b[32m\x1b[1m{success}\x1b[0m") } else { success.to_string() }
    );
    outln!(
        "\nYou may now begin working with batchform. Try running \"batchform plan\" to see\nany changes that are required for your infrastructure. All batchform commands\nshould now work.\n\nIf you ever set or change modules or backend configuration for batchform,\nrerun this command to reinitialize your working directory. If you forget, other\ncommands will detect it and remind you to do so if necessary."
    );
    0
}
