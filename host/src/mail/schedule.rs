//! When a message goes out: offsets, opt-outs, quiet hours and expiry.
//!
//! **Quiet hours** (a member's `quiet_hours`, else `[mail] quiet_hours`, in
//! the member's own zone; the span may cross midnight): a message whose
//! moment falls inside a quiet period goes out one minute before that
//! period begins, if that is not before the message was created; otherwise
//! it goes out when the period ends, provided the session has not started
//! by then; otherwise it is not sent (expired). A message's moment is its
//! due time, or its creation time when it was created after it was due.
//! Change and HR notices are due when they are created.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use peerwell_core::mail::{MailSettings, QuietHours};
use peerwell_core::model::{Group, Person};
use peerwell_core::reminders::Timing;

/// The reminder timing of `group`: its own offsets, else `[mail]`'s.
pub fn timing(settings: &MailSettings, group: &Group) -> Timing {
    Timing {
        upcoming_minutes: group
            .mail
            .reminders
            .clone()
            .unwrap_or_else(|| settings.reminders.clone()),
        role_notice_minutes: settings.role_notice_minutes,
    }
}

/// The quiet hours that apply to `person`.
pub fn quiet_hours(settings: &MailSettings, person: &Person) -> Option<QuietHours> {
    if person.mail.no_quiet_hours {
        return None;
    }
    person.mail.quiet_hours.or(settings.quiet_hours)
}

/// The quiet period `[start, end)` containing `t`, if any.
pub fn quiet_period(q: QuietHours, tz: &TimeZone, t: Timestamp) -> Option<(Timestamp, Timestamp)> {
    let today = t.to_zoned(tz.clone()).date();
    let at = |d: Date, time| {
        d.to_datetime(time)
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp())
    };
    for back in [1i64, 0] {
        let day = today.checked_sub(jiff::Span::new().days(back)).ok()?;
        let start = at(day, q.start)?;
        let end_day = if q.end > q.start {
            day
        } else {
            day.tomorrow().ok()?
        };
        let end = at(end_day, q.end)?;
        if start <= t && t < end {
            return Some((start, end));
        }
    }
    None
}

/// When a message due at `due` and created at `created` goes out to
/// someone with quiet hours `quiet` in `tz`; `None` when it would only go
/// out at or after `expires` (the session's start). See the module docs.
pub fn send_time(
    due: Timestamp,
    created: Timestamp,
    expires: Option<Timestamp>,
    quiet: Option<(QuietHours, &TimeZone)>,
) -> Option<Timestamp> {
    let moment = due.max(created);
    let at = match quiet.and_then(|(q, tz)| quiet_period(q, tz, moment)) {
        None => moment,
        Some((start, end)) => {
            let before = start
                .checked_sub(SignedDuration::from_mins(1))
                .unwrap_or(start);
            if before >= created { before } else { end }
        }
    };
    match expires {
        Some(e) if at >= e => None,
        _ => Some(at),
    }
}

#[cfg(test)]
mod tests;
