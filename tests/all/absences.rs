//! `peerwell absences` and `peerwell absence add|remove` through the real
//! binary on copies of `examples/clinic`, on SQLite and on PostgreSQL: an
//! absence HR records takes the member out of that session in `plan`
//! (table and JSON) and `diff`, a role they held passes to the next in the
//! rotation (the built-in check-in format and the structured peer
//! supervision plugin) while they keep their turn, and removing it restores
//! the plan; unknown members, groups, dates and started sessions are clear
//! errors with hints.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use peerwell_tests::cli::{Run, binary, copy_example};

/// Sunday 1 March 2026, noon in Chicago: the first week is ahead.
const NOW: &str = "2026-03-01T12:00:00-06:00";

/// A copy of the clinic with its own data directory and state variables.
struct Clinic {
    _tmp: tempfile::TempDir,
    policy: PathBuf,
    data: PathBuf,
    env: Vec<(String, String)>,
}

impl Clinic {
    fn new(env: &[(&str, &str)]) -> Clinic {
        let tmp = tempfile::tempdir().expect("temp dir");
        let policy = tmp.path().join("policy");
        copy_example(&policy);
        Clinic {
            policy,
            data: tmp.path().join("data"),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            _tmp: tmp,
        }
    }

    /// `peerwell ARGS` with the policy folder after the command word(s)
    /// (`absence add` takes two) and `--now NOW`.
    fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let at = if args[0] == "absence" { 2 } else { 1 };
        all.insert(at, self.policy.to_str().expect("UTF-8 path"));
        all.extend_from_slice(&["--now", NOW]);
        let out = Command::new(binary())
            .args(&all)
            .env("NO_COLOR", "1")
            .env("PEERWELL_DATA_DIR", &self.data)
            .env_remove("PEERWELL_STATE_URL")
            .env_remove("PEERWELL_STATE_PASSWORD")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run peerwell");
        Run {
            args: all.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_code(0);
        run.stdout
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--format", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("JSON")
    }

    fn plan(&self) -> Vec<Value> {
        self.json(&["plan"])["sessions"]
            .as_array()
            .expect("sessions")
            .clone()
    }
}

fn sessions_of(plan: &[Value], group: &str) -> Vec<Value> {
    plan.iter()
        .filter(|s| s["group"] == group)
        .cloned()
        .collect()
}

fn holder(s: &Value, role: &str) -> String {
    s["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["role"] == role)
        .map(|r| r["member"].as_str().expect("a member").to_string())
        .unwrap_or_else(|| panic!("no {role} in {s}"))
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_str().expect("an id").to_string())
        .collect()
}

/// The local date of a session (its `start`, RFC 3339 in the group's zone).
fn date(s: &Value) -> String {
    s["start"].as_str().expect("start")[..10].to_string()
}

/// Records the holder of `role` in a session of `group` that can spare one
/// member absent,
/// checks the role passed to who held it next and that they keep their
/// turn; returns the session name used.
fn role_passes_on(c: &Clinic, (group, quorum): (&str, usize), role: &str) -> (String, String) {
    let before = sessions_of(&c.plan(), group);
    // A session with someone to spare above the quorum, and one after it.
    let at = (1..before.len().saturating_sub(1))
        .find(|&i| ids(&before[i]["attendees"]).len() > quorum)
        .unwrap_or_else(|| panic!("{group} has no session to spare a member: {before:?}"));
    let (second, third) = (&before[at], &before[at + 1]);
    let absent = holder(second, role);
    let next = holder(third, role);
    assert_ne!(absent, next, "the rotation moves on in {group}");
    let name = format!("{group}/{}", date(second));
    let out = c.ok(&["absence", "add", &absent, &name]);
    assert!(
        out.contains(&format!("recorded: `{absent}` is absent from {name}")),
        "{out}"
    );

    let after = sessions_of(&c.plan(), group);
    let s = after
        .iter()
        .find(|s| s["index"] == second["index"])
        .expect("the session is still held");
    assert_eq!(s["start"], second["start"], "same time");
    assert!(!ids(&s["attendees"]).contains(&absent), "{s}");
    assert_eq!(ids(&s["declared_absent"]), vec![absent.clone()]);
    assert_eq!(
        holder(s, role),
        next,
        "the role passes to the next in rotation"
    );
    assert!(
        s["roles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["member"] != absent.as_str())
    );
    // The absent member keeps their turn: they hold the role again before
    // anyone who was there every time holds it a second time after them.
    let later: Vec<String> = after
        .iter()
        .filter(|s| s["index"].as_u64() > second["index"].as_u64())
        .map(|s| holder(s, role))
        .collect();
    if let Some(turn) = later.iter().position(|h| *h == absent) {
        let before_turn = &later[..turn];
        let mut seen = std::collections::BTreeSet::new();
        assert!(
            before_turn.iter().all(|h| seen.insert(h.clone())),
            "nobody holds it twice before the absent member's turn: {later:?}"
        );
    } else {
        assert!(
            later.len() < 4,
            "the absent member never gets a turn: {later:?}"
        );
    }
    (absent, name)
}

#[test]
fn an_absence_hr_records_passes_roles_on_in_built_in_and_plugin_formats_and_undoes() {
    let c = Clinic::new(&[]);
    // Four of its six members can meet at its time: a quorum of three
    // leaves room for one to be away.
    let file = c.policy.join("groups/peer-supervision.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("quorum = 4", "quorum = 3")).unwrap();
    c.ok(&["export", "--out", c.data.join("out").to_str().unwrap()]);
    let original = c.plan();
    assert_eq!(c.ok(&["absences"]), "no absences recorded\n");

    let (walker, walk) = role_passes_on(&c, ("morning-walk", 3), "strategy");
    let (presenter, supervision) = role_passes_on(&c, ("peer-supervision", 3), "presenter");

    // Listed, by member and by group, with how they were recorded.
    let listed = c.json(&["absences"]);
    let rows = listed["absences"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows.iter().all(|r| r["source"] == "hr"));
    let only = c.json(&["absences", "--member", &walker, "--group", "morning-walk"]);
    assert_eq!(only["absences"].as_array().unwrap().len(), 1, "{only}");
    assert_eq!(only["absences"][0]["date"], walk.split('/').nth(1).unwrap());
    let table = c.ok(&["absences"]);
    assert!(table.contains(&format!("{walker}  recorded ")), "{table}");
    assert!(table.contains("by HR"), "{table}");

    // The plan table says who said they cannot come; diff lists the
    // absences and the changed sessions.
    let plan = c.ok(&["plan", "--group", "morning-walk"]);
    assert!(plan.contains("said they can't come"), "{plan}");
    let diff = c.json(&["diff"]);
    assert_eq!(diff["absences"].as_array().unwrap().len(), 2, "{diff}");
    let changed = diff["changed"].as_array().unwrap();
    assert!(
        changed.iter().any(|x| x["group"] == "morning-walk"
            && x["what"]
                .as_array()
                .unwrap()
                .contains(&Value::from("roles"))),
        "{diff}"
    );
    let diff_table = c.ok(&["diff"]);
    assert!(
        diff_table.contains("! absent     morning-walk"),
        "{diff_table}"
    );

    // Recording it again changes nothing; removing restores the plan.
    let again = c.ok(&["absence", "add", &walker, &walk]);
    assert!(again.contains("already recorded"), "{again}");
    c.ok(&["absence", "remove", &walker, &walk]);
    c.ok(&["absence", "remove", &presenter, &supervision]);
    let none = c.ok(&["absence", "remove", &presenter, &supervision]);
    assert!(none.contains("no absence of"), "{none}");
    assert_eq!(c.plan(), original);
}

#[test]
fn wrong_members_groups_dates_and_started_sessions_are_errors_with_hints() {
    let c = Clinic::new(&[]);
    let plan = c.plan();
    let walk = sessions_of(&plan, "morning-walk");
    let name = format!("morning-walk/{}", date(&walk[0]));
    let err = |args: &[&str]| {
        let run = c.run(args);
        run.assert_code(1);
        run.stderr
    };
    let e = err(&["absence", "add", "amaar", &name]);
    assert!(
        e.contains("no member `amaar` (did you mean `amara`?)"),
        "{e}"
    );
    let e = err(&["absence", "add", "ben", &name]);
    assert!(
        e.contains("`ben` is not a member of group `morning-walk`"),
        "{e}"
    );
    assert!(e.contains("its members: amara, carmen, gus, mei"), "{e}");
    let e = err(&["absence", "add", "amara", "morning-wlak/2026-03-03"]);
    assert!(
        e.contains("no group `morning-wlak` (did you mean `morning-walk`?)"),
        "{e}"
    );
    let e = err(&["absence", "add", "amara", "morning-walk"]);
    assert!(e.contains("is not GROUP/DATE") && e.contains("hint"), "{e}");
    let e = err(&["absence", "add", "amara", "morning-walk/2026-02-31"]);
    assert!(e.contains("is not a date"), "{e}");
    let e = err(&["absence", "add", "amara", "morning-walk/2026-03-08"]);
    assert!(e.contains("has no session on 2026-03-08"), "{e}");
    assert!(
        e.contains(&format!("its next sessions: {}", date(&walk[0]))),
        "{e}"
    );
    let e = err(&["absences", "--member", "nobody"]);
    assert!(e.contains("no member `nobody`"), "{e}");

    // A session that started cannot be changed.
    let started = c.run(&["absence", "add", "amara", &name]);
    started.assert_code(0);
    let at_start = walk[0]["start"].as_str().unwrap();
    let run = Command::new(binary())
        .args([
            "absence",
            "remove",
            c.policy.to_str().unwrap(),
            "amara",
            &name,
        ])
        .args(["--now", at_start])
        .env("PEERWELL_DATA_DIR", &c.data)
        .env_remove("PEERWELL_STATE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("has already started"), "{stderr}");
}

#[test]
fn absences_on_postgresql_list_and_plan_as_on_sqlite() {
    let db = peerwell_pgtest::shared().database();
    let url = db.url();
    let pg = Clinic::new(&[
        ("PEERWELL_STATE_URL", &url),
        ("PEERWELL_STATE_PASSWORD", peerwell_pgtest::PASSWORD),
    ]);
    let lite = Clinic::new(&[]);
    let walk = sessions_of(&lite.plan(), "morning-walk");
    let name = format!("morning-walk/{}", date(&walk[1]));
    for c in [&lite, &pg] {
        c.ok(&["export", "--out", c.data.join("out").to_str().unwrap()]);
        c.ok(&["absence", "add", "gus", &name]);
    }
    let strip = |v: Value| {
        let mut v = v;
        for r in v["absences"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("recorded_at");
        }
        v
    };
    assert_eq!(
        strip(pg.json(&["absences"])),
        strip(lite.json(&["absences"]))
    );
    assert_eq!(pg.plan(), lite.plan());
    pg.ok(&["absence", "remove", "gus", &name]);
    assert_eq!(pg.json(&["absences"])["absences"], Value::Array(vec![]));
}

#[test]
fn an_absence_that_costs_the_quorum_skips_the_session_and_undo_brings_it_back() {
    let c = Clinic::new(&[]);
    c.ok(&["export", "--out", c.data.join("out").to_str().unwrap()]);
    let original = c.plan();
    let walk = sessions_of(&original, "morning-walk");
    let s = &walk[1];
    let name = format!("morning-walk/{}", date(s));
    // Four members, quorum 3: two absent leave two, at any time of the week.
    for m in ["carmen", "gus"] {
        c.ok(&["absence", "add", m, &name]);
    }
    let plan = c.json(&["plan"]);
    let held = plan["sessions"].as_array().unwrap();
    assert!(
        !held
            .iter()
            .any(|x| x["group"] == "morning-walk" && x["index"] == s["index"]),
        "the walk is not held"
    );
    let group = plan["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "morning-walk")
        .unwrap();
    let skipped = group["skipped"].as_array().unwrap();
    let reason = skipped
        .iter()
        .find(|k| k["date"] == date(s).as_str())
        .unwrap_or_else(|| panic!("{group}"))["reason"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("quorum not met: 2 can attend, 3 needed"),
        "{reason}"
    );
    for m in ["carmen", "gus"] {
        c.ok(&["absence", "remove", m, &name]);
    }
    assert_eq!(c.plan(), original);
}
