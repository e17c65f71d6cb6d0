//! Each person's busy time over the horizon: calendars, declared client
//! blocks and the buffers after client-facing time.

use crate::model::Interval;

/// Where a busy span came from, for `peerwell busy` and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BusySource {
    /// Index into the person's `calendars`.
    Calendar(usize),
    /// Index into the person's `client_blocks`.
    ClientBlock(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusySpan {
    pub interval: Interval,
    pub source: BusySource,
    pub client_facing: bool,
}

/// A person's busy time over the horizon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonBusy {
    /// Sorted by start, then end; overlapping spans are kept apart so each
    /// keeps its source.
    pub spans: Vec<BusySpan>,
    /// Minutes kept free after each client-facing span.
    pub buffer_minutes: u32,
}
