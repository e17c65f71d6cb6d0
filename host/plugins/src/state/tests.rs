use super::*;

#[test]
fn now_is_the_planning_moment_in_the_group_zone() {
    let clock = PlanningClock::default();
    let t: Timestamp = "2026-03-02T14:30:00Z".parse().expect("timestamp");
    clock.set(t);
    let zone = TimeZone::get("America/Chicago").expect("zone");
    let mut s = CallState::new("p", "g", zone, clock, &Limits::default());
    let now = host::Host::now(&mut s);
    assert_eq!(now.unix_seconds, t.as_second());
    assert_eq!((now.local_date.month, now.local_date.day), (3, 2));
    assert_eq!((now.local_time.hour, now.local_time.minute), (8, 30));
}

#[test]
fn memory_above_the_cap_is_refused_and_remembered() {
    let limits = Limits {
        memory_mib: 1,
        ..Limits::default()
    };
    let mut s = CallState::new("p", "g", TimeZone::UTC, PlanningClock::default(), &limits);
    assert!(s.memory_growing(0, 1 << 20, None).unwrap_or(false));
    assert!(!s.memory_refused);
    assert!(!s.memory_growing(0, (1 << 20) + 65536, None).unwrap_or(true));
    assert!(s.memory_refused);
}

#[test]
fn log_lines_are_capped_per_call() {
    let mut s = CallState::new(
        "p",
        "g",
        TimeZone::UTC,
        PlanningClock::default(),
        &Limits::default(),
    );
    for _ in 0..LOG_LINES + 10 {
        host::Host::log(&mut s, host::Level::Debug, "x".to_string());
    }
    assert_eq!(s.log_lines, LOG_LINES);
    assert!(s.log_dropped);
}

/// Records every event's level and message.
#[derive(Default, Clone)]
struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<(tracing::Level, String, String)>>>);

struct Message(String);

impl tracing::field::Visit for Message {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for Recorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut m = Message(String::new());
        event.record(&mut m);
        let meta = event.metadata();
        if let Ok(mut v) = self.0.lock() {
            v.push((*meta.level(), meta.target().to_string(), m.0));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn log_lines_are_tracing_events_with_the_whole_line() {
    let recorder = Recorder::default();
    let mut s = CallState::new(
        "p",
        "g",
        TimeZone::UTC,
        PlanningClock::default(),
        &Limits::default(),
    );
    tracing::subscriber::with_default(recorder.clone(), || {
        host::Host::log(&mut s, host::Level::Warn, "careful\nnow".to_string());
        host::Host::log(&mut s, host::Level::Info, "fyi".to_string());
        host::Host::log(&mut s, host::Level::Error, "bad".to_string());
        for _ in 0..LOG_LINES {
            host::Host::log(&mut s, host::Level::Debug, "x".to_string());
        }
    });
    let got = recorder.0.lock().map(|v| v.clone()).unwrap_or_default();
    assert!(got.iter().all(|(_, target, _)| target == LOG_TARGET));
    let lines: Vec<(tracing::Level, &str)> = got.iter().map(|(l, _, m)| (*l, m.as_str())).collect();
    assert_eq!(
        lines[0],
        (
            tracing::Level::WARN,
            "plugin p, group g: warning: careful now"
        )
    );
    assert_eq!(
        lines[1],
        (tracing::Level::DEBUG, "plugin p, group g: info: fyi")
    );
    assert_eq!(
        lines[2],
        (tracing::Level::ERROR, "plugin p, group g: error: bad")
    );
    assert_eq!(
        lines[3],
        (tracing::Level::DEBUG, "plugin p, group g: debug: x")
    );
    assert_eq!(lines.len(), LOG_LINES as usize + 1);
    assert_eq!(
        lines[LOG_LINES as usize],
        (
            tracing::Level::WARN,
            "plugin p, group g: further log lines dropped (at most 50 lines and 8192 bytes per call or planned session)"
        )
    );
}

#[test]
fn a_log_line_is_one_line_of_bounded_length() {
    let long = "x".repeat(100_000);
    let line = log_line(&long);
    assert_eq!(
        line.chars().count(),
        LOG_LINE_CHARS + "… (cut)".chars().count()
    );
    assert!(line.ends_with("… (cut)"));
    assert_eq!(log_line("a\nb\r\u{1b}[2Jc\u{202e}d"), "a b  [2Jc d");
    assert_eq!(log_line("short"), "short");
}
