//! What `[mail]` in `peerwell.toml`, `reminders`/`quiet_hours` in a person's
//! entry and `reminders` in a group file say, validated.

use std::path::PathBuf;

use jiff::civil::Time;

/// Organization-wide mail settings (`[mail]` in `peerwell.toml`). Without a
/// `[mail]` table every default applies: reminders go to a folder of `.eml`
/// files under the data folder.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    /// Whether the daemon writes reminders at all (`enabled`, default true).
    pub enabled: bool,
    /// The From address (`from`; default `peerwell@<domain>`).
    pub from: String,
    /// The From display name (`from_name`; default the organization's name).
    pub from_name: String,
    /// The domain Message-IDs end in (`domain`; default the domain of
    /// `from`, else `peerwell.invalid`).
    pub domain: String,
    /// Default offsets of upcoming reminders before a session, in minutes,
    /// largest first (`reminders = ["24h", "1h"]`).
    pub reminders: Vec<u32>,
    /// How long before a session role notices go out, in minutes
    /// (`role_notice = "3d"`).
    pub role_notice_minutes: u32,
    /// Default quiet hours for members (`quiet_hours = "21:00-07:00"`, in
    /// each member's own zone); `None` for none.
    pub quiet_hours: Option<QuietHours>,
    /// Attach the session as a `METHOD:PUBLISH` .ics file (`attach_ics`).
    pub attach_ics: bool,
    /// Where `.eml` files go when no SMTP server is configured (`folder`;
    /// default `mail/` in the data folder; resolved against the policy
    /// folder).
    pub folder: Option<PathBuf>,
    /// Messages sent at once, each over its own SMTP connection
    /// (`connections`, default 8).
    pub connections: u32,
    /// Deadline for one message's whole SMTP exchange, in seconds
    /// (`send_timeout_seconds`, default 30).
    pub send_timeout_seconds: u32,
    /// First retry delay after a transient failure, in seconds; it doubles
    /// with each attempt up to an hour (`retry_seconds`, default 60).
    pub retry_seconds: u32,
    /// Attempts before a message that keeps failing transiently is recorded
    /// as failed (`max_attempts`, default 10).
    pub max_attempts: u32,
    /// The SMTP server (`[mail.smtp]`); `None` writes `.eml` files.
    pub smtp: Option<SmtpSettings>,
    /// Who hears when a group loses its time or falls short of quorum
    /// (`[[mail.hr]]`).
    pub hr: Vec<HrContact>,
    /// How sessions reach members' calendars by default (`delivery`,
    /// default `"feeds"`); a member's own `delivery` overrides it.
    pub delivery: Delivery,
    /// How far ahead of a session its invitation goes out, in minutes
    /// (`invitations_ahead = "28d"`, the default).
    pub invitations_ahead_minutes: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            enabled: true,
            from: "peerwell@peerwell.invalid".to_string(),
            from_name: "peerwell".to_string(),
            domain: "peerwell.invalid".to_string(),
            reminders: vec![24 * 60, 60],
            role_notice_minutes: 3 * 24 * 60,
            quiet_hours: None,
            attach_ics: false,
            folder: None,
            connections: 8,
            send_timeout_seconds: 30,
            retry_seconds: 60,
            max_attempts: 10,
            smtp: None,
            hr: Vec::new(),
            delivery: Delivery::Feeds,
            invitations_ahead_minutes: 28 * 24 * 60,
        }
    }
}

impl MailSettings {
    /// How sessions reach `person`'s calendar: their own `delivery`, else
    /// the organization's.
    pub fn delivery_of(&self, person: &PersonMail) -> Delivery {
        person.delivery.unwrap_or(self.delivery)
    }
}

/// How sessions reach a member's calendar (`delivery` in `[mail]` or in a
/// `[[person]]` entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// `"feeds"`: the member subscribes to their feed; no invitations.
    #[default]
    Feeds,
    /// `"invitations"`: each session arrives as an iTIP invitation by
    /// email (RFC 5546/6047), updated and cancelled by email.
    Invitations,
    /// `"both"`: invitations, and the member also subscribes to the feed
    /// (same UIDs, so a calendar holding both keeps one event per session).
    Both,
}

impl Delivery {
    /// The value as written in a policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Feeds => "feeds",
            Delivery::Invitations => "invitations",
            Delivery::Both => "both",
        }
    }

    /// Reads [`Delivery::as_str`] back.
    pub fn parse(s: &str) -> Option<Delivery> {
        match s {
            "feeds" => Some(Delivery::Feeds),
            "invitations" => Some(Delivery::Invitations),
            "both" => Some(Delivery::Both),
            _ => None,
        }
    }

    /// Whether the member receives invitations.
    pub fn invitations(self) -> bool {
        matches!(self, Delivery::Invitations | Delivery::Both)
    }
}

/// `[mail.smtp]`: where and how to submit mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The server's host name or address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// The user name for AUTH, if any.
    pub username: Option<String>,
    /// The environment variable holding the password (never the password
    /// itself: it does not belong in a policy file).
    pub password_env: Option<String>,
    /// Extra CA certificates (PEM) trusted for the server's certificate,
    /// beside the system's (`ca_file`, for an internal CA).
    pub ca_file: Option<PathBuf>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No TLS (a relay on the same host or a test server).
    None,
}

/// An HR or wellness contact named in `[[mail.hr]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrContact {
    /// The contact's name (the notices' addressee and greeting).
    pub name: String,
    /// Where notices are sent.
    pub email: String,
}

/// A daily quiet period in a member's own zone, `[start, end)`; it crosses
/// midnight when `end <= start` (e.g. 21:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// When the quiet period starts (inclusive).
    pub start: Time,
    /// When it ends (exclusive); at or before `start` it is the next day.
    pub end: Time,
}

/// A member's own mail settings (in their `[[person]]` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMail {
    /// `reminders = false` opts the member out of every email.
    pub reminders: bool,
    /// The member's quiet hours; `None` uses `[mail] quiet_hours`.
    pub quiet_hours: Option<QuietHours>,
    /// `quiet_hours = "none"`: no quiet hours even if the organization has
    /// a default.
    pub no_quiet_hours: bool,
    /// The member's own `delivery`; `None` uses `[mail] delivery`.
    pub delivery: Option<Delivery>,
}

impl Default for PersonMail {
    fn default() -> Self {
        PersonMail {
            reminders: true,
            quiet_hours: None,
            no_quiet_hours: false,
            delivery: None,
        }
    }
}

/// A group's own reminder offsets (`reminders = ["48h", "2h"]` in its file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupMail {
    /// Offsets in minutes before each session, largest first; `None` uses
    /// `[mail] reminders`. An empty list sends no upcoming reminders.
    pub reminders: Option<Vec<u32>>,
}

/// A mail setting's value that does not read. The messages quote the
/// value: it comes from the policy file, not from a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailValueError {
    /// Not a duration like `"24h"` or `"1h30m"` (or too long).
    #[error("expected a duration like \"24h\", \"90m\", \"3d\" or \"1h30m\", found \"{0}\"")]
    Offset(String),
    /// Not two `HH:MM` times joined by `-`.
    #[error("expected quiet hours \"HH:MM-HH:MM\", e.g. \"21:00-07:00\", found \"{0}\"")]
    QuietHours(String),
    /// Quiet hours that start and end at the same time.
    #[error(
        "quiet hours \"{0}\" start and end at the same time, which would be no quiet time or all day"
    )]
    QuietHoursEmpty(String),
}

/// Parses a duration such as `"24h"`, `"90m"`, `"3d"` or `"1h30m"` into
/// minutes.
pub fn parse_offset(s: &str) -> Result<u32, MailValueError> {
    let shape = || MailValueError::Offset(s.to_string());
    let text = s.trim();
    if text.is_empty() {
        return Err(shape());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 24 * 60,
            'h' => 60,
            'm' => 1,
            _ => return Err(shape()),
        };
        let n: u64 = digits.parse().map_err(|_| shape())?;
        digits.clear();
        total = total.saturating_add(n.saturating_mul(unit));
    }
    if !digits.is_empty() {
        return Err(shape());
    }
    u32::try_from(total).map_err(|_| shape())
}

/// Parses `"HH:MM-HH:MM"` quiet hours; the span may cross midnight.
pub fn parse_quiet_hours(s: &str) -> Result<QuietHours, MailValueError> {
    let shape = || MailValueError::QuietHours(s.to_string());
    let (a, b) = s.split_once('-').ok_or_else(shape)?;
    let time = |t: &str| -> Option<Time> {
        let (h, m) = t.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
    };
    let start = time(a).ok_or_else(shape)?;
    let end = time(b).ok_or_else(shape)?;
    if start == end {
        return Err(MailValueError::QuietHoursEmpty(s.to_string()));
    }
    Ok(QuietHours { start, end })
}

#[cfg(test)]
mod tests;
