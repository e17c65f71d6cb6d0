use super::*;

fn draft(ics: Option<&str>) -> Vec<u8> {
    render(&Draft {
        key: "walk/3/upcoming-60/amara",
        domain: "clinic.example",
        from_name: "Riverbend",
        from: "peerwell@clinic.example",
        to_name: "Amara Okafor",
        to: "amara@clinic.example",
        subject: "Reminder: <Walk> & talk",
        body: "Hi Amara,\n\nThe walk is <soon>.\nBring shoes.",
        date: "2026-03-02T08:00:00Z".parse().unwrap(),
        ics,
    })
    .unwrap()
}

#[test]
fn renders_the_same_bytes_every_time() {
    assert_eq!(draft(None), draft(None));
    let text = String::from_utf8(draft(Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"))).unwrap();
    assert!(text.contains("Message-ID: <"), "{text}");
    assert!(text.contains("@clinic.example>"), "{text}");
    assert!(text.contains("multipart/mixed"), "{text}");
    assert!(text.contains("multipart/alternative"), "{text}");
    assert!(
        text.contains("Date: Mon, 02 Mar 2026 08:00:00 +0000"),
        "{text}"
    );
}

#[test]
fn html_is_escaped() {
    let h = html("a <b>", "x & y\n<script>\n\nnext");
    assert!(h.contains("x &amp; y<br>\n&lt;script&gt;</p>"), "{h}");
    assert!(h.contains("<title>a &lt;b&gt;</title>"), "{h}");
    assert!(!h.contains("<script>"));
}
