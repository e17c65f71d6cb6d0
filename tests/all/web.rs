//! The feed server as a real process: tokens from `peerwell feeds`,
//! revocation and rotation, conditional requests, HEAD, gzip, the 404
//! that says nothing, slow clients and the connection cap.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use peerwell_tests::cli::oracle_python;
use peerwell_tests::web::{FeedRow, NOW, Site, client};
use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};

fn header(res: &Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(&name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn metric(site: &Site, name: &str) -> u64 {
    let text = client()
        .get(site.url("/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} missing from /metrics:\n{text}"))
        .parse()
        .unwrap()
}

/// `peerwell export` of the site's policy at `NOW`, into a folder of the
/// site's; the folder.
fn export(site: &Site) -> std::path::PathBuf {
    let out = site.tmp.path().join("export");
    let policy = site.policy();
    site.cli(&[
        "export",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--out",
        out.to_str().unwrap(),
    ])
    .assert_code(0);
    out
}

/// The exported file of the feed `row` lists.
fn exported(out: &std::path::Path, row: &FeedRow) -> Vec<u8> {
    let folder = if row.kind == "group" {
        "groups"
    } else {
        "members"
    };
    std::fs::read(out.join(folder).join(format!("{}.ics", row.id))).unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn listed_tokens_serve_the_exported_bytes_survive_restarts_and_can_be_revoked() {
    let mut site = Site::start(&[("PEERWELL_TOKEN_RELOAD_MS", "200")]);
    let http = client();
    let rows = site.feeds();
    assert_eq!(rows.len(), 23, "9 groups and 14 members: {rows:?}");
    let tokens: BTreeSet<&str> = rows.iter().map(|r| r.token.as_str()).collect();
    assert_eq!(tokens.len(), rows.len(), "one token per feed");
    for r in &rows {
        // 32 base32 letters: 160 bits.
        assert_eq!(r.token.len(), 32, "{r:?}");
        assert!(
            r.token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(
            r.subscribe_url,
            site.url(&format!("/subscribe/{}", r.token))
        );
    }

    // The served bytes are `peerwell export`'s files for the same moment.
    let out = export(&site);
    let policy = site.policy();
    let mut files = Vec::new();
    for r in &rows {
        let res = http.get(&r.feed_url).send().unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", r.id);
        assert_eq!(header(&res, CONTENT_TYPE), "text/calendar; charset=utf-8");
        let body = res.bytes().unwrap();
        let exported = exported(&out, r);
        assert!(body == exported, "{} differs from the export", r.id);
        let served = site
            .tmp
            .path()
            .join(format!("served-{}-{}.ics", r.kind, r.id));
        std::fs::write(&served, &body).unwrap();
        files.push(served.display().to_string());
    }
    // An independent reader parses every served feed.
    let lines = oracle_python("feed_events.py", &files);
    assert_eq!(lines.len(), files.len());
    let events: usize = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .unwrap()
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert!(events > 50, "{events} events read back");
    assert_eq!(metric(&site, "peerwell_feed_requests_ok_total"), 23);

    // Unknown, malformed, revoked: one response, byte for byte.
    let first = &rows[0];
    let unknown = [
        "/feeds/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics".to_string(),
        format!("/feeds/{}.ics", first.token.to_uppercase()),
        format!("/feeds/{}", first.token),
        format!("/feeds/{}x.ics", first.token),
        "/feeds/..%2Fstate.ics".to_string(),
        "/feeds/%00.ics".to_string(),
        "/feeds/.ics".to_string(),
        "/subscribe/nothing-here".to_string(),
        format!("/subscribe/{}/", first.token),
        "/nothing".to_string(),
    ];
    let reference = http.get(site.url(&unknown[0])).send().unwrap();
    assert_eq!(reference.status(), StatusCode::NOT_FOUND);
    let reference_type = header(&reference, CONTENT_TYPE);
    let reference_body = reference.bytes().unwrap();
    for path in &unknown[1..] {
        let res = http.get(site.url(path)).send().unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&res, CONTENT_TYPE), reference_type, "{path}");
        assert_eq!(res.bytes().unwrap(), reference_body, "{path}");
    }
    assert!(metric(&site, "peerwell_feed_requests_not_found_total") >= 6);

    // Tokens are kept across restarts.
    site.restart();
    let again = site.feeds();
    for (a, b) in rows.iter().zip(&again) {
        assert_eq!((&a.id, &a.token), (&b.id, &b.token));
    }
    let res = http.get(&again[0].feed_url).send().unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Revoke a group's token by value; rotate a member's.
    let group = rows.iter().find(|r| r.kind == "group").unwrap();
    let member = rows.iter().find(|r| r.kind == "member").unwrap();
    let revoked = site.cli(&["tokens", "revoke", policy.to_str().unwrap(), &group.token]);
    revoked.assert_code(0);
    assert!(!revoked.stdout.contains(&group.token), "full token echoed");
    let rotated = site.cli(&[
        "tokens",
        "rotate",
        policy.to_str().unwrap(),
        "--member",
        &member.id,
    ]);
    rotated.assert_code(0);
    let nope = site.cli(&["tokens", "revoke", policy.to_str().unwrap(), &group.token]);
    assert_eq!(nope.code, 1, "revoking twice: {nope:?}");
    let typo = site.cli(&[
        "tokens",
        "rotate",
        policy.to_str().unwrap(),
        "--group",
        &format!("{}x", group.id),
    ]);
    assert_eq!(typo.code, 1);
    assert!(typo.stderr.contains("did you mean"), "{typo:?}");
    // The running daemon re-reads its tokens: no restart needed.
    for old in [&group.token, &member.token] {
        let url = site.url(&format!("/feeds/{old}.ics"));
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while http.get(&url).send().unwrap().status() != StatusCode::NOT_FOUND {
            assert!(
                std::time::Instant::now() < deadline,
                "revoked token still served"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let after = site.feeds();
    for old in [&group.token, &member.token] {
        let res = http
            .get(site.url(&format!("/feeds/{old}.ics")))
            .send()
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.bytes().unwrap(), reference_body);
        let page = http
            .get(site.url(&format!("/subscribe/{old}")))
            .send()
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
    let new_member = after.iter().find(|r| r.id == member.id).unwrap();
    assert!(
        rotated.stdout.contains(&new_member.token),
        "{}",
        rotated.stdout
    );
    let new_group = after.iter().find(|r| r.id == group.id).unwrap();
    for fresh in [new_member, new_group] {
        assert_ne!(
            fresh.token,
            rows.iter().find(|r| r.id == fresh.id).unwrap().token
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while http.get(&fresh.feed_url).send().unwrap().status() != StatusCode::OK {
            assert!(
                std::time::Instant::now() < deadline,
                "new token of {} not served",
                fresh.id
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // And after a restart, still only the new ones.
    site.restart();
    for old in [&group.token, &member.token] {
        let res = http
            .get(site.url(&format!("/feeds/{old}.ics")))
            .send()
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    for fresh in [new_member, new_group] {
        let url = site.url(&format!("/feeds/{}.ics", fresh.token));
        let res = http.get(url).send().unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", fresh.id);
    }
}

#[test]
fn conditional_requests_head_and_gzip() {
    let site = Site::start(&[]);
    let http = client();
    let row = site
        .feeds()
        .into_iter()
        .find(|r| r.kind == "group")
        .unwrap();
    let url = row.feed_url.as_str();

    let full = http.get(url).send().unwrap();
    assert_eq!(full.status(), StatusCode::OK);
    let etag = header(&full, ETAG);
    let modified = header(&full, LAST_MODIFIED);
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34,
        "{etag}"
    );
    assert_eq!(modified, "Mon, 02 Mar 2026 08:00:00 GMT");
    assert_eq!(header(&full, VARY), "Accept-Encoding");
    assert_eq!(header(&full, CACHE_CONTROL), "private, max-age=300");
    assert_eq!(header(&full, CONTENT_ENCODING), "");
    let body = full.bytes().unwrap();
    assert!(body.starts_with(b"BEGIN:VCALENDAR\r\n"));

    let inm = etag.as_str();
    let weak = format!("W/{etag}");
    let listed = format!("\"nope\", {etag}");
    for (value, want) in [
        (inm, StatusCode::NOT_MODIFIED),
        (weak.as_str(), StatusCode::NOT_MODIFIED),
        (listed.as_str(), StatusCode::NOT_MODIFIED),
        ("*", StatusCode::NOT_MODIFIED),
        ("\"nope\"", StatusCode::OK),
        ("W/\"nope\", \"other\"", StatusCode::OK),
    ] {
        let res = http.get(url).header(IF_NONE_MATCH, value).send().unwrap();
        assert_eq!(res.status(), want, "If-None-Match: {value}");
        assert_eq!(header(&res, ETAG), etag);
        if want == StatusCode::NOT_MODIFIED {
            assert_eq!(header(&res, LAST_MODIFIED), modified);
            assert!(res.bytes().unwrap().is_empty());
        }
    }
    for (value, want) in [
        (modified.as_str(), StatusCode::NOT_MODIFIED),
        ("Tue, 03 Mar 2026 00:00:00 GMT", StatusCode::NOT_MODIFIED),
        ("Sun, 01 Mar 2026 08:00:00 GMT", StatusCode::OK),
        ("not a date", StatusCode::OK),
    ] {
        let res = http
            .get(url)
            .header(IF_MODIFIED_SINCE, value)
            .send()
            .unwrap();
        assert_eq!(res.status(), want, "If-Modified-Since: {value}");
    }
    // If-None-Match wins over If-Modified-Since.
    let res = http
        .get(url)
        .header(IF_NONE_MATCH, "\"nope\"")
        .header(IF_MODIFIED_SINCE, modified.as_str())
        .send()
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // HEAD: the same headers, no body.
    let head = http.head(url).send().unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, ETAG), etag);
    assert_eq!(header(&head, LAST_MODIFIED), modified);
    assert_eq!(header(&head, CONTENT_TYPE), "text/calendar; charset=utf-8");
    assert_eq!(header(&head, CONTENT_LENGTH), body.len().to_string());
    assert!(head.bytes().unwrap().is_empty());

    // gzip when allowed; it decodes to the same bytes, the same gzip
    // bytes every time (compressed on the first request, then kept).
    let mut first_zipped = None;
    for value in ["gzip", "br, gzip;q=0.8", "*"] {
        let res = http.get(url).header(ACCEPT_ENCODING, value).send().unwrap();
        assert_eq!(header(&res, CONTENT_ENCODING), "gzip", "{value}");
        assert_eq!(header(&res, ETAG), etag);
        let zipped = res.bytes().unwrap();
        assert!(zipped.len() < body.len());
        assert!(gunzip(&zipped) == body, "{value}");
        assert!(first_zipped.get_or_insert_with(|| zipped.clone()) == &zipped);
    }
    let zipped_length = first_zipped.map(|z| z.len()).unwrap_or_default();
    for value in ["gzip;q=0", "identity", "br", "gzip;q=0.0, *"] {
        let res = http.get(url).header(ACCEPT_ENCODING, value).send().unwrap();
        assert_eq!(header(&res, CONTENT_ENCODING), "", "{value}");
        assert!(res.bytes().unwrap() == body, "{value}");
    }
    let head = http
        .head(url)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .unwrap();
    assert_eq!(header(&head, CONTENT_ENCODING), "gzip");
    assert_eq!(header(&head, CONTENT_LENGTH), zipped_length.to_string());

    assert_eq!(
        metric(&site, "peerwell_feed_requests_not_modified_total"),
        6
    );
    let post = http.post(url).send().unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// `"` + the first 32 hex digits of the SHA-256 of `bytes` + `"`, by
/// Python's `hashlib`.
fn python_etag(bytes: &[u8]) -> String {
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys; print('\"%s\"' % hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:32])",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// With no feed cache every response writes its feed again: the bytes are
/// still `peerwell export`'s, plain and gzip, every time, under an ETag
/// that is the hash of those bytes, and a 304 needs no bytes.
#[test]
fn without_a_feed_cache_each_response_writes_the_same_bytes_again() {
    let site = Site::start(&[("PEERWELL_FEED_CACHE_MIB", "0")]);
    let http = client();
    let out = export(&site);
    let rows = site.feeds();
    assert_eq!(rows.len(), 23);
    for r in &rows {
        let exported = exported(&out, r);
        let etag = python_etag(&exported);
        for _ in 0..2 {
            let plain = http.get(&r.feed_url).send().unwrap();
            assert_eq!(header(&plain, ETAG), etag, "{}", r.id);
            assert!(plain.bytes().unwrap() == exported, "{}", r.id);
            let zipped = http
                .get(&r.feed_url)
                .header(ACCEPT_ENCODING, "gzip")
                .send()
                .unwrap();
            assert_eq!(header(&zipped, CONTENT_ENCODING), "gzip");
            assert!(gunzip(&zipped.bytes().unwrap()) == exported, "{}", r.id);
            let head = http.head(&r.feed_url).send().unwrap();
            assert_eq!(header(&head, CONTENT_LENGTH), exported.len().to_string());
        }
        let again = http
            .get(&r.feed_url)
            .header(IF_NONE_MATCH, etag.as_str())
            .send()
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{}", r.id);
    }
}

/// Reads until the server closes the connection; what it sent.
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server kept a slow client open: {e}"),
        }
    }
}

#[test]
fn slow_clients_are_cut_off() {
    let site = Site::start(&[("PEERWELL_HTTP_HEADER_TIMEOUT_MS", "300")]);
    let mut slow = TcpStream::connect(site.daemon.addr).unwrap();
    slow.write_all(b"GET /healthz HTT").unwrap();
    let got = read_until_closed(&mut slow);
    assert!(!got.starts_with(b"HTTP/1.1 200"), "answered a half request");
    // An idle keep-alive connection is closed too, after its response.
    let mut idle = TcpStream::connect(site.daemon.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let got = read_until_closed(&mut idle);
    assert!(got.starts_with(b"HTTP/1.1 200"));
    // The server still serves.
    let res = client().get(site.url("/healthz")).send().unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[test]
fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let site = Site::start(&[("PEERWELL_HTTP_MAX_CONNECTIONS", "1")]);
    let holder = TcpStream::connect(site.daemon.addr).unwrap();
    let mut waiting = TcpStream::connect(site.daemon.addr).unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut buf = [0u8; 64];
    match waiting.read(&mut buf) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        other => panic!("served beyond the cap of 1: {other:?}"),
    }
    drop(holder);
    let got = read_until_closed(&mut waiting);
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    // The header timeout is far away, so only the idle timeout can close it.
    let site = Site::start(&[
        ("PEERWELL_HTTP_HEADER_TIMEOUT_MS", "600000"),
        ("PEERWELL_HTTP_IDLE_TIMEOUT_MS", "300"),
    ]);
    let mut idle = TcpStream::connect(site.daemon.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let got = read_until_closed(&mut idle);
    assert!(got.starts_with(b"HTTP/1.1 200"));
    assert!(!String::from_utf8_lossy(&got).contains("connection: close"));
}
