//! Reading busy time from iCalendar files.
//!
//! Only intervals come out of this module. Summaries, descriptions,
//! locations, attendees and every other text of an input event are read only
//! as far as needed to decide whether an event is client-facing, then
//! dropped; errors name the file and line, never event text.

use crate::model::Interval;

/// One busy span read from a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Busy {
    pub interval: Interval,
    pub client_facing: bool,
}

/// What a calendar file yielded over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarBusy {
    /// Sorted by start, then end. Not merged: overlapping events stay apart.
    pub busy: Vec<Busy>,
    /// Problems that did not stop the read (e.g. an expansion cut at its
    /// cap), phrased without event text: "line 120: ...".
    pub warnings: Vec<String>,
}
