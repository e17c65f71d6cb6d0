//! The whole pipeline in one place: policy folder → busy time → plan.
//!
//! Each stage reports its own problems; a broken calendar blocks only the
//! groups of its owner, so a run always gets as far as it can.
//!
//! Stable planning ([`Loaded::plan_stable`]) reads the published state
//! ([`peerwell_store`]): the planner keeps published series times where it
//! can; published sessions that already started or start inside the freeze
//! window are kept verbatim (except that a member who declared themselves
//! absent from a frozen session is taken out of it and a role they held
//! passes on, at the same time), and so are the published sessions of
//! groups an input failure blocks (the last good state keeps serving).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use peerwell_config::files::ReadError;
use peerwell_config::{Diagnostics, FileAccess};
use peerwell_core::busy::{PersonBusy, person_busy};
use peerwell_core::calendar::{CalendarError, ReadCause, read_calendar, read_holiday_dates};
use peerwell_core::feeds::FeedOptions;
use peerwell_core::formats::Formats;
use peerwell_core::model::{EPOCH_MONDAY, Horizon, Organization, Person};
use peerwell_core::schedule::{self, Availability, GroupOutcome, Plan, Previous};
use peerwell_store::{Commit, Status, Store, StoreError};

use crate::sources::UrlBodies;

mod history;
pub use history::{Announce, PlanError};

/// The environment variable that overrides `data_dir` in `peerwell.toml`.
pub const DATA_DIR_ENV: &str = "PEERWELL_DATA_DIR";

/// What the caller may override from the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// First day of the horizon (its week's Monday is used).
    pub from: Option<Date>,
    /// Weeks in the horizon (default: `horizon_weeks` of the policy).
    pub weeks: Option<u32>,
    /// The current time (default: the clock): the default start of the
    /// horizon, the freeze window, and what is in the past.
    pub now: Option<Timestamp>,
}

/// The organization with everyone's busy time read.
pub struct Loaded {
    /// The checked policy.
    pub org: Organization,
    /// The weeks this run plans.
    pub horizon: Horizon,
    /// Each person's busy time; the spans keep their source calendar.
    pub availability: Availability,
    /// Calendars that could not be read. Each blocks its owner's groups.
    pub calendar_errors: Vec<(String, CalendarError)>,
    /// Problems that did not stop a read, prefixed with the file: what was
    /// read leniently and what was assumed (never event text).
    pub warnings: Vec<String>,
    /// The same warnings by member id (calendars of that member only).
    pub member_warnings: BTreeMap<String, Vec<String>>,
    /// The built-in formats and the policy's plugins, by name.
    pub formats: std::sync::Arc<Formats>,
}

/// Why nothing could be planned at all.
#[derive(Debug)]
pub enum LoadError {
    /// The policy files are invalid.
    Config(Diagnostics),
    /// An organization-wide input (a holiday calendar) could not be read.
    Holidays(Vec<CalendarError>),
}

impl LoadError {
    /// Whether loading failed only because the process ran out of file
    /// descriptors, so that loading again later may succeed.
    pub fn exhausted(&self) -> bool {
        match self {
            LoadError::Config(d) => d.exhausted(),
            LoadError::Holidays(errors) => errors.iter().any(|e| e.cause == ReadCause::Exhausted),
        }
    }
}

/// `{}` is for what leaves the process (the daemon's log, `/healthz`): no
/// quoted text of any file ([`Diagnostics::public`]). `{:#}` is for a
/// terminal: each policy error quotes and underlines its line.
impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Config(d) if f.alternate() => write!(f, "{d}"),
            LoadError::Config(d) => write!(f, "{}", d.public()),
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

impl std::error::Error for LoadError {}

/// Today's date in the organization's zone; the default start of a plan.
pub fn today(org: &Organization) -> Date {
    day_of(org, Timestamp::now())
}

/// The date of `now` in the organization's zone.
pub fn day_of(org: &Organization, now: Timestamp) -> Date {
    now.to_zoned(org.org.zone.tz.clone()).date()
}

/// The state file: in `data_dir` from the command line, else in
/// `$PEERWELL_DATA_DIR` (when set and not empty), else in `data_dir` from
/// `peerwell.toml` (default `.peerwell` in the policy folder).
pub fn state_path(org: &Organization, data_dir: Option<&Path>) -> PathBuf {
    let env = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty());
    let dir = match (data_dir, env) {
        (Some(d), _) => d.to_path_buf(),
        (None, Some(e)) => PathBuf::from(e),
        // The policy loader already resolves `data_dir` against the policy
        // folder; joining a relative folder again would double it.
        (None, None) if org.org.store.data_dir.starts_with(&org.org.dir) => {
            org.org.store.data_dir.clone()
        }
        (None, None) => org.org.dir.join(&org.org.store.data_dir),
    };
    dir.join(peerwell_store::FILE_NAME)
}

/// Where the state lives: the database `PEERWELL_STATE_URL` or `[state]
/// url` names, else the SQLite file [`state_path`] gives. A wrong URL or
/// password source is an error naming the setting.
pub fn state_location(
    org: &Organization,
    data_dir: Option<&Path>,
) -> Result<peerwell_store::StateLocation, peerwell_store::StoreError> {
    let settings = &org.org.store.state;
    let config = peerwell_store::StateConfig {
        url: settings.url.as_deref(),
        password_env: settings.password_env.as_deref(),
        passfile: settings.passfile.as_deref(),
    };
    peerwell_store::StateLocation::resolve(state_path(org, data_dir), &config, |k| {
        std::env::var(k).ok()
    })
}

/// The horizon a run plans: from `--from` when given, else from the week of
/// `now` (or of `start` in `peerwell.toml` when that is later), for
/// `--weeks` or `horizon_weeks` weeks. Session indices and every-N-weeks
/// phases count from `start` when set, else from [`EPOCH_MONDAY`], so they
/// do not change as the horizon moves with the clock.
pub fn horizon_for(org: &Organization, overrides: Overrides) -> Horizon {
    let today = day_of(org, overrides.now.unwrap_or_else(Timestamp::now));
    let from = overrides
        .from
        .unwrap_or_else(|| org.org.start.map_or(today, |s| s.max(today)));
    let weeks = overrides.weeks.unwrap_or(org.org.horizon_weeks);
    Horizon::anchored(from, weeks, org.org.start.unwrap_or(EPOCH_MONDAY))
}

/// The options every feed of this run shares. Each event's DTSTAMP is the
/// time of its last revision recorded in the state (see
/// `StoredSession::changed_at`), never the clock of this run, so the same
/// inputs and state give the same bytes and no DTSTAMP lies in the future.
/// SEQUENCEs and cancellations come from the commit too.
pub fn feed_options(_loaded: &Loaded, commit: &Commit) -> FeedOptions {
    // Only for an event the commit does not know (none in practice): the
    // latest revision, else the Unix epoch.
    let dtstamp = commit
        .revised
        .values()
        .max()
        .copied()
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    FeedOptions {
        dtstamp,
        sequence: commit.sequences.clone(),
        revised: commit.revised.clone(),
        cancelled: commit
            .cancelled
            .iter()
            .map(|s| (s.group.clone(), s.index))
            .collect(),
    }
}

/// Loads the policy folder and reads every calendar; calendars given as
/// URLs are fetched once first (`[server]` fetch timeout and size cap).
pub fn load(dir: &Path, overrides: Overrides) -> Result<Loaded, LoadError> {
    load_with(dir, overrides, &|wanted| {
        let settings = peerwell_config::server::load(dir).unwrap_or_default();
        crate::sources::fetch_once(wanted, &settings)
    })
}

/// The plugin host as the policy reader's loader, with the default compile
/// cache.
pub fn plugins() -> peerwell_plugins::Loader {
    peerwell_plugins::Loader::cached()
}

/// Reads and checks the policy folder `dir`, loading its plugins: the
/// policy alone, without calendars or state.
pub fn policy(dir: &Path) -> Result<Organization, Diagnostics> {
    peerwell_config::load(dir, &plugins())
}

/// Gets the bytes of the `(person, url)` calendars a policy names.
pub type FetchUrls<'a> = dyn Fn(&[(String, String)]) -> UrlBodies + 'a;

/// As [`load`], with URL calendars' bytes from `urls` (the daemon's cache),
/// called only when the policy names some; a URL missing from its answer
/// is a calendar error.
pub fn load_with(
    dir: &Path,
    overrides: Overrides,
    urls: &FetchUrls<'_>,
) -> Result<Loaded, LoadError> {
    load_inner(dir, overrides, urls)
}

/// Every calendar URL of the organization with the person it belongs to,
/// in person order.
pub fn calendar_urls(org: &Organization) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in org.people.values() {
        for c in &p.calendars {
            if let Some(u) = &c.url {
                out.push((p.id.clone(), u.clone()));
            }
        }
    }
    out
}

fn load_inner(dir: &Path, overrides: Overrides, urls: &FetchUrls<'_>) -> Result<Loaded, LoadError> {
    let (mut org, access) =
        peerwell_config::load_with_access(dir, &plugins()).map_err(LoadError::Config)?;
    let wanted = calendar_urls(&org);
    let urls = if wanted.is_empty() {
        UrlBodies::new()
    } else {
        urls(&wanted)
    };
    let urls = &urls;
    // Plugins see the planning moment through their `now` import.
    org.formats
        .set_planning_time(overrides.now.unwrap_or_else(Timestamp::now));
    let horizon = horizon_for(&org, overrides);
    let window = horizon.window();

    let mut holiday_errors = Vec::new();
    for path in &org.org.holiday_calendars {
        let label = relative_label(dir, path);
        match access.read_calendar(path) {
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

    // Calendars are read on every core, and merged in person id order.
    let people: Vec<&Person> = org.people.values().collect();
    let read =
        peerwell_core::parallel::map(&people, peerwell_core::parallel::threads(), |person| {
            let mut warnings = Vec::new();
            let busy = read_person(person, &horizon, urls, &access, &mut warnings);
            (busy, warnings)
        });
    let mut availability = Availability::new();
    let mut calendar_errors = Vec::new();
    let mut warnings = Vec::new();
    let mut member_warnings = BTreeMap::new();
    for (person, (busy, w)) in people.into_iter().zip(read) {
        warnings.extend(w.iter().cloned());
        if !w.is_empty() {
            member_warnings.insert(person.id.clone(), w);
        }
        match busy {
            Ok(busy) => {
                availability.insert(person.id.clone(), Ok(busy));
            }
            Err(e) => {
                availability.insert(person.id.clone(), Err(e.to_string().into()));
                calendar_errors.push((person.id.clone(), e));
            }
        }
    }
    let formats = org.formats.clone();
    Ok(Loaded {
        org,
        horizon,
        availability,
        calendar_errors,
        warnings,
        member_warnings,
        formats,
    })
}

/// A person's busy time from all their calendars. Each calendar's own
/// spans are dropped once merged.
fn read_person(
    person: &Person,
    horizon: &Horizon,
    urls: &UrlBodies,
    access: &FileAccess,
    warnings: &mut Vec<String>,
) -> Result<PersonBusy, CalendarError> {
    let window = horizon.window();
    let mut read = Vec::with_capacity(person.calendars.len());
    for source in &person.calendars {
        let fetched;
        let data: &[u8] = match &source.url {
            Some(url) => match urls.get(url) {
                Some(Ok(bytes)) => bytes,
                Some(Err(why)) => return Err(url_error(&source.label, why.to_string())),
                None => return Err(url_error(&source.label, "not fetched yet".to_string())),
            },
            None => {
                fetched = access
                    .read_calendar(&source.path)
                    .map_err(|e| io_error(&source.label, &e))?;
                &fetched
            }
        };
        let busy = read_calendar(
            &source.label,
            data,
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
    Ok(person_busy(person, &read, horizon))
}

fn url_error(label: &str, message: String) -> CalendarError {
    CalendarError {
        file: label.to_string(),
        line: None,
        message,
        cause: ReadCause::Input,
    }
}

/// Why a calendar file was not read. The message never quotes the file.
fn io_error(label: &str, e: &ReadError) -> CalendarError {
    let message = match e {
        ReadError::NotFound => {
            "file not found (check the path; it is relative to the policy file)".to_string()
        }
        e => e.to_string(),
    };
    let cause = if e.out_of_descriptors() {
        ReadCause::Exhausted
    } else {
        ReadCause::Input
    };
    CalendarError {
        file: label.to_string(),
        line: None,
        message,
        cause,
    }
}

fn relative_label(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

impl Loaded {
    /// Plans every group from scratch, ignoring what was published.
    pub fn plan(&self) -> Plan {
        schedule::plan(&self.org, &self.availability, self.horizon, &self.formats)
    }

    /// Plans every group given what was published before.
    pub fn plan_with(&self, previous: &Previous) -> Plan {
        schedule::plan_with(
            &self.org,
            &self.availability,
            self.horizon,
            &self.formats,
            previous,
        )
    }

    /// The freeze window from `freeze_hours`.
    pub fn freeze(&self) -> SignedDuration {
        SignedDuration::from_hours(i64::from(self.org.org.store.freeze_hours))
    }

    /// Each group's zone name, for the stored series times.
    pub fn zones(&self) -> BTreeMap<String, String> {
        self.org
            .groups
            .iter()
            .map(|g| (g.id.clone(), g.zone.name.clone()))
            .collect()
    }

    /// Plans stably against the published state at `now`: published series
    /// times are offered to the planner (unless the group's zone changed);
    /// published active sessions of current groups that start from the
    /// horizon's start up to `now + freeze` stay exactly as published; so do
    /// all future published sessions of groups that are blocked by an input
    /// failure. Nothing is written.
    ///
    /// Published active sessions from `now` up to the horizon's start are
    /// the history role rotation continues from. Weeks between the last
    /// published session and a later horizon start (`--from`) have no such
    /// history here: the commands plan such a horizon with
    /// [`Loaded::plan_continued`], which first plans the horizons between
    /// into a copy of the state in memory, as the stateful flow would have
    /// published them.
    pub fn plan_stable(&self, store: &Store, now: Timestamp) -> Result<Plan, StoreError> {
        let freeze = self.freeze();
        let zones = self.zones();
        let mut previous = store.previous(now, freeze)?;
        let stored_series = store.series()?;
        previous
            .series
            .retain(|group, _| stored_series.get(group).map(|s| &s.zone) == zones.get(group));
        previous.frozen.retain(|s| zones.contains_key(&s.group));
        let from = self.horizon.window().start;
        let stored = store.sessions()?;
        // Published sessions before a later horizon start (`--from`) are
        // history too: role rotation continues from them rather than
        // restarting where the horizon starts.
        previous.past.extend(
            stored
                .values()
                .filter(|s| s.status == Status::Active)
                .filter(|s| now <= s.session.start && s.session.start < from)
                .map(|s| s.session.clone()),
        );
        let mut plan = self.plan_with(&previous);

        let blocked: std::collections::BTreeSet<&str> = plan
            .outcomes
            .iter()
            .filter(|(_, o)| matches!(o, GroupOutcome::Blocked { .. }))
            .map(|(g, _)| g.as_str())
            .collect();
        let until = now.checked_add(freeze).unwrap_or(Timestamp::MAX);
        // A frozen session an attendee declared themselves absent from was
        // planned again without them (same time): that one stands.
        let absent = &previous.absent;
        let replanned = |s: &schedule::Session| {
            absent
                .get(&(s.group.clone(), s.index))
                .is_some_and(|ids| s.attendees.iter().any(|a| ids.contains(a)))
        };
        let keep: Vec<_> = stored
            .into_values()
            .filter(|s| s.status == Status::Active && zones.contains_key(&s.session.group))
            .filter(|s| {
                let start = s.session.start;
                let group = s.session.group.as_str();
                (from <= start && start < until && !replanned(&s.session))
                    || (start >= now && blocked.contains(group))
            })
            .map(|s| s.session)
            .collect();
        peerwell_store::pin(&mut plan, keep);
        Ok(plan)
    }
}
