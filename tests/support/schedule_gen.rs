//! Random organizations for the scheduler's property tests.
//!
//! Built directly as validated model types (no TOML), from a seed, so that a
//! failing case can be replayed from the seed proptest prints. Horizons are
//! placed so that both America/New_York and Europe/London change their
//! clocks inside them.

use jiff::civil::{Date, Time, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, ToSpan};
use peerwell_core::busy::{BusySource, BusySpan, PersonBusy};
use peerwell_core::model::{
    Cadence, Group, Horizon, Interval, Organization, Person, RequiredRole, WorkingHours, Zone,
};
use peerwell_core::schedule::Availability;
use peerwell_testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let width = (hi - lo + 1).max(1) as u64;
        lo + (self.bits() % width) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.bits() % 100 < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

/// A generated organization with its busy time and horizon.
pub struct Generated {
    pub org: Organization,
    pub availability: Availability,
    pub horizon: Horizon,
}

const ZONES: &[&str] = &["America/New_York", "Europe/London", "America/Chicago"];
const TAGS: &[&str] = &["clinician", "supervisor", "lead"];
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

fn zone(name: &str) -> Zone {
    Zone::iana(name).unwrap_or(Zone {
        name: "UTC".to_string(),
        tz: TimeZone::UTC,
    })
}

fn hm(minutes: i64) -> Time {
    Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).unwrap_or(Time::midnight())
}

fn working_hours(rng: &mut Rng) -> WorkingHours {
    let mut days: [Vec<(Time, Time)>; 7] = Default::default();
    for (i, day) in days.iter_mut().enumerate() {
        let worked = if i < 5 {
            rng.chance(85)
        } else {
            rng.chance(10)
        };
        if !worked {
            continue;
        }
        let start = rng.range(14, 20) * 30; // 07:00–10:00
        let end = rng.range(30, 38) * 30; // 15:00–19:00
        if rng.chance(30) {
            day.push((hm(start), hm(12 * 60)));
            day.push((hm(13 * 60), hm(end)));
        } else {
            day.push((hm(start), hm(end)));
        }
    }
    WorkingHours { days }
}

fn busy(rng: &mut Rng, person: &Person, horizon: Horizon) -> PersonBusy {
    let days = i64::from(horizon.weeks) * 7;
    let count = rng.range(0, 50);
    let mut spans = Vec::new();
    for _ in 0..count {
        let Ok(day) = horizon.start.checked_add(rng.range(-1, days).days()) else {
            continue;
        };
        let start = day.to_datetime(hm(rng.range(6 * 4, 20 * 4) * 15));
        let Ok(start) = person.zone.tz.to_timestamp(start) else {
            continue;
        };
        let minutes = rng.range(1, 12) * 15;
        let Ok(end) = start.checked_add(SignedDuration::from_mins(minutes)) else {
            continue;
        };
        let source = if rng.chance(70) {
            BusySource::Calendar(rng.range(0, 1) as usize)
        } else {
            BusySource::ClientBlock(rng.range(0, 2) as usize)
        };
        spans.push(BusySpan::new(
            Interval::new(start, end),
            source,
            rng.chance(70),
        ));
    }
    spans.sort();
    PersonBusy {
        spans,
        buffer_minutes: person.buffer_minutes,
    }
}

fn person(rng: &mut Rng, i: usize, zones: &[&str], horizon: Horizon) -> Person {
    let tags: Vec<String> = TAGS
        .iter()
        .filter(|_| rng.chance(40))
        .map(|t| t.to_string())
        .collect();
    let start_date = if rng.chance(20) {
        horizon
            .start
            .checked_add(rng.range(0, i64::from(horizon.weeks) * 7).days())
            .ok()
    } else {
        None
    };
    PersonBuilder::new(&format!("p{i:02}"))
        .name(format!("Person {i}"))
        .email(format!("p{i}@example.org"))
        .zone(zone(rng.pick::<&str>(zones)))
        .working_hours(working_hours(rng))
        .tags(&tags)
        .start_date(start_date)
        .buffer_minutes(*rng.pick(&[0, 10, 15, 30]))
        .weekly_cap_minutes(if rng.chance(30) {
            Some(*rng.pick(&[30, 60, 90, 120]))
        } else {
            None
        })
        .build()
}

fn group(rng: &mut Rng, i: usize, people: &[String], zones: &[&str]) -> Group {
    let mut members: Vec<String> = people.iter().filter(|_| rng.chance(50)).cloned().collect();
    while members.len() < 2 {
        let p = rng.pick(people).clone();
        if !members.contains(&p) {
            members.push(p);
        }
    }
    members.truncate(8);
    let mut days: Vec<Weekday> = WEEKDAYS[..5]
        .iter()
        .copied()
        .filter(|_| rng.chance(50))
        .collect();
    if days.is_empty() {
        days.push(*rng.pick(&WEEKDAYS[..5]));
    }
    let cadence = match rng.range(0, 3) {
        0 | 1 => Cadence::Weekly,
        2 => Cadence::EveryWeeks(rng.range(2, 3) as u32),
        _ => Cadence::MonthlyNth(*rng.pick(&[1, 2, 3, 4, -1])),
    };
    let duration = *rng.pick(&[30, 45, 60, 90]);
    let earliest = rng.range(28, 40) * 15;
    let latest = rng.range(60, 76) * 15;
    let preferred = if rng.chance(40) {
        let s = rng.range(earliest / 15, latest / 15) * 15;
        vec![(hm(s), hm((s + 120).min(latest)))]
    } else {
        Vec::new()
    };
    let quorum = rng.range(1, (members.len() as i64).min(3)) as u32;
    let required_roles = if rng.chance(25) {
        vec![RequiredRole {
            tag: rng.pick(TAGS).to_string(),
            min: 1,
        }]
    } else {
        Vec::new()
    };
    // A preferred day comes with a preferred window (no extra draws, so the
    // rest of the organization stays as generated).
    let preferred_days = if preferred.is_empty() {
        Vec::new()
    } else {
        days.iter().copied().take(1).collect()
    };
    GroupBuilder::new(&format!("g{i}"))
        .name(format!("Group {i}"))
        .format(if rng.chance(15) { "pairs" } else { "check-in" })
        .members(&members)
        .cadence(cadence)
        .duration_minutes(duration)
        .days(&days)
        .window(hm(earliest), hm(latest))
        .preferred(preferred)
        .preferred_days(&preferred_days)
        .quorum(quorum)
        .required_roles(required_roles)
        .zone(zone(rng.pick::<&str>(zones)))
        .short_of_quorum(if rng.chance(70) {
            peerwell_core::model::ShortOfQuorum::Move
        } else {
            peerwell_core::model::ShortOfQuorum::Skip
        })
        .build()
}

/// A random organization: 2–20 people in 1–3 zones (some with weekly
/// caps), 1–7 groups (moving or skipping short occurrences), busy time
/// with client-facing spans and buffers, holidays, start dates, cadences.
pub fn organization(seed: u64) -> Generated {
    let mut rng = Rng::new(seed);
    let (horizon, zones, people, availability) = staff(&mut rng, 2);
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let groups: Vec<Group> = (0..rng.range(1, 8) as usize)
        .map(|i| group(&mut rng, i, &ids, &zones))
        .collect();
    assemble(&mut rng, horizon, &zones, people, availability, groups)
}

/// Many groups over the same few people, the shape of an organization
/// where one tag feeds many groups: 4–20 people, 1–3 group templates (half
/// of them holding every person), and 6–40 groups that are copies of the
/// templates, some with their own duration or window.
pub fn shared_organization(seed: u64) -> Generated {
    let mut rng = Rng::new(seed);
    let (horizon, zones, people, availability) = staff(&mut rng, 4);
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let templates: Vec<Group> = (0..rng.range(1, 3) as usize)
        .map(|i| {
            let mut g = group(&mut rng, i, &ids, &zones);
            if rng.chance(50) {
                g.members = ids.clone();
            }
            g
        })
        .collect();
    let groups: Vec<Group> = (0..rng.range(6, 40) as usize)
        .map(|i| {
            let mut g = rng.pick(&templates).clone();
            g.id = format!("g{i:02}");
            g.name = format!("Group {i}");
            if rng.chance(20) {
                g.duration_minutes = *rng.pick(&[30, 45, 60]);
            }
            if rng.chance(20) {
                g.latest = hm((i64::from(g.latest.hour()) * 60 + 60).min(20 * 60));
            }
            g
        })
        .collect();
    assemble(&mut rng, horizon, &zones, people, availability, groups)
}

/// The horizon, zones, people (`least`–20) and their busy time.
fn staff(rng: &mut Rng, least: i64) -> (Horizon, Vec<&'static str>, Vec<Person>, Availability) {
    let starts: [Date; 2] = [date(2025, 3, 3), date(2025, 10, 20)];
    let start = *rng.pick(&starts);
    let horizon = Horizon::starting(start, rng.range(6, 10) as u32);
    let zones: Vec<&str> = ZONES[..rng.range(1, 3) as usize].to_vec();
    let n_people = rng.range(least, 20) as usize;
    let people: Vec<Person> = (0..n_people)
        .map(|i| person(rng, i, &zones, horizon))
        .collect();
    let mut availability = Availability::new();
    for p in &people {
        let b = if rng.chance(4) {
            Err("calendar `cal.ics` line 3: cannot read".to_string().into())
        } else {
            Ok(busy(rng, p, horizon))
        };
        availability.insert(p.id.clone(), b);
    }
    (horizon, zones, people, availability)
}

/// The organization around `groups`, with holidays.
fn assemble(
    rng: &mut Rng,
    horizon: Horizon,
    zones: &[&str],
    people: Vec<Person>,
    availability: Availability,
    groups: Vec<Group>,
) -> Generated {
    let holidays = (0..rng.range(0, 3))
        .filter_map(|_| {
            let days = i64::from(horizon.weeks) * 7 - 1;
            horizon.start.checked_add(rng.range(0, days).days()).ok()
        })
        .collect();
    let org = OrganizationBuilder::new()
        .name("Generated clinic")
        .zone(zone(zones[0]))
        .working_hours(WorkingHours::default())
        .horizon_weeks(horizon.weeks)
        .start(Some(horizon.start))
        .holidays(holidays)
        .buffer_minutes(15)
        .people(people)
        .groups(groups)
        .build();
    Generated {
        org,
        availability,
        horizon,
    }
}

/// A tiny partitioning format for tests: each cycle the members (rotated
/// by the cycle number) are split into pairs, the last one a trio when the
/// count is odd.
pub struct Pairs;

impl peerwell_core::formats::Format for Pairs {
    fn describe(&self) -> peerwell_core::formats::FormatInfo {
        peerwell_core::formats::FormatInfo {
            name: "pairs".to_string(),
            version: "0".to_string(),
            summary: "test pairs".to_string(),
            settings: Vec::new(),
        }
    }

    fn validate(&self, _: &toml::Table) -> Vec<peerwell_core::formats::SettingDiagnostic> {
        Vec::new()
    }

    fn requirements(
        &self,
        group: &Group,
    ) -> Result<peerwell_core::formats::Requirements, peerwell_core::formats::FormatError> {
        Ok(peerwell_core::formats::Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: 2,
            required_roles: Vec::new(),
            min_size: 2,
            max_size: None,
            window: None,
        })
    }

    fn plan_session(
        &self,
        request: &peerwell_core::formats::SessionRequest<'_>,
    ) -> Result<peerwell_core::formats::SessionPlan, peerwell_core::formats::FormatError> {
        Ok(peerwell_core::formats::SessionPlan {
            title: format!("{} pair", request.group.name),
            ..Default::default()
        })
    }

    fn partition(
        &self,
        request: &peerwell_core::formats::PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, peerwell_core::formats::FormatError> {
        let mut m: Vec<String> = request.members.to_vec();
        if m.len() < 2 {
            return Ok(Some(Vec::new()));
        }
        let shift = request.cycle as usize % m.len();
        m.rotate_left(shift);
        let mut parts: Vec<Vec<String>> = m.chunks(2).map(|c| c.to_vec()).collect();
        if parts.last().is_some_and(|p| p.len() == 1)
            && let Some(single) = parts.pop()
            && let Some(prev) = parts.last_mut()
        {
            prev.extend(single);
        }
        Ok(Some(parts))
    }
}

/// The built-in formats plus [`Pairs`] as `pairs`.
pub fn formats() -> peerwell_core::formats::Formats {
    let mut f = peerwell_core::formats::Formats::builtin();
    f.insert("pairs", Box::new(Pairs));
    f
}
