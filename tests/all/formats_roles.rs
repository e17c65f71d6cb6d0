//! Role formats: fair rotations with absences, Balint leaders, Schwartz Round
//! panels and deadlines, debrief guidance, and settings diagnostics.

use super::*;

/// Plans `sessions` sessions of `g`; member `i` misses session `s` when
/// `absent(s, i)`. Returns the history.
fn run(
    f: &dyn Format,
    g: &Group,
    people: &BTreeMap<String, Person>,
    sessions: u32,
    absent: impl Fn(u32, usize) -> bool,
) -> Vec<PastSession> {
    let mut history: Vec<PastSession> = Vec::new();
    for s in 0..sessions {
        let (mut att, mut abs) = (Vec::new(), Vec::new());
        for (i, m) in g.members.iter().enumerate() {
            if absent(s, i) {
                abs.push(m.clone());
            } else {
                att.push(m.clone());
            }
        }
        let req = SessionRequest {
            start: jiff::civil::Time::midnight(),
            group: g,
            index: s,
            date: date(2025, 1, 7),
            attendees: &att,
            absentees: &abs,
            history: &history,
            people,
        };
        let plan = f.plan_session(&req).expect("plan");
        let again = f.plan_session(&req).expect("plan");
        assert_eq!(plan, again, "deterministic");
        for r in &plan.roles {
            assert!(
                att.contains(&r.member),
                "{} holds {} while absent",
                r.member,
                r.role
            );
        }
        let total: u32 = plan.agenda.iter().map(|a| a.minutes).sum();
        assert_eq!(total, g.duration_minutes, "agenda fills the session");
        history.push(PastSession {
            date: date(2025, 1, 7),
            attendees: att,
            roles: plan.roles,
        });
    }
    history
}

fn counts(history: &[PastSession], role: &str) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for s in history {
        for r in s.roles.iter().filter(|r| r.role == role) {
            *c.entry(r.member.clone()).or_default() += 1;
        }
    }
    c
}

/// Over random groups and absences, counts of `role` among steady eligible
/// members differ by at most one.
fn assert_fair(
    name: &str,
    role: &str,
    settings: &str,
    tagged: impl Fn(usize) -> Vec<&'static str>,
    eligible: impl Fn(usize) -> bool,
) {
    let mut rng = Rng::new(0xfa1e);
    for trial in 0..60 {
        let n = 6 + rng.range(0, 8) as usize;
        let members = ids("m", n);
        let people: BTreeMap<String, Person> = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), person(m, &tagged(i), None, None)))
            .collect();
        let g = group(name, &members, 90, table(settings));
        // Leaders/facilitators (index 0 and 1) always attend; others flaky at random.
        let flaky: Vec<bool> = (0..n).map(|i| i >= 2 && rng.chance(40)).collect();
        let table_bits: Vec<u64> = (0..64).map(|_| rng.bits()).collect();
        let sessions = 10 + rng.range(0, 40) as u32;
        let absent = |s: u32, i: usize| flaky[i] && (table_bits[s as usize % 64] >> i) & 1 == 1;
        let h = run(format(name), &g, &people, sessions, absent);
        let c = counts(&h, role);
        let steady: Vec<usize> = (0..n)
            .filter(|&i| !flaky[i] && eligible(i))
            .map(|i| c.get(&members[i]).copied().unwrap_or(0))
            .collect();
        if let (Some(lo), Some(hi)) = (steady.iter().min(), steady.iter().max()) {
            assert!(hi - lo <= 1, "{name} trial {trial}: {c:?} flaky {flaky:?}");
        }
        assert!(
            c.values().sum::<usize>() > 0,
            "{name}: role {role} was assigned"
        );
    }
}

#[test]
fn rotations_are_fair_and_skip_absentees() {
    let lead = |i: usize| {
        if i == 0 {
            vec!["accredited-leader"]
        } else {
            vec![]
        }
    };
    assert_fair("balint", "presenter", "", lead, |i| i != 0);
    let fac = |i: usize| if i == 1 { vec!["facilitator"] } else { vec![] };
    assert_fair("schwartz-rounds", "panelist", "", fac, |i| i != 1);
    let all_panel = |i: usize| {
        if i == 1 {
            vec!["facilitator"]
        } else {
            vec!["panelist"]
        }
    };
    assert_fair(
        "schwartz-rounds",
        "panelist",
        "panel_size = 4",
        all_panel,
        |i| i != 1,
    );
    assert_fair(
        "debrief",
        "listener",
        "listener = true",
        |_| vec![],
        |_| true,
    );
    assert_fair("check-in", "strategy", "", |_| vec![], |_| true);
}

#[test]
fn balint_requires_leaders_and_rotates_presenters_among_the_rest() {
    let members = ids("m", 8);
    let people: BTreeMap<String, Person> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let tags: &[&str] = if i < 2 { &["lead"] } else { &[] };
            (m.clone(), person(m, tags, None, None))
        })
        .collect();
    let balint = format("balint");
    let g = group(
        "balint",
        &members,
        90,
        table("leader_tag = \"lead\"\nleaders_required = 2"),
    );
    let req = balint.requirements(&g).unwrap();
    assert_eq!(
        req.required_roles,
        vec![RequiredRole {
            tag: "lead".to_string(),
            min: 2
        }]
    );
    assert_eq!((req.min_size, req.max_size), (6, Some(10)));
    let default = group("balint", &members, 120, toml::Table::new());
    assert_eq!(
        balint.requirements(&default).unwrap().required_roles[0].tag,
        "accredited-leader"
    );

    let h = run(balint, &g, &people, 6, |_, _| false);
    for s in &h {
        let leaders: Vec<&str> = s
            .roles
            .iter()
            .filter(|r| r.role == "leader")
            .map(|r| r.member.as_str())
            .collect();
        assert_eq!(leaders, ["m0", "m1"]);
        let presenters: Vec<&str> = s
            .roles
            .iter()
            .filter(|r| r.role == "presenter")
            .map(|r| r.member.as_str())
            .collect();
        assert_eq!(presenters.len(), 2, "two cases at 90 minutes");
        assert!(presenters.iter().all(|p| !leaders.contains(p)));
    }
    let order: Vec<&str> = h
        .iter()
        .flat_map(|s| s.roles.iter().filter(|r| r.role == "presenter"))
        .map(|r| r.member.as_str())
        .collect();
    assert_eq!(&order[..6], ["m2", "m3", "m4", "m5", "m6", "m7"]);
    let plan_one = group("balint", &members, 60, table("leader_tag = \"lead\""));
    let h = run(balint, &plan_one, &people, 1, |_, _| false);
    assert_eq!(
        h[0].roles.iter().filter(|r| r.role == "presenter").count(),
        1
    );
}

#[test]
fn schwartz_rounds_panel_facilitator_and_deadlines() {
    let members = ids("s", 12);
    let people: BTreeMap<String, Person> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let tags: &[&str] = if i == 11 { &["facilitator"] } else { &[] };
            (m.clone(), person(m, tags, None, None))
        })
        .collect();
    let rounds = format("schwartz-rounds");
    let g = group("schwartz-rounds", &members, 60, toml::Table::new());
    assert_eq!(
        rounds.requirements(&g).unwrap().required_roles,
        vec![RequiredRole {
            tag: "facilitator".to_string(),
            min: 1
        }]
    );
    let req = SessionRequest {
        start: jiff::civil::Time::midnight(),
        group: &g,
        index: 0,
        date: date(2025, 3, 12),
        attendees: &members,
        absentees: &[],
        history: &[],
        people: &people,
    };
    let plan = rounds.plan_session(&req).unwrap();
    let panel: Vec<&str> = plan
        .roles
        .iter()
        .filter(|r| r.role == "panelist")
        .map(|r| r.member.as_str())
        .collect();
    assert_eq!(panel, ["s0", "s1", "s2"]);
    let fac: Vec<&str> = plan
        .roles
        .iter()
        .filter(|r| r.role == "facilitator")
        .map(|r| r.member.as_str())
        .collect();
    assert_eq!(fac, ["s11"]);
    let days: Vec<(u32, Option<&str>)> = plan
        .deadlines
        .iter()
        .map(|d| (d.days_before, d.role.as_deref()))
        .collect();
    assert_eq!(days, [(14, Some("panelist")), (7, Some("panelist"))]);
    assert!(plan.notes.contains("confidential"), "{}", plan.notes);

    let g4 = group(
        "schwartz-rounds",
        &members,
        60,
        table("panel_size = 4\nprep_days = [7, 21, 14]"),
    );
    let req = SessionRequest { group: &g4, ..req };
    let plan = rounds.plan_session(&req).unwrap();
    assert_eq!(
        plan.roles.iter().filter(|r| r.role == "panelist").count(),
        4
    );
    let days: Vec<u32> = plan.deadlines.iter().map(|d| d.days_before).collect();
    assert_eq!(days, [21, 14, 7]);
    let g0 = group("schwartz-rounds", &members, 60, table("prep_days = []"));
    let plan = rounds
        .plan_session(&SessionRequest { group: &g0, ..req })
        .unwrap();
    assert!(plan.deadlines.is_empty());
}

#[test]
fn debrief_carries_low_impact_guidance() {
    let members = ids("d", 3);
    let people = BTreeMap::new();
    let g = group("debrief", &members, 15, toml::Table::new());
    let h = run(format("debrief"), &g, &people, 1, |_, _| false);
    assert!(h[0].roles.is_empty(), "no listener unless asked");
    let req = SessionRequest {
        start: jiff::civil::Time::midnight(),
        group: &g,
        index: 0,
        date: date(2025, 1, 7),
        attendees: &members,
        absentees: &[],
        history: &[],
        people: &people,
    };
    let plan = format("debrief").plan_session(&req).unwrap();
    let notes = plan.notes.to_lowercase();
    for needle in [
        "consent",
        "content warning",
        "feelings and thoughts, not details",
        "escalation",
    ] {
        assert!(notes.contains(needle), "missing {needle:?}: {notes}");
    }
    assert_eq!(plan.agenda[0].title, "Consent and content warning");
    let r = format("debrief").requirements(&g).unwrap();
    assert_eq!((r.duration_minutes, r.max_size), (15, Some(4)));
}

fn one(name: &str, src: &str) -> Vec<SettingDiagnostic> {
    format(name).validate(&table(src))
}

#[test]
fn settings_diagnostics_are_precise() {
    let formats = Formats::builtin();
    let names: Vec<&str> = formats.names().collect();
    assert_eq!(
        names,
        [
            "balint",
            "buddies",
            "check-in",
            "debrief",
            "schwartz-rounds"
        ]
    );
    // Unknown keys list every known key (as described) and suggest the closest.
    for name in names {
        let f = formats.get(name).unwrap();
        let d = f.validate(&table("bogus_key_xyz = 1"));
        assert_eq!(d.len(), 1, "{name}");
        assert_eq!(d[0].key, "bogus_key_xyz");
        assert!(d[0].message.contains("unknown setting"), "{name}: {d:?}");
        let hint = d[0].hint.clone().unwrap_or_default();
        for s in f.describe().settings {
            assert!(
                hint.contains(&s.key),
                "{name}: hint {hint:?} lacks {}",
                s.key
            );
        }
    }
    let d = one("schwartz-rounds", "panel_sise = 4");
    assert!(
        d[0].hint
            .as_deref()
            .unwrap_or("")
            .starts_with("did you mean `panel_size`?"),
        "{d:?}"
    );
    let d = one("schwartz-rounds", "panel_size = \"3\"");
    assert_eq!(
        (d[0].key.as_str(), d[0].message.as_str()),
        ("panel_size", "expected an integer from 1 to 6")
    );
    let d = one("schwartz-rounds", "panel_size = 9");
    assert_eq!(d[0].message, "9 is out of range: expected 1 to 6");
    let d = one("schwartz-rounds", "prep_days = [14, 0]");
    assert_eq!(d[0].key, "prep_days");
    let d = one("balint", "leader_tag = \"Accredited Leader\"");
    assert!(d[0].message.starts_with("expected a tag"), "{d:?}");
    let d = one("balint", "cases = 3");
    assert_eq!(
        (d[0].key.as_str(), d[0].message.as_str()),
        ("cases", "3 is out of range: expected 1 to 2")
    );
    let d = one("buddies", "match = \"same-team\"");
    assert!(d[0].message.contains("\"same-site\""), "{d:?}");
    let d = one("buddies", "match = \"same-role\"");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("role_tags"), "{d:?}");
    let d = one("debrief", "listener = \"yes\"");
    assert_eq!(
        (d[0].key.as_str(), d[0].message.as_str()),
        ("listener", "expected a boolean")
    );
    for (name, ok) in [
        (
            "balint",
            "leader_tag = \"lead\"\nleaders_required = 2\ncases = 1\nminutes_per_case = 40\nmin_members = 5\nleader_presents = false",
        ),
        (
            "schwartz-rounds",
            "panel_size = 4\npanel_tag = \"panel\"\nfacilitator_tag = \"fac\"\nprep_days = [14, 7]",
        ),
        (
            "buddies",
            "match = \"same-role\"\nrole_tags = [\"nurse\"]\nthermometer = false\n[exclusions]\na = [\"b\"]",
        ),
        ("debrief", "listener = true\ncheck_out = false"),
    ] {
        assert_eq!(one(name, ok), Vec::new(), "{name}");
    }
}
