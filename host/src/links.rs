//! Absence links: "I can't make it" for one member and one session, signed
//! so that nobody can make one for someone else, with no login.
//!
//! A link's token is `<group>.<index>.<member>.<mac>`: the group id, the
//! session index and the member id as they are (ids are
//! `[a-z0-9][a-z0-9-_]*`, so they need no escaping) and 128 bits of
//! HMAC-SHA256 over them under the state's link secret, as 32 lowercase hex
//! digits. Checking compares the MAC in constant time. A token carries no
//! time: it is useless once its session has started (the server checks
//! the session it names, wherever it moved, see `web::absence`), so a
//! session that moves within its week keeps its links. The URL is
//! `<public base>/absence/<token>`.
//!
//! [`parse`] reads a token's shape without the secret (the fuzzed part);
//! [`LinkKey::verify`] also checks its MAC. Every failure is the same
//! [`LinkError`] to the caller that shows pages, so a forged link and a
//! tampered one get the same answer.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Longest token read: two ids of at most 64 bytes, an index, a MAC.
pub const MAX_TOKEN: usize = 200;
/// Longest id read in a token.
const MAX_ID: usize = 64;
/// Bytes of the MAC a token carries.
const MAC_BYTES: usize = 16;
/// What the MAC covers before the ids: the purpose and version, so a MAC
/// made for anything else under the same secret never passes here.
const DOMAIN: &[u8] = b"peerwell absence link v1\0";

/// The session and member a link stands for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkTarget {
    /// The group's id.
    pub group: String,
    /// The session's index in the group's series.
    pub index: u32,
    /// The member's id.
    pub member: String,
}

/// Why a token was refused. Callers show one answer for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not `<group>.<index>.<member>.<mac>` with valid parts.
    #[error("not an absence link")]
    Malformed,
    /// Well formed, but not signed by this state's secret.
    #[error("the absence link is not valid")]
    BadSignature,
}

/// A token's parts: whom it names and the MAC it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The session and member named.
    pub target: LinkTarget,
    /// The MAC as carried.
    pub mac: [u8; MAC_BYTES],
}

/// Whether `s` is a peerwell id (`[a-z0-9][a-z0-9-_]*`, at most 64 bytes).
fn is_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= MAX_ID
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A session index: decimal digits, no sign, no leading zero, fits `u32`.
fn index(s: &str) -> Option<u32> {
    let ok = !s.is_empty()
        && s.len() <= 10
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

/// 32 lowercase hex digits as 16 bytes.
fn mac_of(s: &str) -> Option<[u8; MAC_BYTES]> {
    if s.len() != MAC_BYTES * 2 {
        return None;
    }
    let mut out = [0u8; MAC_BYTES];
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        let digit = |b: u8| match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        };
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

/// Reads a token's shape (no secret involved).
pub fn parse(token: &str) -> Result<Parsed, LinkError> {
    if token.len() > MAX_TOKEN {
        return Err(LinkError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(group), Some(idx), Some(member), Some(mac), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(LinkError::Malformed);
    };
    let (Some(index), Some(mac)) = (index(idx), mac_of(mac)) else {
        return Err(LinkError::Malformed);
    };
    if !is_id(group) || !is_id(member) {
        return Err(LinkError::Malformed);
    }
    Ok(Parsed {
        target: LinkTarget {
            group: group.to_string(),
            index,
            member: member.to_string(),
        },
        mac,
    })
}

/// The state's link secret, ready to sign and check. Its `Debug` never
/// shows the secret.
#[derive(Clone)]
pub struct LinkKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    /// The key of `secret` (the state's, see `Store::link_secret`).
    pub fn new(secret: Vec<u8>) -> LinkKey {
        LinkKey { secret }
    }

    fn mac(&self, target: &LinkTarget) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(DOMAIN);
        mac.update(target.group.as_bytes());
        mac.update(b"\0");
        mac.update(target.index.to_string().as_bytes());
        mac.update(b"\0");
        mac.update(target.member.as_bytes());
        mac
    }

    /// The token of `target`.
    pub fn sign(&self, target: &LinkTarget) -> String {
        let tag = self.mac(target).finalize().into_bytes();
        let hex: String = tag[..MAC_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{}.{}.{}.{hex}", target.group, target.index, target.member)
    }

    /// Whom `token` names, when it is well formed and signed by this key
    /// (the MAC compared in constant time).
    pub fn verify(&self, token: &str) -> Result<LinkTarget, LinkError> {
        let parsed = parse(token)?;
        self.mac(&parsed.target)
            .verify_truncated_left(&parsed.mac)
            .map_err(|_| LinkError::BadSignature)?;
        Ok(parsed.target)
    }
}

/// Makes members' absence links: the public base URL and the key. The
/// one function every message and page calls is [`AbsenceLinks::url`].
#[derive(Debug, Clone)]
pub struct AbsenceLinks {
    /// The public base URL, without a trailing slash.
    base: String,
    key: LinkKey,
}

impl AbsenceLinks {
    /// Links under `base` (`http(s)://host[/path]`, no trailing slash).
    pub fn new(base: &str, key: LinkKey) -> AbsenceLinks {
        AbsenceLinks {
            base: base.trim_end_matches('/').to_string(),
            key,
        }
    }

    /// The link `member` follows to say they cannot come to session
    /// `index` of `group`: `<base>/absence/<token>`.
    pub fn url(&self, member: &str, group: &str, index: u32) -> String {
        let token = self.key.sign(&LinkTarget {
            group: group.to_string(),
            index,
            member: member.to_string(),
        });
        format!("{}/absence/{token}", self.base)
    }
}

#[cfg(test)]
mod tests;
