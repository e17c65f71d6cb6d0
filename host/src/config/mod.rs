//! Reading and validating the policy folder.
//!
//! `load(dir)` reads `peerwell.toml`, the people file or folder and every
//! file under `groups/`, and returns either the validated
//! [`Organization`](crate::model::Organization) or every problem found, each
//! with file, line, column, the offending text and a hint.

mod diagnostic;

pub use diagnostic::{Diagnostic, Diagnostics};
