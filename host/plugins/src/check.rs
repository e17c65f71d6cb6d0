//! What a plugin returns is checked before peerwell uses it: its size
//! against the output limit, then its sense ("invalid data").

use std::collections::BTreeSet;

use super::bindings::{guest, types};
use peerwell_core::formats::{Requirements, SessionPlan};
use peerwell_core::model::Group;

/// Bytes a value lifted from the plugin occupies: string bytes plus list
/// elements, counted the same way for every call.
pub trait OutputSize {
    /// The size in bytes.
    fn output_size(&self) -> u64;
}

impl OutputSize for String {
    fn output_size(&self) -> u64 {
        self.len() as u64
    }
}

impl<T: OutputSize> OutputSize for Vec<T> {
    fn output_size(&self) -> u64 {
        self.iter().map(|x| 8 + x.output_size()).sum()
    }
}

impl<T: OutputSize> OutputSize for Option<T> {
    fn output_size(&self) -> u64 {
        self.as_ref().map_or(0, OutputSize::output_size)
    }
}

impl<T: OutputSize, E: OutputSize> OutputSize for Result<T, E> {
    fn output_size(&self) -> u64 {
        match self {
            Ok(t) => t.output_size(),
            Err(e) => e.output_size(),
        }
    }
}

impl OutputSize for guest::FormatInfo {
    fn output_size(&self) -> u64 {
        self.name.output_size()
            + self.version.output_size()
            + self.summary.output_size()
            + self.sdk_version.output_size()
            + self
                .settings
                .iter()
                .map(|s| {
                    8 + s.key.output_size()
                        + s.kind.output_size()
                        + s.default.output_size()
                        + s.doc.output_size()
                })
                .sum::<u64>()
    }
}

impl OutputSize for types::Diagnostic {
    fn output_size(&self) -> u64 {
        self.key.output_size() + self.message.output_size() + self.hint.output_size()
    }
}

impl OutputSize for types::FormatError {
    fn output_size(&self) -> u64 {
        match self {
            types::FormatError::InvalidSettings(s)
            | types::FormatError::CannotPlan(s)
            | types::FormatError::Internal(s) => s.output_size(),
            types::FormatError::Unsupported => 0,
        }
    }
}

impl OutputSize for guest::ScheduleRequirements {
    fn output_size(&self) -> u64 {
        let window = self.window.as_ref().map_or(0, |w| w.days.len() as u64);
        self.required_roles
            .iter()
            .map(|r| 8 + r.tag.output_size())
            .sum::<u64>()
            + window
    }
}

impl OutputSize for guest::SessionPlan {
    fn output_size(&self) -> u64 {
        self.title.output_size()
            + self.notes.output_size()
            + self
                .agenda
                .iter()
                .map(|a| 8 + a.title.output_size() + a.detail.output_size())
                .sum::<u64>()
            + self
                .roles
                .iter()
                .map(|r| 8 + r.role.output_size() + r.member.output_size())
                .sum::<u64>()
            + self
                .deadlines
                .iter()
                .map(|d| 8 + d.label.output_size() + d.role.output_size())
                .sum::<u64>()
    }
}

impl OutputSize for guest::ReminderText {
    fn output_size(&self) -> u64 {
        self.subject.output_size() + self.body.output_size()
    }
}

/// Text a plugin returns: not empty where `required`, and no control
/// characters except newline and tab.
fn text(what: &str, s: &str, required: bool) -> Result<(), String> {
    match fault(s, required) {
        None => Ok(()),
        Some(f) => Err(f.describe(what)),
    }
}

/// What is wrong with a text a plugin returned.
enum Fault {
    Empty,
    Control(char),
}

impl Fault {
    fn describe(&self, what: &str) -> String {
        match self {
            Fault::Empty => format!("{what} is empty"),
            Fault::Control(c) => {
                format!("{what} contains the control character U+{:04X}", *c as u32)
            }
        }
    }
}

/// [`text`]'s check without naming the text: the first control character
/// (Unicode `Cc`: C0 but newline and tab, DEL, C1) found by scanning bytes,
/// since every one of them starts with a byte that appears in no other
/// character (C1 ones are `0xC2` followed by `0x80..=0x9F` in UTF-8).
fn fault(s: &str, required: bool) -> Option<Fault> {
    if required && s.trim().is_empty() {
        return Some(Fault::Empty);
    }
    let at = first_control(s.as_bytes())?;
    s.get(at..)
        .and_then(|rest| rest.chars().next())
        .map(Fault::Control)
}

/// Where the first control character starts. Blocks of 32 bytes are
/// screened without branches (the compiler vectorises it) for any byte that
/// may start one; only a block that has one is scanned byte by byte.
fn first_control(b: &[u8]) -> Option<usize> {
    let may_start = |c: u8| (c < 0x20) & (c != b'\n') & (c != b'\t') | (c == 0x7F) | (c == 0xC2);
    let starts = |i: usize| {
        let c = b[i];
        (c < 0x20 && c != b'\n' && c != b'\t')
            || c == 0x7F
            || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
    };
    let mut from = 0;
    for block in b.chunks(32) {
        let to = from + block.len();
        if block.iter().fold(false, |any, &c| any | may_start(c))
            && let Some(i) = (from..to).find(|&i| starts(i))
        {
            return Some(i);
        }
        from = to;
    }
    None
}

/// Checks a plan against the request: roles name attending members, the
/// agenda fits the session, the texts are clean.
pub fn plan(p: &SessionPlan, attendees: &[String], duration: u32) -> Result<(), String> {
    text("the title", &p.title, true)?;
    text("the notes", &p.notes, false)?;
    let mut total: u64 = 0;
    for (i, a) in p.agenda.iter().enumerate() {
        if let Some(f) = fault(&a.title, true) {
            return Err(f.describe(&format!("agenda item {} title", i + 1)));
        }
        if let Some(f) = fault(&a.detail, false) {
            return Err(f.describe(&format!("agenda item {} detail", i + 1)));
        }
        total += u64::from(a.minutes);
    }
    if total > u64::from(duration) {
        return Err(format!(
            "the agenda takes {total} minutes, more than the session's {duration}"
        ));
    }
    for r in &p.roles {
        text("a role name", &r.role, true)?;
        if !attendees.contains(&r.member) {
            return Err(format!(
                "role `{}` is given to `{}`, who is not attending this session",
                r.role, r.member
            ));
        }
    }
    for d in &p.deadlines {
        text("a deadline label", &d.label, true)?;
    }
    Ok(())
}

/// Checks requirements for sense against the group.
pub fn requirements(r: &Requirements, group: &Group) -> Result<(), String> {
    if !(1..=1440).contains(&r.duration_minutes) {
        return Err(format!(
            "duration {} minutes is not 1 to 1440",
            r.duration_minutes
        ));
    }
    let members = group.members.len() as u32;
    if r.quorum > members {
        return Err(format!(
            "quorum {} is more than the group's {members} members",
            r.quorum
        ));
    }
    if let Some(max) = r.max_size
        && max < r.min_size
    {
        return Err(format!(
            "group size bounds {}..={max} are empty",
            r.min_size
        ));
    }
    for role in &r.required_roles {
        text("a required role's tag", &role.tag, true)?;
    }
    if let Some(w) = &r.window {
        if w.earliest >= w.latest {
            return Err(format!(
                "the window {}–{} ends before it starts",
                w.earliest.strftime("%H:%M"),
                w.latest.strftime("%H:%M")
            ));
        }
        let span = (w.latest - w.earliest).get_minutes();
        if span < i64::from(r.duration_minutes) {
            return Err(format!(
                "the window {}–{} is shorter than the {}-minute session",
                w.earliest.strftime("%H:%M"),
                w.latest.strftime("%H:%M"),
                r.duration_minutes
            ));
        }
    }
    Ok(())
}

/// Checks subgroups: each member of `eligible` at most once, no one else.
pub fn partition(parts: &[Vec<String>], eligible: &[String]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for part in parts {
        for id in part {
            if !eligible.contains(id) {
                return Err(format!("subgroup member `{id}` is not eligible this cycle"));
            }
            if !seen.insert(id.as_str()) {
                return Err(format!("`{id}` is in more than one subgroup"));
            }
        }
    }
    Ok(())
}

/// Checks a reminder's subject and body.
pub fn reminder(subject: &str, body: &str) -> Result<(), String> {
    text("the subject", subject, true)?;
    if subject.contains('\n') {
        return Err("the subject has more than one line".to_string());
    }
    text("the body", body, false)
}

/// Checks the description a plugin gives of itself.
pub fn info(i: &guest::FormatInfo) -> Result<(), String> {
    text("describe() name", &i.name, true)?;
    text("describe() version", &i.version, true)?;
    text("describe() summary", &i.summary, false)?;
    for s in &i.settings {
        text("a setting's key", &s.key, true)?;
        text("a setting's doc", &s.doc, false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerwell_core::formats::{AgendaItem, RoleAssignment};

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
        assert!(
            plan(&p, &ids(&["ben"]), 60).is_err_and(|e| e.contains("`ana`, who is not attending"))
        );
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
}
