//! Calendars given as http(s) URLs, fetched from a real HTTP server run
//! here: conditional requests answered 304, a server error keeps the last
//! good copy, a slow server times out, a huge calendar hits the size cap,
//! and nothing of the served events reaches any output.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use peerwell_tests::cli::{copy_example, peerwell_in};
use peerwell_tests::daemon::Daemon;

const NOW: &str = "2026-03-02T08:00:00Z";
const WAIT: Duration = Duration::from_secs(60);
const CANARY: &str = "PWURLCANARY";

/// What the test server serves and what it saw.
#[derive(Default)]
struct State {
    body: String,
    version: u32,
    fail: bool,
    requests: u32,
    conditional: u32,
    not_modified: u32,
}

/// A small HTTP/1.1 server on loopback: `/kwame.ics` (ETag,
/// Last-Modified, 304 on a matching If-None-Match, 500 when told), `/slow.ics`
/// (answers after 5 s), `/huge.ics` (3 MiB, no Content-Length).
fn server(state: Arc<Mutex<State>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = state.clone();
            std::thread::spawn(move || answer(stream, &state));
        }
    });
    format!("http://{addr}")
}

fn answer(mut stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("if-none-match")
        {
            if_none_match = Some(v.trim().to_string());
        }
    }
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    match path.as_str() {
        "/slow.ics" => {
            std::thread::sleep(Duration::from_secs(5));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
        "/huge.ics" => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nConnection: close\r\n\r\n",
            );
            let chunk = vec![b'X'; 64 * 1024];
            for _ in 0..48 {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        _ => {
            let mut s = state.lock().unwrap();
            s.requests += 1;
            let etag = format!("\"v{}\"", s.version);
            if if_none_match.is_some() {
                s.conditional += 1;
            }
            let reply = if s.fail {
                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            } else if if_none_match.as_deref() == Some(etag.as_str()) {
                s.not_modified += 1;
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nETag: {etag}\r\n\
                     Last-Modified: Sun, 01 Mar 2026 00:00:00 GMT\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{}",
                    s.body.len(),
                    s.body
                )
            };
            drop(s);
            let _ = stream.write_all(reply.as_bytes());
        }
    }
}

/// Kwame's calendar from the example with a client event whose summary
/// and location carry the canary.
fn kwame_calendar(dir: &Path, extra: &str) -> String {
    let text = std::fs::read_to_string(dir.join("calendars/kwame-outlook.ics")).unwrap();
    let event = format!(
        "BEGIN:VEVENT\r\nUID:canary@test\r\nDTSTAMP:20260301T000000Z\r\n\
         DTSTART;TZID=America/Chicago:20260304T073000\r\n\
         DTEND;TZID=America/Chicago:20260304T090000\r\n\
         SUMMARY:Client session {CANARY}\r\nLOCATION:{CANARY} room\r\n\
         CATEGORIES:Client\r\nEND:VEVENT\r\n{extra}END:VCALENDAR\r\n"
    );
    text.replace("END:VCALENDAR\r\n", &event)
}

/// Points people at URLs: kwame at `/kwame.ics`, and `others` (id, path).
fn use_urls(dir: &Path, base: &str, others: &[(&str, &str)]) {
    let people = dir.join("people.toml");
    let mut text = std::fs::read_to_string(&people).unwrap();
    text = text.replace(
        "calendars = [\"calendars/kwame-outlook.ics\"]",
        &format!("calendars = [\"{base}/kwame.ics\"]"),
    );
    for (id, path) in others {
        let from = format!("calendars = [\"calendars/{id}-");
        let at = text
            .find(&from)
            .unwrap_or_else(|| panic!("no calendar of {id}"));
        let end = at + text[at..].find('\n').unwrap();
        text.replace_range(
            at..end,
            &format!("calendars = [{{ url = \"{base}{path}\" }}]"),
        );
    }
    std::fs::write(&people, text).unwrap();
}

#[test]
fn url_calendars_are_fetched_conditionally_and_failures_are_contained() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let state = Arc::new(Mutex::new(State {
        body: kwame_calendar(tmp.path(), ""),
        ..State::default()
    }));
    let base = server(state.clone());
    use_urls(
        tmp.path(),
        &base,
        &[("jo", "/slow.ics"), ("ben", "/huge.ics")],
    );
    std::fs::remove_file(tmp.path().join("calendars/kwame-outlook.ics")).unwrap();
    let mut d = Daemon::start_with_env(
        tmp.path(),
        &["--now", NOW],
        &[
            ("PEERWELL_FETCH_TIMEOUT_SECONDS", "1"),
            ("PEERWELL_MAX_CALENDAR_MIB", "1"),
        ],
    );
    let (code, health) = d.get("/healthz");
    assert_eq!(code, 200, "{health}");
    assert!(
        health.contains(&format!("{base}/slow.ics")) && health.contains("timed out"),
        "{health}"
    );
    assert!(
        health.contains(&format!("{base}/huge.ics"))
            && health.contains("larger than the 1 MiB cap"),
        "{health}"
    );
    assert!(
        !health.contains("kwame.ics"),
        "kwame's calendar read: {health}"
    );
    assert_eq!(state.lock().unwrap().requests, 1);

    // SIGHUP fetches again, conditionally: 304, the copy is kept.
    d.signal("HUP");
    d.poll("the second pass", WAIT, |d| {
        (d.metric("peerwell_plans_total") == 2).then_some(())
    });
    {
        let s = state.lock().unwrap();
        assert_eq!((s.requests, s.conditional, s.not_modified), (2, 1, 1));
    }

    // The server fails: the last good copy keeps kwame's groups planning.
    state.lock().unwrap().fail = true;
    d.signal("HUP");
    let health = d.poll("the fetch failure on /healthz", WAIT, |d| {
        let (_, body) = d.get("/healthz");
        body.contains("HTTP 500").then_some(body)
    });
    assert!(
        health.contains(&format!("calendar {base}/kwame.ics for kwame: HTTP 500 (kept the copy fetched at 2026-03-02T08:00")),
        "{health}"
    );
    assert!(!health.contains("member `kwame`"), "{health}");

    // New bytes: fetched in full again.
    {
        let mut s = state.lock().unwrap();
        s.fail = false;
        s.version = 2;
    }
    d.signal("HUP");
    d.poll("recovery of the fetch", WAIT, |d| {
        let (_, body) = d.get("/healthz");
        (!body.contains("HTTP 500") && d.metric("peerwell_plans_total") >= 4).then_some(())
    });
    assert_eq!(state.lock().unwrap().not_modified, 1);

    // Nothing of the served events reached any output.
    let (_, health) = d.get("/healthz");
    let (_, metrics) = d.get("/metrics");
    d.signal("TERM");
    d.wait_exit(Duration::from_secs(15)).expect("exits");
    let output = d.output().join("\n");
    for text in [&health, &metrics, &output] {
        assert!(!text.contains(CANARY), "canary leaked:\n{text}");
    }
    assert!(output.contains("calendar fetch failed"), "{output}");
}

#[test]
fn one_shot_commands_fetch_url_calendars_once() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let state = Arc::new(Mutex::new(State {
        body: kwame_calendar(tmp.path(), ""),
        ..State::default()
    }));
    let base = server(state.clone());
    use_urls(tmp.path(), &base, &[]);
    let data = tmp.path().join("state");
    let dir = tmp.path().to_str().unwrap();
    let run = peerwell_in(&["plan", dir, "--now", NOW, "--format", "json"], &data);
    run.assert_code(0);
    assert_eq!(state.lock().unwrap().requests, 1);
    assert!(!run.stdout.contains(CANARY) && !run.stderr.contains(CANARY));
    assert!(run.stdout.contains("\"kwame\""), "kwame is planned");

    // Unreachable: a calendar error naming the URL, like a missing file.
    state.lock().unwrap().fail = true;
    let run = peerwell_in(&["check", dir], &data);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{base}/kwame.ics: HTTP 500")),
        "{}",
        run.stderr
    );
}
