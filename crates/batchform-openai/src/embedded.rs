//! The embedded emulator (`emulator = true`): a `batchform_emulator` server started
//! in-process with its objects under the working directory (`.batchform/emulator/` by
//! default), so successive runs see the same files and batches. The provider's client calls
//! its routes directly ([`Embedded::serve_request`]); the server also listens on
//! `127.0.0.1:0`, the URL messages and logs name.
//!
//! Provider configurations (aliases) in one process that name the same data directory share
//! one server: two servers must never write one store. The first configuration's speed, timing and
//! faults win. The server stops when the last provider using it is dropped.

use crate::settings::EmulatorSettings;
use batchform_emulator::{Clock, EmulatorConfig, EmulatorError, FaultConfig, RunningEmulator};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, Weak};

/// A running embedded emulator, shared by the providers using its data directory.
pub struct Embedded {
    base_url: String,
    data_dir: PathBuf,
    /// Dropping this stops the server.
    server: RunningEmulator,
}

impl Embedded {
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Serve one request in this process (see [`RunningEmulator::serve_request`]).
    pub async fn serve_request(
        &self,
        request: http::Request<reqwest::Body>,
    ) -> Result<
        http::Response<batchform_emulator::ResponseBody>,
        batchform_emulator::ConnectionDropped,
    > {
        self.server.serve_request(request).await
    }
}

type Registry = tokio::sync::Mutex<HashMap<PathBuf, Weak<Embedded>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The emulator for `settings.data_dir`, started on the current runtime if none runs.
pub async fn ensure(settings: &EmulatorSettings) -> Result<Arc<Embedded>, EmulatorError> {
    let mut running = registry().lock().await;
    running.retain(|_, weak| weak.strong_count() > 0);
    if let Some(existing) = running.get(&settings.data_dir).and_then(Weak::upgrade) {
        return Ok(existing);
    }
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|source| EmulatorError::Io { path: settings.data_dir.clone(), source })?;
    let server = batchform_emulator::start(EmulatorConfig {
        data_dir: Some(settings.data_dir.clone()),
        clock: Clock::system(settings.speed),
        faults: FaultConfig { rules: settings.faults.clone(), ..FaultConfig::default() },
        seed: settings.seed.clone(),
        timing: settings.timing,
        fsync: settings.fsync,
        ..EmulatorConfig::default()
    })
    .await?;
    let embedded = Arc::new(Embedded {
        base_url: server.base_url(),
        data_dir: settings.data_dir.clone(),
        server,
    });
    running.insert(settings.data_dir.clone(), Arc::downgrade(&embedded));
    Ok(embedded)
}
