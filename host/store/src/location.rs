//! [`StateLocation`]: where the state lives, the SQLite file in the data
//! directory (the default) or a PostgreSQL database (`[state] url` in
//! `peerwell.toml`, or `PEERWELL_STATE_URL`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::StoreError;
use crate::postgres::{PasswordSource, PgTarget};

/// The environment variable naming the state's database; it overrides
/// `[state] url`.
pub const URL_ENV: &str = "PEERWELL_STATE_URL";

/// Where the state lives.
#[derive(Debug, Clone)]
pub enum StateLocation {
    /// The SQLite file at this path.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(Arc<PgTarget>),
}

/// What `[state]` in `peerwell.toml` says (see
/// `peerwell_core::model::StateSettings`).
#[derive(Debug, Clone, Default)]
pub struct StateConfig<'a> {
    /// `[state] url`.
    pub url: Option<&'a str>,
    /// `[state] password_env`.
    pub password_env: Option<&'a str>,
    /// `[state] passfile`, resolved.
    pub passfile: Option<&'a Path>,
}

impl StateLocation {
    /// The location `PEERWELL_STATE_URL` (from `env`), else `[state] url`,
    /// names; with neither, the SQLite file `sqlite_path`. A URL from the
    /// policy file must not hold a password; one from the environment may.
    pub fn resolve(
        sqlite_path: PathBuf,
        config: &StateConfig<'_>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<StateLocation, StoreError> {
        let from_env = env(URL_ENV).filter(|u| !u.is_empty());
        let (url, setting, may_hold) = match (&from_env, config.url) {
            (Some(u), _) => (u.as_str(), format!("`{URL_ENV}`"), true),
            (None, Some(u)) => (u, "`[state] url`".to_string(), false),
            (None, None) => return Ok(StateLocation::Sqlite(sqlite_path)),
        };
        let source = PasswordSource {
            env: config.password_env.map(str::to_string),
            passfile: config.passfile.map(Path::to_path_buf),
            url_may_hold_password: may_hold,
        };
        let target = PgTarget::parse(url, &setting, &source)?;
        Ok(StateLocation::Postgres(Arc::new(target)))
    }

    /// What messages name: the state file, or the URL without credentials.
    pub fn display(&self) -> PathBuf {
        match self {
            StateLocation::Sqlite(p) => p.clone(),
            StateLocation::Postgres(t) => t.location(),
        }
    }

    /// The SQLite file, when the state is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StateLocation::Sqlite(p) => Some(p),
            StateLocation::Postgres(_) => None,
        }
    }

    /// Whether several processes may share this state (a database server).
    pub fn is_shared(&self) -> bool {
        matches!(self, StateLocation::Postgres(_))
    }
}

impl PartialEq for StateLocation {
    /// Two locations are equal when they name the same file, or the same
    /// database by the same setting.
    fn eq(&self, other: &StateLocation) -> bool {
        match (self, other) {
            (StateLocation::Sqlite(a), StateLocation::Sqlite(b)) => a == b,
            (StateLocation::Postgres(a), StateLocation::Postgres(b)) => {
                a.display == b.display && a.setting == b.setting
            }
            _ => false,
        }
    }
}

impl Eq for StateLocation {}
