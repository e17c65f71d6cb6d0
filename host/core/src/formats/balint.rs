//! `balint`: a Balint group.
//!
//! Six to ten clinicians and one or two accredited leaders meet at a fixed
//! day and time for the year, in closed membership. Each session one or two
//! members in turn present a case about the relationship with a patient or
//! client (about 45 minutes each); the group explores it while the presenter
//! listens. Leaders must attend (a required role); presenters rotate fairly
//! among attending members who are not leaders.
//!
//! The time should not move: groups are advised to set
//! `short_of_quorum = "skip"` so that a short week is skipped rather than
//! moved.

use super::rotation::{has_tag, rotate};
use super::settings::{
    boolean, check_bool, check_int, check_tag, int, require, split_minutes, string, unknown,
};
use super::{
    AgendaItem, Format, FormatError, FormatInfo, Requirements, RoleAssignment, SessionPlan,
    SessionRequest, SettingDiagnostic, SettingInfo,
};
use crate::model::Group;

/// The built-in Balint group format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Balint;

impl Balint {
    /// The format's name in policy files.
    pub const NAME: &'static str = "balint";
}

/// The role of each attending accredited leader.
pub const LEADER_ROLE: &str = "leader";
/// The role of a member who presents a case.
pub const PRESENTER_ROLE: &str = "presenter";

const DEFAULT_LEADER_TAG: &str = "accredited-leader";

fn settings_info() -> Vec<SettingInfo> {
    let s = |key: &str, kind: &str, default: &str, doc: &str| SettingInfo {
        key: key.to_string(),
        kind: kind.to_string(),
        default: default.to_string(),
        doc: doc.to_string(),
    };
    vec![
        s(
            "leader_tag",
            "tag",
            "\"accredited-leader\"",
            "People with this tag lead the group; they must attend.",
        ),
        s(
            "leaders_required",
            "integer 1-2",
            "1",
            "How many leaders must attend every session.",
        ),
        s(
            "cases",
            "integer 1-2",
            "2 when duration_minutes >= 90, else 1",
            "Cases presented per session, each by a different member.",
        ),
        s(
            "minutes_per_case",
            "integer 20-90",
            "45",
            "Time per case; the agenda shrinks the cases to fit the session.",
        ),
        s(
            "min_members",
            "integer 2-100",
            "6",
            "Smallest membership the group needs (the largest is the charter's size_limit, \
             default 10).",
        ),
        s(
            "leader_presents",
            "boolean",
            "false",
            "Whether leaders take turns presenting too.",
        ),
    ]
}

impl Format for Balint {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: Self::NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Balint group: 6-10 members with accredited leaders, closed membership, a \
                      fixed time, and one or two case presentations per session in rotation."
                .to_string(),
            settings: settings_info(),
        }
    }

    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        for (key, value) in settings {
            match key.as_str() {
                "leader_tag" => check_tag(key, value, &mut out),
                "leaders_required" | "cases" => check_int(key, value, 1, 2, &mut out),
                "minutes_per_case" => check_int(key, value, 20, 90, &mut out),
                "min_members" => check_int(key, value, 2, 100, &mut out),
                "leader_presents" => check_bool(key, value, &mut out),
                other => out.push(unknown(Self::NAME, other, &settings_info())),
            }
        }
        out
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        let s = &group.settings;
        let tag = string(s, "leader_tag", DEFAULT_LEADER_TAG);
        let leaders = int(s, "leaders_required", 1).clamp(1, 2) as u32;
        let mut required_roles = group.required_roles.clone();
        require(&mut required_roles, &tag, leaders);
        Ok(Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: group.quorum,
            required_roles,
            min_size: int(s, "min_members", 6).clamp(2, 100) as u32,
            max_size: Some(group.charter.size_limit.unwrap_or(10)),
            window: None,
        })
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let group = request.group;
        let s = &group.settings;
        let tag = string(s, "leader_tag", DEFAULT_LEADER_TAG);
        let duration = group.duration_minutes;
        let default_cases = if duration >= 90 { 2 } else { 1 };
        let cases = int(s, "cases", default_cases).clamp(1, 2) as usize;
        let per_case = int(s, "minutes_per_case", 45).clamp(20, 90) as u32;
        let leader_presents = boolean(s, "leader_presents", false);

        let leaders: Vec<String> = request
            .attendees
            .iter()
            .filter(|m| has_tag(request, m, &tag))
            .cloned()
            .collect();
        let pool: Vec<String> = request
            .attendees
            .iter()
            .filter(|m| leader_presents || !leaders.contains(m))
            .cloned()
            .collect();
        let presenters = rotate(
            &group.members,
            &pool,
            request.history,
            PRESENTER_ROLE,
            cases,
        );

        let mut roles: Vec<RoleAssignment> = leaders
            .iter()
            .map(|m| RoleAssignment {
                role: LEADER_ROLE.to_string(),
                member: m.clone(),
            })
            .collect();
        roles.extend(presenters.iter().map(|m| RoleAssignment {
            role: PRESENTER_ROLE.to_string(),
            member: m.clone(),
        }));

        let agenda = agenda(duration, per_case, presenters.len());
        let notes = "Balint group: closed membership, the same members at the same day and time \
                     all year. What is said stays in the group. Cases are about the relationship \
                     with a patient or client, not about solving the case; describe feelings and \
                     thoughts, not identifying details. If the work stirs more than the group can \
                     hold, the escalation contacts below can help."
            .to_string();
        Ok(SessionPlan {
            title: format!("{} — Balint group", group.name),
            agenda,
            roles,
            notes,
            deadlines: Vec::new(),
        })
    }
}

/// The session's agenda over `duration` minutes with `presenters` cases of
/// about `per_case` minutes each.
fn agenda(duration: u32, per_case: u32, presenters: usize) -> Vec<AgendaItem> {
    // Opening and closing take what the cases leave, at least a few
    // minutes each; cases shrink evenly when the session is short.
    let n = presenters.max(1) as u32;
    let frame = (duration / 10).max(2);
    let case_total = (per_case * n).min(duration.saturating_sub(2 * frame));
    let mut weights = vec![frame];
    weights.extend(std::iter::repeat_n(case_total / n, n as usize));
    weights.push(duration.saturating_sub(frame + (case_total / n) * n));
    let minutes = split_minutes(duration, &weights);
    let mut agenda = vec![AgendaItem {
        minutes: minutes[0],
        title: "Opening".to_string(),
        detail: "The leader opens; anyone may offer a case.".to_string(),
    }];
    for k in 0..n as usize {
        agenda.push(AgendaItem {
            minutes: minutes[1 + k],
            title: format!("Case {}", k + 1),
            detail: "The presenter describes a patient or client who is on their mind, \
                     without notes; the group then explores the relationship and the \
                     feelings it stirs while the presenter sits back and listens, then \
                     rejoins."
                .to_string(),
        });
    }
    agenda.push(AgendaItem {
        minutes: minutes[minutes.len() - 1],
        title: "Closing".to_string(),
        detail: "The presenter says what struck them; the leader closes.".to_string(),
    });
    agenda
}
