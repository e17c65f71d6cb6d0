//! `schwartz-rounds`: Schwartz Rounds.
//!
//! Open to all staff of a site or tag (members = `tag:…`), usually monthly,
//! one hour at lunchtime. A panel of three or four staff each tell a short
//! story about the human side of their work; a trained facilitator (who must
//! attend) opens the discussion to the room. The panel prepares with the
//! facilitator before the round: the preparation deadlines are exposed as
//! [`SessionPlan::deadlines`](super::SessionPlan) for reminders.
//!
//! "Schwartz Rounds" is a licensed name (The Point of Care Foundation in the
//! UK and Ireland, The Schwartz Center in the US).

use super::rotation::{has_tag, rotate};
use super::settings::{check_int, check_tag, diag, int, require, split_minutes, string, unknown};
use super::{
    AgendaItem, Deadline, Format, FormatError, FormatInfo, Requirements, RoleAssignment,
    SessionPlan, SessionRequest, SettingDiagnostic, SettingInfo,
};
use crate::model::Group;

/// The built-in Schwartz Rounds format.
#[derive(Debug, Clone, Copy, Default)]
pub struct SchwartzRounds;

impl SchwartzRounds {
    /// The format's name in policy files.
    pub const NAME: &'static str = "schwartz-rounds";
}

/// The role of each panel member.
pub const PANELIST_ROLE: &str = "panelist";
/// The role of the round's facilitator.
pub const FACILITATOR_ROLE: &str = "facilitator";

const DEFAULT_PREP_DAYS: [u32; 2] = [14, 7];

fn settings_info() -> Vec<SettingInfo> {
    let s = |key: &str, kind: &str, default: &str, doc: &str| SettingInfo {
        key: key.to_string(),
        kind: kind.to_string(),
        default: default.to_string(),
        doc: doc.to_string(),
    };
    vec![
        s(
            "panel_size",
            "integer 1-6",
            "3",
            "Panel members who tell their story each round.",
        ),
        s(
            "panel_tag",
            "tag",
            "\"panelist\"",
            "The panel rotates among attendees with this tag (first), then other attendees.",
        ),
        s(
            "facilitator_tag",
            "tag",
            "\"facilitator\"",
            "People who can facilitate; one must attend every round.",
        ),
        s(
            "prep_days",
            "array of integers 1-365",
            "[14, 7]",
            "Panel preparation deadlines, in days before the round.",
        ),
    ]
}

/// The preparation days, largest first, without duplicates.
fn prep_days(table: &toml::Table) -> Vec<u32> {
    let mut days: Vec<u32> = match table.get("prep_days").and_then(toml::Value::as_array) {
        Some(a) => a
            .iter()
            .filter_map(toml::Value::as_integer)
            .filter_map(|d| u32::try_from(d).ok())
            .filter(|d| (1..=365).contains(d))
            .collect(),
        None => DEFAULT_PREP_DAYS.to_vec(),
    };
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

impl Format for SchwartzRounds {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: Self::NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Schwartz Rounds: open to all staff, a panel of 3-4 tells stories about \
                      the human side of the work and a facilitator opens the discussion; panel \
                      preparation deadlines before each round."
                .to_string(),
            settings: settings_info(),
        }
    }

    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        for (key, value) in settings {
            match key.as_str() {
                "panel_size" => check_int(key, value, 1, 6, &mut out),
                "panel_tag" | "facilitator_tag" => check_tag(key, value, &mut out),
                "prep_days" => {
                    let ok = value.as_array().is_some_and(|a| {
                        a.iter()
                            .all(|v| v.as_integer().is_some_and(|d| (1..=365).contains(&d)))
                    });
                    if !ok {
                        out.push(diag(
                            key,
                            "expected an array of whole days from 1 to 365",
                            "e.g. prep_days = [14, 7]; use [] for no preparation deadlines",
                        ));
                    }
                }
                other => out.push(unknown(Self::NAME, other, &settings_info())),
            }
        }
        out
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        let tag = string(&group.settings, "facilitator_tag", FACILITATOR_ROLE);
        let mut required_roles = group.required_roles.clone();
        require(&mut required_roles, &tag, 1);
        Ok(Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: group.quorum,
            required_roles,
            min_size: 2,
            max_size: group.charter.size_limit,
            window: None,
        })
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let group = request.group;
        let (facilitator, panel) = facilitator_and_panel(request);
        let mut roles: Vec<RoleAssignment> = facilitator
            .iter()
            .map(|m| RoleAssignment {
                role: FACILITATOR_ROLE.to_string(),
                member: m.clone(),
            })
            .collect();
        roles.extend(panel.iter().map(|m| RoleAssignment {
            role: PANELIST_ROLE.to_string(),
            member: m.clone(),
        }));
        let notes = "Schwartz Rounds are confidential: what is shared in the round stays in the \
                     round. They are a space to reflect on the emotional and social side of \
                     working here, not to solve problems or review cases; describe feelings and \
                     experiences, not identifying or graphic details. Lunch is welcome. If a \
                     story stirs something that stays with you, the escalation contacts below \
                     can help."
            .to_string();
        Ok(SessionPlan {
            title: format!("{} — Schwartz Round", group.name),
            agenda: agenda(group.duration_minutes, panel.len()),
            roles,
            notes,
            deadlines: deadlines(&group.settings),
        })
    }
}

/// The round's facilitator (one attendee with the facilitator tag, in
/// rotation) and its panel (attendees with the panel tag first, then
/// others, in rotation, up to `panel_size`).
fn facilitator_and_panel(request: &SessionRequest<'_>) -> (Vec<String>, Vec<String>) {
    let group = request.group;
    let s = &group.settings;
    let panel_size = int(s, "panel_size", 3).clamp(1, 6) as usize;
    let panel_tag = string(s, "panel_tag", PANELIST_ROLE);
    let facilitator_tag = string(s, "facilitator_tag", FACILITATOR_ROLE);

    let facilitators: Vec<String> = request
        .attendees
        .iter()
        .filter(|m| has_tag(request, m, &facilitator_tag))
        .cloned()
        .collect();
    let facilitator = rotate(
        &group.members,
        &facilitators,
        request.history,
        FACILITATOR_ROLE,
        1,
    );
    let others: Vec<String> = request
        .attendees
        .iter()
        .filter(|m| !facilitator.contains(m))
        .cloned()
        .collect();
    let (tagged, untagged): (Vec<String>, Vec<String>) = others
        .into_iter()
        .partition(|m| has_tag(request, m, &panel_tag));
    let mut panel = rotate(
        &group.members,
        &tagged,
        request.history,
        PANELIST_ROLE,
        panel_size,
    );
    if panel.len() < panel_size {
        panel.extend(rotate(
            &group.members,
            &untagged,
            request.history,
            PANELIST_ROLE,
            panel_size - panel.len(),
        ));
    }
    (facilitator, panel)
}

/// The panel's preparation deadlines, earliest first.
fn deadlines(settings: &toml::Table) -> Vec<Deadline> {
    let days = prep_days(settings);
    days.iter()
        .enumerate()
        .map(|(k, &d)| Deadline {
            label: match (k, days.len()) {
                (_, 1) => "panel preparation meeting with the facilitator".to_string(),
                (0, _) => "first panel preparation meeting: choose the stories".to_string(),
                (k, n) if k + 1 == n => "final panel run-through with the facilitator".to_string(),
                _ => "panel preparation meeting".to_string(),
            },
            days_before: d,
            role: Some(PANELIST_ROLE.to_string()),
        })
        .collect()
}

/// The round's agenda over `duration` minutes with a panel of `panel`.
fn agenda(duration: u32, panel: usize) -> Vec<AgendaItem> {
    let minutes = split_minutes(duration, &[5, 20, 30, 5]);
    vec![
        AgendaItem {
            minutes: minutes[0],
            title: "Welcome and ground rules".to_string(),
            detail: "The facilitator welcomes everyone and restates confidentiality.".to_string(),
        },
        AgendaItem {
            minutes: minutes[1],
            title: "Panel stories".to_string(),
            detail: format!(
                "{panel} panel members each tell a short story about the human side of their work."
            ),
        },
        AgendaItem {
            minutes: minutes[2],
            title: "Open discussion".to_string(),
            detail: "The facilitator opens the round to the room: reflections, not problem \
                     solving."
                .to_string(),
        },
        AgendaItem {
            minutes: minutes[3],
            title: "Close".to_string(),
            detail: "The facilitator sums up and points to support.".to_string(),
        },
    ]
}
