//! [`PgTarget`]: which PostgreSQL database holds the state, parsed from a
//! `postgres://` URL, with the password from the environment or a
//! `.pgpass`-format file and never from a policy file.
//!
//! URL form: `postgres://user@host:port/database?sslmode=…`, also
//! `postgresql://`. Query parameters: `sslmode` (`disable`, `prefer`,
//! `require`, `verify-ca`, `verify-full`; default `prefer`), `sslrootcert`
//! (PEM file of the certificate authorities to trust; default the public web
//! roots), `connect_timeout` (seconds, default 5), `host` (a unix socket
//! directory instead of the URL's host), `application_name`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::StoreError;

/// The environment variable holding the password unless `[state]
/// password_env` names another.
pub const DEFAULT_PASSWORD_ENV: &str = "PEERWELL_STATE_PASSWORD";

/// How the connection is encrypted, as libpq's `sslmode` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS always, without checking the server's certificate.
    Require,
    /// TLS always; the certificate must chain to a trusted root.
    VerifyCa,
    /// TLS always; the certificate must chain to a trusted root and name
    /// the host.
    VerifyFull,
}

/// Where the password comes from (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct PasswordSource {
    /// The environment variable to read (default
    /// [`DEFAULT_PASSWORD_ENV`]).
    pub env: Option<String>,
    /// A `.pgpass`-format file (default `PGPASSFILE`, then `~/.pgpass`).
    pub passfile: Option<PathBuf>,
    /// Whether the URL itself may carry the password (a URL from the
    /// environment may; one from a policy file may not).
    pub url_may_hold_password: bool,
}

/// A PostgreSQL database holding the state, ready to connect to.
#[derive(Clone)]
pub struct PgTarget {
    /// The setting that named it (`[state] url` or `PEERWELL_STATE_URL`).
    pub setting: String,
    /// The URL without credentials: what messages show.
    pub display: String,
    pub(crate) host: Host,
    pub(crate) port: u16,
    pub(crate) user: String,
    pub(crate) dbname: String,
    pub(crate) password: Option<String>,
    pub(crate) tls: TlsMode,
    pub(crate) root_cert: Option<PathBuf>,
    pub(crate) connect_timeout: Duration,
    pub(crate) application_name: String,
}

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    Tcp(String),
    Socket(PathBuf),
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("setting", &self.setting)
            .field("url", &self.display)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("tls", &self.tls)
            .finish()
    }
}

impl fmt::Display for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

fn setting_error(setting: &str, detail: impl Into<String>, hint: &str) -> StoreError {
    StoreError::Setting {
        setting: setting.to_string(),
        detail: detail.into(),
        hint: hint.to_string(),
    }
}

const URL_HINT: &str = "write it as postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full \
     and give the password in PEERWELL_STATE_PASSWORD (or `[state] password_env`) or a \
     .pgpass file (`[state] passfile`)";

impl PgTarget {
    /// Parses `url`, named by `setting` in messages, and finds its password.
    pub fn parse(
        url: &str,
        setting: &str,
        source: &PasswordSource,
    ) -> Result<PgTarget, StoreError> {
        let err = |detail: String| setting_error(setting, detail, URL_HINT);
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| {
                let scheme = url.split_once(':').map_or("", |(s, _)| s);
                err(format!(
                    "`{scheme}:` is not a PostgreSQL URL (expected postgres://…)"
                ))
            })?;
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = main.split_once('/').unwrap_or((main, ""));
        let (userinfo, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, url_password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(decode(p).map_err(&err)?)),
            None => (userinfo, None),
        };
        if url_password.is_some() && !source.url_may_hold_password {
            return Err(setting_error(
                setting,
                "the URL holds a password; a policy file must never hold one",
                "remove `:password` from the URL and give the password in \
                 PEERWELL_STATE_PASSWORD (or the variable `[state] password_env` names) \
                 or a .pgpass file (`[state] passfile`)",
            ));
        }
        let (host, port) = split_host_port(hostport).map_err(&err)?;
        let mut target = PgTarget {
            setting: setting.to_string(),
            display: String::new(),
            host: Host::Tcp(host),
            port,
            user: decode(user).map_err(&err)?,
            dbname: decode(path).map_err(&err)?,
            password: url_password,
            tls: TlsMode::Prefer,
            root_cert: None,
            connect_timeout: Duration::from_secs(5),
            application_name: "peerwell".to_string(),
        };
        target.apply_query(query).map_err(&err)?;
        target.fill_defaults();
        target.display = target.describe();
        if target.password.is_none() {
            target.password = find_password(&target, source)?;
        }
        Ok(target)
    }

    fn apply_query(&mut self, query: &str) -> Result<(), String> {
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value)?;
            match key {
                "sslmode" => self.tls = tls_mode(&value)?,
                "sslrootcert" => self.root_cert = Some(PathBuf::from(value)),
                "connect_timeout" => {
                    let secs: u64 = value.parse().map_err(|_| {
                        format!("connect_timeout `{value}` is not a number of seconds")
                    })?;
                    self.connect_timeout = Duration::from_secs(secs.max(1));
                }
                "host" if value.starts_with('/') => self.host = Host::Socket(value.into()),
                "host" => self.host = Host::Tcp(value),
                "application_name" => self.application_name = value,
                "user" => self.user = value,
                "dbname" => self.dbname = value,
                "password" => {
                    return Err("the URL holds a password (`password=`); \
                                give it in the environment or a .pgpass file"
                        .to_string());
                }
                other => return Err(format!("unknown URL parameter `{other}`")),
            }
        }
        Ok(())
    }

    fn fill_defaults(&mut self) {
        if let Host::Tcp(h) = &self.host
            && h.starts_with('/')
        {
            self.host = Host::Socket(PathBuf::from(h));
        }
        if self.host == Host::Tcp(String::new()) {
            self.host = Host::Socket(PathBuf::from("/var/run/postgresql"));
        }
        if self.user.is_empty() {
            self.user = "peerwell".to_string();
        }
        if self.dbname.is_empty() {
            self.dbname = self.user.clone();
        }
    }

    /// The URL again, without credentials.
    fn describe(&self) -> String {
        match &self.host {
            Host::Socket(p) => format!(
                "postgres://{}@/{}?host={}&port={}",
                self.user,
                self.dbname,
                p.display(),
                self.port
            ),
            Host::Tcp(h) if h.contains(':') => {
                format!(
                    "postgres://{}@[{h}]:{}/{}",
                    self.user, self.port, self.dbname
                )
            }
            Host::Tcp(h) => format!("postgres://{}@{h}:{}/{}", self.user, self.port, self.dbname),
        }
    }

    /// The host name a passfile line and certificate names are matched with.
    pub(crate) fn host_name(&self) -> String {
        match &self.host {
            Host::Tcp(h) => h.clone(),
            Host::Socket(_) => "localhost".to_string(),
        }
    }

    /// What messages name: the URL without credentials.
    pub fn location(&self) -> PathBuf {
        PathBuf::from(&self.display)
    }
}

fn tls_mode(value: &str) -> Result<TlsMode, String> {
    Ok(match value {
        "disable" => TlsMode::Disable,
        "allow" | "prefer" => TlsMode::Prefer,
        "require" => TlsMode::Require,
        "verify-ca" => TlsMode::VerifyCa,
        "verify-full" => TlsMode::VerifyFull,
        other => {
            return Err(format!(
                "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
            ));
        }
    })
}

fn split_host_port(hostport: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address lacks its closing `]`")?;
        (h.to_string(), after.strip_prefix(':').unwrap_or(""))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (decode(h)?, p),
            None => (decode(hostport)?, ""),
        }
    };
    let port = if port.is_empty() {
        5432
    } else {
        port.parse()
            .map_err(|_| format!("port `{port}` is not a number from 1 to 65535"))?
    };
    Ok((host, port))
}

/// Percent-decoding of one URL part.
fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a `%` in the URL is not followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the URL decodes to invalid UTF-8".to_string())
}

/// The password from the environment variable, else the passfile.
fn find_password(target: &PgTarget, source: &PasswordSource) -> Result<Option<String>, StoreError> {
    let var = source.env.as_deref().unwrap_or(DEFAULT_PASSWORD_ENV);
    if let Some(p) = std::env::var_os(var) {
        return p.into_string().map(Some).map_err(|_| {
            setting_error(
                &target.setting,
                format!("the environment variable {var} is not valid UTF-8"),
                "set it to the password as plain text",
            )
        });
    }
    let file = source
        .passfile
        .clone()
        .or_else(|| std::env::var_os("PGPASSFILE").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")));
    match file {
        Some(f) if f.exists() || source.passfile.is_some() => passfile_password(target, &f),
        _ => Ok(None),
    }
}

/// The password of the first line of the `.pgpass`-format file at `path`
/// matching the target (`host:port:database:user:password`, `*` matches
/// anything, `\` escapes `:` and `\`).
fn passfile_password(target: &PgTarget, path: &Path) -> Result<Option<String>, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        setting_error(
            &target.setting,
            format!("cannot read the password file {}: {e}", path.display()),
            "check `[state] passfile` (or PGPASSFILE) and the file's permissions",
        )
    })?;
    let wanted = [
        target.host_name(),
        target.port.to_string(),
        target.dbname.clone(),
        target.user.clone(),
    ];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_passfile_line(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = wanted
            .iter()
            .zip(&fields)
            .all(|(w, f)| f == "*" || f == w || (f == "localhost" && w.starts_with('/')));
        if matches {
            return Ok(Some(fields[4].clone()));
        }
    }
    Ok(None)
}

fn split_passfile_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests;
