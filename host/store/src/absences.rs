//! Declared absences ("I can't make it") and the secret their links are
//! signed with.
//!
//! An absence is (group id, session index, member id), when it was
//! recorded and how ([`AbsenceSource`]): no free text. Recording one that
//! is already recorded changes nothing (a replayed link is harmless);
//! undoing ("I can come after all") deletes the row. The planner reads
//! them all as [`Absences`] (see `Previous::absent`).
//!
//! The link secret is 32 random bytes, made once by whichever process asks
//! first and kept in the state, so that every replica sharing a
//! PostgreSQL state signs and checks the same links and `state migrate`
//! carries it over. It never leaves the process except into the state.

use jiff::Timestamp;

use peerwell_core::schedule::Absences;

use crate::{Store, StoreError};

/// Bytes in the link secret.
pub const SECRET_BYTES: usize = 32;

/// How an absence was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AbsenceSource {
    /// The member's own signed link.
    Link,
    /// HR, with `peerwell absence add`.
    Hr,
}

impl AbsenceSource {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            AbsenceSource::Link => "link",
            AbsenceSource::Hr => "hr",
        }
    }

    /// The source a stored name stands for.
    pub fn parse(name: &str) -> Option<AbsenceSource> {
        match name {
            "link" => Some(AbsenceSource::Link),
            "hr" => Some(AbsenceSource::Hr),
            _ => None,
        }
    }
}

/// One declared absence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AbsenceRow {
    /// The group's id.
    pub group: String,
    /// The session's index in the group's series.
    pub index: u32,
    /// The member who cannot come.
    pub member: String,
    /// When it was recorded (whole seconds).
    pub recorded_at: Timestamp,
    /// How it was recorded.
    pub source: AbsenceSource,
}

impl Store {
    /// Every declared absence, by group id, session index, member id.
    pub fn absences(&self) -> Result<Vec<AbsenceRow>, StoreError> {
        self.backend.absences()
    }

    /// Every declared absence as the planner takes them.
    pub fn absent(&self) -> Result<Absences, StoreError> {
        let mut out = Absences::new();
        for a in self.absences()? {
            out.entry((a.group, a.index)).or_default().insert(a.member);
        }
        Ok(out)
    }

    /// Records `row`; `false` when that member's absence from that session
    /// was recorded already (the earlier row stays as it is).
    pub fn add_absence(&mut self, row: &AbsenceRow) -> Result<bool, StoreError> {
        self.backend.add_absence(row)
    }

    /// Removes the absence of `member` from session (`group`, `index`);
    /// `false` when none was recorded.
    pub fn remove_absence(
        &mut self,
        group: &str,
        index: u32,
        member: &str,
    ) -> Result<bool, StoreError> {
        self.backend.remove_absence(group, index, member)
    }

    /// The secret absence links are signed with: the stored one, or a new
    /// one from the operating system's random source, stored first.
    pub fn link_secret(&mut self, now: Timestamp) -> Result<Vec<u8>, StoreError> {
        let mut fresh = [0u8; SECRET_BYTES];
        getrandom::fill(&mut fresh).map_err(|e| StoreError::Io {
            path: self.path().to_path_buf(),
            message: format!("no random bytes for the absence link secret: {e}"),
        })?;
        self.backend.link_secret(&fresh, now)
    }
}
