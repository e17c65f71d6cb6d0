//! The accept loop and routes, on hyper's HTTP/1 server directly.
//!
//! Limits ([`WebLimits`]): a client must send a request's headers within
//! `header_read_timeout` (slowloris; this also bounds how long an idle
//! keep-alive connection waits for its next request); a connection that
//! moves no bytes for `idle_timeout` is closed (after finishing its
//! response if it can); at most `max_connections` are open at once — the
//! accept loop waits for a free slot, so further clients wait in the
//! kernel's backlog instead of costing memory. The cap is kept below the
//! process's file-descriptor limit ([`WebLimits::fit_descriptors`]) so that
//! planning, the state file and calendar reads always have descriptors
//! left. One client address holds at most `max_connections_per_client` of
//! them: a further connection from it is answered 503 and closed at once,
//! so one client's idle connections never delay others. A failing accept
//! (out of descriptors) backs off, up to a second, and the loop goes on.
//! When `shutdown` completes
//! the loop stops accepting, open connections finish their response and
//! close, and [`serve`] returns once all have. Every
//! [`WebConfig::token_reload`] the token map is re-read from the state file
//! (see [`ServerState::refresh_tokens`]), so a revoked token stops working within
//! seconds without a planning pass.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::{Body, PublicUrl, StartError, absence, admin, feeds, health, html, not_found, pages};
use crate::state::ServerState;
use peerwell_config::server::ServerSettings;

/// Environment variables that override [`WebLimits`] (milliseconds and a
/// count); `[server]` keys in `peerwell.toml` map onto the same struct.
pub const HEADER_TIMEOUT_ENV: &str = "PEERWELL_HTTP_HEADER_TIMEOUT_MS";
/// See [`HEADER_TIMEOUT_ENV`].
pub const IDLE_TIMEOUT_ENV: &str = "PEERWELL_HTTP_IDLE_TIMEOUT_MS";
/// See [`HEADER_TIMEOUT_ENV`].
pub const MAX_CONNECTIONS_ENV: &str = "PEERWELL_HTTP_MAX_CONNECTIONS";
/// Overrides `max_connections_per_client` of `[server]`.
pub const MAX_PER_CLIENT_ENV: &str = "PEERWELL_HTTP_MAX_CONNECTIONS_PER_CLIENT";

/// File descriptors the connection cap leaves for everything else: the
/// state file (three per connection to it), calendar and policy reads on
/// every core, plugins, URL fetches, the file watch, logging.
pub const RESERVED_DESCRIPTORS: u64 = 96;
/// Overrides [`WebConfig::token_reload`] (milliseconds).
pub const TOKEN_RELOAD_ENV: &str = "PEERWELL_TOKEN_RELOAD_MS";

/// Connection limits of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebLimits {
    /// Time a client has to send a request's headers (default 10 s).
    pub header_read_timeout: Duration,
    /// A connection moving no bytes this long is closed (default 60 s).
    pub idle_timeout: Duration,
    /// Connections open at once (default 1024, and below the descriptor
    /// limit: see [`WebLimits::fit_descriptors`]).
    pub max_connections: usize,
    /// Connections open at once from one client address (default: a
    /// quarter of `max_connections`). Behind a reverse proxy every
    /// connection comes from the proxy: raise it to `max_connections`.
    pub max_connections_per_client: Option<usize>,
}

impl Default for WebLimits {
    fn default() -> Self {
        WebLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_connections_per_client: None,
        }
    }
}

impl WebLimits {
    /// The defaults, with each environment variable that is set applied.
    pub fn from_env() -> Result<WebLimits, StartError> {
        let mut limits = WebLimits::default();
        if let Some(ms) = read(HEADER_TIMEOUT_ENV)? {
            limits.header_read_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = read(IDLE_TIMEOUT_ENV)? {
            limits.idle_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = read(MAX_CONNECTIONS_ENV)? {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = read(MAX_PER_CLIENT_ENV)? {
            limits.max_connections_per_client = Some(usize::try_from(n).unwrap_or(usize::MAX));
        }
        Ok(limits)
    }

    /// Lowers `max_connections` so that `reserve` of the process's
    /// `descriptors` (its soft `RLIMIT_NOFILE`) stay free for planning;
    /// never below a quarter of the limit, nor below 1.
    pub fn fit_descriptors(mut self, descriptors: u64, reserve: u64) -> WebLimits {
        let room = descriptors
            .saturating_sub(reserve)
            .max(descriptors / 4)
            .max(1);
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        self.max_connections = self.max_connections.min(room).max(1);
        self
    }

    /// Connections one client address may hold at once.
    pub fn per_client(&self) -> usize {
        self.max_connections_per_client
            .unwrap_or(self.max_connections / 4)
            .clamp(1, self.max_connections.max(1))
    }
}

fn read(name: &str) -> Result<Option<u64>, StartError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(StartError::Limit(format!(
                "error: ${name} is `{v}`, expected a whole number above 0"
            ))),
        },
        _ => Ok(None),
    }
}

/// The process's soft limit on open files (1,024 when it cannot be read).
pub fn descriptor_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The base of the URLs the subscribe pages show.
    pub public_url: PublicUrl,
    /// Timeouts and the connection cap.
    pub limits: WebLimits,
    /// How often the token map is re-read from the state file, so that
    /// `peerwell tokens revoke|rotate` takes effect without a planning pass
    /// (default 5 s; `None`: only after planning passes).
    pub token_reload: Option<Duration>,
}

impl WebConfig {
    /// `public_url` with the limits and token reload interval from the
    /// environment (see [`WebLimits::from_env`], [`TOKEN_RELOAD_ENV`]).
    pub fn from_env(public_url: PublicUrl) -> Result<WebConfig, StartError> {
        Ok(WebConfig {
            public_url,
            limits: WebLimits::from_env()?,
            token_reload: Some(Duration::from_millis(
                read(TOKEN_RELOAD_ENV)?.unwrap_or(5000),
            )),
        })
    }

    /// The daemon's setup: limits from the environment, then
    /// `max_connections_per_client` from `[server]` unless the environment
    /// set it, and the connection cap fitted below the open-file limit.
    pub fn for_server(
        public_url: PublicUrl,
        settings: &ServerSettings,
    ) -> Result<WebConfig, StartError> {
        let mut config = WebConfig::from_env(public_url)?;
        let limits = &mut config.limits;
        if limits.max_connections_per_client.is_none() {
            limits.max_connections_per_client = settings
                .max_connections_per_client
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        }
        let descriptors = descriptor_limit();
        *limits = limits.fit_descriptors(descriptors, RESERVED_DESCRIPTORS);
        tracing::info!(
            max_connections = limits.max_connections,
            max_connections_per_client = limits.per_client(),
            open_file_limit = descriptors,
            "connection limits"
        );
        Ok(config)
    }
}

/// What every request handler reads.
struct Site {
    shared: ServerState,
    public_url: PublicUrl,
    page_headers: html::PageHeaders,
}

impl Site {
    fn handle(&self, req: &Request<Incoming>) -> Response<Body> {
        route(&self.shared, &self.public_url, &self.page_headers, req)
    }
}

/// The daemon's routes: a request (any body type; no route reads a body)
/// to its response. `/absence/…` takes POST as well (see [`absence`]);
/// every other route GET and HEAD. The accept loop serves every request through this, and the
/// HTTP fuzz target drives it in process.
pub fn route<B>(
    shared: &ServerState,
    public_url: &PublicUrl,
    page_headers: &html::PageHeaders,
    req: &Request<B>,
) -> Response<Body> {
    let method = req.method();
    if let Some(rest) = req.uri().path().strip_prefix("/absence/") {
        let client = req.extensions().get::<absence::ClientAddr>().copied();
        return absence::respond(shared, page_headers, method, rest, client);
    }
    if method != Method::GET && method != Method::HEAD {
        let mut res = Response::new(Body::default());
        *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return res;
    }
    let path = req.uri().path();
    if let Some(rest) = path.strip_prefix("/feeds/") {
        let token = rest.strip_suffix(".ics").unwrap_or("");
        return feeds::respond(shared, method, req.headers(), token);
    }
    if let Some(token) = path.strip_prefix("/subscribe/") {
        return pages::respond(shared, public_url, page_headers, token);
    }
    if let Some(rest) = path.strip_prefix("/admin/") {
        return admin::respond(shared, public_url, rest);
    }
    match path {
        "/healthz" => health::healthz(shared),
        "/metrics" => health::metrics(shared),
        _ => not_found(),
    }
}

/// Serves on `listener` until `shutdown` completes, then lets open
/// connections finish and returns.
pub async fn serve(
    listener: TcpListener,
    shared: ServerState,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = config.limits;
    let reload = config
        .token_reload
        .map(|every| reload_tokens(shared.clone(), every));
    let site = Arc::new(Site {
        shared,
        public_url: config.public_url,
        page_headers: html::PageHeaders::new(),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let clients = Clients::new(limits.per_client());
    let (stop, stopped) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let mut backoff = AcceptBackoff::default();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(accepted) => {
                    backoff.accepted();
                    accepted
                }
                Err(e) => {
                    // Out of descriptors and the like: back off, keep serving.
                    backoff.failed(&e).await;
                    continue;
                }
            },
        };
        let Some(seat) = clients.seat(peer.ip()) else {
            refuse(stream);
            continue;
        };
        let conn = Connection {
            http: &http,
            site: &site,
            idle_timeout: limits.idle_timeout,
            stopped: stopped.clone(),
            client: absence::ClientAddr(peer.ip()),
        };
        conn.spawn(stream, (permit, seat));
    }
    if let Some(task) = reload {
        task.abort();
    }
    let _ = stop.send(true);
    drop(stopped);
    stop.closed().await;
    Ok(())
}

/// Re-reads the token map from the state file `every` so often, so a
/// revoked token stops working without a planning pass.
fn reload_tokens(shared: ServerState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let shared = shared.clone();
            let done = tokio::task::spawn_blocking(move || match shared.current() {
                Some(snapshot) => shared.refresh_tokens(&snapshot),
                None => Ok(()),
            })
            .await;
            if let Ok(Err(e)) = done {
                tracing::warn!(error = %e, "cannot re-read the feed tokens");
            }
        }
    })
}

/// One accepted connection's setup.
struct Connection<'a> {
    http: &'a http1::Builder,
    site: &'a Arc<Site>,
    idle_timeout: Duration,
    stopped: watch::Receiver<bool>,
    /// The client's address, put on each of its requests.
    client: absence::ClientAddr,
}

impl Connection<'_> {
    /// Serves `stream` on its own task until it closes, is idle for
    /// `idle_timeout` or the server stops; `hold` (its slots) is released
    /// then.
    fn spawn<H: Send + 'static>(self, stream: tokio::net::TcpStream, hold: H) {
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = Idle {
            inner: TokioIo::new(stream),
            activity: activity.clone(),
        };
        let (site, client) = (self.site.clone(), self.client);
        let conn = self.http.serve_connection(
            io,
            service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(client);
                let res = site.handle(&req);
                std::future::ready(Ok::<_, Infallible>(res))
            }),
        );
        let (idle_timeout, mut stopped) = (self.idle_timeout, self.stopped);
        tokio::spawn(async move {
            tokio::pin!(conn);
            let mut closing = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    r = stopped.changed(), if !closing => {
                        let _ = r;
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    () = activity.idle_for(idle_timeout) => {
                        if closing {
                            // It did not finish within another idle period.
                            break;
                        }
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                        activity.touch();
                    }
                }
            }
            drop(hold);
            drop(stopped);
        });
    }
}

/// Answers a connection over its client's cap with a bare 503 (if the
/// socket takes it at once) and closes it.
fn refuse(stream: tokio::net::TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\
        Connection: close\r\nContent-Length: 0\r\n\r\n";
    let _ = stream.try_write(BUSY);
    tracing::debug!("a client is over its connection cap; refused");
}

/// Open connections per client address.
struct Clients {
    cap: usize,
    open: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

impl Clients {
    fn new(cap: usize) -> Clients {
        Clients {
            cap,
            open: Arc::default(),
        }
    }

    /// A seat for one more connection from `ip`, unless it holds its cap.
    fn seat(&self, ip: IpAddr) -> Option<Seat> {
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Seat {
            ip,
            open: self.open.clone(),
        })
    }
}

/// One connection's place in its client's count, given back on drop.
struct Seat {
    ip: IpAddr,
    open: Arc<std::sync::Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Failed accepts in a row: each waits twice as long as the one before,
/// from 10 ms up to a second, so an exhausted descriptor table costs no CPU;
/// the first of a run is logged, and the recovery.
#[derive(Default)]
struct AcceptBackoff {
    failures: u32,
}

impl AcceptBackoff {
    async fn failed(&mut self, e: &io::Error) {
        self.failures = self.failures.saturating_add(1);
        if self.failures == 1 {
            tracing::warn!(error = %e, "accept failed; backing off until it works again");
        }
        let wait = Duration::from_millis(10 << self.failures.min(7)).min(Duration::from_secs(1));
        tokio::time::sleep(wait).await;
    }

    fn accepted(&mut self) {
        if self.failures > 0 {
            tracing::info!(failed = self.failures, "accepting connections again");
            self.failures = 0;
        }
    }
}

/// When a connection last moved bytes, in milliseconds since `base`.
struct Activity {
    base: Instant,
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            base: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// Completes once no bytes moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = self.base + last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A connection's I/O that records when bytes last moved.
struct Idle<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for Idle<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for Idle<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
