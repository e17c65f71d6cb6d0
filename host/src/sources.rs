//! Calendars given as http(s) URLs: fetched with `reqwest`, conditionally
//! (If-None-Match / If-Modified-Since, honouring 304), with a timeout and a
//! size cap (the body is streamed and the fetch stops at the cap). The bytes
//! hold client information, so they are kept in memory only, never written
//! to disk. A failed fetch keeps the last good bytes; with none, the URL is
//! a calendar error like a missing file. Messages name the person and the
//! URL and the HTTP status, never anything from the body.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use peerwell_config::server::ServerSettings;

/// Calendar bytes fetched from http(s) URLs, by URL: the bytes, or why
/// there are none (the error names the URL's status, never event text).
/// Kept in memory only.
pub type UrlBodies = BTreeMap<String, Result<Arc<[u8]>, FetchError>>;

/// Why a calendar URL has no bytes. The text is what users see after the
/// URL in calendar errors, `/healthz` and the log; it never holds anything
/// from the response body. Sources are shared (`Arc`) so the error can be
/// kept with the cached copy and handed to every pass.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// The request or the body took longer than the fetch timeout.
    #[error("timed out")]
    Timeout(#[source] Arc<reqwest::Error>),
    /// No connection to the server (name resolution, refused, TLS
    /// handshake).
    #[error("cannot connect")]
    Connect(#[source] Arc<reqwest::Error>),
    /// The response body stopped or could not be decoded.
    #[error("the response broke off")]
    BrokeOff(#[source] Arc<reqwest::Error>),
    /// Any other transport failure (a redirect loop, a bad URL…).
    #[error("request failed")]
    Request(#[source] Arc<reqwest::Error>),
    /// The server answered with a status other than success (or 304 for a
    /// URL with a copy).
    #[error("HTTP {0}")]
    Status(u16),
    /// The body is larger than the size cap.
    #[error("larger than the {cap_mib} MiB cap")]
    TooLarge {
        /// The cap, in MiB (`[server] max_calendar_mib`).
        cap_mib: u64,
    },
    /// The HTTP client could not start.
    #[error(transparent)]
    Client(Arc<ClientError>),
    /// The runtime for a one-shot fetch could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] Arc<std::io::Error>),
}

impl From<reqwest::Error> for FetchError {
    /// A transport error in a few words (no URL repeated, no body).
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_timeout() {
            FetchError::Timeout
        } else if e.is_connect() {
            FetchError::Connect
        } else if e.is_body() || e.is_decode() {
            FetchError::BrokeOff
        } else {
            FetchError::Request
        };
        kind(Arc::new(e))
    }
}

/// One URL's last good copy and validators.
#[derive(Debug, Clone, Default)]
struct Cached {
    body: Option<Arc<[u8]>>,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: Option<Timestamp>,
    /// Why the last fetch failed, when it did.
    error: Option<FetchError>,
}

/// What one round of fetches did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Round {
    /// Some URL's bytes changed (or appeared), so a re-plan is due.
    pub changed: bool,
    /// One line per failed fetch of a URL whose older copy is kept: person,
    /// URL, why, and when the copy was fetched.
    pub problems: Vec<String>,
}

/// The HTTP client for URL calendars could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the HTTP client: {0}")]
pub struct ClientError(#[source] pub reqwest::Error);

/// The daemon's URL calendars, cached in memory.
pub struct Fetcher {
    client: reqwest::Client,
    cap: u64,
    cache: Mutex<BTreeMap<String, Cached>>,
}

impl Fetcher {
    /// A fetcher with `settings`' timeout and size cap.
    pub fn new(settings: &ServerSettings) -> Result<Fetcher, ClientError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(u64::from(
                settings.fetch_timeout_seconds,
            )))
            .user_agent(concat!("peerwell/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError)?;
        Ok(Fetcher {
            client,
            cap: u64::from(settings.max_calendar_mib) * 1024 * 1024,
            cache: Mutex::new(BTreeMap::new()),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Cached>> {
        match self.cache.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Fetches every `(person, url)` — all of them when `all`, else only
    /// URLs never fetched — one after another, at `now`. URLs no longer
    /// named are forgotten.
    pub async fn refresh(&self, wanted: &[(String, String)], all: bool, now: Timestamp) -> Round {
        let mut round = Round::default();
        {
            let mut cache = self.cache();
            cache.retain(|url, _| wanted.iter().any(|(_, u)| u == url));
        }
        let mut done = std::collections::BTreeSet::new();
        for (person, url) in wanted {
            if !done.insert(url.clone()) {
                continue;
            }
            let old = self.cache().get(url).cloned().unwrap_or_default();
            if !all && (old.body.is_some() || old.error.is_some()) {
                continue;
            }
            let mut next = old.clone();
            match self.fetch(url, &old).await {
                Ok(Some(f)) => {
                    round.changed |= old.body.as_deref() != Some(&f.body[..]);
                    next = Cached {
                        body: Some(f.body),
                        etag: f.etag,
                        last_modified: f.last_modified,
                        fetched_at: Some(now),
                        error: None,
                    };
                }
                Ok(None) => {
                    next.error = None;
                    next.fetched_at = Some(now);
                }
                Err(why) => {
                    // Without a copy the URL is a calendar error of the pass;
                    // with one, the failure is a problem of its own.
                    match old.fetched_at.filter(|_| old.body.is_some()) {
                        Some(at) => {
                            tracing::warn!(person = %person, url = %url, error = %why, kept = %at, "calendar fetch failed; kept the last copy");
                            round.problems.push(format!(
                                "calendar {url} for {person}: {why} (kept the copy fetched at {at})"
                            ));
                        }
                        None => {
                            tracing::warn!(person = %person, url = %url, error = %why, "calendar fetch failed; no copy yet");
                        }
                    }
                    round.changed |= old.error.is_none() && old.body.is_none();
                    next.error = Some(why);
                }
            }
            self.cache().insert(url.clone(), next);
        }
        round
    }

    /// Each known URL's bytes (the last good copy) or why there are none.
    pub fn bodies(&self) -> UrlBodies {
        self.cache()
            .iter()
            .filter_map(|(url, c)| {
                let v = match (&c.body, &c.error) {
                    (Some(b), _) => Ok(b.clone()),
                    (None, Some(e)) => Err(e.clone()),
                    (None, None) => return None,
                };
                Some((url.clone(), v))
            })
            .collect()
    }

    /// One conditional GET: new bytes, `None` for 304 Not Modified, or why
    /// it failed.
    async fn fetch(&self, url: &str, old: &Cached) -> Result<Option<Fetched>, FetchError> {
        let mut req = self.client.get(url);
        if old.body.is_some() {
            if let Some(e) = &old.etag {
                req = req.header(IF_NONE_MATCH, e);
            }
            if let Some(m) = &old.last_modified {
                req = req.header(IF_MODIFIED_SINCE, m);
            }
        }
        let mut resp = req.send().await?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED && old.body.is_some() {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(ETAG);
        let last_modified = header(LAST_MODIFIED);
        let too_big = || FetchError::TooLarge {
            cap_mib: self.cap / (1024 * 1024),
        };
        if resp.content_length().is_some_and(|n| n > self.cap) {
            return Err(too_big());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if (body.len() + chunk.len()) as u64 > self.cap {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(Fetched {
            body: Arc::from(body),
            etag,
            last_modified,
        }))
    }
}

struct Fetched {
    body: Arc<[u8]>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// Fetches `wanted` once (for one-shot commands), on a runtime of its own.
pub fn fetch_once(wanted: &[(String, String)], settings: &ServerSettings) -> UrlBodies {
    let fail = |why: FetchError| -> UrlBodies {
        wanted
            .iter()
            .map(|(_, u)| (u.clone(), Err(why.clone())))
            .collect()
    };
    let fetcher = match Fetcher::new(settings) {
        Ok(f) => f,
        Err(e) => return fail(FetchError::Client(Arc::new(e))),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(FetchError::Runtime(Arc::new(e))),
    };
    runtime.block_on(fetcher.refresh(wanted, true, Timestamp::now()));
    fetcher.bodies()
}

#[cfg(test)]
mod tests;
