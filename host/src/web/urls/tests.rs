use super::*;

#[test]
fn links() {
    let base = PublicUrl::parse("https://cal.example.org/pw/").unwrap();
    assert_eq!(base.feed("abc"), "https://cal.example.org/pw/feeds/abc.ics");
    assert_eq!(
        base.webcal("abc"),
        "webcal://cal.example.org/pw/feeds/abc.ics"
    );
    assert_eq!(
        base.google("abc"),
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fcal.example.org%2Fpw%2Ffeeds%2Fabc.ics"
    );
    assert_eq!(
        base.outlook("abc", "Walk & talk"),
        "https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fcal.example.org%2Fpw%2Ffeeds%2Fabc.ics&name=Walk%20%26%20talk"
    );
    assert!(
        base.office365("abc", "x")
            .starts_with("https://outlook.office.com/")
    );
}

#[test]
fn bad_urls_are_explained() {
    for bad in ["cal.example.org", "ftp://x", "https://", "https://x/?a=b"] {
        let e = PublicUrl::parse(bad).unwrap_err().to_string();
        assert!(e.contains(bad) && e.contains("hint"), "{e}");
    }
    assert_eq!(
        PublicUrl::resolve(Some("http://a:1"), Some("http://b"), DEFAULT_PUBLIC_URL)
            .unwrap()
            .as_str(),
        "http://a:1"
    );
}
