//! The whole pipeline in one place: policy folder → busy time → plan.
//!
//! Each stage reports its own problems; a broken calendar blocks only the
//! groups of its owner, so a run always gets as far as it can.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::Date;

use crate::busy::{PersonBusy, person_busy};
use crate::calendar::{CalendarBusy, CalendarError, read_calendar, read_holiday_dates};
use crate::config::{self, Diagnostics};
use crate::formats::Formats;
use crate::model::{Horizon, Organization, Person};
use crate::schedule::{self, Availability, Plan};

/// What the caller may override from the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// First day of the horizon (its week's Monday is used).
    pub from: Option<Date>,
    pub weeks: Option<u32>,
}

/// The organization with everyone's busy time read.
pub struct Loaded {
    pub org: Organization,
    pub horizon: Horizon,
    pub availability: Availability,
    /// Per person, the busy spans of each calendar (aligned with the person's
    /// `calendars`), for `peerwell busy`.
    pub calendars: BTreeMap<String, Vec<CalendarBusy>>,
    /// Calendars that could not be read. Each blocks its owner's groups.
    pub calendar_errors: Vec<(String, CalendarError)>,
    /// Problems that did not stop a read, prefixed with the file.
    pub warnings: Vec<String>,
    pub formats: Formats,
}

/// Why nothing could be planned at all.
#[derive(Debug)]
pub enum LoadError {
    /// The policy files are invalid.
    Config(Diagnostics),
    /// An organization-wide input (a holiday calendar) could not be read.
    Holidays(Vec<CalendarError>),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Config(d) => write!(f, "{d}"),
            LoadError::Holidays(errors) => {
                for e in errors {
                    writeln!(f, "error: holiday calendar {e}")?;
                }
                write!(
                    f,
                    "holidays apply to every group, so nothing is planned until the holiday calendar reads"
                )
            }
        }
    }
}

/// Today's date in the organization's zone; the default start of a plan.
pub fn today(org: &Organization) -> Date {
    jiff::Timestamp::now()
        .to_zoned(org.org.zone.tz.clone())
        .date()
}

/// Loads the policy folder and reads every calendar.
pub fn load(dir: &Path, overrides: Overrides) -> Result<Loaded, LoadError> {
    let mut org = config::load(dir).map_err(LoadError::Config)?;
    let from = overrides
        .from
        .or(org.org.start)
        .unwrap_or_else(|| today(&org));
    let weeks = overrides.weeks.unwrap_or(org.org.horizon_weeks);
    let horizon = Horizon::starting(from, weeks);
    let window = horizon.window();

    let mut holiday_errors = Vec::new();
    for path in &org.org.holiday_calendars {
        let label = relative_label(dir, path);
        match std::fs::read(path) {
            Ok(data) => match read_holiday_dates(&label, &data, window, &org.org.zone.tz) {
                Ok(dates) => org.org.holidays.extend(dates),
                Err(e) => holiday_errors.push(e),
            },
            Err(e) => holiday_errors.push(io_error(&label, &e)),
        }
    }
    if !holiday_errors.is_empty() {
        return Err(LoadError::Holidays(holiday_errors));
    }
    org.org.holidays.sort();
    org.org.holidays.dedup();

    let mut availability = Availability::new();
    let mut calendars = BTreeMap::new();
    let mut calendar_errors = Vec::new();
    let mut warnings = Vec::new();
    for person in org.people.values() {
        match read_person(person, &horizon, &mut warnings) {
            Ok((busy, read)) => {
                availability.insert(person.id.clone(), Ok(busy));
                calendars.insert(person.id.clone(), read);
            }
            Err(e) => {
                availability.insert(person.id.clone(), Err(e.to_string()));
                calendar_errors.push((person.id.clone(), e));
            }
        }
    }
    Ok(Loaded {
        org,
        horizon,
        availability,
        calendars,
        calendar_errors,
        warnings,
        formats: Formats::builtin(),
    })
}

fn read_person(
    person: &Person,
    horizon: &Horizon,
    warnings: &mut Vec<String>,
) -> Result<(PersonBusy, Vec<CalendarBusy>), CalendarError> {
    let window = horizon.window();
    let mut read = Vec::with_capacity(person.calendars.len());
    for source in &person.calendars {
        let data = std::fs::read(&source.path).map_err(|e| io_error(&source.label, &e))?;
        let busy = read_calendar(
            &source.label,
            &data,
            window,
            &source.client_facing,
            &person.zone.tz,
        )?;
        warnings.extend(
            busy.warnings
                .iter()
                .map(|w| format!("{}: {w}", source.label)),
        );
        read.push(busy);
    }
    Ok((person_busy(person, &read, horizon), read))
}

fn io_error(label: &str, e: &std::io::Error) -> CalendarError {
    let message = match e.kind() {
        std::io::ErrorKind::NotFound => {
            "file not found (check the path; it is relative to the policy file)".to_string()
        }
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => format!("cannot be read: {e}"),
    };
    CalendarError {
        file: label.to_string(),
        line: None,
        message,
    }
}

fn relative_label(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

impl Loaded {
    /// Plans every group.
    pub fn plan(&self) -> Plan {
        schedule::plan(&self.org, &self.availability, self.horizon, &self.formats)
    }
}
