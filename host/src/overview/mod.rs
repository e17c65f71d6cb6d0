//! The HR overview: the organization at a glance, each group's time, next
//! sessions, skipped weeks and heatmap beside its `--explain` text, and
//! links to every feed's subscribe page. One renderer for the daemon's
//! `/admin/<token>/` and for `peerwell report` and `plan --svg` (files).
//!
//! - [`stats`]: the organization's counts (aggregates only).
//! - [`svg`]: the heatmap and the sessions-per-week chart as SVG.
//! - [`page`]: the HTML page, its inline style and Content-Security-Policy.
//!
//! Only aggregate numbers and what HR's `plan` already shows per session
//! appear: nobody's attendance over time, and nothing of an input
//! calendar (the snapshot holds busy intervals only). Every text from the
//! policy is escaped. The same inputs give the same bytes.

pub mod page;
pub mod stats;
pub mod svg;

use jiff::Timestamp;

use crate::pipeline::Loaded;
use peerwell_core::schedule::{self, Plan};

/// One feed's subscribe page, for the links section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// `group` or `member`.
    pub kind: &'static str,
    /// The group's or member's id.
    pub id: String,
    /// The group's or member's name.
    pub name: String,
    /// The subscribe page's URL; `None` while the feed has no token.
    pub url: Option<String>,
}

/// How the last planning went, as the daemon's `/healthz` reports it (no
/// secrets, no file content).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanStatus {
    /// When the plan shown was made.
    pub planned_at: Option<Timestamp>,
    /// When planning was last attempted (the daemon), if other than
    /// `planned_at`.
    pub last_attempt: Option<Timestamp>,
    /// The failed attempt's error, and problems that did not stop it, one
    /// line each.
    pub errors: Vec<String>,
}

/// Where the page will be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Served by the daemon: the pictures inline only.
    Served,
    /// Written as files: each picture also links to its own SVG file.
    Files,
}

/// What the overview shows.
pub struct Input<'a> {
    /// The policy and busy time the plan was made from.
    pub loaded: &'a Loaded,
    /// The plan.
    pub plan: &'a Plan,
    /// Sessions ending after this are "next".
    pub now: Timestamp,
    /// The last planning attempt.
    pub status: PlanStatus,
    /// Every feed's subscribe page, groups first.
    pub feeds: Vec<FeedLink>,
    /// Page or files.
    pub target: Target,
}

/// The rendered overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// The HTML page (`index.html`).
    pub html: String,
    /// The pictures as files: (file name, SVG text).
    pub files: Vec<(String, String)>,
}

/// The file name of group `id`'s heatmap: letters, digits, `-` and `_`
/// kept, anything else `_`.
pub fn heatmap_file(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("heatmap-{safe}.svg")
}

/// The file name of the sessions-per-week chart.
pub const WEEKS_FILE: &str = "sessions-per-week.svg";

/// Group `id`'s heatmap in `loaded`'s plan `plan`, as SVG; `None` if
/// there is no such group.
pub fn heatmap_svg(loaded: &Loaded, plan: &Plan, id: &str) -> Option<String> {
    let map = schedule::heatmap(
        &loaded.org,
        &loaded.availability,
        loaded.horizon,
        &loaded.formats,
        plan,
        id,
    )?;
    Some(svg::heatmap(&map, &format!("hm-{}", page::anchor(id))))
}

/// Renders the overview.
pub fn render(input: &Input<'_>) -> Overview {
    page::render(input)
}
