use super::*;
use peerwell_core::formats::{AgendaItem, RoleAssignment};

/// [`super::plan`] with its error as text.
fn plan(p: &SessionPlan, attendees: &[String], duration: u32) -> Result<(), String> {
    super::plan(p, attendees, duration).map_err(|e| e.to_string())
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn plans_are_checked_against_attendance_and_duration() {
    let mut p = SessionPlan {
        title: "Check-in".to_string(),
        agenda: vec![AgendaItem {
            minutes: 50,
            title: "Round".to_string(),
            detail: String::new(),
        }],
        roles: vec![RoleAssignment {
            role: "facilitator".to_string(),
            member: "ana".to_string(),
        }],
        ..SessionPlan::default()
    };
    assert_eq!(plan(&p, &ids(&["ana", "ben"]), 60), Ok(()));
    assert!(plan(&p, &ids(&["ben"]), 60).is_err_and(|e| e.contains("`ana`, who is not attending")));
    assert!(plan(&p, &ids(&["ana"]), 45).is_err_and(|e| e.contains("50 minutes")));
    p.title = "bad\u{7}".to_string();
    assert!(plan(&p, &ids(&["ana"]), 60).is_err_and(|e| e.contains("U+0007")));
    p.title = " ".to_string();
    assert!(plan(&p, &ids(&["ana"]), 60).is_err_and(|e| e.contains("title is empty")));
}

#[test]
fn control_characters_are_found_as_char_is_control_finds_them() {
    let samples = [
        "plain",
        "tab\tand\nnewline",
        "em — dash",
        "é ü ß 漢字 🙂",
        "bell\u{7}",
        "del\u{7f}",
        "c1 \u{85} next line",
        "c1 \u{9f}",
        "nbsp\u{a0}",
        "\u{80}",
        "\u{2028} line sep",
        "\r",
        "",
    ];
    for s in samples {
        let want = s
            .chars()
            .find(|c| c.is_control() && *c != '\n' && *c != '\t');
        let got = match fault(s, false) {
            Some(Fault::Control(c)) => Some(c),
            Some(Fault::Empty) | None => None,
        };
        assert_eq!(got, want, "{s:?}");
    }
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        let s = format!("a{c}b");
        let want = c.is_control() && c != '\n' && c != '\t';
        assert_eq!(fault(&s, false).is_some(), want, "U+{:04X}", c as u32);
    }
    // Every position across the 32-byte blocks, with a character that
    // may start a control (U+00A0 also starts with 0xC2) before it.
    for k in 0..100 {
        for c in ['\u{7}', '\u{7f}', '\u{85}', '\u{9f}', '\u{a0}', '—', '\n'] {
            let s = format!("{}\u{a0}{}{c}z", "x".repeat(k), "é".repeat(k % 7));
            let want = s
                .char_indices()
                .find(|(_, c)| c.is_control() && *c != '\n' && *c != '\t');
            let got = first_control(s.as_bytes());
            assert_eq!(got, want.map(|(i, _)| i), "{s:?}");
        }
    }
    assert!(matches!(fault(" ", true), Some(Fault::Empty)));
}

#[test]
fn subgroups_must_be_disjoint_and_eligible() {
    let eligible = ids(&["a", "b", "c"]);
    assert_eq!(
        partition(&[ids(&["a", "b"]), ids(&["c"])], &eligible),
        Ok(())
    );
    assert!(partition(&[ids(&["a", "b"]), ids(&["b"])], &eligible).is_err());
    assert!(partition(&[ids(&["a", "z"])], &eligible).is_err());
}

#[test]
fn output_size_counts_strings_and_list_elements() {
    let t = guest::ReminderText {
        subject: "ab".to_string(),
        body: "cde".to_string(),
    };
    assert_eq!(t.output_size(), 5);
    let v = vec!["x".to_string(), "yz".to_string()];
    assert_eq!(v.output_size(), 8 + 1 + 8 + 2);
}
