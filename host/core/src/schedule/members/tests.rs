use super::*;
use crate::busy::{BusySource, BusySpan};
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn span(a: &str, b: &str, client: bool) -> BusySpan {
    BusySpan::new(Interval::new(ts(a), ts(b)), BusySource::Calendar(0), client)
}

#[test]
fn buffers_extend_client_time_only_and_spans_merge() {
    let busy = PersonBusy {
        spans: vec![
            span("2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z", true),
            span("2025-03-03T10:10:00Z", "2025-03-03T10:30:00Z", false),
            span("2025-03-03T12:00:00Z", "2025-03-03T13:00:00Z", false),
        ],
        buffer_minutes: 15,
    };
    let got = blocked_intervals(&busy);
    assert_eq!(
        got,
        [
            Interval::new(ts("2025-03-03T09:00:00Z"), ts("2025-03-03T10:30:00Z")),
            Interval::new(ts("2025-03-03T12:00:00Z"), ts("2025-03-03T13:00:00Z")),
        ]
    );
}

#[test]
fn bookings_find_overlaps_but_not_touching_sessions() {
    let mut b = Bookings::default();
    let slot = Interval::new(ts("2025-03-03T09:00:00Z"), ts("2025-03-03T10:00:00Z"));
    b.book("ann", slot, 3, date(2025, 3, 3));
    let later = Interval::new(ts("2025-03-03T10:00:00Z"), ts("2025-03-03T11:00:00Z"));
    let inside = Interval::new(ts("2025-03-03T09:30:00Z"), ts("2025-03-03T09:45:00Z"));
    assert_eq!(b.conflict("ann", later), None);
    assert_eq!(b.conflict("ann", inside), Some(3));
    assert_eq!(b.conflict("ben", inside), None);
}
