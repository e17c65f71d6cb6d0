use super::*;

fn write(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("peerwell.toml"), text).unwrap();
    dir
}

#[test]
fn defaults_values_and_errors() {
    let d = write("version = 1\n");
    assert_eq!(load(d.path()).unwrap(), ServerSettings::default());
    let d = write(
        "[server]\nlisten = \"0.0.0.0:9000\"\npublic_url = \"https://pw.example.org/\"\nreplan_minutes = 5\nlog_format = \"json\"\n",
    );
    let s = load(d.path()).unwrap();
    assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(s.public_url(), "https://pw.example.org");
    assert_eq!((s.replan_minutes, s.log_format), (5, LogFormat::Json));
    let d = write("[server]\nreplan_minuts = 5\nlog_format = \"xml\"\n");
    let e = load(d.path()).unwrap_err().to_string();
    assert!(e.contains("peerwell.toml:2:1"), "{e}");
    assert!(e.contains("did you mean `replan_minutes`"), "{e}");
    assert!(e.contains("peerwell.toml:3:14"), "{e}");
}

#[test]
fn environment_overrides_and_names_bad_variables() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let s = ServerSettings::default()
        .with_env(env(&[
            ("PEERWELL_LISTEN", "127.0.0.1:0"),
            ("PEERWELL_REPLAN_MINUTES", "3"),
        ]))
        .unwrap();
    assert_eq!((s.listen.port(), s.replan_minutes), (0, 3));
    assert_eq!(s.public_url(), "http://127.0.0.1:0");
    let e = ServerSettings::default()
        .with_env(env(&[("PEERWELL_FETCH_MINUTES", "often")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("PEERWELL_FETCH_MINUTES: expected a whole number"),
        "{e}"
    );
    let e = ServerSettings::default()
        .with_env(env(&[("PEERWELL_LOG_FORMAT", "xml")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("PEERWELL_LOG_FORMAT"), "{e}");
}

#[test]
fn admin_token_env_names_a_variable_and_nothing_else() {
    let d = write("[server]\nadmin_token_env = \"PEERWELL_ADMIN_TOKEN\"\n");
    let s = load(d.path()).unwrap();
    assert_eq!(s.admin_token_env.as_deref(), Some("PEERWELL_ADMIN_TOKEN"));
    assert_eq!(ServerSettings::default().admin_token_env, None);
    // A token pasted in by mistake is refused; the message does not
    // repeat it.
    let d = write("[server]\nadmin_token_env = \"s3cret token!\"\n");
    let e = load(d.path()).unwrap_err().to_string();
    assert!(e.contains("peerwell.toml:2:19"), "{e}");
    assert!(
        e.contains("expected the name of an environment variable"),
        "{e}"
    );
    assert!(e.contains("never in this file"), "{e}");
    for bad in ["1ABC", "", "A-B"] {
        assert!(!env_name(bad), "{bad}");
    }
    assert!(env_name("_A1"));
}

#[test]
fn feed_cache_size_from_the_file_and_the_environment() {
    assert_eq!(ServerSettings::default().feed_cache_mib, 64);
    let d = write("[server]\nfeed_cache_mib = 0\n");
    assert_eq!(load(d.path()).unwrap().feed_cache_mib, 0);
    let d = write("[server]\nfeed_cache_mib = -1\n");
    let e = load(d.path()).unwrap_err().to_string();
    assert!(e.contains("peerwell.toml:2:18"), "{e}");
    let var =
        |v: &'static str| move |k: &str| (k == "PEERWELL_FEED_CACHE_MIB").then(|| v.to_string());
    let s = ServerSettings::default().with_env(var("512")).unwrap();
    assert_eq!(s.feed_cache_mib, 512);
    let e = ServerSettings::default()
        .with_env(var("lots"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("PEERWELL_FEED_CACHE_MIB: expected a whole number"),
        "{e}"
    );
}
