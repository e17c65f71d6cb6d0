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
mod tests;
