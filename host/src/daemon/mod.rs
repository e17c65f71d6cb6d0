//! The daemon behind `peerwell serve DIR`: plans the policy folder and
//! keeps the plan current in the shared [`ServerState`]; the parts that
//! serve it (HTTP, mail) come in as [`Services`], so the daemon knows
//! neither.
//!
//! - [`run`] is the loop: the first pass, then a re-plan on a file change
//!   ([`watch`]), on SIGHUP and every `replan_minutes`; SIGTERM/SIGINT shut
//!   down gracefully.
//! - [`crate::sources`] fetches calendars given as http(s) URLs, keeping
//!   the bytes in memory only.
//! - [`crate::state::Snapshot`] is one planning pass, ready to serve; a
//!   pass swaps it in whole, so a request never sees half of a plan and a
//!   failed pass leaves the last good one serving.
//! - [`logging`] installs the structured logs.

pub mod logging;
pub mod replica;
pub mod run;
pub mod watch;

use std::error::Error;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::pipeline::{self, Announce, FetchUrls, LoadError, Overrides, PlanError};
use crate::state::{Clock, ServerState, Snapshot};
use jiff::Timestamp;
use peerwell_config::server::ServerSettings;
use peerwell_store::backend::Writer;
use peerwell_store::{Store, StoreError};

/// An error of a part the daemon drives but does not know.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// What runs beside the planning loop, supplied by the program: the HTTP
/// side and what follows a good pass (tokens are refreshed by the loop
/// itself). All of it reads the [`ServerState`] the loop keeps current.
pub trait Services: Send + Sync + 'static {
    /// Starts serving on `listener` after the first pass (good or not),
    /// until `state` shuts down. An error stops the daemon; its text is
    /// what the user sees.
    fn start_http(
        &self,
        listener: TcpListener,
        state: &ServerState,
    ) -> Result<JoinHandle<std::io::Result<()>>, BoxError>;

    /// Called after every good pass, once `snapshot` is being served and
    /// its tokens are active. Runs on the loop's task; anything slow must
    /// spawn its own task.
    fn after_pass(&self, state: &ServerState, snapshot: &Arc<Snapshot>);

    /// At shutdown, after the HTTP side stopped accepting: a task to await
    /// (within the grace period) before the process exits, if any.
    fn stopping(&self) -> Option<JoinHandle<()>>;
}

/// Why `peerwell serve` stopped with an error; the text is what the user
/// sees.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The `PEERWELL_*` environment has a bad value.
    #[error("error: {0}")]
    Settings(#[from] peerwell_config::server::EnvError),
    /// `PEERWELL_LOG` is not a log filter.
    #[error("error: {0}")]
    Logging(#[from] logging::LogError),
    /// The async runtime could not start.
    #[error("error: cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The listening socket could not be opened.
    #[error("error: cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The bound socket's address could not be read.
    #[error("error: cannot read the listening address: {0}")]
    LocalAddr(#[source] std::io::Error),
    /// The HTTP client for URL calendars could not start.
    #[error("{0}")]
    Fetcher(#[from] crate::sources::ClientError),
    /// The HTTP side could not start.
    #[error("{0}")]
    Http(BoxError),
    /// A signal handler could not be installed.
    #[error("error: {name}: {source}")]
    Signal {
        /// SIGTERM, SIGINT or SIGHUP.
        name: &'static str,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The HTTP server stopped by itself.
    #[error("error: {0}")]
    HttpStopped(String),
    /// The shared database or the lease settings are wrong.
    #[error("{0}")]
    Replicas(#[from] replica::ReplicaError),
}

/// After every good pass, once `snapshot` is being served: the tokens of
/// its feeds become active, then the [`Services`] follow.
pub fn after_pass(state: &ServerState, services: &dyn Services, snapshot: &Arc<Snapshot>) {
    if let Err(e) = crate::state::off_runtime(|| state.refresh_tokens(snapshot)) {
        tracing::error!(error = %e, "cannot update the feed tokens; the previous ones keep serving");
    }
    services.after_pass(state, snapshot);
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
    /// runs again when they change, or by itself when `exhausted`.
    #[error("{message}")]
    Input {
        /// What went wrong, as it may leave the process.
        message: String,
        /// A file could not be opened for want of file descriptors.
        exhausted: bool,
    },
    /// The state file could not be used; nothing was written.
    #[error("{0}")]
    State(#[from] StoreError),
}

impl From<LoadError> for PassError {
    fn from(e: LoadError) -> PassError {
        PassError::Input {
            message: e.to_string(),
            exhausted: e.exhausted(),
        }
    }
}

impl From<PlanError> for PassError {
    fn from(e: PlanError) -> PassError {
        match e {
            PlanError::Load(e) => e.into(),
            PlanError::State(e) => e.into(),
        }
    }
}

impl PassError {
    /// True when the pass should be retried by itself, without waiting
    /// for a change: the state could not be read or written (a full disk,
    /// a read-only folder, out of file descriptors, a damaged file that may
    /// be restored), or an input file could not be opened for want of file
    /// descriptors.
    pub fn retry(&self) -> bool {
        matches!(
            self,
            PassError::State(_)
                | PassError::Input {
                    exhausted: true,
                    ..
                }
        )
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
    plan_pass_as(dir, now, previous, urls, Writer::Sole)
}

/// As [`plan_pass`], committing as `writer`: a leader among replicas
/// commits fenced by its lease generation and writes, in the same
/// transaction, the publication its followers serve.
pub fn plan_pass_as(
    dir: &Path,
    now: Timestamp,
    previous: Option<&Snapshot>,
    urls: &FetchUrls<'_>,
    writer: Writer,
) -> Result<Snapshot, PassError> {
    let loaded = pipeline::load_with(
        dir,
        Overrides {
            now: Some(now),
            ..Overrides::default()
        },
        urls,
    )?;
    let location = pipeline::state_location(&loaded.org, None)?;
    let mut store = Store::open_location(&location)?;
    store.set_writer(writer);
    store.set_publishing(matches!(writer, Writer::Leader { .. }));
    let announce = if loaded.org.org.mail.enabled {
        Announce::Yes
    } else {
        Announce::No
    };
    let (plan, commit) = loaded.plan_and_commit(&mut store, now, announce)?;
    Ok(Snapshot::build(loaded, plan, commit, now, previous))
}

/// The daemon's settings: `[server]` in `dir/peerwell.toml`, then the
/// `PEERWELL_*` environment, then `--listen`. A broken `[server]` table is
/// reported and the defaults used (the first pass reports it too); a bad
/// environment variable is an error.
pub fn settings(dir: &Path, listen: Option<SocketAddr>) -> Result<ServerSettings, ServeError> {
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
        .map_err(ServeError::Settings)?;
    if let Some(l) = listen {
        s.listen = l;
    }
    Ok(s)
}

/// Raises the soft limit on open files to the hard limit: systemd starts a
/// service at 1,024 (its hard limit is far higher), and every connection,
/// calendar read and state file costs one. A failure is logged; the HTTP
/// side fits its connection cap below whatever limit holds.
/// (glibc sets limits with the `prlimit64` system call, which the unit's
/// `SystemCallFilter=~@resources` allows; `setrlimit` it would deny.)
pub fn raise_descriptor_limit() {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(now) if now > before => {
            tracing::info!(from = before, to = now, "raised the open-file limit");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, limit = before, "cannot raise the open-file limit"),
    }
}

/// Runs `peerwell serve`: plans, serves through `services` on the
/// configured address and keeps the plan current until SIGTERM or SIGINT,
/// then shuts down gracefully.
pub fn serve(
    dir: &Path,
    listen: Option<SocketAddr>,
    clock: Clock,
    services: Arc<dyn Services>,
) -> Result<(), ServeError> {
    let settings = settings(dir, listen)?;
    logging::init(settings.log_format)?;
    raise_descriptor_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(run::run(dir.to_path_buf(), settings, clock, services))
}

#[cfg(test)]
mod tests;
