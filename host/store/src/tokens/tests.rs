use super::*;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn tokens_are_160_bit_base32() {
    assert_eq!(base32(&[0xff; 5]), "77777777");
    assert_eq!(base32(b"f"), "my");
    let a = new_token().unwrap();
    let b = new_token().unwrap();
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_lowercase() || (b'2'..=b'7').contains(&c))
    );
}

fn ensure_revoke_and_rotate(open: &dyn Fn() -> Store) {
    let mut store = open();
    let g = FeedKey::Group("walk".into());
    let m = FeedKey::Member("ana".into());
    let now = t("2026-03-02T08:00:00Z");
    let first = store.ensure_tokens([&g, &m], now).unwrap();
    assert_eq!(first.len(), 2);
    // Idempotent: the same tokens again.
    assert_eq!(store.ensure_tokens([&g, &m], now).unwrap(), first);
    // A second connection that gave the feed a token meanwhile wins.
    let mut other = open();
    let h = FeedKey::Group("balint".into());
    let theirs = other.ensure_tokens([&h], now).unwrap();
    let ours = store.ensure_tokens([&g, &h], now).unwrap();
    assert_eq!(ours[&h], theirs[&h]);
    let (old, new) = store.rotate_token(&g, now).unwrap();
    assert_eq!(old.as_deref(), Some(first[&g].as_str()));
    assert_ne!(new, first[&g]);
    assert_eq!(store.revoke_token(&new, now).unwrap(), Some(g.clone()));
    assert_eq!(store.revoke_token(&new, now).unwrap(), None);
    assert_eq!(store.revoke_token("nonsense", now).unwrap(), None);
    assert!(!store.active_tokens().unwrap().contains_key(&g));
    assert_eq!(
        store.revoke_feed(&m, now).unwrap().as_deref(),
        Some(first[&m].as_str())
    );
    let again = store.ensure_tokens([&g, &m], now).unwrap();
    assert_ne!(again[&m], first[&m]);
    assert_eq!(store.tokens().unwrap().len(), 6);
}

#[test]
fn ensure_revoke_and_rotate_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    ensure_revoke_and_rotate(&|| Store::open(&dir.path().join("s.sqlite3")).unwrap());
}

#[test]
fn ensure_revoke_and_rotate_on_postgres() {
    let db = crate::contract::postgres::Db::new();
    ensure_revoke_and_rotate(&|| Store::with_backend(Box::new(db.open())));
}
