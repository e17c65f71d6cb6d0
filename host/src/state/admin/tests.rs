use super::*;

#[test]
fn only_the_token_is_admitted_and_an_empty_token_is_off() {
    let admin = Admin::with_token("a-long-random-token-0123456789");
    assert!(admin.enabled());
    assert!(admin.admits("a-long-random-token-0123456789"));
    for wrong in [
        "",
        "a-long-random-token-012345678",
        "a-long-random-token-01234567890",
        "A-long-random-token-0123456789",
    ] {
        assert!(!admin.admits(wrong), "{wrong}");
    }
    let off = Admin::with_token("");
    assert!(!off.enabled());
    assert!(!off.admits(""));
    assert!(!Admin::default().admits(""));
}
