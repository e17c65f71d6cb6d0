//! peerwell's integration tests, one binary of modules; see tests/README.md.

mod calendar_oracle;
mod config_ui;
mod daemon;
mod e2e;
mod feeds_oracle;
mod formats;
mod mail;
mod mail_crash;
mod mail_notices;
mod plugin_formats;
mod plugins;
mod reminders;
mod schedule_props;
mod stability;
mod store;
