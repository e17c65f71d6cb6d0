//! `peerwell state migrate` and `peerwell state check`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use peerwell_store::migrate::{self, Counts};
use peerwell_store::postgres::{PasswordSource, PgTarget};
use peerwell_store::{StateLocation, StoreError};

use super::args::StateCommand;
use super::{CliError, Outcome};
use crate::pipeline;

/// Runs one `peerwell state` command.
pub(super) fn run(command: StateCommand) -> Outcome {
    match command {
        StateCommand::Migrate { dir, to, data_dir } => migrate_to(&dir, &to, data_dir.as_deref()),
        StateCommand::Check { dir, data_dir } => check(&dir, data_dir.as_deref()),
    }
}

/// Copies the data directory's SQLite state into the database `url`.
fn migrate_to(dir: &Path, url: &str, data_dir: Option<&Path>) -> Outcome {
    let org = pipeline::policy(dir)?;
    let file = pipeline::state_path(&org, data_dir);
    if !file.exists() {
        return Err(CliError::Invalid(format!(
            "error: there is no state to migrate: {} does not exist\n  = hint: pass the \
             --data-dir that holds state.sqlite3",
            file.display()
        )));
    }
    let settings = &org.org.store.state;
    let source = PasswordSource {
        env: settings.password_env.clone(),
        passfile: settings.passfile.clone(),
        url_may_hold_password: false,
    };
    let target = Arc::new(PgTarget::parse(url, "`--to`", &source)?);
    let copied = migrate::copy_sqlite_to_postgres(&file, target.clone())?;
    println!(
        "copied {} to {}: {}",
        file.display(),
        target.display,
        counts(&copied)
    );
    println!(
        "the file was not changed; set `[state] url = \"{}\"` in peerwell.toml (or \
         PEERWELL_STATE_URL) to use the database",
        target.display
    );
    Ok(ExitCode::SUCCESS)
}

/// Reports the state's schema version and counts, reading every row.
fn check(dir: &Path, data_dir: Option<&Path>) -> Outcome {
    let org = pipeline::policy(dir)?;
    let location = pipeline::state_location(&org, data_dir)?;
    if let StateLocation::Sqlite(file) = &location
        && !file.exists()
    {
        return Err(CliError::State(StoreError::Io {
            path: file.clone(),
            message: "there is no state file yet (`peerwell export` or `peerwell serve` \
                      creates it)"
                .to_string(),
        }));
    }
    let report = migrate::check(&location)?;
    println!("state: {}", report.location);
    println!("schema version: {}", report.schema_version);
    println!("{}", counts(&report.counts));
    println!("integrity: ok (every row read back)");
    Ok(ExitCode::SUCCESS)
}

fn counts(c: &Counts) -> String {
    format!(
        "{} series, {} sessions, {} tokens, {} outbox messages, {} owed notices, {} alerts",
        c.series, c.sessions, c.tokens, c.outbox, c.pending, c.alerts
    )
}
