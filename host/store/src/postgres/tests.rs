//! What only a shared database has: concurrent claimants, fencing by the
//! lease generation, a transaction holding the lease row, and bad input
//! (unreachable server, wrong password, another application's tables, a
//! newer schema). Each test gets a fresh database in the test binary's
//! private cluster.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::backend::{OutboxBackend, SessionRow, StateBackend, Writer};
use crate::contract::postgres::{Db, target_of};
use crate::contract::{at, insert, message, put, session, stored};
use crate::outbox::MailState;
use crate::postgres::{PasswordSource, PgTarget, Postgres};
use crate::{Status, StoreError};

/// Grants the lease to generation `g` for a minute, as a takeover does.
fn grant(db: &Db, g: i64) {
    db.db
        .superuser()
        .execute(
            "UPDATE peerwell_lease SET generation = $1, holder = 'test', \
             renewed_at = now(), expires_at = now() + interval '1 minute' WHERE id = 1",
            &[&g],
        )
        .expect("grant");
}

#[test]
fn concurrent_claimants_never_get_the_same_row() {
    let db = Db::new();
    let messages: Vec<_> = (0..120)
        .map(|i| message(&format!("walk/{i}/up"), "f", i))
        .collect();
    insert(&mut db.open(), &messages);
    let target = db.target.clone();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut outbox = Postgres::open(target).expect("opens");
                let mut mine = Vec::new();
                loop {
                    let batch = outbox.claim_due(at(1000), 7).expect("claim");
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|c| c.key));
                }
            })
        })
        .collect();
    let all: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker"))
        .collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 120, "every row claimed once");
    assert_eq!(distinct.len(), 120, "no row claimed twice");
}

#[test]
fn a_fenced_leader_writes_nothing() {
    let db = Db::new();
    let mut outbox = db.open();
    insert(&mut outbox, &[message("walk/0/a", "f", 10)]);
    grant(&db, 2);
    let mut state = db.open();
    let mut tx = StateBackend::begin(&mut state).expect("begin");
    let e = tx
        .fence(Writer::Leader { generation: 1 })
        .expect_err("fenced");
    assert!(
        matches!(
            e,
            StoreError::Fenced {
                held: 1,
                current: 2,
                ..
            }
        ),
        "{e:?}"
    );
    drop(tx);
    assert!(state.sessions().expect("sessions").is_empty());
    OutboxBackend::set_writer(&mut outbox, Writer::Leader { generation: 1 });
    assert!(matches!(
        outbox.claim_due(at(100), 5),
        Err(StoreError::Fenced { .. })
    ));
    assert!(matches!(
        outbox.mark_sent("walk/0/a", at(11)),
        Err(StoreError::Fenced { .. })
    ));
    let row = &outbox.list(None).expect("list")[0];
    assert_eq!((row.state, row.attempts), (MailState::Queued, 0));
    OutboxBackend::set_writer(&mut outbox, Writer::Leader { generation: 2 });
    assert_eq!(outbox.claim_due(at(100), 5).expect("claim").len(), 1);
    let mut tx = StateBackend::begin(&mut state).expect("begin");
    tx.fence(Writer::Leader { generation: 2 }).expect("current");
    tx.commit().expect("commit");
}

#[test]
fn recovery_requeues_only_rows_of_an_older_generation() {
    let db = Db::new();
    let mut old = db.open();
    insert(
        &mut old,
        &[message("walk/0/a", "f", 10), message("walk/0/b", "f", 20)],
    );
    grant(&db, 1);
    OutboxBackend::set_writer(&mut old, Writer::Leader { generation: 1 });
    assert_eq!(old.claim_due(at(10), 1).expect("claim").len(), 1);
    grant(&db, 2);
    let mut new = db.open();
    OutboxBackend::set_writer(&mut new, Writer::Leader { generation: 2 });
    assert_eq!(new.claim_due(at(20), 1).expect("claim").len(), 1);
    assert_eq!(new.recover(at(30)).expect("recover"), 1, "only gen 1's row");
    let states: Vec<_> = new
        .list(None)
        .expect("list")
        .into_iter()
        .map(|r| (r.key, r.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("walk/0/a".to_string(), MailState::Queued),
            ("walk/0/b".to_string(), MailState::Sending)
        ]
    );
}

#[test]
fn a_transaction_holding_the_lease_row_blocks_a_takeover_until_it_ends() {
    let db = Db::new();
    let mut state = db.open();
    grant(&db, 1);
    let mut tx = StateBackend::begin(&mut state).expect("begin");
    tx.fence(Writer::Leader { generation: 1 }).expect("current");
    let s = stored(session("walk", 0), 0, at(5));
    let cluster = peerwell_pgtest::shared();
    let name = db.db.name().to_string();
    let takeover = std::thread::spawn(move || {
        let mut c = cluster.superuser(&name).expect("connects");
        c.execute(
            "UPDATE peerwell_lease SET generation = generation + 1 WHERE id = 1",
            &[],
        )
        .expect("takeover");
    });
    let mut watcher = db.db.superuser();
    let waiting = || -> i64 {
        watcher
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE 'UPDATE peerwell_lease%'",
                &[],
            )
            .expect("activity")
            .get(0)
    };
    let mut waiting = waiting;
    while waiting() == 0 {
        assert!(
            !takeover.is_finished(),
            "the takeover must wait for the commit"
        );
        std::thread::yield_now();
    }
    assert!(!takeover.is_finished());
    tx.put_session(SessionRow {
        session: &s.session,
        hash: &s.hash,
        sequence: 0,
        status: Status::Active,
        changed_at: at(5),
    })
    .expect("put");
    tx.commit().expect("the commit in flight finishes");
    takeover.join().expect("takeover ends after the commit");
    assert_eq!(state.sessions().expect("sessions").len(), 1);
    let mut tx = StateBackend::begin(&mut state).expect("begin");
    assert!(matches!(
        tx.fence(Writer::Leader { generation: 1 }),
        Err(StoreError::Fenced { current: 2, .. })
    ));
}

fn source() -> PasswordSource {
    PasswordSource {
        url_may_hold_password: true,
        ..PasswordSource::default()
    }
}

#[test]
fn an_unreachable_server_is_a_quick_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("postgres://pw@127.0.0.1:{port}/state?sslmode=disable&connect_timeout=2");
    let target = PgTarget::parse(&url, "`PEERWELL_STATE_URL`", &source()).expect("parses");
    let Err(e) = Postgres::open(Arc::new(target)) else {
        panic!("nothing listens there")
    };
    let text = e.to_string();
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert!(text.contains("`PEERWELL_STATE_URL`"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}/state")), "{text}");
}

#[test]
fn a_wrong_password_is_refused_without_showing_it() {
    let db = Db::new();
    let url = db.db.url().replace(
        &format!("{}@", peerwell_pgtest::ROLE),
        &format!("{}:not-the-pw-42@", peerwell_pgtest::ROLE),
    );
    let target = PgTarget::parse(&url, "`PEERWELL_STATE_URL`", &source()).expect("parses");
    let Err(e) = Postgres::open(Arc::new(target)) else {
        panic!("a wrong password must not log in")
    };
    let text = format!("{e} {e:?}");
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(text.contains("PEERWELL_STATE_PASSWORD"), "{text}");
    assert!(!text.contains("not-the-pw-42"), "{text}");
    assert!(!text.contains(peerwell_pgtest::PASSWORD), "{text}");
}

#[test]
fn another_applications_database_is_refused_and_left_unchanged() {
    let db = Db::new();
    let mut su = db.db.superuser();
    su.batch_execute("CREATE TABLE invoices (id int); GRANT ALL ON invoices TO PUBLIC;")
        .expect("their table");
    let Err(e) = Postgres::open(db.target.clone()) else {
        panic!("another application's database must be refused")
    };
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("invoices"), "{e}");
    let tables: i64 = su
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(tables, 1, "nothing was created");
}

#[test]
fn a_newer_schema_is_refused_and_left_unchanged() {
    let db = Db::new();
    drop(db.open());
    let mut su = db.db.superuser();
    su.execute("INSERT INTO peerwell_schema (version) VALUES (999)", &[])
        .expect("newer");
    for result in [
        Postgres::open(db.target.clone()).err(),
        Postgres::open_read_only(db.target.clone()).err(),
    ] {
        let e = result.expect("refused");
        assert!(matches!(e, StoreError::TooNew { found: 999, .. }), "{e:?}");
    }
    let versions: i64 = su
        .query_one("SELECT count(*) FROM peerwell_schema", &[])
        .expect("count")
        .get(0);
    assert_eq!(
        versions,
        crate::postgres::schema::MIGRATIONS.len() as i64 + 1
    );
}

#[test]
fn opening_at_once_migrates_once_and_read_only_writes_nothing() {
    let db = Db::new();
    let ro = Postgres::open_read_only(db.target.clone()).expect("reads an empty database");
    assert!(ro.sessions().expect("sessions").is_empty());
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let t = db.target.clone();
            std::thread::spawn(move || Postgres::open(t).map(drop))
        })
        .collect();
    for o in openers {
        o.join().expect("thread").expect("opens");
    }
    let mut state = db.open();
    put(&mut state, &[stored(session("walk", 0), 0, at(5))]);
    let mut ro = Postgres::open_read_only(target_of(&db.db)).expect("opens");
    assert_eq!(ro.sessions().expect("sessions").len(), 1);
    assert!(ro.add_tokens(&[], at(0)).is_ok());
    let e = ro
        .revoke_token("x", at(0))
        .expect_err("a read-only handle writes nothing");
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
}

#[test]
fn bad_rows_are_corrupt_not_panics() {
    let db = Db::new();
    let mut state = db.open();
    put(&mut state, &[stored(session("walk", 0), 0, at(5))]);
    db.db
        .superuser()
        .execute("UPDATE peerwell_sessions SET plan = '{' WHERE idx = 0", &[])
        .expect("damage");
    let e = state.sessions().expect_err("an error");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert!(e.to_string().contains("walk #0"), "{e}");
}

/// Makes a certificate authority and a server certificate it signed for
/// 127.0.0.1 and localhost in `dir`, with the `openssl` command.
fn make_certificates(dir: &std::path::Path, name: &str) {
    let run = |args: &[&str]| {
        let ok = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca = format!("/CN={name}");
    let (key, crt) = (format!("{name}.key"), format!("{name}.crt"));
    let mut args = vec!["req", "-x509", "-days", "2", "-subj", &ca];
    args.extend(ec);
    args.extend(["-keyout", &key, "-out", &crt]);
    run(&args);
    let ext = dir.join("ext.cnf");
    std::fs::write(
        &ext,
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    let mut args = vec!["req", "-subj", "/CN=localhost", "-keyout", "server.key"];
    args.extend(ec);
    args.extend(["-out", "server.csr"]);
    run(&args);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        &format!("{name}.crt"),
        "-CAkey",
        &format!("{name}.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.crt",
    ]);
}

#[test]
fn tls_verify_full_trusts_only_the_given_authority() {
    let mut cluster = peerwell_pgtest::Cluster::start().expect("a private cluster");
    let certs = tempfile::tempdir().expect("dir");
    make_certificates(certs.path(), "peerwell-test-ca");
    let other = tempfile::tempdir().expect("dir");
    make_certificates(other.path(), "someone-else-ca");
    let data = cluster.data_dir();
    for f in ["server.crt", "server.key"] {
        std::fs::copy(certs.path().join(f), data.join(f)).expect("copy");
    }
    cluster.chown(&data).expect("chown");
    std::fs::set_permissions(
        data.join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod");
    cluster
        .configure("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
        .expect("configure");
    cluster.stop().expect("stops");
    cluster.restart().expect("starts with TLS");
    let db = cluster.database();
    let url = |mode: &str, root: &std::path::Path| {
        let base = db.url().replace("?sslmode=disable", "").replace(
            &format!("{}@", peerwell_pgtest::ROLE),
            &format!("{}:{}@", peerwell_pgtest::ROLE, peerwell_pgtest::PASSWORD),
        );
        let root = root.join("peerwell-test-ca.crt");
        let root = if root.exists() {
            root
        } else {
            root.with_file_name("someone-else-ca.crt")
        };
        let url = format!("{base}?sslmode={mode}&sslrootcert={}", root.display());
        Arc::new(PgTarget::parse(&url, "`[state] url`", &source()).expect("parses"))
    };
    let pg = Postgres::open(url("verify-full", certs.path())).expect("verified TLS");
    let encrypted: i64 = db
        .superuser()
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.usename = $1 AND s.ssl",
            &[&peerwell_pgtest::ROLE],
        )
        .expect("ssl")
        .get(0);
    drop(pg);
    assert_eq!(encrypted, 1, "the session is encrypted");
    let Err(e) = Postgres::open(url("verify-full", other.path())) else {
        panic!("a server certificate from an untrusted authority must be refused")
    };
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    Postgres::open(url("require", other.path())).expect("require encrypts without verifying");
}

#[test]
fn a_handle_dropped_on_an_async_runtime_thread_does_not_panic() {
    let db = Db::new();
    let state = db.open();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async move { drop(state) });
    assert!(db.open().sessions().expect("sessions").is_empty());
}

#[test]
fn a_handle_survives_a_database_restart() {
    let mut cluster = peerwell_pgtest::Cluster::start().expect("a private cluster");
    let db = cluster.database();
    let target = target_of(&db);
    let name = db.name().to_string();
    std::mem::forget(db);
    let mut state = Postgres::open(target).expect("opens");
    put(&mut state, &[stored(session("walk", 0), 0, at(5))]);
    cluster.stop().expect("stops");
    let e = state.sessions().expect_err("the server is down");
    assert!(e.is_transient(), "{e:?}");
    assert!(matches!(e, StoreError::Unavailable { .. }), "{e:?}");
    assert!(state.tokens().is_err(), "still down");
    cluster.restart().expect("starts again");
    assert_eq!(state.sessions().expect("reconnects").len(), 1);
    put(&mut state, &[stored(session("walk", 1), 0, at(6))]);
    let mut outbox = Postgres::open(target_of_name(&cluster, &name)).expect("opens");
    insert(&mut outbox, &[message("walk/0/a", "f", 1)]);
    cluster.stop().expect("stops");
    assert!(outbox.claim_due(at(5), 5).is_err());
    cluster.restart().expect("starts again");
    assert_eq!(outbox.claim_due(at(5), 5).expect("claims").len(), 1);
    assert_eq!(state.sessions().expect("sessions").len(), 2);
}

fn target_of_name(cluster: &peerwell_pgtest::Cluster, name: &str) -> Arc<PgTarget> {
    let url = cluster.url(name).replace(
        &format!("{}@", peerwell_pgtest::ROLE),
        &format!("{}:{}@", peerwell_pgtest::ROLE, peerwell_pgtest::PASSWORD),
    );
    Arc::new(PgTarget::parse(&url, "`[state] url`", &source()).expect("parses"))
}
