//! `buddies`: resilience buddies / accountability partners.
//!
//! Each cycle the group splits into pairs (one trio when the count is odd)
//! that meet separately, each at its own common free time. Pairs rotate
//! without repeating until every allowed pair has met, then a new round
//! starts (see [`super::pairing`]). Matching may keep pairs within a site or
//! a role, or mix longer-tenured with newer staff. Members may ask, in
//! confidence, never to be paired with someone: those lists are hard rules
//! and never appear in any plan, error or diagnostic text.

use std::collections::{BTreeMap, BTreeSet};

use super::pairing::{self, Rules};
use super::settings::{boolean, check_bool, diag, is_id, string, strings, unknown};
use super::{
    AgendaItem, Format, FormatError, FormatInfo, PartitionRequest, Requirements, SessionPlan,
    SessionRequest, SettingDiagnostic, SettingInfo,
};
use crate::model::{Group, Person};

/// The built-in buddies format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Buddies;

impl Buddies {
    /// The format's name in policy files.
    pub const NAME: &'static str = "buddies";
}

/// How pairs are matched: the `match` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matching {
    /// Anyone with anyone.
    Any,
    /// People at the same site.
    SameSite,
    /// People sharing a tag from `role_tags`.
    SameRole,
    /// A longer-tenured with a newer member.
    MixTenure,
}

impl Matching {
    /// The matching a policy names, if it is one.
    fn parse(name: &str) -> Option<Matching> {
        match name {
            "any" => Some(Matching::Any),
            "same-site" => Some(Matching::SameSite),
            "same-role" => Some(Matching::SameRole),
            "mix-tenure" => Some(Matching::MixTenure),
            _ => None,
        }
    }
}

/// The settings this format reads (after `validate`). Deliberately not
/// `Debug`: it holds the confidential exclusions.
struct Settings {
    matching: Matching,
    role_tags: Vec<String>,
    exclusions: BTreeSet<(String, String)>,
    thermometer: bool,
}

impl Settings {
    fn from_table(table: &toml::Table) -> Settings {
        let mut exclusions = BTreeSet::new();
        if let Some(t) = table.get("exclusions").and_then(toml::Value::as_table) {
            for (who, list) in t {
                for other in list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str())
                {
                    let (a, b) = (who.clone(), other.to_string());
                    exclusions.insert((a.clone().min(b.clone()), a.max(b)));
                }
            }
        }
        Settings {
            matching: Matching::parse(&string(table, "match", "any")).unwrap_or(Matching::Any),
            role_tags: strings(table, "role_tags").unwrap_or_default(),
            exclusions,
            thermometer: boolean(table, "thermometer", true),
        }
    }

    fn excludes(&self, a: &str, b: &str) -> bool {
        let key = if a <= b { (a, b) } else { (b, a) };
        self.exclusions
            .iter()
            .any(|(x, y)| x.as_str() == key.0 && y.as_str() == key.1)
    }
}

/// Whether two people satisfy the matching rule. `senior` holds the members
/// in the longer-tenured half for `mix-tenure`.
fn matches(s: &Settings, a: &Person, b: &Person, senior: &BTreeSet<&str>) -> bool {
    match s.matching {
        Matching::SameSite => a.site.is_some() && a.site == b.site,
        Matching::SameRole => s
            .role_tags
            .iter()
            .any(|t| a.tags.contains(t) && b.tags.contains(t)),
        Matching::MixTenure => senior.contains(a.id.as_str()) != senior.contains(b.id.as_str()),
        Matching::Any => true,
    }
}

/// The longer-tenured half of `members`: earliest `start_date` first, people
/// without one counting as longest-serving, ties in member order.
fn senior_half<'a>(members: &'a [String], people: &BTreeMap<String, Person>) -> BTreeSet<&'a str> {
    let mut by_tenure: Vec<(usize, &String)> = members.iter().enumerate().collect();
    by_tenure.sort_by_key(|(i, m)| (people.get(*m).and_then(|p| p.start_date), *i));
    by_tenure
        .iter()
        .take(members.len() / 2)
        .map(|(_, m)| m.as_str())
        .collect()
}

fn settings_info() -> Vec<SettingInfo> {
    let s = |key: &str, kind: &str, default: &str, doc: &str| SettingInfo {
        key: key.to_string(),
        kind: kind.to_string(),
        default: default.to_string(),
        doc: doc.to_string(),
    };
    vec![
        s(
            "match",
            "string: any | same-site | same-role | mix-tenure",
            "\"any\"",
            "How pairs are matched: anyone; people at the same site; people sharing a tag from \
             `role_tags`; or a longer-tenured with a newer member (by start_date). Kept whenever \
             the group's make-up allows it.",
        ),
        s(
            "role_tags",
            "array of tags",
            "[]",
            "The tags that count as roles for match = \"same-role\" (required with it).",
        ),
        s(
            "exclusions",
            "table: person id = array of person ids",
            "{}",
            "Confidential \"don't pair me with\" lists; symmetric and never shown anywhere.",
        ),
        s(
            "thermometer",
            "boolean",
            "true",
            "Open with a feeling-thermometer self check-in (0-10).",
        ),
    ]
}

/// What is wrong in an exclusions table, counted so that messages never
/// name anyone.
#[derive(Debug, Default)]
struct ExclusionFaults {
    /// Lists keyed by something that is not a person id.
    bad_owner: usize,
    /// Lists that are not arrays.
    bad_list: usize,
    /// Entries that are not person ids.
    bad_id: usize,
    /// Entries naming the list's own member.
    own: usize,
}

impl ExclusionFaults {
    /// Counts the faults of `table`.
    fn count(table: &toml::Table) -> ExclusionFaults {
        let mut n = ExclusionFaults::default();
        for (who, list) in table {
            if !is_id(who) {
                n.bad_owner += 1;
            }
            let Some(items) = list.as_array() else {
                n.bad_list += 1;
                continue;
            };
            for item in items {
                match item.as_str() {
                    Some(s) if s == who => n.own += 1,
                    Some(s) if is_id(s) => {}
                    _ => n.bad_id += 1,
                }
            }
        }
        n
    }
}

/// "one …" for a single fault, "`n` …" for more.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_string()
    } else {
        format!("{n} {many}")
    }
}

/// Checks the exclusions table. Messages never name anyone, and the key is
/// always `exclusions` so that the loader points at the table, never at a
/// line that lists names.
fn check_exclusions(value: &toml::Value, out: &mut Vec<SettingDiagnostic>) {
    let key = "exclusions";
    let hint = "write one line per member under [settings.exclusions]: \
                member-id = [\"other-id\", ...]";
    let Some(table) = value.as_table() else {
        out.push(diag(key, "expected a table of exclusion lists", hint));
        return;
    };
    let n = ExclusionFaults::count(table);
    let faults = [
        (
            n.bad_owner,
            "one exclusion list is keyed by",
            "exclusion lists are keyed by",
            "not a valid person id",
            "ids are lowercase letters, digits, `-` and `_`",
        ),
        (
            n.bad_list,
            "one exclusion list is",
            "exclusion lists are",
            "not an array of person ids",
            hint,
        ),
        (
            n.bad_id,
            "one excluded entry is",
            "excluded entries are",
            "not a valid person id",
            "entries are person ids as strings: lowercase letters, digits, `-` and `_`",
        ),
        (
            n.own,
            "one exclusion list contains",
            "exclusion lists contain",
            "the member's own id",
            "remove the member's own id from their list",
        ),
    ];
    for (count, one, many, what, fix) in faults {
        if count > 0 {
            out.push(diag(
                key,
                format!("{} {what}", plural(count, one, many)),
                fix,
            ));
        }
    }
}

impl Format for Buddies {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: Self::NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Resilience buddies: rotating pairs (one trio when odd) that check in with \
                      each other and keep one accountability goal."
                .to_string(),
            settings: settings_info(),
        }
    }

    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        for (key, value) in settings {
            match key.as_str() {
                "match" => match value.as_str() {
                    Some(m) if Matching::parse(m).is_some() => {}
                    _ => out.push(diag(
                        key,
                        "expected one of \"any\", \"same-site\", \"same-role\", \"mix-tenure\"",
                        "e.g. match = \"same-site\"",
                    )),
                },
                "role_tags" => {
                    let ok = value.as_array().is_some_and(|a| {
                        !a.is_empty() && a.iter().all(|v| v.as_str().is_some_and(is_id))
                    });
                    if !ok {
                        out.push(diag(
                            key,
                            "expected a non-empty array of tags",
                            "e.g. role_tags = [\"nurse\", \"social-worker\"]",
                        ));
                    }
                }
                "exclusions" => check_exclusions(value, &mut out),
                "thermometer" => check_bool(key, value, &mut out),
                other => out.push(unknown(Self::NAME, other, &settings_info())),
            }
        }
        if settings
            .get("match")
            .and_then(|v| v.as_str())
            .and_then(Matching::parse)
            == Some(Matching::SameRole)
            && !settings.contains_key("role_tags")
        {
            out.push(diag(
                "match",
                "match = \"same-role\" needs `role_tags`: the tags that count as roles",
                "e.g. role_tags = [\"nurse\", \"social-worker\"]",
            ));
        }
        out
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        Ok(Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            // Each pair meets on its own: both of a pair, two of a trio.
            quorum: 2,
            required_roles: group.required_roles.clone(),
            min_size: 2,
            max_size: group.charter.size_limit,
            window: None,
        })
    }

    fn partition(
        &self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        let s = Settings::from_table(&request.group.settings);
        let in_group: BTreeSet<&str> = request.group.members.iter().map(String::as_str).collect();
        if s.exclusions
            .iter()
            .any(|(a, b)| !in_group.contains(a.as_str()) || !in_group.contains(b.as_str()))
        {
            return Err(FormatError {
                format: Self::NAME.to_string(),
                group: request.group.id.clone(),
                message: "an entry in [settings.exclusions] refers to an id that is not a \
                          member of the group; correct or remove it (entries are not shown \
                          because they are confidential)"
                    .to_string(),
            });
        }
        let members = request.members;
        let n = members.len();
        let senior = senior_half(members, request.people);
        let mut rules = Rules {
            allowed: vec![vec![false; n]; n],
            matches: vec![vec![false; n]; n],
        };
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                rules.allowed[i][j] = !s.excludes(&members[i], &members[j]);
                rules.matches[i][j] = match (
                    request.people.get(&members[i]),
                    request.people.get(&members[j]),
                ) {
                    (Some(a), Some(b)) => matches(&s, a, b, &senior),
                    _ => s.matching == Matching::Any,
                };
            }
        }
        let groups = pairing::partition(members, &rules, request.history);
        Ok(Some(
            groups
                .into_iter()
                .map(|g| g.into_iter().map(|i| members[i].clone()).collect())
                .collect(),
        ))
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let s = Settings::from_table(&request.group.settings);
        let d = request.group.duration_minutes;
        let parts = super::settings::split_minutes(d, &[1, 1, 1]);
        let check_in = if s.thermometer {
            "Each of you rates how you are doing on a feeling thermometer from 0 (calm) to 10 \
             (overwhelmed) and says a word about why: feelings, not case details."
        } else {
            "Each of you says how you are doing this week: feelings, not case details."
        };
        let agenda = vec![
            AgendaItem {
                minutes: parts[0],
                title: if s.thermometer {
                    "Self check-in"
                } else {
                    "Check-in"
                }
                .to_string(),
                detail: check_in.to_string(),
            },
            AgendaItem {
                minutes: parts[1],
                title: "Last goal".to_string(),
                detail: "How did the goal you set last time go? What helped, what got in the way?"
                    .to_string(),
            },
            AgendaItem {
                minutes: parts[2],
                title: "One accountability goal".to_string(),
                detail: "Each of you names one small, concrete thing to do for yourself before \
                         you next meet (a break, a boundary, a walk, asking for help)."
                    .to_string(),
            },
        ];
        let notes = "Buddies look out for each other; you are not each other's therapist. If \
                     your buddy seems to need more than a buddy can give (sleep, mood or safety \
                     worries that last), say so kindly and point them to the escalation contacts \
                     below; you can contact them yourself too. What you share stays between \
                     you."
            .to_string();
        Ok(SessionPlan {
            title: "Buddy check-in".to_string(),
            agenda,
            roles: Vec::new(),
            notes,
            deadlines: Vec::new(),
        })
    }
}
