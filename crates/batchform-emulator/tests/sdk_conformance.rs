//! Runs `tests/sdk/conformance.py` with the official OpenAI Python SDK against four
//! emulators. Needs the repository's `.venv` with `openai` installed (`.ci/run` makes it);
//! set `BATCHFORM_SKIP_SDK=1` to skip explicitly.

use batchform_emulator::{Clock, EmulatorConfig, FaultConfig, Timing, start_in_background};
use std::path::PathBuf;
use std::process::Command;

const KEY: &str = "sk-conformance-test-key";

fn config(speed: f64, timing: Timing, faults: FaultConfig) -> EmulatorConfig {
    EmulatorConfig {
        api_keys: vec![KEY.into()],
        clock: Clock::system(speed),
        timing,
        faults,
        ..EmulatorConfig::default()
    }
}

#[test]
fn official_python_sdk_accepts_the_emulator() {
    if std::env::var("BATCHFORM_SKIP_SDK").as_deref() == Ok("1") {
        eprintln!("BATCHFORM_SKIP_SDK=1: skipping the OpenAI SDK conformance test");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing. Create it with `python3 -m venv .venv && .venv/bin/pip install openai` \
         at the repository root (.ci/run does this), or set BATCHFORM_SKIP_SDK=1 to skip.",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/conformance.py");

    // Small batches finish in about 0.3 s.
    let fast =
        start_in_background(config(600.0, Timing::default(), FaultConfig::default())).unwrap();
    // Batches stay in `validating` until cancelled; cancelling takes 1 s.
    let cancel = start_in_background(config(
        1.0,
        Timing { validating_secs: 1e6, cancelling_secs: 1.0, ..Timing::default() },
        FaultConfig {
            rules: vec!["429:1@nth=1@GET:/v1/files".parse().unwrap()],
            seed: Some(1),
            header_control: true,
        },
    ))
    .unwrap();
    // Every request takes longer than the 24 h window; 86,400 s pass in under a second.
    let expire = start_in_background(config(
        200_000.0,
        Timing { validating_secs: 1.0, per_request_secs: 50_000.0, ..Timing::default() },
        FaultConfig::default(),
    ))
    .unwrap();

    // One request every 0.5 s, from the start: a cancel lands half-way through.
    let partial = start_in_background(config(
        1.0,
        Timing {
            validating_secs: 0.0,
            per_request_secs: 0.5,
            min_in_progress_secs: 0.0,
            cancelling_secs: 0.5,
            ..Timing::default()
        },
        FaultConfig::default(),
    ))
    .unwrap();

    let out = Command::new(&python)
        .arg(&script)
        .args([fast.base_url(), cancel.base_url(), expire.base_url(), KEY, partial.base_url()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "conformance.py failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("conformance: all checks passed"), "{stdout}");
}
