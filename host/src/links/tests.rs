//! Absence link tokens: round trip, and every kind of tampering refused.

use proptest::prelude::*;

use super::*;

fn key(byte: u8) -> LinkKey {
    LinkKey::new(vec![byte; 32])
}

fn target(group: &str, index: u32, member: &str) -> LinkTarget {
    LinkTarget {
        group: group.to_string(),
        index,
        member: member.to_string(),
    }
}

#[test]
fn a_signed_token_verifies_and_names_its_target() {
    let t = target("morning-walk", 2931, "amara");
    let token = key(1).sign(&t);
    assert!(token.starts_with("morning-walk.2931.amara."), "{token}");
    assert_eq!(token.len(), "morning-walk.2931.amara.".len() + 32);
    assert_eq!(key(1).verify(&token), Ok(t));
}

#[test]
fn another_secret_member_session_or_group_is_refused() {
    let token = key(1).sign(&target("walk", 7, "amara"));
    assert_eq!(key(2).verify(&token), Err(LinkError::BadSignature));
    let mac = token.rsplit('.').next().unwrap();
    for forged in [
        format!("walk.7.ben.{mac}"),
        format!("walk.8.amara.{mac}"),
        format!("talk.7.amara.{mac}"),
    ] {
        assert_eq!(
            key(1).verify(&forged),
            Err(LinkError::BadSignature),
            "{forged}"
        );
    }
}

#[test]
fn malformed_tokens_are_refused_before_any_mac() {
    let good = key(1).sign(&target("walk", 7, "amara"));
    let mac = good.rsplit('.').next().unwrap().to_string();
    for bad in [
        String::new(),
        "walk.7.amara".to_string(),
        format!("walk.7.amara.{mac}.x"),
        format!("walk.07.amara.{mac}"),
        format!("walk.-7.amara.{mac}"),
        format!("walk.4294967296.amara.{mac}"),
        format!("Walk.7.amara.{mac}"),
        format!("walk.7.am ara.{mac}"),
        format!("walk.7.amara.{}", mac.to_uppercase()),
        format!("walk.7.amara.{}", &mac[1..]),
        format!("walk.7.<b>x</b>.{mac}"),
        format!("{}.7.amara.{mac}", "w".repeat(65)),
        format!("walk.7.amara.{mac}{}", "0".repeat(300)),
    ] {
        assert_eq!(parse(&bad), Err(LinkError::Malformed), "{bad}");
    }
}

#[test]
fn the_url_is_under_the_public_base() {
    let links = AbsenceLinks::new("https://peerwell.example.org/pw/", key(3));
    let url = links.url("ben", "walk", 12);
    let token = url
        .strip_prefix("https://peerwell.example.org/pw/absence/")
        .unwrap();
    assert_eq!(key(3).verify(token), Ok(target("walk", 12, "ben")));
}

#[test]
fn the_key_never_shows_its_secret() {
    assert_eq!(format!("{:?}", key(0xab)), "LinkKey(..)");
}

proptest! {
    #[test]
    fn flipping_any_character_of_a_token_is_refused(
        index in any::<u32>(),
        at in any::<prop::sample::Index>(),
        with in proptest::char::range('-', 'z'),
    ) {
        let token = key(9).sign(&target("g-1", index, "m_2"));
        let i = at.index(token.len());
        let mut edited: Vec<char> = token.chars().collect();
        prop_assume!(edited[i] != with);
        edited[i] = with;
        let edited: String = edited.into_iter().collect();
        prop_assert!(key(9).verify(&edited).is_err(), "{}", edited);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in ".{0,300}") {
        let _ = parse(&s);
    }
}
