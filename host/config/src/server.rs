//! `[server]` in `peerwell.toml`: how the daemon (`peerwell serve`) listens,
//! re-plans, fetches URL calendars and logs. Every key is optional and
//! overridable by an environment variable (`PEERWELL_LISTEN`, …); the
//! `--listen` flag beats both.

use std::net::SocketAddr;
use std::path::Path;

use super::walk::{Out, Table, string};
use super::{Diagnostics, finish, parse, read_source};

const KEYS: &[&str] = &[
    "listen",
    "public_url",
    "replan_minutes",
    "fetch_minutes",
    "fetch_timeout_seconds",
    "max_calendar_mib",
    "feed_cache_mib",
    "log_format",
    "max_connections_per_client",
    "admin_token_env",
];

/// How the daemon writes its log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The daemon's settings, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSettings {
    /// Where to listen (default 127.0.0.1:8440).
    pub listen: SocketAddr,
    /// The base URL members reach the daemon at, without a trailing slash;
    /// `None` means `http://<listen>` (see [`ServerSettings::public_url`]).
    pub public_url: Option<String>,
    /// Re-plan at least this often, so the horizon moves (default 15).
    pub replan_minutes: u32,
    /// Fetch URL calendars this often (default 15).
    pub fetch_minutes: u32,
    /// Give up on one calendar fetch after this long (default 20).
    pub fetch_timeout_seconds: u32,
    /// Refuse a calendar larger than this many MiB (default 20).
    pub max_calendar_mib: u32,
    /// Keep at most this many MiB of feed bytes written for requests
    /// (default 64; 0 writes every response's feed anew).
    pub feed_cache_mib: u32,
    /// How log lines are written (default text).
    pub log_format: LogFormat,
    /// HTTP connections one client address may hold at once (default: a
    /// quarter of the connection cap; `$PEERWELL_HTTP_MAX_CONNECTIONS_PER_CLIENT`
    /// overrides it).
    pub max_connections_per_client: Option<u32>,
    /// The environment variable holding the token of the HR overview at
    /// `/admin/<token>/`; the overview is off unless it names a variable
    /// that is set and not empty. The token itself is never in a file.
    pub admin_token_env: Option<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8440)),
            public_url: None,
            replan_minutes: 15,
            fetch_minutes: 15,
            fetch_timeout_seconds: 20,
            max_calendar_mib: 20,
            feed_cache_mib: 64,
            log_format: LogFormat::Text,
            max_connections_per_client: None,
            admin_token_env: None,
        }
    }
}

impl ServerSettings {
    /// The base URL for feed and subscribe links: `public_url`, else
    /// `http://<listen>`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.clone(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Applies the `PEERWELL_*` environment variables read through `var`
    /// (`std::env::var` in the daemon). An invalid value is an error naming
    /// the variable and what it expects.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = get("PEERWELL_LISTEN") {
            self.listen = v.trim().parse().map_err(|_| EnvError::Listen(v))?;
        }
        if let Some(v) = get("PEERWELL_PUBLIC_URL") {
            self.public_url = Some(check_url(v.trim()).map_err(EnvError::PublicUrl)?);
        }
        for (name, range, slot) in [
            (
                "PEERWELL_REPLAN_MINUTES",
                1..=1440,
                &mut self.replan_minutes,
            ),
            ("PEERWELL_FETCH_MINUTES", 1..=1440, &mut self.fetch_minutes),
            (
                "PEERWELL_FETCH_TIMEOUT_SECONDS",
                1..=600,
                &mut self.fetch_timeout_seconds,
            ),
            (
                "PEERWELL_MAX_CALENDAR_MIB",
                1..=1024,
                &mut self.max_calendar_mib,
            ),
            (
                "PEERWELL_FEED_CACHE_MIB",
                0..=65536,
                &mut self.feed_cache_mib,
            ),
        ] {
            if let Some(n) = whole_number(name, range, get(name))? {
                *slot = n;
            }
        }
        if let Some(v) = get("PEERWELL_LOG_FORMAT") {
            self.log_format = log_format(v.trim()).ok_or(EnvError::LogFormat(v))?;
        }
        Ok(self)
    }
}

/// A `PEERWELL_*` variable that does not hold what it must.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// `PEERWELL_LISTEN` is not `ADDR:PORT`.
    #[error("PEERWELL_LISTEN: expected ADDR:PORT (e.g. 127.0.0.1:8440), found {0:?}")]
    Listen(String),
    /// `PEERWELL_PUBLIC_URL` is not an http(s) URL.
    #[error("PEERWELL_PUBLIC_URL: {0}")]
    PublicUrl(#[source] UrlError),
    /// A number out of range or not a whole number.
    #[error("{name}: expected a whole number from {min} to {max}, found {found:?}")]
    Number {
        /// The variable.
        name: &'static str,
        /// The smallest value allowed.
        min: u32,
        /// The largest value allowed.
        max: u32,
        /// What it holds.
        found: String,
    },
    /// `PEERWELL_LOG_FORMAT` is neither `text` nor `json`.
    #[error("PEERWELL_LOG_FORMAT: expected \"text\" or \"json\", found {0:?}")]
    LogFormat(String),
}

/// Why a base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not http:// or https://.
    #[error("expected an http:// or https:// URL, found {0:?}")]
    Scheme(String),
    /// No host after the scheme, or white space in it.
    #[error("expected an http:// or https:// URL with a host, found {0:?}")]
    Host(String),
}

/// The whole number in `value` (of the variable `name`), when it is in `range`.
fn whole_number(
    name: &'static str,
    range: std::ops::RangeInclusive<u32>,
    value: Option<String>,
) -> Result<Option<u32>, EnvError> {
    let Some(v) = value else { return Ok(None) };
    match v.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(EnvError::Number {
            name,
            min: *range.start(),
            max: *range.end(),
            found: v,
        }),
    }
}

fn log_format(s: &str) -> Option<LogFormat> {
    match s {
        "text" => Some(LogFormat::Text),
        "json" => Some(LogFormat::Json),
        _ => None,
    }
}

/// An http(s) URL without a trailing slash, or why not.
fn check_url(s: &str) -> Result<String, UrlError> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| UrlError::Scheme(s.to_string()))?;
    if rest.is_empty() || rest.starts_with('/') || s.contains(char::is_whitespace) {
        return Err(UrlError::Host(s.to_string()));
    }
    Ok(s.trim_end_matches('/').to_string())
}

/// Reads `[server]` from the root table of `peerwell.toml`, reporting
/// unknown keys (with a did-you-mean) and bad values at file:line:column.
pub(crate) fn read(root: &Table<'_, '_>, out: &mut Out) -> ServerSettings {
    let mut s = ServerSettings::default();
    let Some(t) = root.table("server", KEYS, out) else {
        return s;
    };
    let src = t.src;
    if let Some(v) = t.get("listen")
        && let Some(text) = string(src, v, out)
    {
        match text.parse() {
            Ok(a) => s.listen = a,
            Err(_) => out.push(
                src.error(
                    v.span(),
                    format!("expected ADDR:PORT, found \"{text}\""),
                    Some(
                        "e.g. listen = \"127.0.0.1:8440\" (use 0.0.0.0 for every interface)"
                            .to_string(),
                    ),
                ),
            ),
        }
    }
    if let Some(v) = t.get("public_url")
        && let Some(text) = string(src, v, out)
    {
        match check_url(&text) {
            Ok(u) => s.public_url = Some(u),
            Err(e) => out.push(src.error(
                v.span(),
                e.to_string(),
                Some("the base URL members reach the daemon at, e.g. public_url = \"https://peerwell.example.org\"".to_string()),
            )),
        }
    }
    let int = |key: &str, range: std::ops::RangeInclusive<i64>, default: u32, out: &mut Out| {
        t.integer(key, range, out)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(default)
    };
    s.replan_minutes = int("replan_minutes", 1..=1440, s.replan_minutes, out);
    s.fetch_minutes = int("fetch_minutes", 1..=1440, s.fetch_minutes, out);
    s.fetch_timeout_seconds = int(
        "fetch_timeout_seconds",
        1..=600,
        s.fetch_timeout_seconds,
        out,
    );
    s.max_calendar_mib = int("max_calendar_mib", 1..=1024, s.max_calendar_mib, out);
    s.feed_cache_mib = int("feed_cache_mib", 0..=65536, s.feed_cache_mib, out);
    s.max_connections_per_client = t
        .integer("max_connections_per_client", 1..=1_000_000, out)
        .and_then(|n| u32::try_from(n).ok());
    if let Some(v) = t.get("log_format")
        && let Some(text) = string(src, v, out)
    {
        match log_format(&text) {
            Some(f) => s.log_format = f,
            None => out.push(src.error(
                v.span(),
                format!("expected \"text\" or \"json\", found \"{text}\""),
                Some("log_format = \"json\" writes one JSON object per line".to_string()),
            )),
        }
    }
    s.admin_token_env = admin_token_env(&t, out);
    s
}

/// `admin_token_env`: the name of an environment variable, or an error at
/// its place.
fn admin_token_env(t: &Table<'_, '_>, out: &mut Out) -> Option<String> {
    let v = t.get("admin_token_env")?;
    let text = string(t.src, v, out)?;
    if env_name(&text) {
        return Some(text);
    }
    out.push(t.src.error(
        v.span(),
        "expected the name of an environment variable (this value is not repeated here: it may be a secret)".to_string(),
        Some(
            "letters, digits and `_`, not starting with a digit, e.g. admin_token_env = \"PEERWELL_ADMIN_TOKEN\"; the token goes in that variable, never in this file"
                .to_string(),
        ),
    ));
    None
}

/// Whether `name` can name an environment variable: ASCII letters, digits
/// and `_`, not starting with a digit.
fn env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads only `[server]` of `dir/peerwell.toml` (the daemon needs it before
/// the first planning pass). Problems come back with file:line:column.
pub fn load(dir: &Path) -> Result<ServerSettings, Diagnostics> {
    let mut out: Out = Vec::new();
    let access = super::FileAccess::new(dir);
    let Some(src) = read_source(dir, &access, &dir.join("peerwell.toml"), &mut out) else {
        return Err(finish(out));
    };
    let Some(root) = parse(&src, &mut out) else {
        return Err(finish(out));
    };
    let all: Vec<&str> = root.iter().map(|(k, _)| -> &str { k.get_ref() }).collect();
    let t = Table::new(&src, &root, 0..0, "peerwell.toml", &all, &mut out);
    let settings = read(&t, &mut out);
    if out.is_empty() {
        Ok(settings)
    } else {
        Err(finish(out))
    }
}

#[cfg(test)]
mod tests;
