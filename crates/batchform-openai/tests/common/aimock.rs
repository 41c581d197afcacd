//! `@copilotkit/aimock`, a third-party OpenAI mock, as a test backend: started from the
//! repository's `node_modules` (installed by `.ci/run`) on a free port, stopped on drop.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Aimock {
    child: Child,
    pub base_url: String,
    _fixtures: tempfile::TempDir,
}

/// The aimock CLI installed at the repository root.
fn cli() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/@copilotkit/aimock/dist/cli.js")
}

impl Aimock {
    /// Start aimock accepting only `key`. `None` when it is not installed and
    /// `BATCHFORM_SKIP_AIMOCK=1` asks to skip; a clear panic otherwise.
    pub fn start(key: &str) -> Option<Aimock> {
        let cli = cli();
        if !cli.exists() {
            if std::env::var("BATCHFORM_SKIP_AIMOCK").as_deref() == Ok("1") {
                eprintln!("skipping: aimock is not installed and BATCHFORM_SKIP_AIMOCK=1");
                return None;
            }
            panic!(
                "aimock is not installed at {}.\nInstall it as .ci/run does (from the repository root):\n  npm install --no-save --no-audit --no-fund @copilotkit/aimock@1.43.0\nor set BATCHFORM_SKIP_AIMOCK=1 to skip the aimock tests explicitly.",
                cli.display()
            );
        }
        let fixtures = tempfile::tempdir().unwrap();
        let mut child = Command::new("node")
            .arg(&cli)
            .args(["--host", "127.0.0.1", "--port", "0", "--fixtures"])
            .arg(fixtures.path())
            .env("AIMOCK_API_KEYS", key)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node for aimock: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(i) = line.find("listening on ") {
                    let _ = tx.send(line[i + "listening on ".len()..].trim().to_string());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("aimock did not start within 30 s");
            }
        };
        Some(Aimock { child, base_url: format!("{url}/v1"), _fixtures: fixtures })
    }
}

impl Drop for Aimock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
