//! The daemon behind `peerwell serve DIR`: plans the policy folder, keeps the
//! plan current, serves feeds and pages over HTTP and sends reminders.
//!
//! - [`run`] is the loop: the first pass, then a re-plan on a file change
//!   ([`watch`]), on SIGHUP and every `replan_minutes`; SIGTERM/SIGINT shut
//!   down gracefully.
//! - [`sources`] fetches calendars given as http(s) URLs, keeping the bytes
//!   in memory only.
//! - [`snapshot`] turns one planning pass into everything that is served:
//!   every feed's exact bytes (and their gzip), ETag and Last-Modified.
//! - [`metrics`] holds the counters `/metrics` reports; [`status`] what
//!   `/healthz` reports; [`logging`] the structured logs.
//! - [`crate::web`] is the HTTP side; it only ever reads the current
//!   [`Snapshot`], which a planning pass swaps in whole, so a request never
//!   sees half of a plan and a failed pass leaves the last good one serving.

pub mod clock;
pub mod logging;
pub mod metrics;
pub mod run;
pub mod snapshot;
pub mod sources;
pub mod status;
pub mod watch;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};
pub use clock::Clock;
pub use metrics::Metrics;
pub use peerwell_core::feeds::FeedKey;
pub use snapshot::{Feed, Snapshot};
pub use status::Status;
use tokio::sync::watch as signal_watch;
use tokio::task::JoinHandle;

use crate::pipeline::{self, FetchUrls, Overrides};
use jiff::Timestamp;
use peerwell_config::server::ServerSettings;
use peerwell_store::{Store, StoreError};

/// What the HTTP side and the background tasks share.
#[derive(Clone)]
pub struct Shared {
    /// The last good planning pass; `None` until one succeeds (feeds are
    /// then 404 and `/healthz` reports the error).
    pub snapshot: Arc<ArcSwapOption<Snapshot>>,
    pub metrics: Arc<Metrics>,
    /// The last planning attempt, for `/healthz`.
    pub status: Arc<ArcSwap<Status>>,
    pub clock: Clock,
    /// `[server]` settings with the environment and `--listen` applied
    /// (`public_url()` is the base of feed and subscribe links).
    pub settings: Arc<ServerSettings>,
    /// Becomes `true` when the daemon is shutting down: the HTTP server
    /// stops accepting and the mail sender finishes its current send.
    pub shutdown: signal_watch::Receiver<bool>,
    /// Active feed tokens, swapped by [`crate::web::refresh`].
    pub tokens: Arc<ArcSwap<crate::web::TokenMap>>,
    /// The reminder sender, started after the first good pass (the outbox
    /// lives beside the state file the policy names); awaited at shutdown.
    pub mail_sender: Arc<Mutex<Option<JoinHandle<()>>>>,
    /// Held while a pass's reminders are queued (one pass at a time).
    pub mail_queue: Arc<Mutex<()>>,
    /// Why the last write after a good pass (queuing its reminders and
    /// notices) failed, until one succeeds; `/healthz` reports it.
    pub state_error: Arc<ArcSwapOption<String>>,
    /// Asks the loop for another pass after a back-off (a write after a
    /// good pass failed).
    pub retry: Arc<tokio::sync::Notify>,
}

impl Shared {
    /// Nothing planned yet, with `settings` and `clock`; the sender half
    /// starts the shutdown when it sends `true` (or is dropped).
    pub fn new(settings: ServerSettings, clock: Clock) -> (Shared, signal_watch::Sender<bool>) {
        let (stop_tx, stop_rx) = signal_watch::channel(false);
        let shared = Shared {
            snapshot: Arc::new(ArcSwapOption::empty()),
            metrics: Arc::new(Metrics::default()),
            status: Arc::new(ArcSwap::from_pointee(Status::default())),
            clock,
            settings: Arc::new(settings),
            shutdown: stop_rx,
            tokens: Arc::default(),
            mail_sender: Arc::default(),
            mail_queue: Arc::default(),
            state_error: Arc::new(ArcSwapOption::empty()),
            retry: Arc::new(tokio::sync::Notify::new()),
        };
        (shared, stop_tx)
    }

    /// The snapshot being served, if any pass has succeeded.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.load_full()
    }

    /// Resolves once shutdown has begun.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the sender is gone: the daemon is stopping anyway.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Called after every good pass, once `snapshot` is being served: the list
/// of what other parts of the daemon do with a new plan (one line each).
/// Runs on the loop's task; anything slow must spawn its own task.
pub fn after_pass(shared: &Shared, snapshot: &Arc<Snapshot>) {
    if let Err(e) = crate::web::refresh(shared, snapshot) {
        tracing::error!(error = %e, "cannot update the feed tokens; the previous ones keep serving");
    }
    // Queuing reminders can take seconds for a large organization: it runs
    // beside the loop, one pass at a time, and skips a plan already replaced.
    let (s, snap) = (shared.clone(), snapshot.clone());
    tokio::task::spawn_blocking(move || {
        let _one = s.mail_queue.lock().unwrap_or_else(|p| p.into_inner());
        let current = s.current().is_some_and(|c| Arc::ptr_eq(&c, &snap));
        if current {
            queued(&s, crate::mail::after_pass(&s, &snap).map(drop));
        }
        drop(snap);
        release_free_memory();
    });
    let mut sender = shared.mail_sender.lock().unwrap_or_else(|p| p.into_inner());
    if sender.is_none() {
        let config = crate::mail::SenderConfig::for_snapshot(snapshot);
        *sender = Some(crate::mail::spawn_sender(
            shared.clone(),
            config,
            shared.shutdown.clone(),
        ));
    }
}

/// Records how queuing a pass's messages went: a failure is reported on
/// `/healthz` and the loop retries the pass (the notices it owes stay in
/// the state file meanwhile); a success clears the report.
fn queued(shared: &Shared, result: Result<(), StoreError>) {
    match result {
        Ok(()) => {
            if shared.state_error.swap(None).is_some() {
                tracing::info!("the planning state is writable again; owed messages are queued");
            }
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                "reminders and change notices were not queued; the plan still serves and the pass is retried"
            );
            shared.state_error.store(Some(Arc::new(e.to_string())));
            shared.retry.notify_one();
        }
    }
}

/// Gives memory freed by a pass (the planner's working set, the replaced
/// snapshot) back to the system: glibc keeps freed heap otherwise, and a
/// large organization's pass would hold its peak for good.
#[allow(unsafe_code)]
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Why a planning pass failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassError {
    /// The inputs: a policy error, an unreadable holiday calendar. A pass
    /// runs again when they change.
    #[error("{0}")]
    Input(String),
    /// The state file could not be used; nothing was written.
    #[error("{0}")]
    State(#[from] StoreError),
}

impl PassError {
    /// True when the pass should be retried by itself, without waiting
    /// for a change: the state could not be read or written (a full disk,
    /// a read-only folder, out of file descriptors, a damaged file that may
    /// be restored).
    pub fn retry(&self) -> bool {
        matches!(self, PassError::State(_))
    }
}

/// One planning pass at `now`: loads `dir` (URL calendars through `urls`),
/// plans stably against the state file, records the plan as published (with
/// the change notices it owes members when mail is on, in the same
/// transaction) and builds the snapshot to serve. `previous` carries
/// Last-Modified over for feeds whose bytes did not change.
pub fn plan_pass(
    dir: &Path,
    now: Timestamp,
    previous: Option<&Snapshot>,
    urls: &FetchUrls<'_>,
) -> Result<Snapshot, PassError> {
    let loaded = pipeline::load_with(
        dir,
        Overrides {
            now: Some(now),
            ..Overrides::default()
        },
        urls,
    )
    .map_err(|e| PassError::Input(e.to_string()))?;
    let path = pipeline::state_path(&loaded.org, None);
    let mut store = Store::open(&path)?;
    let plan = loaded.plan_stable(&store, now)?;
    let zones = loaded.zones();
    let commit = if loaded.org.org.mail.enabled {
        store.commit_announcing(&plan, now, &zones)?
    } else {
        store.commit(&plan, now, &zones)?
    };
    Ok(Snapshot::build(loaded, plan, commit, now, previous))
}

/// The daemon's settings: `[server]` in `dir/peerwell.toml`, then the
/// `PEERWELL_*` environment, then `--listen`. A broken `[server]` table is
/// reported and the defaults used (the first pass reports it too); a bad
/// environment variable is an error.
pub fn settings(dir: &Path, listen: Option<SocketAddr>) -> Result<ServerSettings, String> {
    let file = match peerwell_config::server::load(dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{}", e.public());
            eprintln!("warning: [server] settings could not be read; using the defaults");
            ServerSettings::default()
        }
    };
    let mut s = file
        .with_env(|k| std::env::var(k).ok())
        .map_err(|e| e.to_string())?;
    if let Some(l) = listen {
        s.listen = l;
    }
    Ok(s)
}

/// Raises the soft limit on open files to the hard limit: systemd starts a
/// service at 1,024 (its hard limit is far higher), and every connection,
/// calendar read and state file costs one. A failure is logged; the
/// connection cap follows whatever limit holds ([`descriptor_limit`]).
/// (glibc sets limits with the `prlimit64` system call, which the unit's
/// `SystemCallFilter=~@resources` allows; `setrlimit` it would deny.)
pub fn raise_descriptor_limit() {
    let before = descriptor_limit();
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) if now > before => {
            tracing::info!(from = before, to = now, "raised the open-file limit");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, limit = before, "cannot raise the open-file limit"),
    }
}

/// The process's soft limit on open files (1,024 when it cannot be read).
pub fn descriptor_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
}

/// Runs `peerwell serve`: plans, serves on the configured address and keeps
/// the plan current until SIGTERM or SIGINT, then shuts down gracefully.
pub fn serve(dir: &Path, listen: Option<SocketAddr>, clock: Clock) -> Result<(), String> {
    let settings = settings(dir, listen).map_err(|e| format!("error: {e}"))?;
    logging::init(settings.log_format).map_err(|e| format!("error: {e}"))?;
    raise_descriptor_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the runtime: {e}"))?;
    runtime.block_on(run::run(dir.to_path_buf(), settings, clock))
}
