//! Structured logs for the daemon: `tracing` events written by
//! `tracing-subscriber` to stderr, as text (default) or one JSON object per
//! line (`log_format = "json"`). The level comes from `PEERWELL_LOG` (an
//! env-filter directive such as `info` or `peerwell=debug`; default `info`).
//!
//! Log lines carry counts, durations, file names, person ids and URLs —
//! never the text of a calendar event.

use tracing_subscriber::EnvFilter;

use peerwell_config::server::LogFormat;

/// The environment variable holding the log filter.
pub const LOG_ENV: &str = "PEERWELL_LOG";

/// `PEERWELL_LOG` is not a log filter.
#[derive(Debug, thiserror::Error)]
#[error("{LOG_ENV}: expected a level such as `info` or `debug`: {0}")]
pub struct LogError(#[source] pub tracing_subscriber::filter::ParseError);

/// Installs the global subscriber. A second call (or a subscriber already
/// set, e.g. by a test) is ignored. An invalid `PEERWELL_LOG` is an error
/// naming the variable.
pub fn init(format: LogFormat) -> Result<(), LogError> {
    let filter = match std::env::var(LOG_ENV) {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(v.trim()).map_err(LogError)?,
        _ => EnvFilter::new("info"),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    Ok(())
}
