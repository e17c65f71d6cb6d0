use super::*;

#[test]
fn ahead_reads_naturally() {
    assert_eq!(ahead(1440), "tomorrow");
    assert_eq!(ahead(2880), "in 2 days");
    assert_eq!(ahead(60), "in 1 hour");
    assert_eq!(ahead(120), "in 2 hours");
    assert_eq!(ahead(45), "in 45 minutes");
}

#[test]
fn role_holders_read_as_people() {
    assert_eq!(holder("strategy"), "strategy sharer");
    assert_eq!(holder("presenter"), "presenter");
}
