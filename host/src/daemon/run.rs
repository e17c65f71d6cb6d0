//! The daemon's loop. After the first pass it re-plans when a watched file
//! changes (debounced), on SIGHUP, and every `replan_minutes`; URL
//! calendars are fetched every `fetch_minutes` and a change re-plans; an
//! absence recorded or undone through a member's link re-plans at once (a
//! leader among replicas also looks for ones recorded through another
//! replica every [`ABSENCE_POLL`]). Passes
//! run one at a time in `spawn_blocking`. A failed pass is logged, counted
//! and reported by `/healthz` while the last good snapshot keeps serving;
//! when even the first pass fails the daemon serves `/healthz` with the
//! error (feeds 404) and retries on every change. SIGTERM and SIGINT stop
//! accepting, let in-flight requests finish (at most [`GRACE`]) and flip
//! the shutdown watch.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

use super::replica::{self, Replicas};
use super::watch::{FileWatch, debounce};
use super::{PassError, ServeError, Services, plan_pass_as};
use crate::sources::Fetcher;
use crate::state::{Clock, Replica, Role, ServerState, Snapshot};
use peerwell_config::server::ServerSettings;

/// How long in-flight requests may take to finish after SIGTERM.
pub const GRACE: Duration = Duration::from_secs(10);

/// The first wait before a pass is retried after a state or resource
/// error; it doubles with each failure in a row up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(2);
/// The longest wait between retries.
pub const RETRY_MAX: Duration = Duration::from_secs(60);

/// How often a leader among replicas looks for absences recorded through
/// another replica (one recorded here plans at once).
pub const ABSENCE_POLL: Duration = Duration::from_secs(15);

/// Why a pass runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// The first pass.
    Startup,
    /// These files changed (relative to the policy folder where inside it).
    Files(Vec<String>),
    /// SIGHUP asked for a reload.
    Hangup,
    /// `replan_minutes` passed.
    Timer,
    /// A URL calendar's bytes changed.
    Fetched,
    /// The last pass, or queuing its messages, could not use the state
    /// file or ran out of file descriptors: tried again after a back-off.
    Retry,
    /// This replica took the lease: it plans at once.
    Leading,
    /// A member recorded or undid an absence through their link.
    Absence,
}

mod outcome;

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cause::Startup => write!(f, "startup"),
            Cause::Files(files) => write!(f, "files changed: {}", files.join(", ")),
            Cause::Hangup => write!(f, "SIGHUP"),
            Cause::Timer => write!(f, "replan timer"),
            Cause::Fetched => write!(f, "URL calendar changed"),
            Cause::Retry => write!(f, "retry after a state or resource error"),
            Cause::Leading => write!(f, "this replica took the lease"),
            Cause::Absence => write!(f, "an absence was recorded or undone"),
        }
    }
}

/// Runs the daemon until SIGTERM/SIGINT, serving through `services`.
pub async fn run(
    dir: PathBuf,
    mut settings: ServerSettings,
    clock: Clock,
    services: Arc<dyn Services>,
) -> Result<(), ServeError> {
    // Bound first so that `public_url` names the real port (port 0 picks
    // one); accepting starts after the first pass.
    let listen = settings.listen;
    let listener = bind(listen).map_err(|source| ServeError::Listen {
        addr: listen,
        source,
    })?;
    let addr = listener.local_addr().map_err(ServeError::LocalAddr)?;
    settings.listen = addr;
    let replicas = replica::setup(&dir)?;
    let role = match &replicas {
        Some(r) => Replica::new(Role::Follower, r.timeout),
        None => Replica::default(),
    };
    let (state, stop_tx) = ServerState::with_replica(settings, clock, role);
    let lease_task = match &replicas {
        Some(r) => Some(start_replica(&state, &dir, r).await),
        None => None,
    };
    let mut loop_state = Loop {
        dir,
        fetcher: Arc::new(Fetcher::new(state.settings())?),
        state: state.clone(),
        services: services.clone(),
        fetch_problems: Vec::new(),
        failures: 0,
        retry_at: None,
        replicas,
        led: None,
        absences_seen: None,
    };
    loop_state.pass(Cause::Startup).await;
    println!("listening on http://{addr}");
    tracing::info!(%addr, public_url = %state.settings().public_url(), "listening");
    let mut server = services
        .start_http(listener, &state)
        .map_err(ServeError::Http)?;
    let signal_name = loop_state.until_stopped(&mut server).await?;
    tracing::info!(signal = signal_name, "shutting down");
    let _ = stop_tx.send(true);
    shut_down(server, services.stopping()).await;
    if let Some(task) = lease_task
        && tokio::time::timeout(GRACE, task).await.is_err()
    {
        tracing::warn!("the lease could not be released in time; it expires by itself");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Before the first pass on a shared database: asks for the lease once (the
/// first replica up leads at once), serves the latest publication when
/// following, and starts the lease and follow loops; the lease loop's task
/// (it releases the lease at shutdown).
async fn start_replica(state: &ServerState, dir: &Path, r: &Replicas) -> JoinHandle<()> {
    replica::lease_round(state, &r.coordinator, &r.me).await;
    if state.replica().role() == Role::Follower {
        tracing::info!("following: serving the leader's published plans");
        if let Err(e) = replica::follow_round(state, dir, r).await {
            tracing::error!(error = %e, "cannot read the published plan yet; retrying");
        }
    }
    replica::spawn_follow(state.clone(), dir.to_path_buf(), r.clone());
    replica::spawn_lease(state.clone(), r.coordinator.clone(), r.me.clone())
}

/// Lets the HTTP server finish its requests and `background` (the mail
/// sender) its send in hand, together at most [`GRACE`]; then stops them.
async fn shut_down(
    mut server: JoinHandle<std::io::Result<()>>,
    background: Option<JoinHandle<()>>,
) {
    let grace = tokio::time::Instant::now() + GRACE;
    if tokio::time::timeout_at(grace, &mut server).await.is_err() {
        server.abort();
        tracing::warn!(
            grace_seconds = GRACE.as_secs(),
            "requests still running after the grace period; stopped anyway"
        );
    }
    // The sender finishes the send in hand (its row is then marked) and
    // stops; anything not yet sent stays queued for the next start.
    if let Some(mut sender) = background
        && tokio::time::timeout_at(grace, &mut sender).await.is_err()
    {
        sender.abort();
        tracing::warn!("a send was still running after the grace period; it stays queued");
    }
}

/// The signals the daemon answers.
struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Installs the handlers.
    fn install() -> Result<Signals, ServeError> {
        let on = |kind, name| signal(kind).map_err(|source| ServeError::Signal { name, source });
        Ok(Signals {
            term: on(SignalKind::terminate(), "SIGTERM")?,
            int: on(SignalKind::interrupt(), "SIGINT")?,
            hup: on(SignalKind::hangup(), "SIGHUP")?,
        })
    }
}

/// Watches the policy folder (and, after each pass, the calendars it
/// reads); `None` when the watch cannot start (SIGHUP still reloads).
fn watch_files(dir: &Path) -> (Option<FileWatch>, Option<Changes>) {
    match FileWatch::start(dir, vec![dir.join(".peerwell")]) {
        Ok((w, rx)) => (Some(w), Some(rx)),
        Err(e) => {
            tracing::error!(error = %e, "not watching files; reload with SIGHUP");
            (None, None)
        }
    }
}

/// Why the HTTP server task ended, for the log and the exit message.
fn server_ended(res: Result<std::io::Result<()>, tokio::task::JoinError>) -> ServeError {
    let why = match res {
        Ok(Ok(())) => "the HTTP server stopped".to_string(),
        Ok(Err(e)) => format!("the HTTP server failed: {e}"),
        Err(e) => format!("the HTTP server task failed: {e}"),
    };
    tracing::error!(error = %why, "stopping");
    ServeError::HttpStopped(why)
}

/// File changes the watch reports.
type Changes = UnboundedReceiver<PathBuf>;

/// Connections the kernel queues while every connection slot is taken.
const BACKLOG: u32 = 1024;

/// A listening socket on `addr` with a [`BACKLOG`]-deep accept queue (the
/// default of 128 overflows in a burst, and clients then wait for SYN
/// retries).
fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Sleeps until `at`, or forever when it is `None`.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What the loop carries between passes.
struct Loop {
    dir: PathBuf,
    state: ServerState,
    services: Arc<dyn Services>,
    fetcher: Arc<Fetcher>,
    /// Problems of the last fetch round, shown with the pass's problems.
    fetch_problems: Vec<String>,
    /// State or resource errors in a row (passes and queuing).
    failures: u32,
    /// When the next retry pass runs, if one is due.
    retry_at: Option<tokio::time::Instant>,
    /// The lease and publications, on a shared database.
    replicas: Option<Replicas>,
    /// The lease generation the last pass ran under.
    led: Option<u64>,
    /// The absences a leader last saw in the shared state (replicas only:
    /// one recorded through a follower reaches the leader this way).
    absences_seen: Option<Vec<peerwell_store::AbsenceRow>>,
}

impl Loop {
    /// Re-plans on every cause until SIGTERM or SIGINT (its name is
    /// returned) or until the HTTP server stops by itself (an error).
    async fn until_stopped(
        &mut self,
        server: &mut JoinHandle<std::io::Result<()>>,
    ) -> Result<&'static str, ServeError> {
        let mut signals = Signals::install()?;
        let (mut files, mut changes) = watch_files(&self.dir);
        self.watch_calendars(files.as_mut());
        let settings = self.state.settings();
        let replan = Duration::from_secs(u64::from(settings.replan_minutes) * 60);
        let fetch = Duration::from_secs(u64::from(settings.fetch_minutes) * 60);
        let mut next_replan = tokio::time::Instant::now() + replan;
        let mut next_fetch = tokio::time::Instant::now() + fetch;
        let mut next_absences = tokio::time::Instant::now() + ABSENCE_POLL;
        let replica = self.state.replica().clone();
        loop {
            let cause = tokio::select! {
                _ = signals.term.recv() => return Ok("SIGTERM"),
                _ = signals.int.recv() => return Ok("SIGINT"),
                _ = signals.hup.recv() => Cause::Hangup,
                Some(first) = async {
                    match changes.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    let Some(rx) = changes.as_mut() else { continue };
                    let paths = debounce(rx, first).await;
                    Cause::Files(paths.iter().map(|p| relative(&self.dir, p)).collect())
                }
                _ = tokio::time::sleep_until(next_replan) => Cause::Timer,
                () = self.state.replan_requested() => Cause::Absence,
                _ = tokio::time::sleep_until(next_absences), if self.replicas.is_some() => {
                    next_absences = tokio::time::Instant::now() + ABSENCE_POLL;
                    if replica.role() != Role::Leader || !self.absences_changed().await {
                        continue;
                    }
                    Cause::Absence
                }
                () = self.state.retry_requested() => {
                    self.schedule_retry();
                    continue;
                }
                _ = sleep_until_some(self.retry_at) => Cause::Retry,
                () = replica.role_changed() => {
                    if replica.role() != Role::Leader {
                        tracing::info!("following: serving the leader's published plans");
                        continue;
                    }
                    if self.led == Some(replica.lease_generation()) {
                        continue;
                    }
                    Cause::Leading
                }
                _ = tokio::time::sleep_until(next_fetch) => {
                    next_fetch = tokio::time::Instant::now() + fetch;
                    if replica.role() == Role::Follower || !self.fetch_all().await {
                        continue;
                    }
                    Cause::Fetched
                }
                res = &mut *server => return Err(server_ended(res)),
            };
            if cause == Cause::Hangup {
                tracing::info!(signal = "SIGHUP", "reloading (URL calendars fetched again)");
                self.fetch_all().await;
            }
            self.pass(cause).await;
            self.watch_calendars(files.as_mut());
            next_replan = tokio::time::Instant::now() + replan;
        }
    }

    /// Schedules a retry pass after a back-off that doubles with each
    /// failure in a row.
    fn schedule_retry(&mut self) {
        self.failures = self.failures.saturating_add(1);
        let factor = 1u32 << self.failures.saturating_sub(1).min(10);
        let wait = RETRY_FIRST.saturating_mul(factor).min(RETRY_MAX);
        tracing::warn!(
            retry_in_ms = wait.as_millis() as u64,
            failures = self.failures,
            "retrying the pass after a state or resource error"
        );
        self.retry_at = Some(tokio::time::Instant::now() + wait);
    }

    /// Whether the shared state's absences changed since this leader last
    /// looked. The first look counts as a change: an absence recorded (or
    /// undone) through a follower between this process's first pass and
    /// its first look would otherwise become the baseline and never be
    /// planned (until `replan_minutes`); the extra pass it costs once per
    /// leadership is deterministic and changes nothing otherwise.
    async fn absences_changed(&mut self) -> bool {
        let Some(snapshot) = self.state.current() else {
            return false;
        };
        let read = tokio::task::spawn_blocking(move || {
            let location = crate::pipeline::state_location(&snapshot.loaded.org, None)?;
            let store = peerwell_store::Store::open_location_read_only(&location)?;
            let rows = store.absences();
            drop(store);
            rows
        })
        .await;
        let rows = match read {
            Ok(Ok(rows)) => rows,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the absences");
                return false;
            }
            Err(_) => return false,
        };
        let changed = self.absences_seen.as_ref().is_none_or(|seen| *seen != rows);
        self.absences_seen = Some(rows);
        changed
    }

    /// Fetches every URL calendar again; true when some bytes changed.
    async fn fetch_all(&mut self) -> bool {
        let Some(snap) = self.state.current() else {
            // Without a good pass the URLs are unknown; the next pass
            // fetches what it needs.
            return true;
        };
        let wanted = crate::pipeline::calendar_urls(&snap.loaded.org);
        if wanted.is_empty() {
            return false;
        }
        let round = self.fetcher.refresh(&wanted, true, self.state.now()).await;
        tracing::info!(
            urls = wanted.len(),
            changed = round.changed,
            failed = round.problems.len(),
            "fetched URL calendars"
        );
        let failed_changed = round.problems != self.fetch_problems;
        self.fetch_problems = round.problems;
        round.changed || failed_changed
    }

    /// One planning pass: fetches URL calendars never fetched, plans in
    /// `spawn_blocking`, then swaps the snapshot in or records the failure.
    /// A follower does not plan: it serves the leader's publications.
    async fn pass(&mut self, cause: Cause) {
        if self.state.replica().role() == Role::Follower {
            tracing::debug!(cause = %cause, "following: not planning");
            return;
        }
        self.led = Some(self.state.replica().lease_generation());
        let now = self.state.now();
        let started = Instant::now();
        tracing::info!(cause = %cause, "planning");
        let result = self.plan(now).await;
        self.retry_at = None;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(snapshot) => {
                self.published().await;
                self.planned(&cause, now, elapsed_ms, snapshot);
            }
            Err(error) => self.failed(&cause, now, elapsed_ms, &error),
        }
    }

    /// After a leader's good pass: records the publication generation its
    /// commit wrote.
    async fn published(&self) {
        let Some(r) = &self.replicas else { return };
        match replica::call(&r.coordinator, |c| c.published_generation()).await {
            Ok(Some(generation)) => self.state.replica().set_plan_generation(generation),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot read the plan generation just published"),
        }
    }

    /// Plans at `now` on a blocking thread; URLs the policy names but never
    /// fetched (it may have changed) are fetched before the calendars are
    /// read, and their problems kept.
    async fn plan(&mut self, now: Timestamp) -> Result<Snapshot, PassError> {
        let dir = self.dir.clone();
        let previous = self.state.current();
        let fetcher = self.fetcher.clone();
        let writer = self.state.replica().writer();
        let handle = tokio::runtime::Handle::current();
        let joined = tokio::task::spawn_blocking(move || {
            let new_problems = std::sync::Mutex::new(Vec::new());
            let urls = |wanted: &[(String, String)]| {
                let round = handle.block_on(fetcher.refresh(wanted, false, now));
                if let Ok(mut p) = new_problems.lock() {
                    *p = round.problems;
                }
                fetcher.bodies()
            };
            let result = plan_pass_as(&dir, now, previous.as_deref(), &urls, writer);
            (result, new_problems.into_inner().unwrap_or_default())
        })
        .await;
        match joined {
            Ok((result, new_problems)) => {
                if !new_problems.is_empty() {
                    self.fetch_problems = new_problems;
                }
                result
            }
            Err(e) => Err(PassError::Input {
                message: format!("error: the planning pass failed: {e}"),
                exhausted: false,
            }),
        }
    }

    /// Watches the calendar files the current plan reads.
    fn watch_calendars(&self, files: Option<&mut FileWatch>) {
        let (Some(files), Some(snap)) = (files, self.state.current()) else {
            return;
        };
        let mut paths: Vec<PathBuf> = snap
            .loaded
            .org
            .people
            .values()
            .flat_map(|p| p.calendars.iter())
            .filter(|c| c.url.is_none())
            .map(|c| c.path.clone())
            .collect();
        paths.extend(snap.loaded.org.org.holiday_calendars.iter().cloned());
        for problem in files.calendars(&paths) {
            tracing::warn!(%problem, "file watch");
        }
    }
}

/// `path` relative to the policy folder when inside it.
fn relative(dir: &Path, path: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    path.strip_prefix(&dir)
        .unwrap_or(path)
        .display()
        .to_string()
}
