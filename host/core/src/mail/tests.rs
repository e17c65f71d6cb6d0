use super::*;

#[test]
fn offsets_parse() {
    assert_eq!(parse_offset("24h"), Ok(1440));
    assert_eq!(parse_offset("1h30m"), Ok(90));
    assert_eq!(parse_offset("3d"), Ok(4320));
    assert_eq!(parse_offset("0m"), Ok(0));
    assert!(parse_offset("24").is_err());
    assert!(parse_offset("h").is_err());
    assert!(parse_offset("2 weeks").is_err());
}

#[test]
fn quiet_hours_parse() {
    let q = parse_quiet_hours("21:00-07:00").unwrap();
    assert_eq!((q.start.hour(), q.end.hour()), (21, 7));
    assert!(parse_quiet_hours("21:00").is_err());
    assert!(parse_quiet_hours("07:00-07:00").is_err());
    assert!(parse_quiet_hours("7:00-9:00").is_err());
}
