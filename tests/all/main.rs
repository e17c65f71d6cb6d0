//! peerwell's integration tests, one binary of modules; see tests/README.md.

mod calendar_oracle;
mod config_ui;
mod daemon;
mod daemon_anchor;
mod daemon_reload;
mod daemon_urls;
mod deploy;
mod e2e;
mod feeds_oracle;
mod formats;
mod fuzz_regressions;
mod mail;
mod mail_crash;
mod mail_notices;
mod mail_tls;
mod plugin_formats;
mod plugins;
mod reminders;
mod schedule_props;
mod stability;
mod store;
mod subscribe;
mod web;
