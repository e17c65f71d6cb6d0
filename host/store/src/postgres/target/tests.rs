use super::*;

fn source() -> PasswordSource {
    PasswordSource {
        env: Some("PEERWELL_TEST_UNSET_PASSWORD_VAR".to_string()),
        passfile: None,
        url_may_hold_password: false,
    }
}

#[test]
fn urls_parse_and_display_without_credentials() {
    let t = PgTarget::parse(
        "postgres://app@db.example.org:6543/state?sslmode=verify-full&connect_timeout=2",
        "`[state] url`",
        &source(),
    )
    .expect("parses");
    assert_eq!(t.display, "postgres://app@db.example.org:6543/state");
    assert_eq!(t.tls, TlsMode::VerifyFull);
    assert_eq!(t.connect_timeout, Duration::from_secs(2));
    let sock = PgTarget::parse("postgresql:///st?host=/run/pg", "x", &source()).expect("parses");
    assert_eq!(sock.host, Host::Socket(PathBuf::from("/run/pg")));
    assert_eq!(sock.port, 5432);
}

#[test]
fn a_password_in_a_policy_file_url_is_refused_and_never_shown() {
    let e = PgTarget::parse(
        "postgres://app:hunter2@db:5432/state",
        "`[state] url`",
        &source(),
    )
    .expect_err("refused");
    let text = format!("{e} {e:?}");
    assert!(text.contains("`[state] url`"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    let allowed = PasswordSource {
        url_may_hold_password: true,
        ..source()
    };
    let t = PgTarget::parse("postgres://app:hunter2@db/state", "env", &allowed).expect("ok");
    assert_eq!(t.password.as_deref(), Some("hunter2"));
    let shown = format!("{t} {t:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn other_schemes_and_bad_parameters_name_the_setting() {
    for url in [
        "mysql://app@db/state",
        "postgres://app@db:notaport/state",
        "postgres://app@db/state?sslmode=sometimes",
        "postgres://app@db/state?frobnicate=1",
    ] {
        let e = PgTarget::parse(url, "PEERWELL_STATE_URL", &source()).expect_err(url);
        assert!(e.to_string().contains("PEERWELL_STATE_URL"), "{e}");
    }
}

#[test]
fn passfile_lines_match_host_port_database_and_user() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("pgpass");
    std::fs::write(
        &file,
        "# comment\nother:5432:state:app:nope\ndb:*:state:app:s\\:cret\n",
    )
    .expect("write");
    let src = PasswordSource {
        passfile: Some(file),
        ..source()
    };
    let t = PgTarget::parse("postgres://app@db/state", "x", &src).expect("parses");
    assert_eq!(t.password.as_deref(), Some("s:cret"));
}

/// Percent-encodes every byte outside the unreserved set.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest::proptest! {
    /// Whatever the password, no message or Debug output shows it: a URL
    /// holding one is refused from a policy file, and a target made from
    /// an environment URL keeps it hidden.
    #[test]
    fn passwords_never_show(password in "[a-zA-Z0-9!#$%&*+,;=@:/?ä]{8,24}") {
        let url = format!("postgres://app:{}@db.example.org:5432/state", encode(&password));
        let e = PgTarget::parse(&url, "`[state] url`", &source()).expect_err("refused");
        let text = format!("{e} {e:?}");
        proptest::prop_assert!(!text.contains(&password), "{}", text);
        proptest::prop_assert!(!text.contains(&encode(&password)), "{}", text);
        let env = PasswordSource { url_may_hold_password: true, ..source() };
        let t = PgTarget::parse(&url, "`PEERWELL_STATE_URL`", &env).expect("parses");
        proptest::prop_assert_eq!(t.password.as_deref(), Some(password.as_str()));
        let shown = format!("{t} {t:?} {}", t.location().display());
        proptest::prop_assert!(!shown.contains(&password), "{}", shown);
        proptest::prop_assert!(!shown.contains(&encode(&password)), "{}", shown);
    }
}
