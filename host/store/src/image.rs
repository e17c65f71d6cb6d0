//! A state image: every row of a state verbatim, read from one backend and
//! written to another (`peerwell state migrate`), with the counts and
//! checks `peerwell state check` reports.
//!
//! An [`Image`] holds, table by table ([`TABLES`]), every row as the
//! backend stores it: sessions with their SEQUENCE, status, hash and
//! revision time; series; tokens active and revoked with their times;
//! outbox rows with state, attempts, times, message bytes and the lease
//! generation of their last claimant; owed notices and alerts; declared
//! absences and the secret absence links are signed with. Times are
//! whole Unix seconds, as both backends store them, so an image read from
//! SQLite and one read from PostgreSQL holding the same state are equal
//! value for value and have the same [`Image::digest`].
//!
//! What an image leaves out: the schema version rows (each backend keeps
//! its own), PostgreSQL's lease (the target keeps its own, so a copy never
//! carries a leader over) and the publication followers serve (the next
//! plan commit writes it).
//!
//! [`Imaging::restore`] writes into an empty state only, in one
//! transaction: a target holding any row is refused with nothing written.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::codec;

/// One stored value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer, or a time as Unix seconds.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (a stored message).
    Bytes(Vec<u8>),
}

/// What a column holds, so that each backend reads and binds it right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer.
    Int,
    /// Text.
    Text,
    /// A time, whole seconds (`INTEGER` on SQLite, `timestamptz` on
    /// PostgreSQL).
    Time,
    /// Bytes.
    Bytes,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Its name on SQLite; empty when SQLite has no such column (its
    /// value is then `0`: one writer, no lease generations).
    pub sqlite: &'static str,
    /// Its name on PostgreSQL.
    pub pg: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it may be `NULL`.
    pub nullable: bool,
}

/// One table of the state, as both backends hold it.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Its name on SQLite, and in images and reports.
    pub name: &'static str,
    /// Its name on PostgreSQL.
    pub pg: &'static str,
    /// Its columns, in image order.
    pub columns: &'static [Column],
    /// How many leading columns form its key (rows are in key order, byte
    /// order for text).
    pub key: usize,
}

const fn col(sqlite: &'static str, pg: &'static str, kind: Kind, nullable: bool) -> Column {
    Column {
        sqlite,
        pg,
        kind,
        nullable,
    }
}

const fn c(name: &'static str, kind: Kind) -> Column {
    col(name, name, kind, false)
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    col(name, name, kind, true)
}

use Kind::{Bytes, Int, Text, Time};

/// Every table an image holds, in the order they are written.
pub const TABLES: &[Table] = &[
    Table {
        name: "series",
        pg: "peerwell_series",
        key: 1,
        columns: &[
            c("group_id", Text),
            c("weekday", Int),
            c("start_time", Text),
            c("zone", Text),
            c("changed_at", Time),
        ],
    },
    Table {
        name: "sessions",
        pg: "peerwell_sessions",
        key: 2,
        columns: &[
            c("group_id", Text),
            c("idx", Int),
            c("date", Text),
            col("start", "start_at", Time, false),
            col("end", "end_at", Time, false),
            opt("moved_from", Time),
            c("attendees", Text),
            c("absentees", Text),
            c("roles", Text),
            c("plan", Text),
            c("hash", Text),
            c("sequence", Int),
            c("status", Text),
            c("changed_at", Time),
        ],
    },
    Table {
        name: "tokens",
        pg: "peerwell_tokens",
        key: 1,
        columns: &[
            c("token", Text),
            c("kind", Text),
            c("id", Text),
            c("created_at", Time),
            opt("revoked_at", Time),
        ],
    },
    Table {
        name: "outbox",
        pg: "peerwell_outbox",
        key: 1,
        columns: &[
            c("key", Text),
            c("message_id", Text),
            c("group_id", Text),
            opt("idx", Int),
            c("kind", Text),
            c("recipient", Text),
            c("address", Text),
            c("fingerprint", Text),
            c("due", Time),
            c("send_at", Time),
            opt("expires_at", Time),
            c("created_at", Time),
            c("state", Text),
            c("attempts", Int),
            c("next_attempt_at", Time),
            opt("last_error", Text),
            opt("sent_at", Time),
            col("", "claimed_generation", Int, false),
            c("message", Bytes),
        ],
    },
    Table {
        name: "mail_alerts",
        pg: "peerwell_mail_alerts",
        key: 1,
        columns: &[c("group_id", Text), c("kind", Text), c("since", Time)],
    },
    Table {
        name: "notices_pending",
        pg: "peerwell_notices_pending",
        key: 2,
        columns: &[
            c("group_id", Text),
            c("idx", Int),
            c("kind", Text),
            c("from_start", Time),
            c("from_end", Time),
            c("at_start", Time),
            c("at_end", Time),
            c("noted_at", Time),
        ],
    },
    Table {
        name: "absences",
        pg: "peerwell_absences",
        key: 3,
        columns: &[
            c("group_id", Text),
            c("idx", Int),
            c("member_id", Text),
            c("recorded_at", Time),
            c("source", Text),
        ],
    },
    Table {
        name: "link_secret",
        pg: "peerwell_link_secret",
        key: 1,
        columns: &[c("id", Int), c("secret", Bytes), c("created_at", Time)],
    },
];

/// The table named `name` in [`TABLES`].
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

impl Table {
    /// The position of the column named `name` (its SQLite or image name).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.sqlite == name || c.pg == name)
    }
}

/// Every row of one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The backend the image was read from (`sqlite` or `postgres`).
    pub backend: &'static str,
    /// The schema version of the state it was read from (each backend
    /// numbers its own).
    pub schema_version: i64,
    /// The rows of each table of [`TABLES`], by table name, in key order.
    pub rows: BTreeMap<&'static str, Vec<Vec<Value>>>,
}

impl Image {
    /// The rows of `table` (none when it holds none).
    pub fn table(&self, table: &str) -> &[Vec<Value>] {
        self.rows.get(table).map_or(&[], Vec::as_slice)
    }

    /// How many rows the image holds in all.
    pub fn len(&self) -> usize {
        self.rows.values().map(Vec::len).sum()
    }

    /// Whether it holds no row at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA-256 over every row of `table`, in key order, as hex: equal
    /// exactly when the rows are.
    pub fn digest(&self, table: &str) -> String {
        let mut hash = Sha256::new();
        for row in self.table(table) {
            hash.update((row.len() as u64).to_be_bytes());
            for value in row {
                feed(&mut hash, value);
            }
        }
        hash.finalize().iter().fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }

    /// Rows per table with their digests, in [`TABLES`] order.
    pub fn summary(&self) -> Vec<TableSummary> {
        TABLES
            .iter()
            .map(|t| TableSummary {
                table: t.name,
                rows: self.table(t.name).len(),
                digest: self.digest(t.name),
            })
            .collect()
    }
}

/// One value into a digest: a tag, then its bytes length-prefixed.
fn feed(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hash.update([0u8]),
        Value::Int(n) => {
            hash.update([1u8]);
            hash.update(n.to_be_bytes());
        }
        Value::Text(s) => {
            hash.update([2u8]);
            hash.update((s.len() as u64).to_be_bytes());
            hash.update(s.as_bytes());
        }
        Value::Bytes(b) => {
            hash.update([3u8]);
            hash.update((b.len() as u64).to_be_bytes());
            hash.update(b);
        }
    }
}

/// A table's row count and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    /// The table's name.
    pub table: &'static str,
    /// How many rows it holds.
    pub rows: usize,
    /// [`Image::digest`] of its rows.
    pub digest: String,
}

/// The tables whose rows differ between `a` and `b` (by count or digest).
pub fn differences(a: &Image, b: &Image) -> Vec<String> {
    a.summary()
        .into_iter()
        .zip(b.summary())
        .filter(|(x, y)| x != y)
        .map(|(x, y)| {
            format!(
                "{}: {} row(s), digest {} here; {} row(s), digest {} there",
                x.table,
                x.rows,
                &x.digest[..16],
                y.rows,
                &y.digest[..16]
            )
        })
        .collect()
}

/// A state that can be read as an [`Image`] and written from one.
pub trait Imaging {
    /// Every row of the state, read in one consistent snapshot.
    fn dump(&self) -> Result<Image, StoreError>;

    /// Writes every row of `image` into this state, in one transaction,
    /// when it holds no row at all; a non-empty state is refused with
    /// nothing written.
    fn restore(&mut self, image: &Image) -> Result<(), StoreError>;

    /// What the backend itself finds wrong with the stored state (page or
    /// index damage, a missing lease row, an unknown schema version): one
    /// line per problem, none when sound. Never a stored value.
    fn integrity(&self) -> Result<Vec<String>, StoreError>;
}

/// The error a non-empty restore target is.
pub(crate) fn not_empty(path: &std::path::Path, image: &Image) -> StoreError {
    let held: Vec<String> = image
        .summary()
        .into_iter()
        .filter(|s| s.rows > 0)
        .map(|s| format!("{} {}", s.rows, s.table))
        .collect();
    StoreError::Setting {
        setting: path.display().to_string(),
        detail: format!(
            "the target already holds a state ({}); a copy goes into an empty state only",
            held.join(", ")
        ),
        hint: "point it at a new, empty database (or drop the peerwell_ tables of this one \
               after making sure nothing uses them)"
            .to_string(),
    }
}

/// Checks `row` against `table`'s columns (count, kinds, nulls): what a
/// backend binds must fit what the other reads.
pub(crate) fn check_row(table: &Table, row: &[Value]) -> Result<(), String> {
    if row.len() != table.columns.len() {
        return Err(format!(
            "{}: a row of {} values, expected {}",
            table.name,
            row.len(),
            table.columns.len()
        ));
    }
    for (column, value) in table.columns.iter().zip(row) {
        let fits = match (value, column.kind) {
            (Value::Null, _) => column.nullable,
            (Value::Int(_), Int | Time) => true,
            (Value::Text(_), Text) => true,
            (Value::Bytes(_), Bytes) => true,
            _ => false,
        };
        if !fits {
            return Err(format!(
                "{}.{}: a value of the wrong kind",
                table.name, column.pg
            ));
        }
    }
    Ok(())
}

pub mod census;

pub use census::{Census, problems};

/// A short name of a row for messages: ids and indices, never a token,
/// an address or a message.
pub(crate) fn key_of(table: &Table, row: &[Value]) -> String {
    let show = |name: &str| match table.position(name).and_then(|i| row.get(i)) {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int(n)) => format!("#{n}"),
        _ => "-".to_string(),
    };
    match table.name {
        "tokens" => format!("the token of {} {}", show("kind"), show("id")),
        "outbox" => format!("{} {} {}", show("group_id"), show("idx"), show("kind")),
        _ => row
            .iter()
            .take(table.key)
            .map(|v| match v {
                Value::Text(s) => s.clone(),
                Value::Int(n) => format!("#{n}"),
                _ => "-".to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Decodes the session columns of one image row, as the backends do.
pub(crate) fn decode_session(row: &[Value]) -> Result<(), codec::DecodeError> {
    let text = |i: usize| match row.get(i) {
        Some(Value::Text(s)) => Ok(s.as_str()),
        _ => Err(format!("column {i} is not text")),
    };
    codec::date(text(2)?)?;
    codec::parse_ids(text(6)?)?;
    codec::parse_ids(text(7)?)?;
    codec::parse_plan(text(9)?)?;
    match text(12)? {
        "active" | "cancelled" => Ok(()),
        _ => Err("unknown status".to_string()),
    }
}

#[cfg(test)]
mod tests;
