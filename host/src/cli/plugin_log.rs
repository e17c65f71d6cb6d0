//! Plugins' log lines on the command line. The plugin host logs them
//! through `tracing` (target [`peerwell_plugins::LOG_TARGET`]); every
//! command but `serve` (whose daemon installs its own subscriber) shows
//! them on stderr as they are, one line each: warnings and errors always,
//! `debug` and `info` lines when `PEERWELL_LOG` is `debug`.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Installs the process-wide subscriber that prints plugin log lines.
/// Nothing else is printed; a subscriber already set is kept.
pub fn install() {
    let debug = std::env::var("PEERWELL_LOG").is_ok_and(|v| v == "debug");
    let level = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::WARN
    };
    let filter = Targets::new().with_target(peerwell_plugins::LOG_TARGET, level);
    let subscriber = tracing_subscriber::registry().with(Lines.with_filter(filter));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Writes each event's message to stderr.
struct Lines;

impl<S: Subscriber> Layer<S> for Lines {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        eprintln!("{}", message.0);
    }
}

/// An event's `message` field.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}
