//! The human-readable text of an [`Explanation`](super::Explanation).

use std::fmt;

use super::explain::{CandidateReport, Explanation, MemberSummary};
use super::{GroupOutcome, SeriesTime};
use crate::model::Cadence;

fn cadence(c: Cadence) -> String {
    match c {
        Cadence::Weekly => "weekly".to_string(),
        Cadence::EveryWeeks(n) => format!("every {n} weeks"),
        Cadence::MonthlyNth(-1) => "monthly on the last weekday of its kind".to_string(),
        Cadence::MonthlyNth(n) => format!("monthly on weekday number {n} of the month"),
    }
}

fn member_line(m: &MemberSummary) -> String {
    if m.blocked == 0 {
        return format!("{} can attend all {} occurrences", m.member, m.of);
    }
    let reasons: Vec<String> = m
        .reasons
        .iter()
        .map(|(k, n)| format!("{k} ({n})"))
        .collect();
    format!(
        "{} blocks {} of {} occurrences: {}",
        m.member,
        m.blocked,
        m.of,
        reasons.join(", ")
    )
}

impl fmt::Display for SeriesTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            super::weekday_name(self.weekday),
            self.start.strftime("%H:%M")
        )
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Group `{}` ({}): {} minutes, {}, times in {}",
            self.group,
            self.name,
            self.duration_minutes,
            cadence(self.cadence),
            self.zone
        )?;
        outcome(f, &self.outcome)?;
        if let Some(pairs) = &self.pairs {
            return write!(f, "{}", super::explain_pairs::Cycles(pairs));
        }
        if self.candidates.is_empty() {
            return writeln!(
                f,
                "No candidate time: the group's days and window cannot hold the session."
            );
        }
        writeln!(
            f,
            "Best candidate times ({} of {} evaluated):",
            self.candidates.len(),
            self.evaluated
        )?;
        for (i, c) in self.candidates.iter().enumerate() {
            candidate(f, i, c)?;
        }
        if let Some(best) = self.candidates.first() {
            writeln!(f, "Members at the best time ({}):", best.series)?;
            for m in &self.members {
                writeln!(f, "  {}", member_line(m))?;
            }
        }
        if !self.relaxations.is_empty() {
            writeln!(f, "Relaxing one rule:")?;
            for r in &self.relaxations {
                let more = if r.gain == 1 {
                    "occurrence"
                } else {
                    "occurrences"
                };
                writeln!(
                    f,
                    "  {}: {} more {more} at {} ({} held)",
                    r.rule, r.gain, r.at, r.held
                )?;
            }
        }
        Ok(())
    }
}

/// The outcome line of an explanation, with each skipped occurrence.
fn outcome(f: &mut fmt::Formatter<'_>, outcome: &GroupOutcome) -> fmt::Result {
    match outcome {
        GroupOutcome::Scheduled { series, skipped } => {
            writeln!(f, "Outcome: scheduled on {series}")?;
            for s in skipped {
                writeln!(f, "  skipped {}: {}", s.date, s.reason)?;
            }
        }
        GroupOutcome::Partitioned { skipped } => {
            writeln!(f, "Outcome: split into subgroups that meet separately")?;
            for s in skipped {
                writeln!(f, "  skipped {}: {}", s.date, s.reason)?;
            }
        }
        GroupOutcome::Unscheduled { reason } => writeln!(f, "Outcome: no time: {reason}")?,
        GroupOutcome::Blocked { reason } => writeln!(f, "Outcome: blocked: {reason}")?,
    }
    Ok(())
}

/// Candidate `i` (0-based) with the occurrences where it falls short.
fn candidate(f: &mut fmt::Formatter<'_>, i: usize, c: &CandidateReport) -> fmt::Result {
    write!(
        f,
        "  {}. {}: {} of {} held, {} attendances",
        i + 1,
        c.series,
        c.held,
        c.occurrences,
        c.attendance
    )?;
    writeln!(f, "{}", if c.preferred { ", preferred" } else { "" })?;
    for p in &c.problems {
        // Named by date, as in `plan` and `diff`: never by index.
        let day = &super::weekday_name(p.date.weekday())[..3];
        write!(f, "     {day} {}: ", p.date)?;
        match &p.skipped {
            Some(why) => write!(f, "not held ({why})")?,
            None => write!(f, "held")?,
        }
        let absent: Vec<String> = p
            .blocked
            .iter()
            .map(|(m, b)| format!("{m} ({b})"))
            .collect();
        if !absent.is_empty() {
            write!(f, "; absent: {}", absent.join(", "))?;
        }
        writeln!(f)?;
    }
    Ok(())
}
