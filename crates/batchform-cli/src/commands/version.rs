//! `batchform version [-json]`.

use super::Context;

/// Show the current batchform version.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Print version information as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, _ctx: &Context) -> u8 {
    let version = env!("CARGO_PKG_VERSION");
    let platform = format!("{}_{}", std::env::consts::OS, go_arch());
    if args.json {
        let out = serde_json::json!({
            "terraform_version": version,
            "platform": platform,
            "provider_selections": {},
            "terraform_outdated": false,
        });
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        outln!("batchform v{version}\non {platform}");
    }
    0
}

/// Terraform names architectures the Go way.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}
