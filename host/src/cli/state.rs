//! `peerwell state migrate` and `peerwell state check`: copying a policy
//! folder's planning state into a PostgreSQL database, and reporting the
//! schema version, counts and integrity of either backend.
//!
//! The state read is the one every command reads: the database
//! `PEERWELL_STATE_URL` or `[state] url` names, else `state.sqlite3` in the
//! data directory. Both open it read-only: neither command ever writes it.
//!
//! # Migrating
//!
//! The source is read in one snapshot ([`Imaging::dump`]) and written into
//! the target in one transaction ([`Imaging::restore`]), which refuses a
//! target holding any state. Then both sides are read again and compared
//! table by table (row counts and a SHA-256 of every row): a target that
//! differs, or a source that changed meanwhile (a daemon still running on
//! it), fails the command. Every row is copied as it is: published UIDs
//! (group id and index) and SEQUENCEs, tokens with their times, outbox rows
//! with their state. A row `sending` in the source was being handed to a
//! mail server when its daemon stopped; it stays `sending`, and the first
//! daemon on the target puts it back in the queue (the same in-flight
//! window as a daemon restart: that one message may arrive twice).
//!
//! The target's password comes from where `[state]` says (the variable
//! `password_env` names, default `PEERWELL_STATE_PASSWORD`; the `.pgpass`-
//! format file `passfile`, else `PGPASSFILE`, else `~/.pgpass`), never from
//! the command line: a `--to` URL holding one is refused.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;

use super::{CliError, Outcome, OutputFormat};
use crate::pipeline;
use peerwell_store::StateLocation as Source;
use peerwell_store::StoreError;
use peerwell_store::image::{self, Census, Image, Imaging};
use peerwell_store::postgres::{PasswordSource, PgTarget, Postgres};
use peerwell_store::sqlite::Sqlite;

/// The policy folder's state as every command finds it, and the
/// password sources `[state]` names (for the target too).
fn source(dir: &Path, data_dir: Option<&Path>) -> Result<(Source, PasswordSource), CliError> {
    let org = pipeline::policy(dir)?;
    let settings = &org.org.store.state;
    let passwords = PasswordSource {
        env: settings.password_env.clone(),
        passfile: settings.passfile.clone(),
        url_may_hold_password: false,
    };
    Ok((pipeline::state_location(&org, data_dir)?, passwords))
}

/// An open state, read-only.
type Open = Box<dyn Imaging>;

/// Opens `source` for reading only; a missing SQLite file is an error
/// naming it (there is nothing to copy or check).
fn open_source(source: &Source) -> Result<(Open, String), StoreError> {
    match source {
        Source::Sqlite(path) => {
            if !path.exists() {
                return Err(StoreError::Io {
                    path: path.clone(),
                    message: "there is no state file here yet (nothing was ever planned \
                              with this data directory; check --data-dir)"
                        .to_string(),
                });
            }
            let db = Sqlite::open_read_only(path)?;
            Ok((Box::new(db), path.display().to_string()))
        }
        Source::Postgres(target) => {
            let db = Postgres::open_read_only(target.clone())?;
            Ok((Box::new(db), target.display.clone()))
        }
    }
}

/// `peerwell state migrate DIR --to URL`.
pub(super) fn migrate(dir: &Path, data_dir: Option<&Path>, to: &str) -> Outcome {
    let (source, passwords) = source(dir, data_dir)?;
    let target = target(to, &passwords)?;
    if let Source::Postgres(s) = &source
        && s.display == target.display
    {
        return Err(CliError::Invalid(format!(
            "error: --to names the state being copied ({})\n  = hint: give an empty database",
            target.display
        )));
    }
    let (reader, name) = open_source(&source)?;
    if let Source::Postgres(s) = &source {
        refuse_live_lease(s)?;
    }
    let before = reader.dump()?;
    let mut writer = Postgres::open(target.clone())?;
    writer.restore(&before)?;
    drop(writer);
    let copied = Postgres::open_read_only(target.clone())?.dump()?;
    let after = reader.dump()?;
    verify(&before, &after, &copied, &name, &target.display)?;
    print!("{}", summary(&before, &copied, &name, &target.display));
    Ok(ExitCode::SUCCESS)
}

/// The `--to` target; its password from the environment or a passfile.
fn target(to: &str, passwords: &PasswordSource) -> Result<Arc<PgTarget>, CliError> {
    let authority = to.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split(['/', '?']).next().unwrap_or("");
    let query = to.split_once('?').map_or("", |(_, q)| q);
    let userinfo = authority.rsplit_once('@').map_or("", |(u, _)| u);
    if userinfo.contains(':') || query.split('&').any(|p| p.starts_with("password=")) {
        return Err(StoreError::Setting {
            setting: "--to".to_string(),
            detail: "the URL holds a password; a password never goes on the command line \
                     (every user of the machine can read it there)"
                .to_string(),
            hint: "remove it from the URL and give it in PEERWELL_STATE_PASSWORD or a \
                   .pgpass file (PGPASSFILE)"
                .to_string(),
        }
        .into());
    }
    Ok(Arc::new(PgTarget::parse(to, "--to", passwords)?))
}

/// Refuses to copy a PostgreSQL state a daemon holds the lease of.
fn refuse_live_lease(target: &Arc<PgTarget>) -> Result<(), CliError> {
    match Postgres::open_read_only(target.clone())?.lease_holder()? {
        Some(holder) => Err(CliError::Invalid(format!(
            "error: {} is in use: the daemon `{holder}` holds its lease\n  = hint: stop every \
             `peerwell serve` on it, wait for the lease to expire, and migrate again",
            target.display
        ))),
        None => Ok(()),
    }
}

/// The copy must equal the source, and the source must not have changed.
fn verify(
    before: &Image,
    after: &Image,
    copied: &Image,
    source: &str,
    target: &str,
) -> Result<(), CliError> {
    let changed = image::differences(before, after);
    if !changed.is_empty() {
        return Err(CliError::Invalid(format!(
            "error: {source} changed while it was copied ({})\n  = hint: stop every `peerwell \
             serve` using it, then migrate again into a new, empty database ({target} now \
             holds the copy made before the change)",
            changed.join("; ")
        )));
    }
    let differs = image::differences(before, copied);
    if !differs.is_empty() {
        return Err(CliError::Invalid(format!(
            "error: the copy in {target} differs from {source}: {}\n  = hint: do not use the \
             copy; report this",
            differs.join("; ")
        )));
    }
    Ok(())
}

/// What `migrate` prints: rows and digests per table, and the rows in flight.
fn summary(source: &Image, copied: &Image, from: &str, to: &str) -> String {
    let mut out = format!(
        "copied the planning state {from} ({}, schema version {})\n    to {to} ({}, schema \
         version {})\n\n{:<16} {:>7}  sha-256 of every row (both sides)\n",
        source.backend,
        source.schema_version,
        copied.backend,
        copied.schema_version,
        "table",
        "rows"
    );
    for t in source.summary() {
        out.push_str(&format!("{:<16} {:>7}  {}\n", t.table, t.rows, t.digest));
    }
    out.push_str("\nverified: every row reads back identical; the source was not changed\n");
    let sending = Census::of(source)
        .outbox
        .get("sending")
        .copied()
        .unwrap_or(0);
    if sending > 0 {
        out.push_str(&format!(
            "note: {sending} reminder(s) were being handed to the mail server when the source \
             was last written; they are copied as `sending` and the first daemon on the new \
             state queues them again (each may arrive twice)\n"
        ));
    }
    out
}

/// `peerwell state check DIR`: exit 0 when sound, 1 with the problems.
pub(super) fn check(dir: &Path, data_dir: Option<&Path>, format: OutputFormat) -> Outcome {
    let (source, _) = source(dir, data_dir)?;
    let report = inspect(&source)?;
    let out = match format {
        OutputFormat::Table => report.table(),
        OutputFormat::Json => report.json(),
    };
    print!("{out}");
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What `state check` found.
struct Report {
    location: String,
    backend: &'static str,
    schema_version: Option<i64>,
    census: Option<Census>,
    problems: Vec<String>,
}

/// Opens, reads and checks `source`. A state that cannot be opened
/// because it is damaged or too new is a report with that problem; one
/// that cannot be reached is an error.
fn inspect(source: &Source) -> Result<Report, CliError> {
    let (location, backend) = match source {
        Source::Sqlite(p) => (p.display().to_string(), "sqlite"),
        Source::Postgres(t) => (t.display.clone(), "postgres"),
    };
    let mut report = Report {
        location,
        backend,
        schema_version: None,
        census: None,
        problems: Vec::new(),
    };
    let read = open_source(source).and_then(|(db, _)| Ok((db.dump()?, db.integrity()?)));
    match read {
        Ok((image, integrity)) => {
            report.schema_version = Some(image.schema_version);
            report.problems = integrity;
            report.problems.extend(image::problems(&image));
            report.census = Some(Census::of(&image));
        }
        Err(e @ (StoreError::Corrupt { .. } | StoreError::TooNew { .. })) => {
            report.problems.push(first_line(&e));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(report)
}

/// The first line of an error, without its `error: ` prefix.
fn first_line(e: &StoreError) -> String {
    let text = e.to_string();
    let line = text.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

impl Report {
    fn table(&self) -> String {
        let version = self
            .schema_version
            .map_or("unknown".to_string(), |v| v.to_string());
        let mut out = format!(
            "state: {} ({}, schema version {version})\n",
            self.location, self.backend
        );
        if let Some(c) = &self.census {
            out.push_str(&counts_text(c));
        }
        if self.problems.is_empty() {
            out.push_str("ok: the state is sound\n");
        } else {
            out.push_str(&format!("problems ({}):\n", self.problems.len()));
            for p in &self.problems {
                out.push_str(&format!("  - {p}\n"));
            }
        }
        out
    }

    fn json(&self) -> String {
        let counts = self.census.as_ref().map(|c| {
            json!({
                "sessions": {"active": c.sessions_active, "cancelled": c.sessions_cancelled},
                "series": c.series,
                "tokens": {"active": c.tokens_active, "revoked": c.tokens_revoked},
                "outbox": c.outbox,
                "notices_pending": c.notices_pending,
                "alerts": c.alerts,
            })
        });
        let value = json!({
            "location": self.location,
            "backend": self.backend,
            "schema_version": self.schema_version,
            "ok": self.problems.is_empty(),
            "counts": counts,
            "problems": self.problems,
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn counts_text(c: &Census) -> String {
    let order = [
        "queued",
        "sending",
        "sent",
        "failed",
        "expired",
        "withdrawn",
    ];
    let outbox: Vec<String> = order
        .iter()
        .map(|s| format!("{} {s}", c.outbox.get(s).copied().unwrap_or(0)))
        .collect();
    format!(
        "sessions: {} active, {} cancelled\nseries: {}\ntokens: {} active, {} revoked\n\
         outbox: {}\nowed notices: {}\nalerts: {}\n",
        c.sessions_active,
        c.sessions_cancelled,
        c.series,
        c.tokens_active,
        c.tokens_revoked,
        outbox.join(", "),
        c.notices_pending,
        c.alerts
    )
}
