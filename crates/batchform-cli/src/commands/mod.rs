//! One module per subcommand. Each holds its clap `Args` (the doc comment is the help text)
//! and a `run` function returning the process exit code.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub mod apply;
mod console;
mod emulator;
mod fmt;
mod force_unlock;
mod graph;
mod import;
mod init;
mod output;
pub mod plan;
mod show;
pub mod state;
mod taint;
mod validate;
mod version;

/// batchform: OpenAI batch jobs as code, the Terraform way.
#[derive(Debug, Parser)]
#[command(name = "batchform", version, disable_version_flag = true)]
pub struct Cli {
    /// Switch to a different working directory before executing the given subcommand.
    #[arg(long, global = false, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// Show the current batchform version (same as the version subcommand).
    #[arg(long, short = 'v')]
    pub version: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare your working directory for other commands.
    Init(init::Args),
    /// Check whether the configuration is valid.
    Validate(validate::Args),
    /// Show changes required by the current configuration.
    Plan(plan::Args),
    /// Create or update infrastructure.
    Apply(apply::Args),
    /// Destroy previously-created infrastructure.
    Destroy(apply::destroy::Args),
    /// Update the state to match remote systems.
    Refresh(apply::refresh::Args),
    /// Associate existing infrastructure with a batchform resource.
    Import(import::Args),
    /// Generate a Graphviz graph of the steps in an operation.
    Graph(graph::Args),
    /// Try batchform expressions at an interactive command prompt.
    Console(console::Args),
    /// Show the current batchform version.
    Version(version::Args),
    /// Rewrite configuration files to the canonical format and style.
    Fmt(fmt::Args),
    /// Run a local emulator of the OpenAI Files and Batches API.
    Emulator(emulator::Args),
    /// Show the current state or a saved state file.
    Show(show::Args),
    /// Show output values from the state.
    Output(output::Args),
    /// Advanced state management.
    State(state::Args),
    /// Release a stuck lock on the state.
    ForceUnlock(force_unlock::Args),
    /// Mark a resource instance as not fully functional (the next plan replaces it).
    Taint(taint::Args),
    /// Remove the tainted mark from a resource instance.
    Untaint(taint::Args),
}

/// What every command gets: where it runs and where the user started.
#[derive(Debug, Clone)]
pub struct Context {
    /// The directory the user ran batchform from (`path.cwd`), before `-chdir`.
    pub original_dir: PathBuf,
    /// The directory commands work in (after `-chdir`).
    pub working_dir: PathBuf,
    /// `-var` and `-var-file` in the order given.
    pub var_args: Vec<crate::workdir::VarArg>,
}

impl Context {
    /// Colour is on unless `-no-color` or the `NO_COLOR` environment variable says otherwise.
    pub fn color(&self, no_color_flag: bool) -> bool {
        !no_color_flag && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    /// `path.module`, `path.root` and `path.cwd`.
    pub fn paths(&self) -> batchform_config::scope::Paths {
        let cwd = self.original_dir.to_string_lossy().into_owned();
        batchform_config::scope::Paths { module: ".".into(), root: ".".into(), cwd }
    }
}

/// `-var` and `-var-file` arguments in command-line order (clap keeps them apart).
fn var_args(argv: &[String]) -> Vec<crate::workdir::VarArg> {
    use crate::workdir::VarArg;
    let mut out = Vec::new();
    let mut iter = argv.iter().skip(1);
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if let Some(v) = arg.strip_prefix("--var=") {
            out.push(VarArg::Var(v.to_string()));
        } else if let Some(v) = arg.strip_prefix("--var-file=") {
            out.push(VarArg::File(v.into()));
        } else if arg == "--var" {
            if let Some(v) = iter.next() {
                out.push(VarArg::Var(v.clone()));
            }
        } else if arg == "--var-file" {
            if let Some(v) = iter.next() {
                out.push(VarArg::File(v.into()));
            }
        }
    }
    out
}

/// Parse arguments, switch directory, run the command, return the exit code.
pub fn run(argv: Vec<String>) -> u8 {
    let var_args = var_args(&argv);
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 1 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    let original_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(dir) = &cli.chdir {
        if let Err(err) = std::env::set_current_dir(dir) {
            eoutln!(
                "Error handling -chdir option: chdir {}: {}",
                dir.display(),
                crate::ui::io_error_text(&err)
            );
            return 1;
        }
    }
    let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let ctx = Context { original_dir, working_dir, var_args };
    match cli.command {
        Some(Command::Init(args)) => init::run(&args, &ctx),
        Some(Command::Taint(args)) => taint::taint(&args, &ctx),
        Some(Command::Untaint(args)) => taint::untaint(&args, &ctx),
        Some(Command::Validate(args)) => validate::run(&args, &ctx),
        Some(Command::Plan(args)) => plan::run(&args, &ctx),
        Some(Command::Apply(args)) => apply::run(&args, &ctx),
        Some(Command::Destroy(args)) => apply::destroy::run(&args, &ctx),
        Some(Command::Refresh(args)) => apply::refresh::run(&args, &ctx),
        Some(Command::Import(args)) => import::run(&args, &ctx),
        Some(Command::Graph(args)) => graph::run(&args, &ctx),
        Some(Command::Console(args)) => console::run(&args, &ctx),
        Some(Command::Version(args)) => version::run(&args, &ctx),
        Some(Command::Fmt(args)) => fmt::run(&args, &ctx),
        Some(Command::Emulator(args)) => emulator::run(&args, &ctx),
        Some(Command::Show(args)) => show::run(&args, &ctx),
        Some(Command::Output(args)) => output::run(&args, &ctx),
        Some(Command::State(args)) => state::run(&args, &ctx),
        Some(Command::ForceUnlock(args)) => force_unlock::run(&args, &ctx),
        None if cli.version => version::run(&version::Args::default(), &ctx),
        None => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            1
        }
    }
}
