//! `peerwell-bench`: benchmark drivers, one subcommand each (see BENCHMARKS.md).
//!
//! `peerwell-bench ingest FILE.ics [--from DATE] [--to DATE] [--tz ZONE]`
//! reads one calendar with `peerwell_core::calendar::read_calendar` over the local
//! window `[from, to)` in `tz` and prints event and occurrence counts and
//! the time taken.
//!
//! `peerwell-bench sched INSTANCE.json SOLUTION.json` solves a scheduling
//! instance (see `sched.rs`).
//!
//! `peerwell-bench plugin calls|load|org ...` measures WebAssembly format
//! plugins (see `plugin.rs` and `host/bench/plugin.sh`).
//!
//! `peerwell-bench mail drain ORG_DIR` drains reminders into an SMTP server
//! (see `mail.rs` and `host/bench/daemon.sh`).
//!
//! `peerwell-bench state commit ORG_DIR --url URL...` times committing one
//! plan on SQLite and on PostgreSQL (see `state.rs` and
//! `host/bench/replicas.sh`).

mod ingest;
mod mail;
mod plugin;
mod sched;
mod state;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ingest") => ingest::run(&args[1..]),
        Some("sched") => sched::run(&args[1..]),
        Some("plugin") => plugin::run(&args[1..]),
        Some("mail") => mail::run(&args[1..]),
        Some("state") => state::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: peerwell-bench ingest FILE.ics [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--tz ZONE]\n       peerwell-bench sched INSTANCE.json SOLUTION.json [--steps N] [--seed S]\n       peerwell-bench plugin calls|load|org ...\n       peerwell-bench mail drain ORG_DIR [--count N] [--now RFC3339]\n       peerwell-bench state commit ORG_DIR --url URL... [--now RFC3339]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peerwell-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
