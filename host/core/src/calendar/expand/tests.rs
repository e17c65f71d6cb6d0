use jiff::civil::DateTime;
use proptest::prelude::*;

use super::*;

/// Every start of `rule` from `start` up to `limit`, with the weekday
/// shortcut on or off.
fn starts(rule: &Rule, start: DateTime, limit: i64, shortcut: bool) -> Vec<i64> {
    let civil = start
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_second();
    let mut it = Expander::new(rule, civil, limit);
    it.weekdays_only &= shortcut;
    it.take(400).collect()
}

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

proptest! {
    /// The shortcut for rules limited by weekday only gives exactly the
    /// days the general checks give, for every frequency.
    #[test]
    fn the_weekday_shortcut_agrees_with_the_general_checks(
        freq in prop::sample::select(vec!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        interval in 1u32..4,
        days in prop::collection::btree_set(0usize..7, 0..4),
        wkst in 0usize..7,
        day in 0i64..3000,
        hour in 0i64..24,
    ) {
        let by_day: Vec<&str> = days.iter().map(|&d| DAYS[d]).collect();
        let mut text = format!("FREQ={freq};INTERVAL={interval};WKST={}", DAYS[wkst]);
        if !by_day.is_empty() {
            text.push_str(&format!(";BYDAY={}", by_day.join(",")));
        }
        let start = jiff::civil::date(2020, 1, 1)
            .checked_add(jiff::Span::new().days(day))
            .unwrap()
            .at(hour as i8, 30, 0, 0);
        let rule = Rule::parse(&text).unwrap().with_defaults(start);
        let limit = (18_262 + day + 800) * 86_400;
        let fast = starts(&rule, start, limit, true);
        let general = starts(&rule, start, limit, false);
        prop_assert!(!fast.is_empty());
        prop_assert_eq!(fast, general);
    }
}
