use super::*;

fn bytes(n: usize, fill: u8) -> Bytes {
    Bytes::from(vec![fill; n])
}

#[test]
fn keeps_what_fits_and_drops_the_least_recently_used_first() {
    let cache = FeedCache::new(100);
    cache.put(1, false, bytes(40, b'a'));
    cache.put(2, false, bytes(40, b'b'));
    assert_eq!(cache.held(), 80);
    cache.put(3, false, bytes(40, b'c'));
    // 120 bytes > 100: the oldest (1) goes.
    assert_eq!(cache.held(), 80);
    assert_eq!(cache.get(1, false), None);
    // Using 2 makes 3 the oldest.
    assert_eq!(cache.get(2, false), Some(bytes(40, b'b')));
    cache.put(4, false, bytes(40, b'd'));
    assert_eq!(cache.get(3, false), None);
    assert_eq!(cache.get(2, false), Some(bytes(40, b'b')));
    assert_eq!(cache.get(4, false), Some(bytes(40, b'd')));
    // Plain and gzip bytes of one digest are two entries.
    assert_eq!(cache.get(4, true), None);
    cache.put(4, true, bytes(10, b'z'));
    assert_eq!(cache.get(4, true), Some(bytes(10, b'z')));
    assert_eq!(cache.held(), 90);
}

#[test]
fn replacing_an_entry_counts_its_bytes_once() {
    let cache = FeedCache::new(100);
    cache.put(1, false, bytes(40, b'a'));
    cache.put(1, false, bytes(30, b'b'));
    assert_eq!(cache.held(), 30);
    assert_eq!(cache.get(1, false), Some(bytes(30, b'b')));
}

#[test]
fn a_body_over_the_budget_is_never_kept() {
    let cache = FeedCache::new(100);
    cache.put(1, false, bytes(60, b'a'));
    cache.put(2, false, bytes(101, b'b'));
    assert_eq!(cache.get(2, false), None);
    assert_eq!(cache.get(1, false), Some(bytes(60, b'a')));
    let none = FeedCache::new(0);
    none.put(1, false, bytes(1, b'a'));
    assert_eq!((none.get(1, false), none.held()), (None, 0));
}

#[test]
fn compressed_bytes_decode_to_the_body() {
    use std::io::Read;
    let body = "BEGIN:VCALENDAR\r\n".repeat(50);
    let mut out = String::new();
    flate2::read::GzDecoder::new(&compress(body.as_bytes())[..])
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, body);
}
