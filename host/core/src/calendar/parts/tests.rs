use super::*;

#[test]
fn cuts_fall_on_event_lines() {
    let data = b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nX:1\nEND:VEVENT\nBEGIN:VEVENT\nEND:VEVENT\n";
    let c = cuts(data, 2);
    assert_eq!(c.len(), 3);
    assert!(data[c[1]..].starts_with(b"BEGIN:VEVENT"));
    assert_eq!(c[2], data.len());
    assert_eq!(cuts(data, 1), vec![0, data.len()]);
    assert_eq!(cuts(b"", 4), vec![0, 0]);
}
