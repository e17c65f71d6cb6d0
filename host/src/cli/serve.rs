//! `peerwell serve`: the daemon's loop with the HTTP side and the mail
//! sender as its [`Services`]. This is the one place the three meet; each
//! of them knows only the shared [`ServerState`].

use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::daemon::{BoxError, Services};
use crate::state::{ServerState, Snapshot};
use peerwell_store::StoreError;

/// The HTTP side and the mail sender of a running daemon.
#[derive(Default)]
pub struct Program {
    /// The reminder sender, started after the first good pass (the outbox
    /// lives beside the state file the policy names); awaited at shutdown.
    mail_sender: Mutex<Option<JoinHandle<()>>>,
    /// Held while a pass's reminders are queued (one pass at a time).
    mail_queue: Arc<Mutex<()>>,
}

impl Services for Program {
    fn start_http(
        &self,
        listener: TcpListener,
        state: &ServerState,
    ) -> Result<JoinHandle<std::io::Result<()>>, BoxError> {
        Ok(crate::web::start(listener, state)?)
    }

    fn after_pass(&self, state: &ServerState, snapshot: &Arc<Snapshot>) {
        // Queuing reminders can take seconds for a large organization: it
        // runs beside the loop, one pass at a time, and skips a plan
        // already replaced.
        let (s, snap, one) = (state.clone(), snapshot.clone(), self.mail_queue.clone());
        tokio::task::spawn_blocking(move || {
            let _one = one.lock().unwrap_or_else(|p| p.into_inner());
            let current = s.current().is_some_and(|c| Arc::ptr_eq(&c, &snap));
            if current {
                queued(&s, crate::mail::after_pass(&s, &snap).map(drop));
            }
            drop(snap);
            crate::daemon::release_free_memory();
        });
        let mut sender = self.mail_sender.lock().unwrap_or_else(|p| p.into_inner());
        if sender.is_none() {
            let config = match crate::mail::SenderConfig::for_snapshot(snapshot) {
                Ok(config) => config,
                Err(e) => {
                    tracing::error!(error = %e, "the reminder sender cannot open the state");
                    return;
                }
            };
            *sender = Some(crate::mail::spawn_sender(
                state.clone(),
                config,
                state.shutdown_signal(),
            ));
        }
    }

    fn stopping(&self) -> Option<JoinHandle<()>> {
        self.mail_sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// Records how queuing a pass's messages went: a failure is reported on
/// `/healthz` and the loop retries the pass (the notices it owes stay in
/// the state file meanwhile); a success clears the report.
fn queued(state: &ServerState, result: Result<(), StoreError>) {
    match result {
        Ok(()) => {
            if state.state_recovered() {
                tracing::info!("the planning state is writable again; owed messages are queued");
            }
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                "reminders and change notices were not queued; the plan still serves and the pass is retried"
            );
            state.state_failed(&e);
        }
    }
}
