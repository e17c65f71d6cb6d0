use super::*;
use crate::state::http_date;

fn hv(s: &'static str) -> HeaderValue {
    HeaderValue::from_static(s)
}

#[test]
fn if_none_match_lists_weak_and_star() {
    let tag = "\"abc\"";
    for yes in [
        "\"abc\"",
        "W/\"abc\"",
        "\"x\", W/\"abc\"",
        "*",
        " \"x\",\"abc\" ",
    ] {
        assert!(none_match([hv(yes)].iter(), tag), "{yes}");
    }
    for no in ["\"abcd\"", "abc", "\"ab", "W/\"x\"", ""] {
        assert!(!none_match([hv(no)].iter(), tag), "{no}");
    }
    assert!(none_match([hv("\"x\""), hv("\"abc\"")].iter(), tag));
}

#[test]
fn accept_encoding_q_values() {
    for yes in [
        "gzip",
        "deflate, gzip;q=0.5",
        "*",
        "br;q=1, *;q=0.1",
        "GZIP; q=1.0",
    ] {
        assert!(accepts_gzip([hv(yes)].iter()), "{yes}");
    }
    for no in [
        "",
        "identity",
        "gzip;q=0",
        "gzip; q=0.000",
        "*;q=0",
        "gzip;q=0, *",
    ] {
        assert!(!accepts_gzip([hv(no)].iter()), "{no}");
    }
    assert!(!accepts_gzip(std::iter::empty()));
}

#[test]
fn http_dates_round_trip() {
    let t: Timestamp = "1994-11-06T08:49:37Z".parse().unwrap();
    assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
    assert_eq!(parse_http_date("yesterday"), None);
}
