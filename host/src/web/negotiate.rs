//! Request headers that decide a feed response (RFC 9110): `If-None-Match`
//! (weak comparison, lists, `*`), `If-Modified-Since`, and
//! `Accept-Encoding` with q-values. Parsing never allocates.

use hyper::header::HeaderValue;
use jiff::Timestamp;

/// Reads an IMF-fixdate (the only form senders may generate). Anything
/// else is `None`, and RFC 9110 says to ignore the header then.
pub fn parse_http_date(text: &str) -> Option<Timestamp> {
    jiff::fmt::rfc2822::parse(text.trim())
        .ok()
        .map(|z| z.timestamp())
}

/// Whether any `If-None-Match` value matches `etag` (quoted, strong) by
/// weak comparison; `*` matches any current representation.
pub fn none_match<'a>(values: impl Iterator<Item = &'a HeaderValue>, etag: &str) -> bool {
    let want = etag.as_bytes();
    for value in values {
        let mut rest = value.as_bytes();
        loop {
            while let [b' ' | b'\t' | b',', tail @ ..] = rest {
                rest = tail;
            }
            if rest.is_empty() {
                break;
            }
            if rest[0] == b'*' {
                return true;
            }
            if let [b'W', b'/', tail @ ..] = rest {
                rest = tail;
            }
            if rest.first() != Some(&b'"') {
                // Not an entity tag: skip to the next list member.
                match rest.iter().position(|&b| b == b',') {
                    Some(i) => rest = &rest[i..],
                    None => break,
                }
                continue;
            }
            let Some(close) = rest[1..].iter().position(|&b| b == b'"') else {
                break;
            };
            let tag = &rest[..close + 2];
            if tag == want {
                return true;
            }
            rest = &rest[close + 2..];
        }
    }
    false
}

/// Whether `Accept-Encoding` lets us send gzip: `gzip` (or `x-gzip`) with
/// a q-value above 0, or `*` above 0 when gzip is not named. Without the
/// header, identity.
pub fn accepts_gzip<'a>(values: impl Iterator<Item = &'a HeaderValue>) -> bool {
    let mut gzip: Option<bool> = None;
    let mut star: Option<bool> = None;
    for value in values {
        for item in value.as_bytes().split(|&b| b == b',') {
            let mut parts = item.split(|&b| b == b';');
            let coding = trim(parts.next().unwrap_or_default());
            let mut allowed = true;
            for param in parts {
                let param = trim(param);
                if let [b'q' | b'Q', b'=', q @ ..] = param {
                    allowed = !is_zero(trim(q));
                }
            }
            if coding.eq_ignore_ascii_case(b"gzip") || coding.eq_ignore_ascii_case(b"x-gzip") {
                gzip = Some(gzip.unwrap_or(false) || allowed);
            } else if coding == b"*" {
                star = Some(allowed);
            }
        }
    }
    gzip.or(star).unwrap_or(false)
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A q-value of zero: `0`, `0.`, `0.0`, `0.00`, `0.000`.
fn is_zero(q: &[u8]) -> bool {
    match q {
        [b'0'] => true,
        [b'0', b'.', rest @ ..] => rest.iter().all(|&b| b == b'0'),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
