use super::*;

#[test]
fn dates_round_trip() {
    for z in [-800_000i64, -1, 0, 1, 20_000, 20_512, 2_000_000] {
        let (y, m, d) = civil_from_days(z);
        assert_eq!(days_from_civil(y, m, d), z);
    }
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
}

#[test]
fn values() {
    assert!(matches!(parse_raw("20260308"), Some(Raw::Date(_))));
    assert!(matches!(parse_raw("20260308T020000"), Some(Raw::Local(_))));
    assert!(matches!(parse_raw("20260308T020000Z"), Some(Raw::Utc(_))));
    assert_eq!(parse_raw("20260230"), None);
    assert_eq!(parse_raw("2026-03-08"), None);
    assert_eq!(
        parse_duration("-P1W2DT3H"),
        Some(Dur {
            days: -9,
            secs: -10_800
        })
    );
    assert_eq!(parse_duration("PT45M").map(|d| d.secs), Some(2700));
    assert_eq!(parse_duration("P"), None);
    assert_eq!(parse_duration("PT5"), None);
    assert_eq!(parse_offset("-0500"), Some(-18_000));
    assert_eq!(parse_offset("+053000"), Some(19_800));
    assert_eq!(parse_offset("0500"), None);
}
