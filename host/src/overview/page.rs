//! The overview page: one HTML document with its only stylesheet inline,
//! the pictures inline as SVG, no script. Its Content-Security-Policy
//! allows exactly that stylesheet (by SHA-256 hash) and nothing else; the
//! page carries it in a `<meta>` element too, so a copy opened from disk
//! is held to the same policy.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};

use super::stats::{Figures, Standing, short_weeks, standing};
use super::svg::{self, cell_text, hhmm};
use super::{FeedLink, Input, Overview, Target, WEEKS_FILE, heatmap_file};
use crate::escape::html as escape;
use peerwell_core::model::{Cadence, Group};
use peerwell_core::schedule::heatmap::Heatmap;
use peerwell_core::schedule::{self, GroupOutcome, weekday_name};

/// Sessions listed per group.
const NEXT_SESSIONS: usize = 6;

/// The page's only stylesheet: readable from 320 px up, and in print.
pub const STYLE: &str = "body{margin:0;background:#f7f7f4;color:#1d1d1b;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif}\
header{background:#1f3a4d;color:#fff;padding:1.2rem 2rem}\
header h1{margin:0;font-size:1.7rem;line-height:1.2}\
header p{margin:.3rem 0 0;color:#d8e4ec}\
nav,main{max-width:72rem;margin:0 auto;padding:.6rem 2rem 0}\
main{padding-bottom:3rem}\
nav ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.2rem 1rem}\
a{color:#1d5a80}\
h2{font-size:1.3rem;margin:1.6rem 0 .5rem;color:#1f3a4d}\
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\
h4{font-size:1rem;margin:0 0 .4rem}\
ul.figures{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.6rem}\
ul.figures li{background:#fff;border:1px solid #c9c9c3;border-radius:.4rem;padding:.5rem .8rem}\
ul.figures .n{display:block;font-size:1.5rem;font-weight:700;color:#1f3a4d}\
section.group{background:#fff;border:1px solid #c9c9c3;border-radius:.5rem;padding:.1rem 1.2rem 1rem;margin:1.5rem 0}\
.meta{margin:0;color:#4a4a46}\
.standing-short{color:#7a4100;font-weight:600}\
.standing-not-scheduled{color:#9b1c1c;font-weight:600}\
.pair{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}\
figure{margin:0}\
figcaption{font-size:.9rem;color:#4a4a46}\
.pair figure{flex:0 1 auto}\
.pair .why{flex:1 1 22rem;min-width:0}\
pre{white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.45 ui-monospace,'DejaVu Sans Mono',monospace;background:#f7f7f4;border:1px solid #c9c9c3;padding:.6rem;margin:0}\
svg{max-width:100%;height:auto}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #d9d9d4;vertical-align:top}\
th{overflow-wrap:normal}\
td.series{font-weight:700}\
.scroll{overflow-x:auto}\
details{margin-top:.8rem}\
summary{cursor:pointer;color:#1d5a80}\
.note{color:#4a4a46;font-size:.92rem}\
main,header{overflow-wrap:anywhere}\
@media (max-width:40rem){header{padding:1rem}nav,main{padding-left:.75rem;padding-right:.75rem}section.group{padding:.1rem .7rem .8rem}th,td{padding:.25rem .3rem}}\
@media print{body{background:#fff;font-size:11pt}header{background:#fff;color:#000;padding:0 0 .4rem;border-bottom:2px solid #000}header p{color:#333}nav,.files{display:none}main{max-width:none;padding:0}section.group{border:0;border-top:1px solid #000;border-radius:0;padding:0;margin:1rem 0}figure,pre,tr{break-inside:avoid}h2,h3{break-after:avoid}a{color:#000}.scroll{overflow:visible}}";

/// The policy for the page: nothing but [`STYLE`]; no script, no image,
/// no form, no frame. The `<meta>` copy leaves out `frame-ancestors`,
/// which only a header can carry.
pub fn csp(header: bool) -> String {
    let hash = crate::escape::base64(&Sha256::digest(STYLE.as_bytes()));
    let mut out = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'"
    );
    if header {
        out.push_str("; frame-ancestors 'none'");
    }
    out
}

/// An element id for group `id`: letters, digits, `-` and `_`.
pub fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn when(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned(tz.clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The whole overview.
pub fn render(input: &Input<'_>) -> Overview {
    let org = &input.loaded.org;
    let figures = Figures::of(org, input.plan);
    let mut files = Vec::new();
    let mut body = organization(input, &figures);
    let weeks = svg::week_chart(&figures.weeks);
    files.push((WEEKS_FILE.to_string(), weeks));
    for group in &org.groups {
        let (section, map) = group_section(input, group);
        body.push_str(&section);
        if let Some(map) = map {
            files.push((heatmap_file(&group.id), map));
        }
    }
    body.push_str(&feeds(&input.feeds));
    let h = input.plan.horizon;
    let subtitle = format!(
        "{} — {} weeks from {} {}, times in each group's zone",
        org.org.name,
        h.weeks,
        weekday_name(h.start.weekday()),
        h.start
    );
    let mut nav = String::from("<nav aria-label=\"Groups\"><ul>\n");
    nav.push_str("<li><a href=\"#organization\">Organization</a></li>\n");
    for g in &org.groups {
        let _ = writeln!(
            nav,
            "<li><a href=\"#group-{}\">{}</a></li>",
            anchor(&g.id),
            escape(&g.name)
        );
    }
    nav.push_str("<li><a href=\"#feeds\">Subscribe pages</a></li>\n</ul></nav>\n");
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>Peer support overview · {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>Peer support overview</h1><p>{sub}</p></header>\n{nav}<main>\n{body}</main>\n</body>\n</html>\n",
        csp = csp(false),
        name = escape(&org.org.name),
        sub = escape(&subtitle),
    );
    if input.target == Target::Served {
        files.clear();
    }
    Overview { html, files }
}

/// The organization's figures, the weekly chart and the planning status.
fn organization(input: &Input<'_>, f: &Figures) -> String {
    let mut out = String::from(
        "<section id=\"organization\" aria-labelledby=\"organization-h\">\
         <h2 id=\"organization-h\">Organization</h2>\n<ul class=\"figures\">\n",
    );
    let _ = writeln!(
        out,
        "<li id=\"fig-protected\" data-count=\"{}\" data-of=\"{}\"><span class=\"n\">{} of {}</span>\
         staff with protected peer time in the horizon ({}%)</li>",
        f.protected,
        f.people,
        f.protected,
        f.people,
        f.percent()
    );
    for (id, n, label) in [
        ("fig-scheduled", f.scheduled, "groups scheduled every week"),
        ("fig-short", f.short, "groups short of quorum in some weeks"),
        ("fig-not-scheduled", f.not_scheduled, "groups not scheduled"),
    ] {
        let _ = writeln!(
            out,
            "<li id=\"{id}\" data-count=\"{n}\"><span class=\"n\">{n}</span>{label}</li>"
        );
    }
    out.push_str("</ul>\n<h3>Sessions per week</h3>\n<figure class=\"chart\">\n");
    out.push_str(&svg::week_chart(&f.weeks));
    out.push_str(
        "<figcaption>Sessions planned in each week of the horizon, all groups together.</figcaption>\n</figure>\n",
    );
    if input.target == Target::Files {
        let _ = writeln!(
            out,
            "<p class=\"files\"><a href=\"{WEEKS_FILE}\">The chart as an SVG file</a></p>"
        );
    }
    out.push_str(&status(input));
    out.push_str("</section>\n");
    out
}

fn status(input: &Input<'_>) -> String {
    let tz = &input.loaded.org.org.zone.tz;
    let mut out = String::from("<h3>Planning</h3>\n");
    if let Some(at) = input.status.planned_at {
        let _ = writeln!(
            out,
            "<p id=\"planned-at\">Plan made <time datetime=\"{at}\">{}</time>.</p>",
            when(at, tz)
        );
    }
    if let Some(at) = input.status.last_attempt
        && Some(at) != input.status.planned_at
    {
        let _ = writeln!(
            out,
            "<p>Last attempt <time datetime=\"{at}\">{}</time>.</p>",
            when(at, tz)
        );
    }
    if input.status.errors.is_empty() {
        out.push_str("<p id=\"plan-errors\" data-count=\"0\">No errors or problems.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<ul id=\"plan-errors\" data-count=\"{}\">",
            input.status.errors.len()
        );
        for e in &input.status.errors {
            let _ = writeln!(out, "<li>{}</li>", escape(e));
        }
        out.push_str("</ul>\n");
    }
    out
}

fn cadence(c: Cadence) -> String {
    match c {
        Cadence::Weekly => "weekly".to_string(),
        Cadence::EveryWeeks(n) => format!("every {n} weeks"),
        Cadence::MonthlyNth(-1) => "monthly, last".to_string(),
        Cadence::MonthlyNth(n) => format!("monthly, number {n}"),
    }
}

/// One group's section, and its heatmap as a file of its own.
fn group_section(input: &Input<'_>, group: &Group) -> (String, Option<String>) {
    let loaded = input.loaded;
    let a = anchor(&group.id);
    let standing = standing(input.plan, &group.id);
    let mut out = format!(
        "<section class=\"group\" id=\"group-{a}\" data-group=\"{id}\" data-standing=\"{st}\" aria-labelledby=\"group-{a}-h\">\n\
         <h2 id=\"group-{a}-h\">{name}</h2>\n\
         <p class=\"meta\">{format}, {cadence}, {min} minutes, {members} members; times in {zone}</p>\n",
        id = escape(&group.id),
        st = standing.as_str(),
        name = escape(&group.name),
        format = escape(&group.format),
        cadence = cadence(group.cadence),
        min = group.duration_minutes,
        members = group.members.len(),
        zone = escape(&group.zone.name),
    );
    out.push_str(&outcome(input, group, standing));
    out.push_str(&sessions(input, group));
    out.push_str(&skipped(input, group));
    let map = schedule::heatmap(
        &loaded.org,
        &loaded.availability,
        loaded.horizon,
        &loaded.formats,
        input.plan,
        &group.id,
    );
    let svg = map.as_ref().map(|m| svg::heatmap(m, &format!("hm-{a}")));
    out.push_str("<h3>When members are free</h3>\n<div class=\"pair\">\n<figure>\n");
    match &svg {
        Some(s) => out.push_str(s),
        None => out.push_str("<p>No heatmap: the group cannot be evaluated.</p>\n"),
    }
    out.push_str(
        "<figcaption>Each cell is a quarter hour of the group's allowed days and window, \
         counted over every week of the horizon; hover a cell for the rules that block members.</figcaption>\n</figure>\n",
    );
    let why = schedule::explain_in(
        &loaded.org,
        &loaded.availability,
        &loaded.formats,
        input.plan,
        &group.id,
    )
    .map(|e| e.to_string())
    .unwrap_or_default();
    let _ = write!(
        out,
        "<div class=\"why\"><h4>Why this time (<code>plan --explain</code>)</h4>\n<pre>{}</pre></div>\n</div>\n",
        escape(&why)
    );
    if input.target == Target::Files && svg.is_some() {
        let _ = writeln!(
            out,
            "<p class=\"files\"><a href=\"{}\">The heatmap as an SVG file</a></p>",
            heatmap_file(&group.id)
        );
    }
    if let Some(m) = &map {
        out.push_str(&heatmap_table(m, &a));
    }
    out.push_str("</section>\n");
    (out, svg)
}

/// The group's series time or why it has none.
fn outcome(input: &Input<'_>, group: &Group, standing: Standing) -> String {
    let text = match input.plan.outcome(&group.id) {
        Some(GroupOutcome::Scheduled { series, .. }) => format!(
            "<p class=\"outcome\" data-weekday=\"{}\" data-start=\"{}\">Series time: <strong>{}s at {}</strong></p>\n",
            weekday_name(series.weekday).to_lowercase(),
            hhmm(series.start),
            weekday_name(series.weekday),
            hhmm(series.start),
        ),
        Some(GroupOutcome::Partitioned { .. }) => {
            "<p class=\"outcome\">Split into subgroups (pairs) that meet at times of their own.</p>\n"
                .to_string()
        }
        Some(GroupOutcome::Unscheduled { reason }) => format!(
            "<p class=\"outcome standing-not-scheduled\">Not scheduled: {}</p>\n",
            escape(reason)
        ),
        Some(GroupOutcome::Blocked { reason }) => format!(
            "<p class=\"outcome standing-not-scheduled\">Blocked: {}</p>\n",
            escape(reason)
        ),
        None => "<p class=\"outcome standing-not-scheduled\">Not planned.</p>\n".to_string(),
    };
    if standing == Standing::Short {
        return format!(
            "{text}<p class=\"standing-short\">Short of quorum in some weeks: see the skipped weeks.</p>\n"
        );
    }
    text
}

fn sessions(input: &Input<'_>, group: &Group) -> String {
    let org = &input.loaded.org;
    let tz = &group.zone.tz;
    let next: Vec<_> = input
        .plan
        .sessions
        .iter()
        .filter(|s| s.group == group.id && s.end > input.now)
        .take(NEXT_SESSIONS)
        .collect();
    let mut out = String::from("<h3>Next sessions</h3>\n");
    if next.is_empty() {
        out.push_str("<p>No sessions ahead in the horizon.</p>\n");
        return out;
    }
    let _ = write!(
        out,
        "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Next sessions of {}\"><table class=\"sessions\">\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Time</th>\
         <th scope=\"col\">Attending</th><th scope=\"col\">Roles</th></tr></thead>\n<tbody>\n",
        escape(&group.name)
    );
    for s in next {
        let start = s.start.to_zoned(tz.clone());
        let end = s.end.to_zoned(tz.clone());
        let roles: Vec<String> = s
            .plan
            .roles
            .iter()
            .map(|r| {
                let who = org
                    .people
                    .get(&r.member)
                    .map_or(r.member.as_str(), |p| p.first_name());
                format!("{}: {}", escape(&r.role), escape(who))
            })
            .collect();
        let moved = if s.moved_from.is_some() {
            " (moved)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}–{}{moved}</td><td>{} of {}</td><td>{}</td></tr>",
            start.strftime("%a %Y-%m-%d"),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            s.attendees.len(),
            s.attendees.len() + s.absentees.len(),
            if roles.is_empty() {
                "—".to_string()
            } else {
                roles.join("; ")
            },
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

fn skipped(input: &Input<'_>, group: &Group) -> String {
    let list = match input.plan.outcome(&group.id) {
        Some(GroupOutcome::Scheduled { skipped, .. } | GroupOutcome::Partitioned { skipped }) => {
            skipped
        }
        _ => return String::new(),
    };
    let mut out = String::from("<h3>Skipped weeks</h3>\n");
    if list.is_empty() {
        out.push_str("<p>None.</p>\n");
        return out;
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">{} skipped, {} of them for a reason other than a holiday.</p>",
        list.len(),
        short_weeks(list)
    );
    out.push_str("<ul class=\"skipped\">\n");
    for k in list {
        let _ = writeln!(
            out,
            "<li>{} {}: {}</li>",
            &weekday_name(k.date.weekday())[..3],
            k.date,
            escape(&k.reason.to_string())
        );
    }
    out.push_str("</ul>\n");
    out
}

/// The heatmap's numbers as a table, for screen readers and for anyone
/// who wants the figures.
fn heatmap_table(map: &Heatmap, a: &str) -> String {
    let mut out = format!(
        "<details><summary>The heatmap as a table</summary>\n\
         <div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Members free per quarter hour, {}\">\n\
         <table class=\"heatmap-table\" id=\"hm-{a}-table\">\n<thead><tr><th scope=\"col\">Time</th>",
        escape(&map.name)
    );
    for d in &map.days {
        let _ = write!(out, "<th scope=\"col\">{}</th>", weekday_name(*d));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (t, time) in map.times.iter().enumerate() {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", hhmm(*time));
        for (d, day) in map.days.iter().enumerate() {
            let Some(cell) = map.cells.get(d).and_then(|r| r.get(t)) else {
                continue;
            };
            let (class, mark) = if map.in_series(*day, *time) {
                (" class=\"series\"", " (series time)")
            } else {
                ("", "")
            };
            let _ = write!(
                out,
                "<td{class}>{}{mark}</td>",
                escape(&cell_text(cell, map.members))
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div></details>\n");
    out
}

fn feeds(links: &[FeedLink]) -> String {
    let mut out = String::from(
        "<section id=\"feeds\" aria-labelledby=\"feeds-h\"><h2 id=\"feeds-h\">Subscribe pages</h2>\n\
         <p class=\"note\">Each link is personal to its calendar: hand it only to the group or member it names.</p>\n",
    );
    for (kind, title) in [("group", "Groups"), ("member", "Members")] {
        let _ = writeln!(out, "<h3>{title}</h3>\n<ul class=\"feeds-{kind}\">");
        for l in links.iter().filter(|l| l.kind == kind) {
            match &l.url {
                Some(url) => {
                    let _ = writeln!(
                        out,
                        "<li><a href=\"{}\" rel=\"noreferrer\" data-id=\"{}\">{}</a></li>",
                        escape(url),
                        escape(&l.id),
                        escape(&l.name)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<li data-id=\"{}\">{} — no subscribe page yet (<code>peerwell feeds</code> creates it)</li>",
                        escape(&l.id),
                        escape(&l.name)
                    );
                }
            }
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    out
}
