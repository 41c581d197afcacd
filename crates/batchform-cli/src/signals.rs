//! Ctrl-C during apply, as Terraform handles it: the first interrupt stops new operations and
//! lets running ones finish (their results are persisted); the second exits at once (every
//! completed change is already durable in the state journal).

use crate::output::Ui;
use batchform_engine::apply::Cancel;

/// Listening for interrupts until dropped.
pub struct Guard {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn install(cancel: Cancel, ui: Ui, runtime: &tokio::runtime::Handle) -> Guard {
    // Register now (not when the task is first polled) so an early Ctrl-C is not lost.
    let _entered = runtime.enter();
    let mut interrupts = Interrupts::new();
    let task = runtime.spawn(async move {
        if !interrupts.next().await {
            return;
        }
        ui.interrupt_received();
        cancel.cancel();
        if !interrupts.next().await {
            return;
        }
        ui.two_interrupts();
        std::process::exit(1);
    });
    Guard { task }
}

/// SIGINT as a stream; `next` is false when signals cannot be received at all.
struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn new() -> Interrupts {
        Interrupts {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            match &mut self.signal {
                Some(signal) => signal.recv().await.is_some(),
                None => false,
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}
