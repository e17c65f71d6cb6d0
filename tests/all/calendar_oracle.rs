//! Differential test of calendar reading: calendars from
//! `peerwell_tests::calendar_gen` (fixed seeds, real-world client styles
//! and quirk classes) and the named fixtures in `tests/fixtures/calendars`
//! are read by `peerwell_core::calendar::read_calendar` and by two independent
//! libraries: Python `icalendar` + `recurring-ical-events`
//! (`tests/oracles/busy_intervals.py`) and `ical.js`
//! (`tests/oracles/busy_intervals.mjs`), each one process for all files.
//!
//! Where both libraries read a file and agree, peerwell's busy intervals
//! (UTC seconds) must equal theirs. Where they disagree, peerwell must equal
//! the library that follows peerwell's documented decision for the file's
//! quirk class ([`DECISIONS`]; the only library that reads the file when
//! the other refuses it); where a never-ending rule is capped, peerwell's
//! busy time must cover the libraries' (fail safe). No warning may carry
//! event text ([`calendar_gen::MARKER`]). The test prints, per class, how
//! often the libraries disagreed and how often peerwell failed.
//!
//! Excluded constructs (libraries legitimately differ): local times in DST
//! gaps and folds (the generator keeps to 07:00–20:45); events spanning a
//! DST change with DTEND (exact vs nominal duration); VFREEBUSY
//! (recurring-ical-events does not expand it; unit-tested instead).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use peerwell_core::calendar::read_calendar;
use peerwell_core::model::{ClientFacing, Interval};
use peerwell_tests::calendar_gen::{self, CLASSES, MARKER};

/// Calendars per run (more with `PEERWELL_ORACLE_CALENDARS=N` for a
/// longer exploration; the seeds stay fixed).
fn calendars() -> u64 {
    std::env::var("PEERWELL_ORACLE_CALENDARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}
const SEED_BASE: u64 = 20_260_302;

/// Which library follows peerwell's documented decision where the two
/// disagree on a file of a class.
///
/// ical.js is the referee of no class: where it differs from
/// recurring-ical-events, the decisions side with the latter, and the
/// repairs both oracles share (file headers) cover the rest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Referee {
    Python,
    /// Fail safe: peerwell's busy time must equal both libraries', or
    /// cover it and say so in a warning.
    Cover,
}

/// The decisions (README, calendar section) by quirk class.
const DECISIONS: [(&str, Referee); 7] = [
    // A rule peerwell caps: the rest of its span is busy.
    ("capped-minutely", Referee::Cover),
    // Every RRULE of an event counts (ical.js loses some occurrences).
    ("two-rrules", Referee::Python),
    // DTEND before DTSTART: start and end swapped (ical.js drops it).
    ("dtend-before-dtstart", Referee::Python),
    // DATE DTSTART with a date-time DTEND: busy from the date's midnight
    // in the DTEND's zone (ical.js takes the member's zone).
    ("date-start-timed-end", Referee::Python),
    // DTSTART is the first occurrence even where the rule would not yield
    // it (RFC 5545 counts it; ical.js leaves it out).
    ("dtstart-not-in-rule", Referee::Python),
    // RANGE=THISANDFUTURE: later occurrences move and change length as
    // recurring-ical-events applies the override (ical.js differs).
    ("thisandfuture", Referee::Python),
    // RDATE;VALUE=PERIOD: the period's own end.
    ("rdate-period", Referee::Python),
];

type Spans = Vec<(i64, i64)>;

/// One library's answer for a file.
#[derive(Clone, Debug, PartialEq)]
enum Answer {
    Busy(Spans),
    Refused(String),
}

/// One calendar under test.
struct Case {
    path: String,
    bytes: Vec<u8>,
    zone: &'static str,
    classes: BTreeSet<&'static str>,
}

fn oracles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oracles")
}

fn window() -> Interval {
    let at = |s: &str| {
        s.parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    };
    Interval::new(at("2026-03-02T00:00:00Z"), at("2026-05-25T00:00:00Z"))
}

/// Starts one oracle on `manifest`.
fn spawn(program: &Path, script: &str, manifest: &Path) -> Child {
    Command::new(program)
        .arg(oracles_dir().join(script))
        .arg(manifest)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run tests/setup to install the test oracles ({e})"))
}

/// The answers of a finished oracle, by path.
fn answers(child: Child, name: &str) -> BTreeMap<String, Answer> {
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name} output: {e}"));
    raw.into_iter()
        .map(|(path, v)| {
            let answer = match v {
                serde_json::Value::Array(items) => Answer::Busy(
                    items
                        .iter()
                        .map(|p| (p[0].as_i64().unwrap_or(0), p[1].as_i64().unwrap_or(0)))
                        .collect(),
                ),
                other => Answer::Refused(other["error"].as_str().unwrap_or("?").to_string()),
            };
            (path, answer)
        })
        .collect()
}

/// Starts both libraries on every case (they run side by side, and beside
/// peerwell).
fn start_oracles(dir: &Path, cases: &[Case]) -> (Child, Child) {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(py.exists(), "run tests/setup to install the test oracles");
    assert!(
        oracles_dir().join("node_modules/ical.js").exists(),
        "run tests/setup to install the test oracles"
    );
    let w = window();
    let files: Vec<_> = cases
        .iter()
        .map(|c| serde_json::json!({"path": c.path, "tz": c.zone}))
        .collect();
    let m =
        serde_json::json!({"start": w.start.to_string(), "end": w.end.to_string(), "files": files});
    let manifest = dir.join("manifest.json");
    std::fs::write(&manifest, m.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    (
        spawn(&py, "busy_intervals.py", &manifest),
        spawn(Path::new("node"), "busy_intervals.mjs", &manifest),
    )
}

/// peerwell's answer for a case, and its warnings.
fn ours(case: &Case) -> (Answer, Vec<String>) {
    let tz = TimeZone::get(case.zone).unwrap_or_else(|e| panic!("{}: {e}", case.zone));
    match read_calendar(&case.path, &case.bytes, window(), &ClientFacing::All, &tz) {
        Ok(busy) => {
            let mut spans: Spans = busy
                .busy
                .iter()
                .map(|b| (b.interval.start.as_second(), b.interval.end.as_second()))
                .collect();
            spans.sort_unstable();
            spans.dedup();
            (Answer::Busy(spans), busy.warnings)
        }
        Err(e) => (Answer::Refused(e.to_string()), Vec::new()),
    }
}

/// What peerwell must produce for a case, and why.
enum Expect {
    Exactly(Spans, &'static str),
    Covers(Spans),
    /// Neither library reads the file, or the decision is ambiguous.
    Nothing(&'static str),
}

fn expectation(case: &Case, py: &Answer, js: &Answer) -> Expect {
    let cover = |a: &Answer, b: &Answer| {
        let mut all: Spans = [a, b]
            .iter()
            .filter_map(|x| match x {
                Answer::Busy(s) => Some(s.clone()),
                Answer::Refused(_) => None,
            })
            .flatten()
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let referees: BTreeSet<Referee> = DECISIONS
        .iter()
        .filter(|(class, _)| case.classes.contains(class))
        .map(|(_, r)| *r)
        .collect();
    if referees.contains(&Referee::Cover) {
        return Expect::Covers(cover(py, js));
    }
    match (py, js) {
        (Answer::Busy(a), Answer::Busy(b)) if a == b => Expect::Exactly(a.clone(), "agree"),
        (Answer::Busy(a), Answer::Refused(_)) => Expect::Exactly(a.clone(), "only python reads"),
        (Answer::Refused(_), Answer::Busy(b)) => Expect::Exactly(b.clone(), "only ical.js reads"),
        (Answer::Refused(_), Answer::Refused(_)) => Expect::Nothing("neither library reads"),
        (Answer::Busy(a), Answer::Busy(_)) => match referees.iter().next() {
            Some(Referee::Python) => Expect::Exactly(a.clone(), "decision"),
            _ => Expect::Nothing("libraries differ, no decision"),
        },
    }
}

/// Whether the union of `ours` covers every span of `theirs` within the
/// window (peerwell's fail-safe busy time ends with the window).
fn covers(ours: &Spans, theirs: &Spans) -> bool {
    let w = window();
    let (lo, hi) = (w.start.as_second(), w.end.as_second());
    let mut merged: Spans = Vec::new();
    for &(a, b) in ours {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    theirs
        .iter()
        .map(|&(a, b)| (a.max(lo), b.min(hi)))
        .all(|(a, b)| merged.iter().any(|&(x, y)| x <= a && b <= y))
}

fn fmt_spans(v: &[(i64, i64)]) -> String {
    let t = |s: i64| {
        Timestamp::from_second(s)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    v.iter()
        .take(12)
        .map(|(a, b)| format!("  {} .. {}", t(*a), t(*b)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A readable account of one failure (no more than a screenful).
fn describe(case: &Case, got: &Answer, want: &Spans, why: &str) -> String {
    let text = String::from_utf8_lossy(&case.bytes);
    let text: String = text.chars().take(3_000).collect();
    let body = match got {
        Answer::Refused(e) => format!("peerwell refused it: {e}"),
        Answer::Busy(s) => {
            let only_ours: Spans = s.iter().filter(|x| !want.contains(x)).copied().collect();
            let only_theirs: Spans = want.iter().filter(|x| !s.contains(x)).copied().collect();
            format!(
                "only peerwell's:\n{}\nonly the libraries':\n{}",
                fmt_spans(&only_ours),
                fmt_spans(&only_theirs)
            )
        }
    };
    format!(
        "{} [{}] ({why}, zone {})\n{body}\n{text}",
        case.path,
        classes_key(case),
        case.zone
    )
}

fn classes_key(case: &Case) -> String {
    if case.classes.is_empty() {
        return "ordinary".into();
    }
    case.classes.iter().copied().collect::<Vec<_>>().join(",")
}

/// Per-class tallies for the report.
#[derive(Default)]
struct Tally {
    files: usize,
    disagree: usize,
    failed: usize,
    unchecked: usize,
}

/// Everything one run found.
#[derive(Default)]
struct Outcome {
    tallies: BTreeMap<&'static str, Tally>,
    disagreements: BTreeMap<String, usize>,
    failures: Vec<(BTreeSet<&'static str>, String)>,
    leaks: Vec<String>,
    intervals: usize,
}

impl Outcome {
    /// Counts a disagreement of `kind` for each class of `case`.
    fn disagree(&mut self, case: &Case, kind: &str) {
        let classes = case.classes.iter().copied().chain(["(all)"]);
        for class in classes {
            *self
                .disagreements
                .entry(format!("{class}: {kind}"))
                .or_default() += 1;
        }
    }

    fn tally(&mut self, case: &Case, f: impl Fn(&mut Tally)) {
        f(self.tallies.entry("(all)").or_default());
        for c in &case.classes {
            f(self.tallies.entry(c).or_default());
        }
    }
}

fn disagreement_kind(py: &Answer, js: &Answer) -> Option<&'static str> {
    match (py, js) {
        (Answer::Busy(a), Answer::Busy(b)) if a == b => None,
        (Answer::Busy(_), Answer::Busy(_)) => Some("differ"),
        (Answer::Busy(_), Answer::Refused(_)) => Some("ical.js refuses"),
        (Answer::Refused(_), Answer::Busy(_)) => Some("python refuses"),
        (Answer::Refused(_), Answer::Refused(_)) => Some("both refuse"),
    }
}

/// Checks one case against the libraries' answers.
fn check(
    case: &Case,
    (got, warnings): (Answer, Vec<String>),
    py: &Answer,
    js: &Answer,
    out: &mut Outcome,
) {
    if let Some(w) = warnings.iter().find(|w| w.contains(MARKER)) {
        out.leaks
            .push(format!("{}: warning carries event text: {w}", case.path));
    }
    out.tally(case, |t| t.files += 1);
    if let Some(kind) = disagreement_kind(py, js) {
        out.tally(case, |t| t.disagree += 1);
        out.disagree(case, kind);
    }
    let (ok, want, why) = match expectation(case, py, js) {
        Expect::Exactly(want, why) => (got == Answer::Busy(want.clone()), want, why),
        Expect::Covers(want) => match &got {
            Answer::Busy(s) if *s == want => (true, want, "agree"),
            Answer::Busy(s) => {
                let traced = !warnings.is_empty();
                (
                    traced && covers(s, &want),
                    want,
                    "fail safe: must cover, warned",
                )
            }
            Answer::Refused(_) => (false, want, "fail safe: must cover"),
        },
        Expect::Nothing(why) => {
            out.tally(case, |t| t.unchecked += 1);
            out.disagree(case, why);
            return;
        }
    };
    out.intervals += want.len();
    if !ok {
        out.tally(case, |t| t.failed += 1);
        out.failures
            .push((case.classes.clone(), describe(case, &got, &want, why)));
    }
}

/// Runs every case through peerwell and both libraries.
fn run(cases: &[Case], dir: &Path) -> Outcome {
    for c in cases {
        std::fs::write(&c.path, &c.bytes).unwrap_or_else(|e| panic!("write: {e}"));
    }
    let clock = Instant::now();
    let (python, node) = start_oracles(dir, cases);
    let read: Vec<(Answer, Vec<String>)> = cases.iter().map(ours).collect();
    let peerwell = clock.elapsed();
    let py = answers(python, "busy_intervals.py");
    let js = answers(node, "busy_intervals.mjs");
    eprintln!(
        "{} calendars: peerwell {:.1} s, libraries done after {:.1} s",
        cases.len(),
        peerwell.as_secs_f64(),
        clock.elapsed().as_secs_f64()
    );
    let mut out = Outcome::default();
    for (case, got) in cases.iter().zip(read) {
        let get = |m: &BTreeMap<String, Answer>| {
            m.get(&case.path)
                .cloned()
                .unwrap_or_else(|| panic!("no oracle answer for {}", case.path))
        };
        check(case, got, &get(&py), &get(&js), &mut out);
    }
    out
}

/// The per-class report printed by the tests.
fn report(out: &Outcome) -> String {
    let mut s = String::from("class: files / libraries disagree / peerwell fails / unchecked\n");
    for (class, t) in &out.tallies {
        s += &format!(
            "  {class}: {} / {} / {} / {}\n",
            t.files, t.disagree, t.failed, t.unchecked
        );
    }
    s += "disagreements between the libraries, and files left unchecked (class: kind): count\n";
    for (k, n) in &out.disagreements {
        s += &format!("  {k}: {n}\n");
    }
    s
}

/// One failure per class set, at most `n`.
fn first_failures(out: &Outcome, n: usize) -> String {
    let mut seen = BTreeSet::new();
    out.failures
        .iter()
        .filter(|(classes, _)| seen.insert(classes.clone()))
        .take(n)
        .map(|(_, f)| f.clone())
        .collect::<Vec<_>>()
        .join("\n----\n")
}

fn assert_clean(out: &Outcome, total: usize) {
    let summary = report(out);
    eprintln!("{summary}");
    assert!(out.leaks.is_empty(), "{}", out.leaks.join("\n"));
    assert!(
        out.failures.is_empty(),
        "{} of {total} calendars differ\n{summary}\nfirst of each class set:\n{}",
        out.failures.len(),
        first_failures(out, 12)
    );
}

/// Where the generated files go: `PEERWELL_ORACLE_KEEP=DIR` keeps them for
/// a look, else a temporary directory.
fn work_dir() -> (Option<tempfile::TempDir>, PathBuf) {
    if let Some(keep) = std::env::var_os("PEERWELL_ORACLE_KEEP") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap_or_else(|e| panic!("{}: {e}", keep.display()));
        return (None, keep);
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().to_path_buf();
    (Some(dir), path)
}

#[test]
fn busy_intervals_match_both_libraries() {
    let (_guard, dir) = work_dir();
    let cases: Vec<Case> = (0..calendars())
        .map(|n| {
            let g = calendar_gen::generate(SEED_BASE + n);
            Case {
                path: dir
                    .join(format!("cal{n:04}.ics"))
                    .to_string_lossy()
                    .into_owned(),
                bytes: g.bytes,
                zone: g.zone,
                classes: g.classes,
            }
        })
        .collect();
    if calendars() >= 2_000 {
        let seen: BTreeSet<&str> = cases.iter().flat_map(|c| c.classes.clone()).collect();
        let missing: Vec<_> = CLASSES.iter().filter(|c| !seen.contains(*c)).collect();
        assert!(missing.is_empty(), "classes never generated: {missing:?}");
    }
    let out = run(&cases, &dir);
    assert!(
        out.intervals > 1_000,
        "too few busy intervals checked ({}) to mean much",
        out.intervals
    );
    assert_clean(&out, cases.len());
}

#[test]
fn named_fixtures_read_as_both_libraries_do() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/calendars");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut cases = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap_or_else(|e| panic!("{}: {e}", fixtures.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ics"))
        .collect();
    names.sort();
    for p in names {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let class = *CLASSES
            .iter()
            .find(|c| **c == stem)
            .unwrap_or_else(|| panic!("{stem}.ics: not a generator class name"));
        cases.push(Case {
            path: dir
                .path()
                .join(format!("{stem}.ics"))
                .to_string_lossy()
                .into_owned(),
            bytes: std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            zone: "America/New_York",
            classes: BTreeSet::from([class]),
        });
    }
    assert!(cases.len() >= 20, "too few fixtures: {}", cases.len());
    let out = run(&cases, dir.path());
    let unchecked: Vec<_> = out
        .tallies
        .iter()
        .filter(|(c, t)| **c != "(all)" && t.unchecked > 0)
        .map(|(c, _)| *c)
        .collect();
    assert!(
        unchecked.is_empty(),
        "fixtures no decision covers: {unchecked:?}\n{}",
        report(&out)
    );
    assert_clean(&out, cases.len());
}
