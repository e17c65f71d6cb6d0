//! Per-call limits and the store's state: the memory limiter, the `log`
//! and `now` imports, and what the host learns during a call.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use peerwell_core::plugin_spec::Limits;
use wasmtime::ResourceLimiter;

use super::bindings::{host, types};
use peerwell_core::formats::PlanningClock;

/// Most log lines one call may write.
pub const LOG_LINES: u32 = 50;
/// Most log bytes one call may write.
pub const LOG_BYTES: usize = 8 * 1024;
/// The `tracing` target of plugins' log lines. A plugin's `debug` and
/// `info` lines are events at DEBUG level (shown when peerwell's own debug
/// detail is), `warn` at WARN and `error` at ERROR; each event's message is
/// the whole line, `plugin <name>, group <id>: <level>: <text>`. A call that
/// writes past its budget gets one WARN line saying further lines were
/// dropped.
pub const LOG_TARGET: &str = "peerwell_plugins::log";
/// Most characters of one log line shown; the rest is cut (`…`).
pub const LOG_LINE_CHARS: usize = 500;
/// Largest table (elements) and number of instances a plugin may create.
const TABLE_ELEMENTS: usize = 100_000;
const INSTANCES: usize = 100;

/// The store's data for one call.
pub struct CallState {
    /// The plugin's name, for log lines.
    pub plugin: String,
    /// The group the call is for ("-" for none).
    pub group: String,
    /// The group's zone, for `now`'s local date and time.
    pub zone: TimeZone,
    /// The planning moment `now` reports.
    pub clock: PlanningClock,
    memory_cap: usize,
    /// A memory grow was refused: a trap that follows is the memory limit.
    pub memory_refused: bool,
    log_lines: u32,
    log_bytes: usize,
    log_dropped: bool,
    /// Calls the current call counts as (a series: one per session); the
    /// log caps are multiplied by it.
    calls: u32,
}

impl CallState {
    /// State for one call by `plugin` for `group`.
    pub fn new(
        plugin: &str,
        group: &str,
        zone: TimeZone,
        clock: PlanningClock,
        limits: &Limits,
    ) -> Self {
        CallState {
            plugin: plugin.to_string(),
            group: group.to_string(),
            zone,
            clock,
            memory_cap: limits.memory_bytes(),
            memory_refused: false,
            log_lines: 0,
            log_bytes: 0,
            log_dropped: false,
            calls: 1,
        }
    }
}

impl CallState {
    /// Starts a call that counts as `calls` calls (at least one): clean
    /// memory flag, empty log budget.
    pub fn start_call(&mut self, calls: u32) {
        self.memory_refused = false;
        self.log_lines = 0;
        self.log_bytes = 0;
        self.log_dropped = false;
        self.calls = calls.max(1);
    }
}

impl ResourceLimiter for CallState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_refused = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        INSTANCES
    }

    fn tables(&self) -> usize {
        INSTANCES
    }

    fn memories(&self) -> usize {
        INSTANCES
    }
}

impl types::Host for CallState {}

impl host::Host for CallState {
    fn log(&mut self, level: host::Level, message: String) {
        let (lines, bytes) = (
            LOG_LINES.saturating_mul(self.calls),
            LOG_BYTES.saturating_mul(self.calls as usize),
        );
        if self.log_lines >= lines || self.log_bytes + message.len() > bytes {
            if !self.log_dropped {
                self.log_dropped = true;
                tracing::warn!(
                    target: LOG_TARGET,
                    "plugin {}, group {}: further log lines dropped (at most {LOG_LINES} lines and {LOG_BYTES} bytes per call or planned session)",
                    self.plugin,
                    self.group
                );
            }
            return;
        }
        self.log_lines += 1;
        self.log_bytes += message.len();
        let (plugin, group) = (&self.plugin, &self.group);
        match level {
            host::Level::Debug => tracing::debug!(
                target: LOG_TARGET,
                "plugin {plugin}, group {group}: debug: {}",
                log_line(&message)
            ),
            host::Level::Info => tracing::debug!(
                target: LOG_TARGET,
                "plugin {plugin}, group {group}: info: {}",
                log_line(&message)
            ),
            host::Level::Warn => tracing::warn!(
                target: LOG_TARGET,
                "plugin {plugin}, group {group}: warning: {}",
                log_line(&message)
            ),
            host::Level::Error => tracing::error!(
                target: LOG_TARGET,
                "plugin {plugin}, group {group}: error: {}",
                log_line(&message)
            ),
        }
    }

    fn now(&mut self) -> host::Instant {
        instant(self.clock.get(), &self.zone)
    }
}

/// A plugin's log message as one safe line: control characters and
/// bidirectional-text controls become spaces (a message cannot forge a
/// second log line or reorder the terminal's text), and it is cut to
/// [`LOG_LINE_CHARS`] characters.
pub fn log_line(message: &str) -> String {
    let mut out = String::new();
    for (i, c) in message.chars().enumerate() {
        if i == LOG_LINE_CHARS {
            out.push_str("… (cut)");
            break;
        }
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        out.push(if c.is_control() || bidi { ' ' } else { c });
    }
    out
}

/// `t` as the WIT `instant`, with its local date and time in `zone`.
pub fn instant(t: Timestamp, zone: &TimeZone) -> host::Instant {
    let local = t.to_zoned(zone.clone());
    host::Instant {
        unix_seconds: t.as_second(),
        local_date: super::convert::date_out(local.date()),
        local_time: super::convert::time_out(local.time()),
    }
}

#[cfg(test)]
mod tests {
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
        let lines: Vec<(tracing::Level, &str)> =
            got.iter().map(|(l, _, m)| (*l, m.as_str())).collect();
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
}
