//! Structured peer group supervision after Wilbur, Roberts-Wilbur, Morris,
//! Betz and Hart (1991) and Wilbur et al. (1994).
//!
//! Per case: the presenter's request for assistance (the case in brief and
//! one focused question) → a questioning round (clarifying questions, one at
//! a time, no advice yet) → feedback statements (each member offers one
//! statement in turn, "If this were my client…", while the supervisee stays
//! silent and takes notes) → a short silent pause → the supervisee's
//! response (which statements were useful and why). An optional process
//! discussion, led by the moderator, closes the session.
//!
//! Presenters rotate fairly among attendees (absent members keep their
//! turn); a moderator rotates too and never presents. Each case gets 60 to
//! 90 minutes.

use peerwell_plugin_sdk::rotation::{rotate, rotate_among};
use peerwell_plugin_sdk::settings::{self, Settings};
use peerwell_plugin_sdk::{
    Deadline, Diagnostic, Format, FormatError, FormatInfo, Group, ReminderRequest, ReminderText,
    Requirements, RoleAssignment, SessionPlan, SessionRequest, SettingInfo,
};

mod text;

/// The structured peer supervision format.
#[derive(Debug, Clone, Copy, Default)]
pub struct StructuredPeerSupervision;

peerwell_plugin_sdk::export_format!(StructuredPeerSupervision);

/// The format's name.
pub const NAME: &str = "structured-peer-supervision";
/// The role of a member who brings a case.
pub const PRESENTER: &str = "presenter";
/// The role of the member who keeps time and leads the process discussion.
pub const MODERATOR: &str = "moderator";
/// Fewest attendees a session can run with.
pub const MIN_ATTENDEES: usize = 3;
/// Minutes per case, inclusive.
pub const CASE_MINUTES: std::ops::RangeInclusive<u32> = 60..=90;

const KNOWN: &[&str] = &["cases", "moderator_tag", "prep_days", "process_discussion"];

/// The group's settings, with defaults for anything missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Cases per session, 1 or 2.
    pub cases: u32,
    /// Whether a process discussion closes the session.
    pub process_discussion: bool,
    /// Moderators come from attendees with this tag, if any attend.
    pub moderator_tag: Option<String>,
    /// Days before the session the request for assistance is due.
    pub prep_days: u32,
}

impl Options {
    /// Reads the group's settings; invalid values fall back to the default.
    pub fn of(group: &Group) -> Options {
        let s = Settings::of(group);
        Options {
            cases: u32::try_from(s.integer("cases", 1).clamp(1, 2)).unwrap_or(1),
            process_discussion: s.boolean("process_discussion", true),
            moderator_tag: s
                .optional_text("moderator_tag")
                .filter(|t| settings::is_tag(t)),
            prep_days: u32::try_from(s.integer("prep_days", 2).clamp(0, 14)).unwrap_or(2),
        }
    }
}

/// Why `duration` does not fit `cases` cases, if it does not.
fn duration_problem(duration: u32, cases: u32) -> Option<String> {
    let (lo, hi) = (CASE_MINUTES.start() * cases, CASE_MINUTES.end() * cases);
    (!(lo..=hi).contains(&duration)).then(|| {
        let each = if cases == 1 { "case" } else { "cases" };
        format!(
            "a {duration}-minute session for {cases} {each} does not give each case 60 to 90 \
             minutes: it needs {lo} to {hi} minutes"
        )
    })
}

impl Format for StructuredPeerSupervision {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Structured peer group supervision (Wilbur et al.): request for assistance, \
                      questions, feedback statements while the presenter listens, pause, response."
                .to_string(),
            settings: vec![
                SettingInfo::new(
                    "cases",
                    "integer: 1 | 2",
                    "1",
                    "Cases per session; each gets 60 to 90 minutes.",
                ),
                SettingInfo::new(
                    "moderator_tag",
                    "string (a member tag)",
                    "\"\"",
                    "Moderators come from attendees with this tag; unset or none attending: any attendee.",
                ),
                SettingInfo::new(
                    "prep_days",
                    "integer 0..=14",
                    "2",
                    "Days before the session the presenter's request for assistance is due.",
                ),
                SettingInfo::new(
                    "process_discussion",
                    "boolean",
                    "true",
                    "Close with a moderator-led reflection on how the group worked.",
                ),
            ],
        }
    }

    fn validate(&self, group: &Group) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let top = Settings::of(group).top_level();
        for (key, entry) in &top {
            let d = match *key {
                "cases" => settings::check_integer(key, *entry, 1, 2),
                "moderator_tag" => settings::check_tag(key, *entry),
                "prep_days" => settings::check_integer(key, *entry, 0, 14),
                "process_discussion" => settings::check_boolean(key, *entry),
                other => Some(settings::unknown_key_suggest(NAME, other, KNOWN)),
            };
            out.extend(d);
        }
        let cases_ok = out.iter().all(|d| d.key != "cases");
        let cases = Options::of(group).cases;
        if cases_ok && let Some(problem) = duration_problem(group.duration_minutes, cases) {
            let key = if top.contains_key("cases") {
                "cases"
            } else {
                ""
            };
            let hint = if cases == 1 {
                "set the group's duration to 60..=90 minutes, or cases = 2 for 120..=180"
            } else {
                "set the group's duration to 120..=180 minutes, or cases = 1 for 60..=90"
            };
            out.push(Diagnostic::new(key, problem, hint));
        }
        out
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        Ok(Requirements {
            quorum: group.quorum.max(MIN_ATTENDEES as u32),
            min_size: MIN_ATTENDEES as u32,
            max_size: Some(group.size_limit.unwrap_or(10)),
            ..Requirements::from_policy(group)
        })
    }

    fn plan_session(&self, request: &SessionRequest) -> Result<SessionPlan, FormatError> {
        let group = &request.group;
        let options = Options::of(group);
        if let Some(problem) = duration_problem(group.duration_minutes, options.cases) {
            return Err(FormatError::InvalidSettings(problem));
        }
        if request.attendees.len() < MIN_ATTENDEES {
            return Err(FormatError::CannotPlan(format!(
                "structured peer supervision needs at least {MIN_ATTENDEES} attendees; {} can attend",
                request.attendees.len()
            )));
        }
        let k = options.cases as usize;
        let presenters = rotate(
            &group.members,
            &request.attendees,
            &request.history,
            PRESENTER,
            k,
        );
        let moderator = pick_moderator(request, &options, &presenters)
            .ok_or_else(|| FormatError::Internal("no attendee left to moderate".to_string()))?;
        let agenda = text::agenda(group.duration_minutes, &options)
            .map_err(|e| FormatError::InvalidSettings(e.to_string()))?;
        let mut roles: Vec<RoleAssignment> = presenters
            .into_iter()
            .map(|p| RoleAssignment::new(PRESENTER, p))
            .collect();
        roles.push(RoleAssignment::new(MODERATOR, moderator));
        let title = match options.cases {
            1 => format!("{} — structured peer supervision", group.name),
            n => format!("{} — structured peer supervision ({n} cases)", group.name),
        };
        Ok(SessionPlan {
            title,
            agenda,
            roles,
            notes: text::notes(&options),
            deadlines: vec![Deadline {
                label: "request for assistance: a de-identified case in brief and one focused \
                        question, to the moderator"
                    .to_string(),
                days_before: options.prep_days,
                role: Some(PRESENTER.to_string()),
            }],
        })
    }

    fn compose_reminder(
        &self,
        request: &ReminderRequest,
    ) -> Result<Option<ReminderText>, FormatError> {
        Ok(text::reminder(request, &Options::of(&request.group)))
    }
}

/// The moderator: fairly rotated among attendees who do not present this
/// time, preferring those with the moderator tag when any attend.
fn pick_moderator(
    request: &SessionRequest,
    options: &Options,
    presenters: &[String],
) -> Option<String> {
    let free: Vec<&str> = request
        .attendees
        .iter()
        .map(String::as_str)
        .filter(|a| !presenters.iter().any(|p| p == a))
        .collect();
    let tagged: Vec<&str> = match &options.moderator_tag {
        Some(tag) => free
            .iter()
            .copied()
            .filter(|a| request.member(a).is_some_and(|m| m.has_tag(tag)))
            .collect(),
        None => Vec::new(),
    };
    let eligible = if tagged.is_empty() { free } else { tagged };
    let group = &request.group;
    rotate_among(&group.members, &eligible, &request.history, MODERATOR, 1)
        .into_iter()
        .next()
}

#[cfg(test)]
mod tests;
