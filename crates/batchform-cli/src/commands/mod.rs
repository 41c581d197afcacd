//! One module per subcommand. Each holds its clap `Args` (the doc comment is the help text)
//! and a `run` function returning the process exit code.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod force_unlock;
mod output;
mod show;
pub mod state;
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
    /// Show the current batchform version.
    Version(version::Args),
    /// Show the current state or a saved state file.
    Show(show::Args),
    /// Show output values from the state.
    Output(output::Args),
    /// Advanced state management.
    State(state::Args),
    /// Release a stuck lock on the state.
    ForceUnlock(force_unlock::Args),
}

/// What every command gets: where it runs and where the user started.
#[derive(Debug, Clone)]
pub struct Context {
    /// The directory the user ran batchform from (`path.cwd`), before `-chdir`.
    pub original_dir: PathBuf,
}

/// Parse arguments, switch directory, run the command, return the exit code.
pub fn run(argv: Vec<String>) -> u8 {
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
            eprintln!(
                "Error handling -chdir option: chdir {}: {}",
                dir.display(),
                crate::ui::io_error_text(&err)
            );
            return 1;
        }
    }
    let ctx = Context { original_dir };
    match cli.command {
        Some(Command::Version(args)) => version::run(&args, &ctx),
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
