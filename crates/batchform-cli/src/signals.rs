//! Ctrl-C during apply, as Terraform handles it: the first interrupt stops new operations and
//! lets running ones finish (their results are persisted); the second exits at once (every
//! completed change is already durable in the state journal). Before the walk (refresh,
//! planning, the approval prompt) nothing has been changed yet, so the first Ctrl-C stops the
//! operation at once: `interruptible` drops the plan (its reads), the lock is released and the
//! command exits 1 with the state file untouched.

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
        // The plan may still be rendering with the output held: print what is queued.
        crate::ui::drain_held();
        std::process::exit(1);
    });
    Guard { task }
}

/// Run `work` to its end unless Ctrl-C comes first; `None` means interrupted (after printing
/// Terraform's "Interrupt received" lines). A second Ctrl-C is not needed: dropping `work`
/// abandons only reads, and nothing has been written.
pub fn interruptible<F: std::future::Future>(
    runtime: &tokio::runtime::Runtime,
    ui: &Ui,
    work: F,
) -> Option<F::Output> {
    let out = interruptible_quiet(runtime, work);
    if out.is_none() {
        ui.interrupt_received();
    }
    out
}

/// Read one line from stdin (the approval prompt) unless Ctrl-C comes first; `None` when
/// interrupted or stdin is closed. The read runs on its own thread, which the process leaves
/// behind when interrupted (a blocked read cannot be cancelled).
pub fn read_line_interruptible(runtime: &tokio::runtime::Runtime) -> Option<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(read.ok().filter(|n| *n > 0).map(|_| line));
    });
    interruptible_quiet(runtime, async move { rx.await.ok().flatten() }).flatten()
}

fn interruptible_quiet<F: std::future::Future>(
    runtime: &tokio::runtime::Runtime,
    work: F,
) -> Option<F::Output> {
    let _entered = runtime.enter();
    let mut interrupts = Interrupts::new();
    runtime.block_on(async move {
        tokio::pin!(work);
        let mut listening = true;
        loop {
            tokio::select! {
                out = &mut work => return Some(out),
                got = interrupts.next(), if listening => {
                    if got {
                        return None;
                    }
                    listening = false;
                }
            }
        }
    })
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
