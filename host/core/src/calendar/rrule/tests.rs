use super::*;

#[test]
fn parses_parts() {
    let r = Rule::parse("FREQ=MONTHLY;BYDAY=2TU,-1FR,MO;BYSETPOS=-1;COUNT=5;WKST=SU")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.freq, Freq::Monthly);
    assert_eq!(
        r.by_day,
        vec![
            (-1, Weekday::Friday),
            (0, Weekday::Monday),
            (2, Weekday::Tuesday)
        ]
    );
    assert_eq!(r.by_set_pos, vec![-1]);
    assert_eq!(r.count, Some(5));
    assert_eq!(r.wkst, Weekday::Sunday);
}

#[test]
fn each_error_keeps_its_message() {
    for (bad, message) in [
        (
            "FREQ=DAILY;BYHOUR=x",
            "a BY list holds something that is not a number",
        ),
        ("FREQ=DAILY;BYHOUR=24", "a BY list value is outside 0..23"),
        ("FREQ=DAILY;BYDAY", "an RRULE part has no '='"),
        ("FREQ=FORTNIGHTLY", "RRULE FREQ is not SECONDLY..YEARLY"),
        (
            "FREQ=DAILY;INTERVAL=0",
            "RRULE INTERVAL is not a positive number",
        ),
        (
            "FREQ=DAILY;UNTIL=soon",
            "RRULE UNTIL is not a DATE or DATE-TIME",
        ),
        ("FREQ=DAILY;WKST=XX", "RRULE WKST is not a weekday"),
        (
            "FREQ=DAILY;BYDAY=XX",
            "RRULE BYDAY holds an unknown weekday",
        ),
        ("FREQ=DAILY;BYDAY=0MO", "RRULE BYDAY has a bad ordinal"),
        ("BYDAY=MO", "RRULE has no FREQ"),
        ("FREQ=DAILY;COUNT=-1", "RRULE COUNT is not a number"),
    ] {
        let got = Rule::parse(bad).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), Some(message), "{bad}");
    }
    let r = Rule::parse("FREQ=DAILY;COUNT=-1;UNTIL=20260301").unwrap_or_else(|e| panic!("{e}"));
    assert!(r.count_ignored);
    let r = Rule::parse("FREQ=WEEKLY;BYDAY=TU;BYDAY=MO,TU").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.by_day, vec![(0, Weekday::Monday), (0, Weekday::Tuesday)]);
}

#[test]
fn rejects_bad_rules_without_quoting_them() {
    for bad in [
        "BYDAY=MO",
        "FREQ=FORTNIGHTLY",
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;BYMONTHDAY=0",
        "FREQ=DAILY;BYDAY=XX",
        "FREQ=DAILY;UNTIL=tomorrow",
    ] {
        let e = Rule::parse(bad)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.is_empty(), "{bad}");
        assert!(!e.contains(bad), "{e}");
    }
}
