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

/// What `check` decides about working hours and busy time, worked out on
/// the full intervals (no whole-second lists).
fn naive(m: &Member<'_>, horizon: Horizon, slot: Interval) -> Option<Absence> {
    let working = working_intervals(m.person, horizon);
    if !working.iter().any(|w| w.contains(&slot)) {
        return Some(Absence::OutsideHours);
    }
    let busy = m
        .busy
        .ok()
        .flatten()
        .map(blocked_intervals)
        .unwrap_or_default();
    busy.iter()
        .any(|b| b.overlaps(&slot))
        .then_some(Absence::Busy)
}

proptest::proptest! {
    /// Checking against whole-second lists with the slot rounded outward
    /// decides as the full intervals do, for slots of any precision.
    #[test]
    fn whole_second_lists_decide_as_the_intervals_do(
        spans in proptest::collection::vec((0i64..7 * 86_400, 1i64..4 * 3600, proptest::bool::ANY), 0..12),
        buffer in 0u32..30,
        start in 0i64..7 * 86_400,
        near in 0usize..13,
        delta in -2i64..=1,
        nanos in 0i32..1_000_000_000,
        minutes in 1i64..180,
    ) {
        // Most slots start or end a second or two from a span's end or
        // start (plus the buffer), where rounding would show.
        let start = match spans.get(near / 2) {
            Some(&(s, len, client)) if near % 2 == 0 => {
                s + len + if client { i64::from(buffer) * 60 } else { 0 } + delta
            }
            Some(&(s, _, _)) => s - minutes * 60 + delta,
            None => start,
        };
        let base = ts("2025-03-03T00:00:00Z").as_second();
        let at = |s: i64| Timestamp::from_second(base + s).unwrap();
        let busy = PersonBusy {
            spans: {
                let mut v: Vec<BusySpan> = spans
                    .iter()
                    .map(|&(s, len, client)| {
                        BusySpan::new(Interval::new(at(s), at(s + len)), BusySource::Calendar(0), client)
                    })
                    .collect();
                v.sort();
                v
            },
            buffer_minutes: buffer,
        };
        let person = crate::testkit::PersonBuilder::new("ann")
            .zone(crate::testkit::zone("America/Chicago"))
            .build();
        let availability: crate::schedule::Availability =
            [("ann".to_string(), Ok(busy))].into_iter().collect();
        let horizon = Horizon::starting(date(2025, 3, 3), 1);
        let m = Member::new(&person, &availability, horizon);
        let from = Timestamp::new(base + start, nanos).unwrap();
        let slot = Interval::new(from, from + jiff::SignedDuration::from_mins(minutes));
        let got = match m.check(slot, &Bookings::default()) {
            Err(a @ (Absence::OutsideHours | Absence::Busy)) => Some(a),
            _ => None,
        };
        proptest::prop_assert_eq!(got, naive(&m, horizon, slot));
    }
}
