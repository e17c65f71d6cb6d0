//! `peerwell.toml`: the organization file.

use std::path::PathBuf;

use super::source::{SourceFile, file_error};
use super::values::{HOURS_KEYS, default_hours, working_hours, zone};
use super::walk::{Out, Table, array, date, string, strings, text};
use peerwell_core::model::{
    ClientFacing, FeedSettings, Org, PartnerContact, StateSettings, StoreSettings, Zone,
};

const KEYS: &[&str] = &[
    "version",
    "name",
    "time_zone",
    "horizon_weeks",
    "start",
    "buffer_minutes",
    "people",
    "groups",
    "working_hours",
    "holidays",
    "client_facing",
    "feeds",
    "data_dir",
    "freeze_hours",
    "weekly_cap_minutes",
    "plugins",
    "server",
    "mail",
    "allow_outside",
    "partner_contact",
    "state",
];

/// Allowed weekly caps on peer-support minutes: a quarter hour to a week.
pub(crate) const CAP_RANGE: std::ops::RangeInclusive<i64> = 15..=10_080;

/// Where the people are described.
#[derive(Debug, Clone)]
pub(crate) enum PeopleSource {
    /// One file.
    File(PathBuf),
    /// Every `*.toml` file in a folder.
    Folder(PathBuf),
}

/// What the org file says, plus where to find people and groups. Fields
/// that failed validation hold defaults (the errors are already reported).
pub(crate) struct OrgFile {
    pub org: Org,
    pub people: Option<PeopleSource>,
    pub groups: Option<PathBuf>,
    /// `[plugins.<name>]`, in name order.
    pub plugins: Vec<peerwell_core::plugin_spec::PluginSpec>,
    /// Folders outside the policy folder that policy and calendar files may
    /// be read from (`allow_outside`), resolved.
    pub allow_outside: Vec<PathBuf>,
    /// Largest calendar file, in MiB (`max_calendar_mib` in `[server]`,
    /// or `PEERWELL_MAX_CALENDAR_MIB`).
    pub calendar_mib: u32,
}

/// Org settings used when `peerwell.toml` cannot be read, so that the other
/// files can still be checked.
pub(crate) fn fallback(dir: PathBuf) -> OrgFile {
    let people = if dir.join("people.toml").exists() {
        Some(PeopleSource::File(dir.join("people.toml")))
    } else {
        Some(PeopleSource::Folder(dir.join("people")))
    };
    let groups = Some(dir.join("groups"));
    let store = StoreSettings {
        data_dir: dir.join(".peerwell"),
        ..StoreSettings::default()
    };
    OrgFile {
        org: Org {
            dir,
            name: String::new(),
            zone: utc(),
            working_hours: default_hours(),
            horizon_weeks: 12,
            start: None,
            holidays: Vec::new(),
            holiday_calendars: Vec::new(),
            buffer_minutes: 15,
            client_facing: ClientFacing::All,
            feeds: FeedSettings::default(),
            store,
            weekly_cap_minutes: None,
            mail: peerwell_core::mail::MailSettings::default(),
            partner_contact: PartnerContact::None,
        },
        people,
        groups,
        plugins: Vec::new(),
        allow_outside: Vec::new(),
        calendar_mib: super::server::ServerSettings::default().max_calendar_mib,
    }
}

fn utc() -> Zone {
    Zone {
        name: "UTC".to_string(),
        tz: jiff::tz::TimeZone::UTC,
    }
}

/// Reads the org file's root table.
pub(crate) fn read(
    src: &SourceFile,
    root: &toml::de::DeTable<'_>,
    dir: PathBuf,
    out: &mut Out,
) -> OrgFile {
    let t = Table::new(src, root, 0..0, "peerwell.toml", KEYS, out);
    let mut file = fallback(dir);
    let org = &mut file.org;
    t.version(out);
    org.name = t
        .required_text("name", "name = \"Riverbend Community Mental Health\"", out)
        .unwrap_or_default();
    if let Some(v) = t.required("time_zone", "time_zone = \"America/Chicago\"", out)
        && let Some(z) = zone(src, v, out)
    {
        org.zone = z;
    }
    org.horizon_weeks = t
        .integer("horizon_weeks", 1..=104, out)
        .map_or(12, |n| n as u32);
    org.start = t.date("start", out);
    org.buffer_minutes = t
        .integer("buffer_minutes", 0..=240, out)
        .map_or(15, |n| n as u32);
    org.weekly_cap_minutes = t
        .integer("weekly_cap_minutes", CAP_RANGE, out)
        .map(|n| n as u32);
    if let Some(h) = t.table("working_hours", &HOURS_KEYS, out) {
        org.working_hours = working_hours(&h, out).unwrap_or_else(default_hours);
    }
    if let Some(h) = t.table("holidays", &["dates", "calendars"], out) {
        holidays(src, &h, org, out);
    }
    if let Some(c) = t.table(
        "client_facing",
        &["mode", "categories", "summary_contains"],
        out,
    ) {
        org.client_facing = client_facing(&c, out);
    }
    if let Some(f) = t.table("feeds", &["refresh_minutes"], out) {
        org.feeds.refresh_minutes = f
            .integer("refresh_minutes", 15..=10080, out)
            .map_or(720, |n| n as u32);
    }
    if let Some(d) = t.get("data_dir").and_then(|v| text(src, v, out)) {
        org.store.data_dir = src.resolve(&d);
    }
    org.store.freeze_hours = t
        .integer("freeze_hours", 0..=336, out)
        .map_or(24, |n| n as u32);
    org.store.state = state(&t, out);
    file.people = people(&t, out);
    file.groups = groups(&t, out);
    file.plugins = super::plugins::read(&t, out);
    // Checked here so `check` reports it; the daemon reads it with
    // `config::server::load`.
    let server = super::server::read(&t, out);
    file.calendar_mib = server
        .clone()
        .with_env(|k| std::env::var(k).ok())
        .unwrap_or(server)
        .max_calendar_mib;
    file.org.mail = super::mail::read_org(&t, &file.org.name, out);
    file.allow_outside = allow_outside(&t, out);
    file.org.partner_contact = partner_contact(&t, out);
    file
}

/// `[holidays]`: fixed dates (sorted, each once) and holiday calendars.
fn holidays(src: &SourceFile, h: &Table<'_, '_>, org: &mut Org, out: &mut Out) {
    if let Some(v) = h.get("dates")
        && let Some(a) = array(src, v, "an array of dates", out)
    {
        org.holidays = a.iter().filter_map(|d| date(src, d, out)).collect();
        org.holidays.sort();
        org.holidays.dedup();
    }
    if let Some(v) = h.get("calendars") {
        org.holiday_calendars = strings(src, v, out)
            .into_iter()
            .map(|(p, _)| src.resolve(&p))
            .collect();
    }
}

/// `[state]`: a `postgres://` URL that must not hold a password, the
/// variable holding the password and a `.pgpass`-format file.
fn state(t: &Table<'_, '_>, out: &mut Out) -> StateSettings {
    let mut settings = StateSettings::default();
    let Some(s) = t.table("state", &["url", "password_env", "passfile"], out) else {
        return settings;
    };
    let src = s.src;
    settings.url = s.get("url").and_then(|v| state_url(src, v, out));
    settings.password_env = s.get("password_env").and_then(|v| text(src, v, out));
    settings.passfile = s
        .get("passfile")
        .and_then(|v| text(src, v, out))
        .map(|p| src.resolve(&p));
    settings
}

const URL_HINT: &str = "write postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full; leave \
     `[state]` out to keep the state in the data directory (SQLite)";

const PASSWORD_HINT: &str = "remove the password from the URL and give it in \
     PEERWELL_STATE_PASSWORD (or the variable `password_env` names) or a .pgpass file \
     (`passfile`)";

/// `[state] url`: a PostgreSQL URL without a password. The error for one
/// with a password does not quote the line.
fn state_url(src: &SourceFile, v: &super::walk::Val<'_>, out: &mut Out) -> Option<String> {
    let url = text(src, v, out)?;
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"));
    let Some(rest) = rest else {
        let message = "`[state] url`: expected a PostgreSQL URL starting with postgres://";
        out.push(src.error(v.span(), message, Some(URL_HINT.to_string())));
        return None;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let userinfo = authority.rsplit_once('@').map_or("", |(u, _)| u);
    if userinfo.contains(':') || url.contains("password=") {
        let message = "`[state] url` holds a password; a policy file must never hold one";
        let mut d = src.error(v.span(), message, Some(PASSWORD_HINT.to_string()));
        d.snippet = None;
        out.push(d);
        return None;
    }
    Some(url)
}

/// `allow_outside`: folders outside the policy folder that files may be
/// read from; each must exist.
fn allow_outside(t: &Table<'_, '_>, out: &mut Out) -> Vec<PathBuf> {
    let Some(v) = t.get(super::files::ALLOW_OUTSIDE) else {
        return Vec::new();
    };
    let mut folders = Vec::new();
    for (s, at) in strings(t.src, v, out) {
        match t.src.resolve(&s).canonicalize() {
            Ok(p) if p.is_dir() => folders.push(p),
            _ => out.push(
                t.src.error(
                    at,
                    "this folder does not exist",
                    Some(
                        "list existing folders, e.g. allow_outside = [\"/srv/exports/calendars\"]"
                            .to_string(),
                    ),
                ),
            ),
        }
    }
    folders
}

/// `partner_contact`: what pairs learn about each other besides the first
/// name.
fn partner_contact(t: &Table<'_, '_>, out: &mut Out) -> PartnerContact {
    let Some(v) = t.get("partner_contact") else {
        return PartnerContact::None;
    };
    match string(t.src, v, out).as_deref() {
        Some("email") => PartnerContact::Email,
        Some("none") | None => PartnerContact::None,
        Some(other) => {
            out.push(
                t.src.error(
                    v.span(),
                    format!("expected \"none\" or \"email\", found \"{other}\""),
                    Some(
                        "\"none\": pairs learn each other's first name only; \"email\": also \
                     the email address, in their own feed and reminders"
                            .to_string(),
                    ),
                ),
            );
            PartnerContact::None
        }
    }
}

/// `[client_facing] mode`: which busy events count as client-facing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every busy event.
    All,
    /// Only events matching the rules.
    Matching,
}

fn client_facing(c: &Table<'_, '_>, out: &mut Out) -> ClientFacing {
    let rules = |key: &str, out: &mut Out| -> (Vec<String>, Option<std::ops::Range<usize>>) {
        match c.get(key) {
            Some(v) => (
                strings(c.src, v, out).into_iter().map(|(s, _)| s).collect(),
                c.key_span(key),
            ),
            None => (Vec::new(), None),
        }
    };
    let (categories, cat_at) = rules("categories", out);
    let (summary_contains, sum_at) = rules("summary_contains", out);
    let mode = match c.get("mode") {
        Some(v) => match string(c.src, v, out).as_deref() {
            Some("all") => Mode::All,
            Some("matching") => Mode::Matching,
            Some(other) => {
                out.push(c.src.error(
                    v.span(),
                    format!("expected \"all\" or \"matching\", found \"{other}\""),
                    Some("\"all\": every busy event is client-facing; \"matching\": only events matching the rules".to_string()),
                ));
                return ClientFacing::All;
            }
            None => return ClientFacing::All,
        },
        None => Mode::All,
    };
    if mode == Mode::All {
        for at in [cat_at, sum_at].into_iter().flatten() {
            out.push(c.src.error(
                at,
                "matching rules are set but [client_facing] mode is \"all\"",
                Some("set `mode = \"matching\"` to use them, or remove them".to_string()),
            ));
        }
        return ClientFacing::All;
    }
    if categories.is_empty() && summary_contains.is_empty() {
        out.push(
            c.src.error(
                c.get("mode").map_or(c.span.clone(), |v| v.span()),
                "mode \"matching\" has no rules, so no event would count as client-facing",
                Some(
                    "add `categories = [\"Client\"]` and/or `summary_contains = [\"session\"]`"
                        .to_string(),
                ),
            ),
        );
    }
    ClientFacing::Matching {
        categories,
        summary_contains,
    }
}

fn people(t: &Table<'_, '_>, out: &mut Out) -> Option<PeopleSource> {
    let folder = t.src.folder();
    match t.get("people") {
        Some(v) => {
            let s = string(t.src, v, out)?;
            let path = folder.join(&s);
            if path.is_dir() {
                Some(PeopleSource::Folder(path))
            } else if path.exists() {
                // Read (or refused, when it is not a regular file) as a file.
                Some(PeopleSource::File(path))
            } else {
                out.push(t.src.error(
                    v.span(),
                    format!("people file or folder \"{s}\" does not exist"),
                    Some("paths are relative to the folder holding peerwell.toml".to_string()),
                ));
                None
            }
        }
        None if folder.join("people.toml").exists() => {
            Some(PeopleSource::File(folder.join("people.toml")))
        }
        None if folder.join("people").is_dir() => Some(PeopleSource::Folder(folder.join("people"))),
        None => {
            out.push(file_error(
                &t.src.name,
                "no people found: there is neither a people.toml file nor a people/ folder",
                Some("create people.toml, or set `people = \"<file or folder>\"`".to_string()),
            ));
            None
        }
    }
}

fn groups(t: &Table<'_, '_>, out: &mut Out) -> Option<PathBuf> {
    let (label, path, at) = match t.get("groups") {
        Some(v) => {
            let s = string(t.src, v, out)?;
            (s.clone(), t.src.folder().join(&s), Some(v.span()))
        }
        None => ("groups".to_string(), t.src.folder().join("groups"), None),
    };
    if path.is_dir() {
        return Some(path);
    }
    let message = format!("groups folder \"{label}\" does not exist");
    let hint = Some("create it and put one <group-id>.toml file per group in it".to_string());
    out.push(match at {
        Some(at) => t.src.error(at, message, hint),
        None => file_error(&t.src.name, message, hint),
    });
    None
}
