//! Running the emulator: binding, the accept loop (hyper, one task per connection, so a fault
//! can drop a connection without answering), graceful shutdown, and a handle for synchronous
//! callers that runs everything on a background thread with its own runtime.

use crate::api::{self, AppState, ConnectionKill, Shared};
use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::error::EmulatorError;
use crate::faults::Injector;
use crate::seed::{self, SeedSummary};
use crate::store::Store;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// How long shutdown waits for in-flight requests before closing their connections.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A running emulator. Dropping it stops the server without waiting; prefer
/// [`RunningEmulator::shutdown`].
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Shared,
    /// The routes, also for requests served in-process ([`RunningEmulator::serve_request`]).
    router: axum::Router,
    seeded: Option<SeedSummary>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A request served in-process got no answer: a fault closed its "connection".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the emulator closed the connection without answering")]
pub struct ConnectionDropped;

/// Start an emulator on the current tokio runtime: open (or create) the store, create the
/// seed file's missing objects, bind `config.listen` (`127.0.0.1:0` by default), and serve
/// until shut down.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let (data_dir, fsync) = (config.data_dir.clone(), config.fsync);
    let store = tokio::task::spawn_blocking(move || Store::open_with(data_dir.as_deref(), fsync))
        .await
        .map_err(|e| EmulatorError::Runtime(std::io::Error::other(e)))??;
    if config.data_dir.is_some() {
        if let Some(saved) = store.load_clock() {
            config.clock.resume_from(&saved);
        }
        if let Some(anchor) = config.clock.anchor() {
            store
                .save_clock(&anchor)
                .map_err(|e| EmulatorError::io(store.root().join("clock.json"), e))?;
        }
    }
    let now = config.clock.now();
    let files_dir = store.root().join("files");
    let store = tokio::task::spawn_blocking(move || {
        store.purge_expired(now).map(|_| store).map_err(|e| EmulatorError::io(files_dir, e))
    })
    .await
    .map_err(|e| EmulatorError::Runtime(std::io::Error::other(e)))??;
    let state: Shared = Arc::new(AppState {
        store,
        clock: config.clock.clone(),
        timing: config.timing,
        api_keys: config.api_keys.clone(),
        faults: Injector::new(&config.faults),
        batch_locks: Default::default(),
        validations: Default::default(),
    });
    // Seed before binding: a bad seed file stops the start before anyone can connect.
    let seeded = match &config.seed {
        Some(path) => Some(seed::apply(&state, path).await?),
        None => None,
    };
    // Batches that stopped while the emulator was down get their result files now.
    api::batches::settle_due(&state).await;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| EmulatorError::Bind { addr: config.listen, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind { addr: config.listen, source })?;
    let router = api::router(state.clone());
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(serve(listener, router.clone(), stop_rx));
    Ok(RunningEmulator { addr, state, router, seeded, stop: Some(stop_tx), task: Some(task) })
}

impl RunningEmulator {
    /// The base URL to give an OpenAI client, e.g. `http://127.0.0.1:41234/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator's clock: advance a manual clock to move batches along.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// Serve one request in this process, without a socket: the same routes, checks, faults
    /// and answer as over a connection, minus the HTTP/1.1 framing and the two hops through
    /// the TCP stack (for a client in the same process, such as the provider's embedded
    /// emulator). A fault that drops the connection (`drop`, `drop-after-create`) ends the
    /// request with [`ConnectionDropped`] instead of an answer.
    pub async fn serve_request<B>(
        &self,
        req: axum::http::Request<B>,
    ) -> Result<axum::http::Response<axum::body::Body>, ConnectionDropped>
    where
        B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        use futures_util::FutureExt;
        let kill = ConnectionKill::default();
        let mut req = req.map(axum::body::Body::new);
        req.extensions_mut().insert(kill.clone());
        // A handler that panics ends the request as it ends a connection's task over HTTP:
        // without an answer, not by unwinding into the caller.
        let answer = std::panic::AssertUnwindSafe(self.router.clone().oneshot(req)).catch_unwind();
        tokio::select! {
            answer = answer => match answer {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(never)) => match never {},
                Err(_panic) => Err(ConnectionDropped),
            },
            _ = kill.0.notified() => Err(ConnectionDropped),
        }
    }

    /// Where objects are stored (a private temporary directory when none was configured).
    pub fn data_dir(&self) -> &Path {
        self.state.store.root()
    }

    /// What the seed file did at start (`None` without a seed file).
    pub fn seeded(&self) -> Option<SeedSummary> {
        self.seeded
    }

    /// Stored documents that could not be read at start (they are ignored).
    pub fn load_warnings(&self) -> &[String] {
        &self.state.store.warnings
    }

    /// Stop accepting connections, let in-flight requests finish (up to 10 s), persist the
    /// clock, and release the port. A private data directory is removed.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(anchor) = self.state.clock.anchor() {
            let root: PathBuf = self.state.store.root().to_path_buf();
            self.state
                .store
                .save_clock(&anchor)
                .map_err(|e| EmulatorError::io(root.join("clock.json"), e))?;
        }
        Ok(())
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(listener: TcpListener, router: axum::Router, mut stop: oneshot::Receiver<()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of descriptors or similar: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let kill = ConnectionKill::default();
                let per_request_kill = kill.clone();
                let router = router.clone();
                let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                    req.extensions_mut().insert(per_request_kill.clone());
                    router.clone().oneshot(req.map(axum::body::Body::new))
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        // Dropping the connection closes the socket without an answer.
                        _ = kill.0.notified() => {}
                    }
                });
            }
            _ = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {}
    }
}

/// An emulator running on its own thread and runtime, for code that is not async (the CLI
/// before it starts a runtime, synchronous tests). Dropping it shuts the emulator down.
pub struct BackgroundEmulator {
    base_url: String,
    addr: SocketAddr,
    clock: Clock,
    data_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), EmulatorError>>>,
}

/// Start an emulator on a dedicated background thread with its own tokio runtime.
pub fn start_in_background(config: EmulatorConfig) -> Result<BackgroundEmulator, EmulatorError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("batchform-emulator".into())
        .spawn(move || -> Result<(), EmulatorError> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(EmulatorError::Runtime)?;
            rt.block_on(async move {
                match start(config).await {
                    Ok(em) => {
                        let info = (em.addr(), em.clock().clone(), em.data_dir().to_path_buf());
                        let _ = ready_tx.send(Ok(info));
                        let _ = stop_rx.await;
                        em.shutdown().await
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        Ok(())
                    }
                }
            })
        })
        .map_err(EmulatorError::Runtime)?;
    match ready_rx.recv() {
        Ok(Ok((addr, clock, data_dir))) => Ok(BackgroundEmulator {
            base_url: format!("http://{addr}/v1"),
            addr,
            clock,
            data_dir,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => match thread.join() {
            Ok(Err(e)) => Err(e),
            _ => Err(EmulatorError::ThreadGone),
        },
    }
}

impl BackgroundEmulator {
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Shut down gracefully and wait for the thread to finish.
    pub fn shutdown(mut self) -> Result<(), EmulatorError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<(), EmulatorError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(EmulatorError::ThreadGone),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundEmulator {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
