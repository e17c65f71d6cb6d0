//! The HTTP request path in process (no sockets): fuzzed method, path,
//! query and headers (conditional and encoding headers built around the
//! real ETags and dates, real and mangled tokens, the HR overview's token
//! and edits of it) go through the daemon's routes and handlers. Nothing
//! panics; every answer is one of the documented statuses; unknown tokens
//! get the one 404 body (refused absence links the one refusal page); 429
//! only on absence links, with Retry-After; HEAD and 304 carry no body; a
//! 200 feed carries the feed's bytes and ETag; the overview answers only
//! its own token.
#![no_main]

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use arbitrary::Arbitrary;
use bytes::Bytes;
use hyper::body::Body as _;
use hyper::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;

use peerwell::state::http_date;
use peerwell::web::{Body, NOT_FOUND_BODY};
use peerwell_fuzz::site::{ADMIN_TOKEN, Site};

#[derive(Debug, Arbitrary)]
enum MethodIn {
    Get,
    Head,
    Post,
    Other(String),
}

#[derive(Debug, Arbitrary)]
enum TokenIn {
    /// The n-th active token.
    Known(u8),
    /// An active token with text inserted at a byte offset.
    Edited(u8, u8, String),
    Raw(String),
}

#[derive(Debug, Arbitrary)]
enum PathIn {
    Feed(TokenIn, bool),
    Subscribe(TokenIn),
    /// The HR overview: `Known` is its token; a trailing slash or not.
    Admin(TokenIn, bool),
    Healthz,
    Metrics,
    Raw(String),
    /// `/absence/<token>[/cant|/can|/]`: a real link, edited, or raw.
    Absence(TokenIn, u8),
}

#[derive(Debug, Arbitrary)]
enum ValueIn {
    /// The ETag of the n-th feed.
    Etag(u8),
    /// Several ETags and text, comma-separated.
    List(Vec<ValueIn>),
    /// The feeds' Last-Modified moved by this many seconds.
    Date(i32),
    Raw(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum HeaderIn {
    IfNoneMatch(ValueIn),
    IfModifiedSince(ValueIn),
    AcceptEncoding(Vec<u8>),
    Other(String, Vec<u8>),
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: MethodIn,
    path: PathIn,
    query: Option<String>,
    headers: Vec<HeaderIn>,
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(Site::new)
}

fn token(site: &Site, t: &TokenIn) -> String {
    let known = |i: &u8| site.tokens[usize::from(*i) % site.tokens.len()].0.clone();
    match t {
        TokenIn::Known(i) => known(i),
        TokenIn::Edited(i, at, text) => {
            let mut tok = known(i);
            let at = usize::from(*at) % (tok.len() + 1);
            if tok.is_char_boundary(at) {
                tok.insert_str(at, text);
            }
            tok
        }
        TokenIn::Raw(s) => s.clone(),
    }
}

/// A real absence link of the site's first group and member (signed by the
/// state's key), edited, or raw text.
fn absence_token(site: &Site, t: &TokenIn) -> String {
    let real = || {
        let key = site.shared.link_key().expect("the link key");
        let snapshot = site.shared.current().expect("planned");
        let s = snapshot.plan.sessions.first().expect("a session");
        let member = s.attendees.first().cloned().unwrap_or_default();
        key.sign(&peerwell::links::LinkTarget {
            group: s.group.clone(),
            index: s.index,
            member,
        })
    };
    match t {
        TokenIn::Known(_) => real(),
        TokenIn::Edited(_, at, text) => {
            let mut tok = real();
            let at = usize::from(*at) % (tok.len() + 1);
            if tok.is_char_boundary(at) {
                tok.insert_str(at, text);
            }
            tok
        }
        TokenIn::Raw(s) => s.clone(),
    }
}

fn path(site: &Site, p: &PathIn) -> String {
    match p {
        PathIn::Feed(t, ics) => format!(
            "/feeds/{}{}",
            token(site, t),
            if *ics { ".ics" } else { "" }
        ),
        PathIn::Subscribe(t) => format!("/subscribe/{}", token(site, t)),
        PathIn::Absence(t, verb) => format!(
            "/absence/{}{}",
            absence_token(site, t),
            match verb % 4 {
                0 => "",
                1 => "/cant",
                2 => "/can",
                _ => "/",
            }
        ),
        PathIn::Admin(t, slash) => {
            let tok = match t {
                TokenIn::Known(_) => ADMIN_TOKEN.to_string(),
                TokenIn::Edited(_, at, text) => {
                    let mut tok = ADMIN_TOKEN.to_string();
                    let at = usize::from(*at) % (tok.len() + 1);
                    tok.insert_str(at, text);
                    tok
                }
                TokenIn::Raw(s) => s.clone(),
            };
            format!("/admin/{tok}{}", if *slash { "/" } else { "" })
        }
        PathIn::Healthz => "/healthz".to_string(),
        PathIn::Metrics => "/metrics".to_string(),
        PathIn::Raw(s) => s.clone(),
    }
}

/// `bytes` decompressed when they are gzip, else nothing.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match flate2::read::GzDecoder::new(bytes).read_to_end(&mut out) {
        Ok(_) => out,
        Err(_) => Vec::new(),
    }
}

fn value(site: &Site, v: &ValueIn, depth: u8) -> Vec<u8> {
    let snapshot = site.shared.current().expect("planned");
    let feeds: Vec<_> = snapshot.feeds.values().collect();
    match v {
        ValueIn::Etag(i) => feeds[usize::from(*i) % feeds.len()]
            .etag
            .clone()
            .into_bytes(),
        ValueIn::List(items) if depth < 3 => items
            .iter()
            .map(|i| value(site, i, depth + 1))
            .collect::<Vec<_>>()
            .join(&b", "[..]),
        ValueIn::List(_) => Vec::new(),
        ValueIn::Date(secs) => {
            let at = feeds[0].last_modified;
            let at = at
                .checked_add(jiff::SignedDuration::from_secs(i64::from(*secs)))
                .unwrap_or(at);
            http_date(at).into_bytes()
        }
        ValueIn::Raw(bytes) => bytes.clone(),
    }
}

fn request(site: &Site, input: &Input) -> Option<Request<()>> {
    let method: &[u8] = match &input.method {
        MethodIn::Get => b"GET",
        MethodIn::Head => b"HEAD",
        MethodIn::Post => b"POST",
        MethodIn::Other(m) => m.as_bytes(),
    };
    let mut uri = path(site, &input.path);
    if let Some(q) = &input.query {
        uri.push('?');
        uri.push_str(q);
    }
    let mut req = Request::builder()
        .method(hyper::Method::from_bytes(method).ok()?)
        .uri(uri);
    for h in input.headers.iter().take(8) {
        let (name, val): (&str, Vec<u8>) = match h {
            HeaderIn::IfNoneMatch(v) => ("if-none-match", value(site, v, 0)),
            HeaderIn::IfModifiedSince(v) => ("if-modified-since", value(site, v, 0)),
            HeaderIn::AcceptEncoding(v) => ("accept-encoding", v.clone()),
            HeaderIn::Other(n, v) => (n.as_str(), v.clone()),
        };
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).ok()?;
        let val = hyper::header::HeaderValue::from_bytes(&val).ok()?;
        req = req.header(name, val);
    }
    req.body(()).ok()
}

/// The whole body of a response (all bodies here are in memory).
fn body(mut b: Body) -> Bytes {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    while !b.is_end_stream() {
        match Pin::new(&mut b).poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => out.extend(frame.into_data().unwrap_or_default()),
            Poll::Ready(None) => break,
            Poll::Ready(Some(Err(e))) => match e {},
            Poll::Pending => panic!("an in-memory body is pending"),
        }
    }
    Bytes::from(out)
}

fuzz_target!(|input: Input| {
    let site = site();
    let Some(req) = request(site, &input) else {
        return;
    };
    let res = site.handle(&req);
    let status = res.status();
    let etag = res.headers().get(hyper::header::ETAG).cloned();
    let res_retry_after = res.headers().get(hyper::header::RETRY_AFTER).cloned();
    let head = req.method() == hyper::Method::HEAD;
    let bytes = body(res.into_body());
    if std::env::var_os("PEERWELL_FUZZ_TRACE").is_some() {
        // Which routes and statuses a corpus reaches.
        eprintln!(
            "{} {} {status} {}",
            req.method(),
            req.uri().path(),
            bytes.len()
        );
    }
    match status {
        StatusCode::OK => {
            // hyper drops other HEAD bodies when it writes the response.
            if req.uri().path().starts_with("/feeds/") {
                assert!(!head || bytes.is_empty(), "HEAD of a feed with a body");
                let snapshot = site.shared.current().expect("planned");
                let (key, _) = snapshot
                    .feeds
                    .iter()
                    .find(|(_, f)| Some(f.etag_header.clone()) == etag)
                    .expect("a 200 feed carries one of the feeds' ETags");
                let written = snapshot.render(key).expect("a served feed");
                assert!(
                    head || bytes == written.as_bytes() || gunzip(&bytes) == written.as_bytes(),
                    "feed bytes"
                );
            }
            if let Some(rest) = req.uri().path().strip_prefix("/admin/") {
                assert_eq!(
                    rest.strip_suffix('/').unwrap_or(rest),
                    ADMIN_TOKEN,
                    "the overview answered another token"
                );
                assert!(bytes.starts_with(b"<!DOCTYPE html>"), "overview page");
            }
        }
        StatusCode::NOT_MODIFIED => assert!(bytes.is_empty(), "304 with a body"),
        StatusCode::NOT_FOUND if req.uri().path().starts_with("/absence/") => {
            // Every refused absence link gets the one refusal page (or the
            // one 404 for a path that is no absence route at all).
            let page = String::from_utf8_lossy(&bytes);
            assert!(
                page.contains("This link cannot be used") || bytes == NOT_FOUND_BODY.as_bytes(),
                "absence 404 body"
            );
        }
        StatusCode::NOT_FOUND => assert_eq!(bytes, NOT_FOUND_BODY.as_bytes(), "404 body"),
        StatusCode::TOO_MANY_REQUESTS => {
            assert!(
                req.uri().path().starts_with("/absence/"),
                "429 off the absence route"
            );
            assert!(res_retry_after.is_some(), "429 without Retry-After");
        }
        StatusCode::METHOD_NOT_ALLOWED => assert!(!head),
        other => panic!("unexpected status {other}"),
    }
});
