//! `GET|HEAD /feeds/<token>.ics`: the feed's exact bytes from the snapshot.
//!
//! Responses carry a strong `ETag`, `Last-Modified`,
//! `Cache-Control: private, max-age=300` (calendar apps may reuse a copy
//! for five minutes; shared caches must not keep it, the URL being a
//! secret) and `Vary: Accept-Encoding`. `If-None-Match` decides 304 when
//! present; otherwise `If-Modified-Since` does. Gzip is sent when
//! `Accept-Encoding` allows it. Bodies come from the feed cache (written
//! and compressed on a miss); a 304 needs only the snapshot's ETag.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use hyper::{Method, Response, StatusCode};

use super::negotiate::{accepts_gzip, none_match, parse_http_date};
use super::{Body, not_found};
use crate::state::{Feed, ServerState};

/// `Content-Type` of every feed.
pub const CONTENT_TYPE_ICS: &str = "text/calendar; charset=utf-8";
/// `Cache-Control` of every feed response.
pub const FEED_CACHE_CONTROL: &str = "private, max-age=300";

/// Answers a feed request for `token` (the path segment without `.ics`).
pub fn respond(
    shared: &ServerState,
    method: &Method,
    headers: &HeaderMap,
    token: &str,
) -> Response<Body> {
    let tokens = shared.tokens();
    let Some(snapshot) = shared.current() else {
        return not_found();
    };
    let found = tokens
        .feed(token)
        .and_then(|key| Some((key, snapshot.feeds.get(key)?)));
    let Some((key, feed)) = found else {
        shared
            .metrics()
            .feed_not_found
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(token = super::token_prefix(token), "feed: unknown token");
        return not_found();
    };
    let head = *method == Method::HEAD;
    if not_modified(feed, headers) {
        shared
            .metrics()
            .feed_not_modified
            .fetch_add(1, Ordering::Relaxed);
        let mut res = Response::new(Full::new(Bytes::new()));
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        common_headers(res.headers_mut(), feed);
        return res;
    }
    shared.metrics().feed_ok.fetch_add(1, Ordering::Relaxed);
    let gzip = accepts_gzip(headers.get_all(hyper::header::ACCEPT_ENCODING).iter());
    let (bytes, length) = shared.feed_cache().body(&snapshot, key, feed, gzip);
    let mut res = Response::new(Full::new(if head { Bytes::new() } else { bytes }));
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_ICS));
    common_headers(h, feed);
    if gzip {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if head {
        h.insert(CONTENT_LENGTH, length);
    }
    res
}

fn common_headers(h: &mut HeaderMap, feed: &Feed) {
    h.insert(ETAG, feed.etag_header.clone());
    h.insert(LAST_MODIFIED, feed.last_modified_header.clone());
    h.insert(CACHE_CONTROL, HeaderValue::from_static(FEED_CACHE_CONTROL));
    h.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
}

/// RFC 9110 §13.2.2: If-None-Match when present, else If-Modified-Since.
fn not_modified(feed: &Feed, headers: &HeaderMap) -> bool {
    if headers.contains_key(IF_NONE_MATCH) {
        return none_match(headers.get_all(IF_NONE_MATCH).iter(), &feed.etag);
    }
    let Some(since) = headers
        .get(IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    else {
        return false;
    };
    // Last-Modified is sent with whole seconds.
    feed.last_modified.as_second() <= since.as_second()
}
