//! The session's phases and the texts: description notes and reminders.

use peerwell_plugin_sdk::agenda::{Agenda, AgendaError};
use peerwell_plugin_sdk::{AgendaItem, ReminderKind, ReminderRequest, ReminderText};

use crate::{MODERATOR, Options, PRESENTER};

/// One case's phases, titled with `label` ("" for a single case).
fn case(agenda: Agenda, label: &str) -> Agenda {
    let t = |phase: &str| {
        if label.is_empty() {
            phase.to_string()
        } else {
            format!("{label}{phase}")
        }
    };
    agenda
        .share(
            t("Request for assistance"),
            "The presenter states the case briefly, de-identified, and asks one focused question.",
            8,
        )
        .min(5)
        .max(15)
        .share(
            t("Questioning round"),
            "Members ask clarifying questions one at a time and the presenter answers; no advice \
             yet.",
            20,
        )
        .min(10)
        .share(
            t("Feedback statements"),
            "Each member in turn offers one statement: \"If this were my client, I would…\". The \
             supervisee stays silent and takes notes.",
            25,
        )
        .min(15)
        .share(
            t("Pause"),
            "A short silent pause: the supervisee reads their notes before responding; nobody \
             speaks.",
            5,
        )
        .min(3)
        .max(10)
        .share(
            t("Supervisee response"),
            "The supervisee says which statements were useful and why; members listen without \
             debating.",
            12,
        )
        .min(5)
}

/// The session's phases, adding up to `duration` minutes.
pub fn agenda(duration: u32, options: &Options) -> Result<Vec<AgendaItem>, AgendaError> {
    let mut agenda = Agenda::new();
    for n in 1..=options.cases {
        let label = if options.cases == 1 {
            String::new()
        } else {
            format!("Case {n}: ")
        };
        agenda = case(agenda, &label);
    }
    if options.process_discussion {
        agenda = agenda
            .share(
                "Process discussion",
                "The moderator leads a short reflection on how the group worked today: pace, \
                 tone, what helped the presenter.",
                10,
            )
            .min(5)
            .max(20)
            .optional();
    }
    agenda.into_items(duration)
}

/// Guidance for the session's description.
pub fn notes(options: &Options) -> String {
    let mut notes = String::from(
        "Structured peer supervision (Wilbur et al.). While members give their feedback \
         statements the supervisee stays silent and takes notes, then responds after the pause. \
         Cases are de-identified: no names, dates or details that could identify a client. \
         Low-impact disclosure: give a warning before difficult material, share only what the \
         question needs, and no graphic details — talk about feelings and decisions, not trauma \
         details. Peer support, not therapy: if someone needs more than peers can give, point \
         them to the escalation contacts below.",
    );
    if options.cases > 1 {
        notes.push_str(" Two cases: the moderator keeps each to its time.");
    }
    notes
}

/// The phases as lines "- N min Title".
fn phase_lines(agenda: &[AgendaItem]) -> String {
    agenda
        .iter()
        .map(|a| format!("- {} min {}", a.minutes, a.title))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Role notices and upcoming reminders; other messages use the host's text.
pub fn reminder(request: &ReminderRequest, options: &Options) -> Option<ReminderText> {
    let group = &request.group.name;
    let hi = &request.recipient_first_name;
    let when = format!("{} at {}", request.date, request.start);
    let phases = phase_lines(&request.plan.agenda);
    match &request.kind {
        ReminderKind::RoleNotice(role) if role == PRESENTER => Some(ReminderText {
            subject: format!("{group}: you present a case on {when}"),
            body: format!(
                "Hi {hi},\n\nyou present a case at {group} on {when}. Please prepare your request \
                 for assistance: the case in a few sentences, de-identified, and one focused \
                 question you want help with. Send it to the moderator {} before the \
                 session.\n\nDuring the feedback statements you stay silent and take notes; you \
                 respond after the pause. Give a warning before difficult material, share only \
                 what the question needs and no graphic details.\n\nThe plan:\n{phases}",
                days(options.prep_days)
            ),
        }),
        ReminderKind::RoleNotice(role) if role == MODERATOR => Some(ReminderText {
            subject: format!("{group}: you moderate on {when}"),
            body: format!(
                "Hi {hi},\n\nyou moderate {group} on {when}. Keep time to the phases below and \
                 announce each change; in the questioning round allow questions only, one at a \
                 time, no advice; in the feedback round each member gives one statement in turn \
                 while the supervisee stays silent; keep the pause silent. Gently stop graphic \
                 detail and steer to feelings and decisions.\n\nThe plan:\n{phases}"
            ),
        }),
        ReminderKind::Upcoming(minutes) => Some(ReminderText {
            subject: format!("Reminder: {}, {when}", request.plan.title),
            body: format!(
                "Hi {hi},\n\n{group} is {} ({when}). The plan:\n{phases}\n\nThe supervisee \
                 stays silent during the feedback statements.",
                ahead(*minutes)
            ),
        }),
        _ => None,
    }
}

/// "tomorrow", "in 1 hour", "in 3 hours", "in 2 days", "in 45 minutes".
fn ahead(minutes: u32) -> String {
    match minutes {
        1440 => "tomorrow".to_string(),
        m if m % 1440 == 0 => format!("in {} days", m / 1440),
        60 => "in 1 hour".to_string(),
        m if m % 60 == 0 => format!("in {} hours", m / 60),
        m => format!("in {m} minutes"),
    }
}

fn days(n: u32) -> String {
    match n {
        0 => "on the day".to_string(),
        1 => "1 day".to_string(),
        n => format!("{n} days"),
    }
}
