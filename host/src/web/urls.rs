//! The public base URL feeds are handed out under, and the links built on
//! it: the feed URL, its `webcal://` twin, the subscribe page, and the
//! Google Calendar and Outlook add-by-URL links.

/// The environment variable that sets the public base URL.
pub const PUBLIC_URL_ENV: &str = "PEERWELL_PUBLIC_URL";

/// The base URL when nothing sets one (the default `--listen` address).
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8440";

/// The hint every public URL error ends with.
const HINT: &str =
    "\n  = hint: give the address members reach the daemon at, e.g. https://peerwell.example.org";

/// Why a public base URL was refused; the text names the URL as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Neither `http://` nor `https://`.
    #[error("error: public URL `{0}` must start with http:// or https://{HINT}")]
    Scheme(String),
    /// Nothing after the scheme.
    #[error("error: public URL `{0}` has no host{HINT}")]
    NoHost(String),
    /// A query, fragment, space, quote, angle bracket or control character.
    #[error("error: public URL `{text}` may not contain `{}`{HINT}", .found.escape_default())]
    Forbidden {
        /// The URL as given.
        text: String,
        /// The first character not allowed.
        found: char,
    },
}

/// An `http://` or `https://` base URL without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Checks `text`: `http(s)://host[:port][/path]`, no query or fragment.
    pub fn parse(text: &str) -> Result<PublicUrl, UrlError> {
        let trimmed = text.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        let Some(rest) = rest else {
            return Err(UrlError::Scheme(text.to_string()));
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err(UrlError::NoHost(text.to_string()));
        }
        if let Some(found) = rest
            .chars()
            .find(|c| matches!(c, '?' | '#' | ' ' | '"' | '<' | '>') || c.is_control())
        {
            return Err(UrlError::Forbidden {
                text: text.to_string(),
                found,
            });
        }
        Ok(PublicUrl(trimmed.to_string()))
    }

    /// The base URL: `flag` (`--base-url`), else `$PEERWELL_PUBLIC_URL`
    /// (when set and not empty), else `config` (`[server] public_url`),
    /// else `fallback`. The one place this order is decided.
    pub fn resolve(
        flag: Option<&str>,
        config: Option<&str>,
        fallback: &str,
    ) -> Result<PublicUrl, UrlError> {
        let env = std::env::var(PUBLIC_URL_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let chosen = flag.map(str::to_string).or(env);
        let chosen = chosen.as_deref().or(config).unwrap_or(fallback);
        PublicUrl::parse(chosen)
    }

    /// The base URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<base>/feeds/<token>.ics`.
    pub fn feed(&self, token: &str) -> String {
        format!("{}/feeds/{token}.ics", self.0)
    }

    /// The feed URL with the `webcal://` scheme calendar apps subscribe to.
    pub fn webcal(&self, token: &str) -> String {
        let feed = self.feed(token);
        let rest = feed
            .strip_prefix("https://")
            .or_else(|| feed.strip_prefix("http://"))
            .unwrap_or(&feed);
        format!("webcal://{rest}")
    }

    /// `<base>/subscribe/<token>`.
    pub fn subscribe(&self, token: &str) -> String {
        format!("{}/subscribe/{token}", self.0)
    }

    /// Google Calendar's add-by-URL link for the feed.
    pub fn google(&self, token: &str) -> String {
        format!(
            "https://calendar.google.com/calendar/render?cid={}",
            encode(&self.webcal(token))
        )
    }

    /// Outlook.com's add-from-web link for the feed, named `name`.
    pub fn outlook(&self, token: &str, name: &str) -> String {
        format!(
            "https://outlook.live.com/calendar/0/addfromweb?url={}&name={}",
            encode(&self.feed(token)),
            encode(name)
        )
    }

    /// Outlook on Microsoft 365's add-from-web link for the feed.
    pub fn office365(&self, token: &str, name: &str) -> String {
        format!(
            "https://outlook.office.com/calendar/0/addfromweb?url={}&name={}",
            encode(&self.feed(token)),
            encode(name)
        )
    }
}

/// Percent-encodes every byte outside RFC 3986's unreserved set.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
