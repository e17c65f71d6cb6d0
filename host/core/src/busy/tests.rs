use jiff::civil::{Time, Weekday, date};

use super::*;
use crate::calendar::Busy;
use crate::model::WorkingHours;
use crate::testkit::{PersonBuilder, zone};

fn person(blocks: Vec<ClientBlock>, buffer: u32) -> Person {
    PersonBuilder::new("ana")
        .name("Ana")
        .email("ana@example.test")
        .zone(zone("America/New_York"))
        .working_hours(WorkingHours::default())
        .client_blocks(blocks)
        .buffer_minutes(buffer)
        .build()
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn client_blocks_follow_local_time_across_dst_and_every_weeks() {
    // Tuesdays 09:00-12:00 New York, every 2 weeks from Tue 2026-02-24,
    // until 2026-03-31. DST starts 2026-03-08.
    let block = ClientBlock {
        days: vec![Weekday::Tuesday],
        start: Time::constant(9, 0, 0, 0),
        end: Time::constant(12, 0, 0, 0),
        from: Some(date(2026, 2, 24)),
        until: Some(date(2026, 3, 31)),
        every_weeks: 2,
    };
    let p = person(vec![block], 0);
    let h = Horizon::starting(date(2026, 3, 2), 6);
    let b = person_busy(&p, &[], &h);
    let got: Vec<_> = b
        .spans
        .iter()
        .map(|s| (s.interval().start, s.interval().end))
        .collect();
    assert_eq!(
        got,
        vec![
            (ts("2026-03-10T13:00:00Z"), ts("2026-03-10T16:00:00Z")), // EDT
            (ts("2026-03-24T13:00:00Z"), ts("2026-03-24T16:00:00Z")),
        ]
    );
    assert!(
        b.spans
            .iter()
            .all(|s| s.client_facing() && s.source() == BusySource::ClientBlock(0))
    );
    // Before the change (horizon one week earlier): EST.
    let b = person_busy(&p, &[], &Horizon::starting(date(2026, 2, 23), 1));
    assert_eq!(b.spans[0].interval().start, ts("2026-02-24T14:00:00Z"));
}

#[test]
fn blocked_extends_client_facing_spans_and_merges() {
    let p = person(vec![], 15);
    let cal = CalendarBusy {
        busy: vec![
            Busy {
                interval: Interval::new(ts("2026-03-03T14:00:00Z"), ts("2026-03-03T15:00:00Z")),
                client_facing: true,
            },
            Busy {
                // Starts inside the first one's buffer: merged.
                interval: Interval::new(ts("2026-03-03T15:10:00Z"), ts("2026-03-03T15:30:00Z")),
                client_facing: false,
            },
            Busy {
                // Not client-facing: no buffer; touching the next one.
                interval: Interval::new(ts("2026-03-03T17:00:00Z"), ts("2026-03-03T18:00:00Z")),
                client_facing: false,
            },
            Busy {
                interval: Interval::new(ts("2026-03-03T18:00:00Z"), ts("2026-03-03T18:30:00Z")),
                client_facing: true,
            },
        ],
        warnings: vec![],
    };
    let b = person_busy(&p, &[cal], &Horizon::starting(date(2026, 3, 2), 1));
    assert_eq!(b.spans.len(), 4);
    assert_eq!(
        b.blocked(),
        vec![
            Interval::new(ts("2026-03-03T14:00:00Z"), ts("2026-03-03T15:30:00Z")),
            Interval::new(ts("2026-03-03T17:00:00Z"), ts("2026-03-03T18:45:00Z")),
        ]
    );
}

fn source_of(kind: bool, index: usize) -> BusySource {
    if kind {
        BusySource::ClientBlock(index)
    } else {
        BusySource::Calendar(index)
    }
}

proptest::proptest! {
    /// A compact span gives back the interval, source and flag it was made
    /// of, and sorts as (start, end, source, client-facing) did when they
    /// were kept as they are.
    #[test]
    fn compact_spans_keep_what_they_were_given_and_its_order(
        a in (-5_000_000_000i64..5_000_000_000, 0u32..4_000_000_000, proptest::bool::ANY, 0usize..1_000_000, proptest::bool::ANY),
        b in (-5_000_000_000i64..5_000_000_000, 0u32..4_000_000_000, proptest::bool::ANY, 0usize..1_000_000, proptest::bool::ANY),
    ) {
        let make = |(start, length, kind, index, facing): (i64, u32, bool, usize, bool)| {
            let interval = Interval::new(
                Timestamp::from_second(start).unwrap(),
                Timestamp::from_second(start + i64::from(length)).unwrap(),
            );
            (interval, source_of(kind, index), facing)
        };
        let (a, b) = (make(a), make(b));
        let (sa, sb) = (BusySpan::new(a.0, a.1, a.2), BusySpan::new(b.0, b.1, b.2));
        proptest::prop_assert_eq!((sa.interval(), sa.source(), sa.client_facing()), a);
        proptest::prop_assert_eq!(sa.cmp(&sb), a.cmp(&b));
    }
}

#[test]
fn compact_spans_round_finer_instants_outward() {
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    let span = BusySpan::new(
        Interval::new(
            at("2026-03-03T14:00:00.250Z"),
            at("2026-03-03T15:00:00.500Z"),
        ),
        BusySource::Calendar(0),
        false,
    );
    assert_eq!(
        span.interval(),
        Interval::new(at("2026-03-03T14:00:00Z"), at("2026-03-03T15:00:01Z"))
    );
    let before_1970 = BusySpan::new(
        Interval::new(at("1969-12-31T23:59:59.5Z"), at("1970-01-01T00:00:00Z")),
        BusySource::ClientBlock(3),
        true,
    );
    assert_eq!(before_1970.interval().start, at("1969-12-31T23:59:59Z"));
    assert_eq!(before_1970.source(), BusySource::ClientBlock(3));
    assert!(before_1970.client_facing());
}

#[test]
fn a_span_is_sixteen_bytes() {
    assert_eq!(std::mem::size_of::<BusySpan>(), 16);
}
