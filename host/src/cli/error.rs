//! Why a command failed: printed to stderr as it reads, with exit code 1.

use std::path::PathBuf;

use crate::daemon::ServeError;
use crate::pipeline::LoadError;
use crate::web::urls::UrlError;
use peerwell_config::Diagnostics;
use peerwell_core::formats::FormatError;
use peerwell_store::StoreError;

/// A command's failure; its text is what the user sees.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The policy folder has errors (file:line:col, hints).
    #[error("{0}")]
    Policy(Diagnostics),
    /// The policy or its calendars could not be loaded at all.
    #[error("{0:#}")]
    Load(#[from] LoadError),
    /// The state file could not be opened, read or written.
    #[error(transparent)]
    State(#[from] StoreError),
    /// `peerwell serve` stopped with an error.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The base URL of the links is not usable.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// A plugin call failed while checking a plugin.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A file or folder could not be read, created or written.
    #[error("error: cannot {action} {}: {source}", path.display())]
    Io {
        /// `read`, `create` or `write`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A TOML file could not be parsed.
    #[error("error: {}: {source}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// `peerwell plugin new` could not write the plugin.
    #[error(transparent)]
    Scaffold(#[from] super::scaffold::ScaffoldError),
    /// What the command was asked for does not exist or does not fit
    /// together; the text says which and what to do instead.
    #[error("{0}")]
    Invalid(String),
}

impl CliError {
    /// An I/O failure to `action` (`read`, `create`, `write`) `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| CliError::Io {
            action,
            path,
            source,
        }
    }
}

impl From<crate::pipeline::PlanError> for CliError {
    fn from(e: crate::pipeline::PlanError) -> Self {
        match e {
            crate::pipeline::PlanError::Load(e) => CliError::Load(e),
            crate::pipeline::PlanError::State(e) => CliError::State(e),
        }
    }
}

impl From<Diagnostics> for CliError {
    fn from(d: Diagnostics) -> Self {
        CliError::Policy(d)
    }
}

impl From<String> for CliError {
    fn from(text: String) -> Self {
        CliError::Invalid(text)
    }
}
