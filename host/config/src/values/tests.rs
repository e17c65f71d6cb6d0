use super::*;

#[test]
fn spans() {
    let t = |h, m| Time::constant(h, m, 0, 0);
    assert_eq!(parse_span("08:30-17:00"), Ok((t(8, 30), t(17, 0))));
    assert_eq!(parse_span("00:00-24:00"), Ok((t(0, 0), END_OF_DAY)));
    assert!(parse_span("9-5").is_err());
    assert!(parse_span("17:00-09:00").is_err());
    assert!(parse_span("24:00-24:00").is_err());
    assert!(parse_span("08:60-09:00").is_err());
    assert_eq!(span_minutes((t(7, 30), t(10, 0))), 150);
    assert_eq!(span_minutes((t(0, 0), END_OF_DAY)), 1440);
}

#[test]
fn cadences() {
    assert_eq!(cadence("weekly"), Ok(Cadence::Weekly));
    assert_eq!(cadence("fortnightly"), Ok(Cadence::EveryWeeks(2)));
    assert_eq!(cadence("every 3 weeks"), Ok(Cadence::EveryWeeks(3)));
    assert_eq!(cadence("monthly last"), Ok(Cadence::MonthlyNth(-1)));
    assert_eq!(cadence("monthly 2nd"), Ok(Cadence::MonthlyNth(2)));
    assert!(cadence("every 13 weeks").is_err());
    assert!(cadence("every 1 weeks").is_err());
    assert!(cadence("monthly 5th").is_err());
    assert!(cadence("daily").is_err());
}

#[test]
fn ids_emails_links() {
    assert!(is_id("amara") && is_id("a-1_b") && is_id("7th"));
    assert!(!is_id("") && !is_id("Amara") && !is_id("-x") && !is_id("a b"));
    assert!(is_email("amara.okafor@riverbend.example"));
    assert!(!is_email("amara") && !is_email("a@b") && !is_email("a b@c.d") && !is_email("@c.d"));
    assert!(!is_email("a@b@c.d") && !is_email("a@b..d"));
    assert!(is_http_url("https://meet.example/abc") && is_http_url("http://x.org"));
    assert!(!is_http_url("ftp://x.org") && !is_http_url("https://") && !is_http_url("https://a b"));
}
