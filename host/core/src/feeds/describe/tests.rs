use super::*;

#[test]
fn emails_are_withheld() {
    assert_eq!(
        withhold_emails("Call EAP (eap.line+24h@care.example.org), or Sam."),
        format!("Call EAP ({EMAIL_WITHHELD}), or Sam.")
    );
    assert_eq!(
        withhold_emails("a@b.co and c.d@e.f.gh."),
        format!("{EMAIL_WITHHELD} and {EMAIL_WITHHELD}.")
    );
    assert_eq!(
        withhold_emails("mailto:ana@clinic.example"),
        format!("mailto:{EMAIL_WITHHELD}")
    );
    // Not emails: no local part, no dotted domain.
    assert_eq!(withhold_emails("meet @ room 4"), "meet @ room 4");
    assert_eq!(withhold_emails("x@localhost"), "x@localhost");
    assert!(has_email("ümlaut.ñame@dömain.example"));
    assert!(!has_email("walk-0001@riverbend"));
}
