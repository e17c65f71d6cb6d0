use super::*;

#[test]
fn slugs() {
    assert_eq!(
        slug("Riverbend Community Mental Health"),
        "riverbend-community-mental-health"
    );
    assert_eq!(
        slug("  St. Mary's — Clínica (Nord) "),
        "st-mary-s-cl-nica-nord"
    );
    assert_eq!(slug("—"), "organization");
}
