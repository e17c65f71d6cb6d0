//! [`GroupBuilder`]: a [`Group`] with sensible defaults.

use crate::mail::GroupMail;
use crate::model::{Cadence, Charter, Escalation, Group, RequiredRole, ShortOfQuorum, Zone};
use jiff::civil::{Time, Weekday, time};

use super::{DEFAULT_ZONE, zone};

/// Builds a [`Group`].
///
/// Defaults: named after the id, format `check-in`, no members, weekly,
/// 60 minutes on Tuesdays between 09:00 and 17:00 Europe/London, quorum
/// 2; no preferred windows or days, required roles, escalation contacts,
/// location, video link or settings; an empty charter; the real name in
/// feeds; a short occurrence moves; the default reminder offsets.
#[derive(Debug, Clone)]
#[must_use]
pub struct GroupBuilder {
    group: Group,
}

impl GroupBuilder {
    /// A group with the id `id` and the defaults above.
    pub fn new(id: &str) -> Self {
        GroupBuilder {
            group: Group {
                mail: GroupMail::default(),
                id: id.to_string(),
                name: id.to_string(),
                format: "check-in".to_string(),
                members: Vec::new(),
                cadence: Cadence::Weekly,
                duration_minutes: 60,
                days: vec![Weekday::Tuesday],
                earliest: time(9, 0, 0, 0),
                latest: time(17, 0, 0, 0),
                preferred: Vec::new(),
                preferred_days: Vec::new(),
                quorum: 2,
                required_roles: Vec::new(),
                charter: Charter::default(),
                escalation: Vec::new(),
                location: None,
                video_url: None,
                neutral_title: false,
                zone: zone(DEFAULT_ZONE),
                settings: toml::Table::new(),
                short_of_quorum: ShortOfQuorum::default(),
            },
        }
    }

    /// The display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.group.name = name.into();
        self
    }

    /// The format's name, e.g. `check-in`.
    pub fn format(mut self, format: impl Into<String>) -> Self {
        self.group.format = format.into();
        self
    }

    /// The member ids, in order, replacing any set before.
    pub fn members<S: AsRef<str>>(mut self, members: &[S]) -> Self {
        self.group.members = members.iter().map(|m| m.as_ref().to_string()).collect();
        self
    }

    /// How often the group meets.
    pub fn cadence(mut self, cadence: Cadence) -> Self {
        self.group.cadence = cadence;
        self
    }

    /// The length of a session, in minutes.
    pub fn duration_minutes(mut self, minutes: u32) -> Self {
        self.group.duration_minutes = minutes;
        self
    }

    /// The weekdays a session may be on.
    pub fn days(mut self, days: &[Weekday]) -> Self {
        self.group.days = days.to_vec();
        self
    }

    /// The local window sessions must fall in, in the group's zone.
    pub fn window(mut self, earliest: Time, latest: Time) -> Self {
        self.group.earliest = earliest;
        self.group.latest = latest;
        self
    }

    /// The preferred local windows (soft).
    pub fn preferred(mut self, windows: Vec<(Time, Time)>) -> Self {
        self.group.preferred = windows;
        self
    }

    /// The preferred weekdays (soft), a subset of the days.
    pub fn preferred_days(mut self, days: &[Weekday]) -> Self {
        self.group.preferred_days = days.to_vec();
        self
    }

    /// The fewest attendees for a session to take place.
    pub fn quorum(mut self, quorum: u32) -> Self {
        self.group.quorum = quorum;
        self
    }

    /// The roles every session must fill, replacing any set before.
    pub fn required_roles(mut self, roles: Vec<RequiredRole>) -> Self {
        self.group.required_roles = roles;
        self
    }

    /// The charter: purpose, boundaries, membership.
    pub fn charter(mut self, charter: Charter) -> Self {
        self.group.charter = charter;
        self
    }

    /// Who to contact when peer support is not enough.
    pub fn escalation(mut self, contacts: Vec<Escalation>) -> Self {
        self.group.escalation = contacts;
        self
    }

    /// Where the group meets, or nowhere in particular.
    pub fn location(mut self, location: Option<&str>) -> Self {
        self.group.location = location.map(str::to_string);
        self
    }

    /// The video link, or none.
    pub fn video_url(mut self, url: Option<&str>) -> Self {
        self.group.video_url = url.map(str::to_string);
        self
    }

    /// Whether feeds show a neutral title instead of the name.
    pub fn neutral_title(mut self, neutral: bool) -> Self {
        self.group.neutral_title = neutral;
        self
    }

    /// The zone the series time is fixed in.
    pub fn zone(mut self, zone: Zone) -> Self {
        self.group.zone = zone;
        self
    }

    /// The format's `[settings]` table.
    pub fn settings(mut self, settings: toml::Table) -> Self {
        self.group.settings = settings;
        self
    }

    /// What happens to an occurrence short of quorum or roles.
    pub fn short_of_quorum(mut self, short: ShortOfQuorum) -> Self {
        self.group.short_of_quorum = short;
        self
    }

    /// The group's own reminder offsets.
    pub fn mail(mut self, mail: GroupMail) -> Self {
        self.group.mail = mail;
        self
    }

    /// Changes anything else on the group being built.
    pub fn with(mut self, change: impl FnOnce(&mut Group)) -> Self {
        change(&mut self.group);
        self
    }

    /// The group.
    pub fn build(self) -> Group {
        self.group
    }
}
