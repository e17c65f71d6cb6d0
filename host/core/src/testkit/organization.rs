//! [`OrganizationBuilder`]: an [`Organization`] with sensible defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::formats::Formats;
use crate::mail::MailSettings;
use crate::model::{
    ClientFacing, FeedSettings, Group, Org, Organization, PartnerContact, Person, StoreSettings,
    WorkingHours, Zone,
};
use jiff::civil::{Date, Time, time};

use super::{DEFAULT_ZONE, zone};

/// Builds an [`Organization`].
///
/// Defaults: "Clinic" in the policy folder `.`, in Europe/London, working
/// Monday to Friday 09:00–17:00, a six-week horizon with no start date,
/// no holidays, no buffer, every busy event client-facing, the default
/// feed, store and mail settings, no weekly cap, partners told first names
/// only; no people or groups; the built-in formats.
#[derive(Debug, Clone)]
#[must_use]
pub struct OrganizationBuilder {
    org: Organization,
}

impl Default for OrganizationBuilder {
    fn default() -> Self {
        OrganizationBuilder::new()
    }
}

impl OrganizationBuilder {
    /// An organization with the defaults above.
    pub fn new() -> Self {
        OrganizationBuilder {
            org: Organization {
                formats: Arc::default(),
                org: Org {
                    mail: MailSettings::default(),
                    partner_contact: PartnerContact::default(),
                    dir: PathBuf::from("."),
                    name: "Clinic".to_string(),
                    zone: zone(DEFAULT_ZONE),
                    working_hours: WorkingHours::weekdays(time(9, 0, 0, 0), time(17, 0, 0, 0)),
                    horizon_weeks: 6,
                    start: None,
                    holidays: Vec::new(),
                    holiday_calendars: Vec::new(),
                    buffer_minutes: 0,
                    client_facing: ClientFacing::All,
                    store: StoreSettings::default(),
                    feeds: FeedSettings::default(),
                    weekly_cap_minutes: None,
                },
                people: BTreeMap::new(),
                groups: Vec::new(),
            },
        }
    }

    /// The organization's name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.org.org.name = name.into();
        self
    }

    /// The policy folder (holds `peerwell.toml`).
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.org.org.dir = dir.into();
        self
    }

    /// The organization's time zone.
    pub fn zone(mut self, zone: Zone) -> Self {
        self.org.org.zone = zone;
        self
    }

    /// The default working hours.
    pub fn working_hours(mut self, hours: WorkingHours) -> Self {
        self.org.org.working_hours = hours;
        self
    }

    /// The default working hours: Monday to Friday from `start` to `end`.
    pub fn weekdays(self, start: Time, end: Time) -> Self {
        self.working_hours(WorkingHours::weekdays(start, end))
    }

    /// The planning horizon, in weeks.
    pub fn horizon_weeks(mut self, weeks: u32) -> Self {
        self.org.org.horizon_weeks = weeks;
        self
    }

    /// The earliest first day of the horizon (`start`), or none.
    pub fn start(mut self, start: Option<Date>) -> Self {
        self.org.org.start = start;
        self
    }

    /// The holiday dates, replacing any set before.
    pub fn holidays(mut self, holidays: Vec<Date>) -> Self {
        self.org.org.holidays = holidays;
        self
    }

    /// Minutes kept free after each client-facing event.
    pub fn buffer_minutes(mut self, minutes: u32) -> Self {
        self.org.org.buffer_minutes = minutes;
        self
    }

    /// Which busy events count as client-facing.
    pub fn client_facing(mut self, client_facing: ClientFacing) -> Self {
        self.org.org.client_facing = client_facing;
        self
    }

    /// Feed publishing settings.
    pub fn feeds(mut self, feeds: FeedSettings) -> Self {
        self.org.org.feeds = feeds;
        self
    }

    /// The default weekly cap on each person's minutes, or none.
    pub fn weekly_cap_minutes(mut self, minutes: Option<u32>) -> Self {
        self.org.org.weekly_cap_minutes = minutes;
        self
    }

    /// Where planning state lives and its freeze window.
    pub fn store(mut self, store: StoreSettings) -> Self {
        self.org.org.store = store;
        self
    }

    /// Reminder email settings.
    pub fn mail(mut self, mail: MailSettings) -> Self {
        self.org.org.mail = mail;
        self
    }

    /// What pair and trio members learn about each other.
    pub fn partner_contact(mut self, contact: PartnerContact) -> Self {
        self.org.org.partner_contact = contact;
        self
    }

    /// Adds a person (replacing one with the same id).
    pub fn person(mut self, person: Person) -> Self {
        self.org.people.insert(person.id.clone(), person);
        self
    }

    /// Adds people (replacing those with the same ids).
    pub fn people(self, people: impl IntoIterator<Item = Person>) -> Self {
        people.into_iter().fold(self, Self::person)
    }

    /// Adds a group after those added before.
    pub fn group(mut self, group: Group) -> Self {
        self.org.groups.push(group);
        self
    }

    /// Adds groups after those added before, in order.
    pub fn groups(mut self, groups: impl IntoIterator<Item = Group>) -> Self {
        self.org.groups.extend(groups);
        self
    }

    /// The formats groups can use.
    pub fn formats(mut self, formats: Arc<Formats>) -> Self {
        self.org.formats = formats;
        self
    }

    /// Changes anything else on the organization-wide settings.
    pub fn with_org(mut self, change: impl FnOnce(&mut Org)) -> Self {
        change(&mut self.org.org);
        self
    }

    /// The organization.
    pub fn build(self) -> Organization {
        self.org
    }
}
