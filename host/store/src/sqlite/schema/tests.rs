use super::*;

#[test]
fn uri_paths_escape_query_characters() {
    assert_eq!(uri_path(Path::new("/a b/c?d#e%f")), "/a%20b/c%3Fd%23e%25f");
}

#[test]
fn migrations_reach_the_current_version() {
    assert_eq!(MIGRATIONS.len() as i64, VERSION);
    assert_eq!(TABLES.len() as i64, VERSION);
    assert_eq!(APPLICATION_ID, 1347904876);
}
