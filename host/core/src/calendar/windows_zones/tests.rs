use super::*;

#[test]
fn table_is_sorted_and_every_target_is_known_to_jiff() {
    assert_eq!(WINDOWS_TO_IANA.len(), 139);
    assert!(WINDOWS_TO_IANA.windows(2).all(|w| w[0].0 < w[1].0));
    for (win, iana) in WINDOWS_TO_IANA {
        assert!(jiff::tz::TimeZone::get(iana).is_ok(), "{win} -> {iana}");
    }
}

#[test]
fn common_outlook_names() {
    assert_eq!(
        iana_for_windows("Eastern Standard Time"),
        Some("America/New_York")
    );
    assert_eq!(
        iana_for_windows("W. Europe Standard Time"),
        Some("Europe/Berlin")
    );
    assert_eq!(iana_for_windows("GMT Standard Time"), Some("Europe/London"));
    assert_eq!(
        iana_for_windows("AUS Eastern Standard Time"),
        Some("Australia/Sydney")
    );
    assert_eq!(
        iana_for_windows("pacific standard time"),
        Some("America/Los_Angeles")
    );
    assert_eq!(iana_for_windows("Mars Standard Time"), None);
}
