//! The validated organization: what the policy files say, after every check.
//!
//! The `config` module turns TOML into these types; every later stage of the
//! pipeline (calendar reading, scheduling, feeds) reads only these. Nothing in
//! here holds text from an input calendar: people's busy sources are paths and
//! rules, never event contents.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A half-open span of absolute time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    /// First instant inside the span.
    pub start: Timestamp,
    /// First instant after the span.
    pub end: Timestamp,
}

impl Interval {
    /// The span `[start, end)`.
    pub fn new(start: Timestamp, end: Timestamp) -> Self {
        Interval { start, end }
    }

    /// True when the two spans share at least one instant.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// True when `other` lies wholly inside this span.
    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// True when the span holds no instant (`end <= start`).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A time zone with the name it was configured with (IANA), kept together so
/// that feeds can write `TZID=<name>` and a matching VTIMEZONE.
#[derive(Debug, Clone)]
pub struct Zone {
    /// The IANA name as configured, written as `TZID`.
    pub name: String,
    /// The zone itself.
    pub tz: TimeZone,
}

impl Zone {
    /// Looks up an IANA name in the bundled time-zone database.
    pub fn iana(name: &str) -> Option<Zone> {
        TimeZone::get(name).ok().map(|tz| Zone {
            name: name.to_string(),
            tz,
        })
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// Working hours for each weekday, in the owner's own time zone.
///
/// Index 0 is Monday. An empty list means the day is not worked. Spans are
/// `[start, end)` local wall-clock times and never cross midnight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkingHours {
    /// Spans per weekday, Monday first.
    pub days: [Vec<(Time, Time)>; 7],
}

impl WorkingHours {
    /// The spans worked on `weekday`.
    pub fn on(&self, weekday: Weekday) -> &[(Time, Time)] {
        &self.days[weekday.to_monday_zero_offset() as usize]
    }

    /// Monday–Friday, one span each day.
    pub fn weekdays(start: Time, end: Time) -> Self {
        let mut days: [Vec<(Time, Time)>; 7] = Default::default();
        for d in days.iter_mut().take(5) {
            d.push((start, end));
        }
        WorkingHours { days }
    }
}

/// Which events of a busy source count as client-facing (and so get the
/// decompression buffer after them). Every busy event blocks time either way.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClientFacing {
    /// Every busy event is client-facing (the default).
    #[default]
    All,
    /// No event of this source is client-facing (it still blocks time).
    None,
    /// An event is client-facing when one of its CATEGORIES equals one of
    /// `categories`, or its SUMMARY contains one of `summary_contains`
    /// (both compared case-insensitively). The text is inspected while
    /// reading and then dropped; it is never stored.
    Matching {
        /// CATEGORIES values that mark an event client-facing.
        categories: Vec<String>,
        /// Words whose presence in SUMMARY marks an event client-facing.
        summary_contains: Vec<String>,
    },
}

/// Where a person's busy time comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSource {
    /// Resolved path of the ICS file (empty for a URL calendar).
    pub path: PathBuf,
    /// The http(s) URL the calendar is fetched from, instead of a file.
    pub url: Option<String>,
    /// The path or URL as written in the policy file, for messages.
    pub label: String,
    /// Which of its events count as client-facing.
    pub client_facing: ClientFacing,
}

/// A declared recurring client block, e.g. "Tuesdays 09:00–12:00".
#[derive(Debug, Clone, PartialEq)]
pub struct ClientBlock {
    /// Weekdays the block recurs on.
    pub days: Vec<Weekday>,
    /// Local start time, in the person's zone.
    pub start: Time,
    /// Local end time, in the person's zone (same day).
    pub end: Time,
    /// First date the block applies (inclusive); `None` means always.
    pub from: Option<Date>,
    /// Last date the block applies (inclusive); `None` means always.
    pub until: Option<Date>,
    /// Repeat every N weeks counted from `from` (1 = weekly).
    pub every_weeks: u32,
}

/// A member of the organization, from the people file.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// The id groups and files refer to the person by.
    pub id: String,
    /// The person's full name.
    pub name: String,
    /// Where reminders are sent.
    pub email: String,
    /// The person's own time zone.
    pub zone: Zone,
    /// When the person works, in their zone.
    pub working_hours: WorkingHours,
    /// Tags groups select members and required roles by.
    pub tags: Vec<String>,
    /// The person's site, if the people file names one.
    pub site: Option<String>,
    /// No session is planned for this person before this date.
    pub start_date: Option<Date>,
    /// Calendars the person's busy time is read from.
    pub calendars: Vec<CalendarSource>,
    /// Declared recurring client blocks.
    pub client_blocks: Vec<ClientBlock>,
    /// Minutes kept free after each client-facing event.
    pub buffer_minutes: u32,
    /// Most peer-support minutes per week (the person's own
    /// `weekly_cap_minutes`, else the organization's); `None` for no cap.
    pub weekly_cap_minutes: Option<u32>,
    /// Reminder opt-out and quiet hours (`reminders`, `quiet_hours`).
    pub mail: crate::mail::PersonMail,
}

impl Person {
    /// The first word of the name (the whole name when it has no space).
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}

/// How often a group meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every week.
    Weekly,
    /// Every `n` weeks (n >= 2), counted from the first week of the horizon.
    EveryWeeks(u32),
    /// Monthly on the n-th weekday of the month: `nth` in 1..=4, or -1 for the
    /// last. The scheduler picks the weekday; `nth` is fixed by policy.
    MonthlyNth(i8),
}

/// A role that must be filled at every session by a member carrying `tag`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiredRole {
    /// The tag a member filling the role carries.
    pub tag: String,
    /// At least this many members with the tag attend.
    pub min: u32,
}

/// What a group is for and who may join (shown in its feed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Charter {
    /// What the group is for.
    pub purpose: String,
    /// The group's boundaries (what it is not for), in the charter's words.
    pub boundaries: String,
    /// Open (anyone may join) or closed membership.
    pub open: bool,
    /// Most members, if limited.
    pub size_limit: Option<u32>,
}

/// Who to contact when peer support is not enough.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// Who to contact.
    pub name: String,
    /// How to reach them (e.g. a phone number).
    pub contact: String,
    /// A note on when or how to reach out, if any.
    pub note: Option<String>,
}

/// A peer-support group, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's id (its file name).
    pub id: String,
    /// The name shown in feeds (unless `neutral_title`).
    pub name: String,
    /// Format name, e.g. `check-in`.
    pub format: String,
    /// Resolved member ids, in a stable order (policy order, then tag matches
    /// by person id), without duplicates.
    pub members: Vec<String>,
    /// How often the group meets.
    pub cadence: Cadence,
    /// Length of each session, in minutes.
    pub duration_minutes: u32,
    /// Weekdays a session may be on (never empty after validation).
    pub days: Vec<Weekday>,
    /// Local window that sessions must fall in, in the group's zone.
    pub earliest: Time,
    /// Latest local end of a session, in the group's zone.
    pub latest: Time,
    /// Preferred local windows (soft); empty means no preference.
    pub preferred: Vec<(Time, Time)>,
    /// Preferred weekdays (soft), a subset of `days`; empty means no
    /// preference.
    pub preferred_days: Vec<Weekday>,
    /// Minimum number of attendees for a session to take place.
    pub quorum: u32,
    /// Members carrying a tag that must attend every session.
    pub required_roles: Vec<RequiredRole>,
    /// The group's purpose and membership rules.
    pub charter: Charter,
    /// Whom to contact when peer support is not enough.
    pub escalation: Vec<Escalation>,
    /// Where the group meets in person, if anywhere.
    pub location: Option<String>,
    /// The link of a video meeting, if any.
    pub video_url: Option<String>,
    /// Use a neutral title ("Protected time") in feeds instead of the name.
    pub neutral_title: bool,
    /// The zone the series time is fixed in (the organization's by default).
    pub zone: Zone,
    /// The format-specific `[settings]` table, checked by the format.
    pub settings: toml::Table,
    /// What happens to an occurrence whose series time falls short of
    /// quorum or required roles.
    pub short_of_quorum: ShortOfQuorum,
    /// The group's own reminder offsets (`reminders`).
    pub mail: crate::mail::GroupMail,
}

/// What happens to an occurrence whose series time is short of quorum or
/// required roles (`short_of_quorum` in a group file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShortOfQuorum {
    /// Move it to the best other time in its week (the default).
    #[default]
    Move,
    /// Skip it, with the reason.
    Skip,
}

/// Feed publishing settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSettings {
    /// REFRESH-INTERVAL and X-PUBLISHED-TTL, in minutes.
    pub refresh_minutes: u32,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            refresh_minutes: 720,
        }
    }
}

/// Organization-wide settings (`peerwell.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// The policy folder (holds `peerwell.toml`).
    pub dir: PathBuf,
    /// The organization's name.
    pub name: String,
    /// The organization's zone (groups' series times by default).
    pub zone: Zone,
    /// Default working hours of people who set none.
    pub working_hours: WorkingHours,
    /// Weeks planned ahead.
    pub horizon_weeks: u32,
    /// The earliest first day of the planning horizon and the anchor session
    /// indices count from; the horizon starts at the week of today or of
    /// `start`, whichever is later (the CLI's `--from` overrides both).
    pub start: Option<Date>,
    /// Explicit holiday dates from `holidays`.
    pub holidays: Vec<Date>,
    /// ICS files whose events' dates are holidays too (read with the
    /// calendars, so a broken file is reported like a broken calendar).
    pub holiday_calendars: Vec<PathBuf>,
    /// Default minutes kept free after each client-facing event.
    pub buffer_minutes: u32,
    /// Default rule for which calendar events are client-facing.
    pub client_facing: ClientFacing,
    /// Feed publishing settings (`[feeds]`).
    pub feeds: FeedSettings,
    /// Default weekly cap on each person's peer-support minutes; `None`
    /// (the default) for no cap.
    pub weekly_cap_minutes: Option<u32>,
    /// Where planning state lives and how close to a session it is frozen.
    pub store: StoreSettings,
    /// Reminder emails (`[mail]`).
    pub mail: crate::mail::MailSettings,
    /// What members who meet in pairs or trios learn about each other
    /// besides the first name (`partner_contact`).
    pub partner_contact: PartnerContact,
}

/// What the members of a pair or trio (e.g. resilience buddies) are told
/// about each other besides the first name, in their own feed and
/// reminders only (`partner_contact` in `peerwell.toml`). Group feeds and
/// subscribe pages show first names at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerContact {
    /// The first name only (the default).
    #[default]
    None,
    /// The first name and the email address from the people file.
    Email,
}

/// Planning-state settings (`data_dir`, `freeze_hours` in `peerwell.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    /// Folder of `state.sqlite3`; a relative path is relative to the policy
    /// folder ([`Org::dir`]). The loader stores it resolved.
    pub data_dir: PathBuf,
    /// Published sessions starting within this many hours of now neither
    /// move nor are cancelled by a re-plan.
    pub freeze_hours: u32,
    /// `[state]`: a shared database instead of the SQLite file.
    pub state: StateSettings,
}

impl Default for StoreSettings {
    /// `.peerwell` in the policy folder, a 24-hour freeze window.
    fn default() -> Self {
        StoreSettings {
            data_dir: PathBuf::from(".peerwell"),
            freeze_hours: 24,
            state: StateSettings::default(),
        }
    }
}

/// `[state]` in `peerwell.toml`: where the state lives when it is not the
/// SQLite file in the data directory. The password is never here.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateSettings {
    /// `url`: a `postgres://` URL without a password (`PEERWELL_STATE_URL`
    /// overrides it).
    pub url: Option<String>,
    /// `password_env`: the environment variable holding the password
    /// (default `PEERWELL_STATE_PASSWORD`).
    pub password_env: Option<String>,
    /// `passfile`: a `.pgpass`-format file with the password, resolved
    /// against the policy folder.
    pub passfile: Option<PathBuf>,
}

/// Everything the policy folder describes, validated and cross-referenced.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Organization-wide settings.
    pub org: Org,
    /// By id.
    pub people: BTreeMap<String, Person>,
    /// In id order.
    pub groups: Vec<Group>,
    /// The formats groups can use: built-in ones and loaded plugins.
    pub formats: std::sync::Arc<crate::formats::Formats>,
}

/// The planning horizon: whole weeks starting on a Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// A Monday.
    pub start: Date,
    /// Weeks in the horizon.
    pub weeks: u32,
    /// The Monday session indices and every-N-weeks phases count from (never
    /// after `start`). A fixed anchor keeps a session's identity when the
    /// horizon moves: week `w` of the horizon is week
    /// `(start - anchor) / 7 + w` of every series.
    pub anchor: Date,
}

/// The anchor when `peerwell.toml` sets no `start`: Monday 2024-01-01.
pub const EPOCH_MONDAY: Date = Date::constant(2024, 1, 1);

/// The Monday of `day`'s week.
pub fn monday_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

impl Horizon {
    /// The horizon that contains `from`: it starts on the Monday of that week,
    /// which is also its anchor (indices count from the horizon's first week).
    pub fn starting(from: Date, weeks: u32) -> Horizon {
        let start = monday_of(from);
        Horizon {
            start,
            weeks,
            anchor: start,
        }
    }

    /// The horizon that contains `from`, with indices and phases counted
    /// from the Monday of `anchor`'s week (or from the horizon's start when
    /// that is earlier than the anchor).
    pub fn anchored(from: Date, weeks: u32, anchor: Date) -> Horizon {
        let start = monday_of(from);
        Horizon {
            start,
            weeks,
            anchor: monday_of(anchor).min(start),
        }
    }

    /// Whole weeks from the anchor to the horizon's start.
    pub fn weeks_since_anchor(&self) -> u32 {
        let days = (self.start - self.anchor).get_days();
        u32::try_from(days.div_euclid(7)).unwrap_or(0)
    }

    /// Exclusive end date.
    ///
    /// # Panics
    /// Never for a validated horizon (its weeks are bounded); only past the
    /// end of the supported calendar.
    pub fn end(&self) -> Date {
        self.start
            .checked_add((self.weeks as i64 * 7).days())
            .expect("horizon is bounded by validation")
    }

    /// The Monday of week `index` (0-based).
    ///
    /// # Panics
    /// Only past the end of the supported calendar (a validated horizon's
    /// weeks never reach it).
    pub fn week_start(&self, index: u32) -> Date {
        self.start
            .checked_add((index as i64 * 7).days())
            .expect("horizon is bounded by validation")
    }

    /// Absolute bounds of the horizon with a day of slack either side, so that
    /// every zone's local days inside it are covered.
    pub fn window(&self) -> Interval {
        let utc = TimeZone::UTC;
        let start = self
            .start
            .checked_sub(1.day())
            .ok()
            .and_then(|d| d.to_zoned(utc.clone()).ok())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN);
        let end = self
            .end()
            .checked_add(1.day())
            .ok()
            .and_then(|d| d.to_zoned(utc).ok())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX);
        Interval { start, end }
    }
}
