//! [`PersonBuilder`]: a [`Person`] with sensible defaults.

use crate::mail::PersonMail;
use crate::model::{CalendarSource, ClientBlock, Person, WorkingHours, Zone};
use jiff::civil::{Date, Time, time};

use super::{DEFAULT_ZONE, zone};

/// Builds a [`Person`].
///
/// Defaults: named after the id, email `<id>@example.org`, in
/// Europe/London, working Monday to Friday 09:00–17:00; no tags, site,
/// start date, calendars, client blocks, buffer or weekly cap; the default
/// reminder settings.
#[derive(Debug, Clone)]
#[must_use]
pub struct PersonBuilder {
    person: Person,
}

impl PersonBuilder {
    /// A person with the id `id` and the defaults above.
    pub fn new(id: &str) -> Self {
        PersonBuilder {
            person: Person {
                mail: PersonMail::default(),
                id: id.to_string(),
                name: id.to_string(),
                email: format!("{id}@example.org"),
                zone: zone(DEFAULT_ZONE),
                working_hours: WorkingHours::weekdays(time(9, 0, 0, 0), time(17, 0, 0, 0)),
                tags: Vec::new(),
                site: None,
                start_date: None,
                calendars: Vec::new(),
                client_blocks: Vec::new(),
                buffer_minutes: 0,
                weekly_cap_minutes: None,
            },
        }
    }

    /// The display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.person.name = name.into();
        self
    }

    /// The email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.person.email = email.into();
        self
    }

    /// The person's time zone.
    pub fn zone(mut self, zone: Zone) -> Self {
        self.person.zone = zone;
        self
    }

    /// The person's working hours.
    pub fn working_hours(mut self, hours: WorkingHours) -> Self {
        self.person.working_hours = hours;
        self
    }

    /// Works Monday to Friday from `start` to `end`.
    pub fn weekdays(self, start: Time, end: Time) -> Self {
        self.working_hours(WorkingHours::weekdays(start, end))
    }

    /// The tags (roles, teams), replacing any set before.
    pub fn tags<S: AsRef<str>>(mut self, tags: &[S]) -> Self {
        self.person.tags = tags.iter().map(|t| t.as_ref().to_string()).collect();
        self
    }

    /// The site, or none.
    pub fn site(mut self, site: Option<&str>) -> Self {
        self.person.site = site.map(str::to_string);
        self
    }

    /// The first date a session may be planned for the person, or none.
    pub fn start_date(mut self, date: Option<Date>) -> Self {
        self.person.start_date = date;
        self
    }

    /// Adds a busy calendar.
    pub fn calendar(mut self, source: CalendarSource) -> Self {
        self.person.calendars.push(source);
        self
    }

    /// The declared recurring client blocks, replacing any set before.
    pub fn client_blocks(mut self, blocks: Vec<ClientBlock>) -> Self {
        self.person.client_blocks = blocks;
        self
    }

    /// Minutes kept free after each client-facing event.
    pub fn buffer_minutes(mut self, minutes: u32) -> Self {
        self.person.buffer_minutes = minutes;
        self
    }

    /// The most peer-support minutes per week, or no cap.
    pub fn weekly_cap_minutes(mut self, minutes: Option<u32>) -> Self {
        self.person.weekly_cap_minutes = minutes;
        self
    }

    /// Reminder opt-out and quiet hours.
    pub fn mail(mut self, mail: PersonMail) -> Self {
        self.person.mail = mail;
        self
    }

    /// Changes anything else on the person being built.
    pub fn with(mut self, change: impl FnOnce(&mut Person)) -> Self {
        change(&mut self.person);
        self
    }

    /// The person.
    pub fn build(self) -> Person {
        self.person
    }
}
