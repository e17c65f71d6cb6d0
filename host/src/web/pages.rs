//! `GET /subscribe/<token>`: a page for handing a feed to a member.
//!
//! A group token shows the group's name, charter, next sessions (cancelled
//! ones marked), members' first names and escalation resources; a member
//! token shows the member's groups and next sessions (and, when a public
//! URL is configured, each session's "I can't make it" link). Both carry one-click
//! links (`webcal://`, Google Calendar, Outlook.com, Outlook on Microsoft
//! 365) and the plain URL in a read-only field with a Copy button. Every
//! text is escaped; only first names appear; nothing from an input
//! calendar exists in a snapshot to begin with.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::html::{PageHeaders, page};
use super::{Body, PublicUrl, not_found};
use crate::escape::html as escape;
use crate::links::AbsenceLinks;
use crate::state::{ServerState, Snapshot};
use peerwell_core::feeds::FeedKey;
use peerwell_core::model::{Escalation, Group, Person};
use peerwell_core::schedule::Session;

/// Sessions listed on a page.
const NEXT_SESSIONS: usize = 10;

/// Answers `/subscribe/<token>`.
pub fn respond(
    shared: &ServerState,
    url: &PublicUrl,
    headers: &PageHeaders,
    token: &str,
) -> Response<Body> {
    let tokens = shared.tokens();
    let Some(snapshot) = shared.current() else {
        return not_found();
    };
    let now = shared.now();
    let html = tokens.feed(token).and_then(|key| match key {
        FeedKey::Group(id) => group_page(&snapshot, id, token, url, now),
        FeedKey::Member(id) => {
            let absence = crate::state::off_runtime(|| shared.absence_links());
            member_page(&snapshot, id, token, url, (absence.as_ref(), now))
        }
    });
    let Some(html) = html else {
        shared
            .metrics()
            .page_not_found
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(token = super::token_prefix(token), "page: unknown token");
        return not_found();
    };
    shared.metrics().page_ok.fetch_add(1, Ordering::Relaxed);
    let mut res = Response::new(Full::new(Bytes::from(html)));
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CONTENT_SECURITY_POLICY, headers.csp.clone());
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

fn group_page(
    snap: &Snapshot,
    id: &str,
    token: &str,
    url: &PublicUrl,
    now: Timestamp,
) -> Option<String> {
    let org = &snap.loaded.org;
    let group = org.groups.iter().find(|g| g.id == id)?;
    let mut body = links(url, token, &group.name);
    body.push_str(&charter(group));
    let where_ = place(group);
    if !where_.is_empty() {
        body.push_str("<section aria-labelledby=\"where\"><h2 id=\"where\">Where</h2>\n");
        body.push_str(&where_);
        body.push_str("</section>\n");
    }
    let sessions = upcoming(snap, now, |s| s.group == group.id);
    body.push_str(&sessions_table(
        snap,
        &sessions,
        &group.zone.tz,
        &group.zone.name,
        None,
    ));
    let names: Vec<String> = group
        .members
        .iter()
        .filter_map(|m| org.people.get(m))
        .map(|p| escape(p.first_name()))
        .collect();
    body.push_str("<section aria-labelledby=\"members\"><h2 id=\"members\">Members</h2>\n<p>");
    body.push_str(&names.join(", "));
    body.push_str("</p></section>\n");
    body.push_str(&escalation(&group.escalation));
    Some(page(&group.name, &org.org.name, &body))
}

fn member_page(
    snap: &Snapshot,
    id: &str,
    token: &str,
    url: &PublicUrl,
    (absence, now): (Option<&AbsenceLinks>, Timestamp),
) -> Option<String> {
    let org = &snap.loaded.org;
    let person = org.people.get(id)?;
    let title = format!("Peer support for {}", person.first_name());
    let mut body = links(url, token, &format!("{} peer support", org.org.name));
    let groups: Vec<&Group> = org
        .groups
        .iter()
        .filter(|g| g.members.iter().any(|m| m == id))
        .collect();
    body.push_str("<section aria-labelledby=\"groups\"><h2 id=\"groups\">Your groups</h2>\n<ul>\n");
    for g in &groups {
        body.push_str(&format!("<li><strong>{}</strong>", escape(&g.name)));
        if !g.charter.purpose.trim().is_empty() {
            body.push_str(&format!(" — {}", escape(g.charter.purpose.trim())));
        }
        body.push_str(&place(g));
        body.push_str("</li>\n");
    }
    if groups.is_empty() {
        body.push_str("<li>None yet.</li>\n");
    }
    body.push_str("</ul></section>\n");
    let sessions = upcoming(snap, now, |s| s.attendees.iter().any(|a| a == id));
    body.push_str(&sessions_table(
        snap,
        &sessions,
        &person.zone.tz,
        &person.zone.name,
        Some(person),
    ));
    if let Some(links) = absence {
        body.push_str(&absence_section(&sessions, person, links));
    }
    body.push_str(&escalation(&contacts(&groups)));
    Some(page(&title, &org.org.name, &body))
}

/// "Can't make it?": the member's absence link for each of their next
/// sessions that takes place (see `web::absence`).
fn absence_section(sessions: &[(&Session, bool)], person: &Person, links: &AbsenceLinks) -> String {
    let mut items = String::new();
    for (s, _) in sessions.iter().filter(|(_, cancelled)| !cancelled) {
        let start = s.start.to_zoned(person.zone.tz.clone());
        items.push_str(&format!(
            "<li>{}: <a class=\"absence\" href=\"{}\">I can't make it</a></li>\n",
            start.strftime("%a %d %b %Y %H:%M"),
            escape(&links.url(&person.id, &s.group, s.index))
        ));
    }
    if items.is_empty() {
        return String::new();
    }
    format!(
        "<section aria-labelledby=\"absent\"><h2 id=\"absent\">Can't make it?</h2>\n\
         <p class=\"note\">Each link opens a page where you confirm; nothing is recorded \
         before you press its button, and you can undo it.</p>\n<ul>\n{items}</ul></section>\n"
    )
}

/// Every escalation contact of `groups` once, in group order: entries
/// with the same contact (compared by its letters and digits, so
/// `1-800-555-0142` and `1 800 555 0142` are one) are one resource, named
/// as the first group names it.
fn contacts(groups: &[&Group]) -> Vec<Escalation> {
    let key = |e: &Escalation| -> String {
        e.contact
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in groups.iter().flat_map(|g| &g.escalation) {
        if seen.insert(key(e)) {
            out.push(e.clone());
        }
    }
    out
}

/// Where the group meets, as the feed's LOCATION and "Where" section say
/// it: `<p class="where">` lines for the location and the video link;
/// empty when the policy names neither.
fn place(group: &Group) -> String {
    let mut out = String::new();
    if let Some(loc) = group
        .location
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        out.push_str(&format!(
            "<p class=\"where\">Location: {}</p>\n",
            escape(loc)
        ));
    }
    if let Some(url) = group
        .video_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        out.push_str(&format!("<p class=\"where\">Video: {}</p>\n", escape(url)));
    }
    out
}

/// The next sessions matching `keep` (cancelled ones too), by start.
fn upcoming(
    snap: &Snapshot,
    now: Timestamp,
    keep: impl Fn(&Session) -> bool,
) -> Vec<(&Session, bool)> {
    let mut out: Vec<(&Session, bool)> = snap
        .plan
        .sessions
        .iter()
        .map(|s| (s, false))
        .chain(snap.commit.cancelled.iter().map(|s| (s, true)))
        .filter(|(s, _)| s.end > now && keep(s))
        .collect();
    out.sort_by(|a, b| (a.0.start, &a.0.group, a.0.index).cmp(&(b.0.start, &b.0.group, b.0.index)));
    out.truncate(NEXT_SESSIONS);
    out
}

fn links(url: &PublicUrl, token: &str, name: &str) -> String {
    let feed = escape(&url.feed(token));
    format!(
        "<section aria-labelledby=\"subscribe\"><h2 id=\"subscribe\">Add to your calendar</h2>\n\
         <ul class=\"links\">\n\
         <li><a id=\"link-webcal\" href=\"{webcal}\">Apple Calendar, Thunderbird (webcal)</a></li>\n\
         <li><a id=\"link-google\" href=\"{google}\">Google Calendar</a></li>\n\
         <li><a id=\"link-outlook\" href=\"{outlook}\">Outlook.com</a></li>\n\
         <li><a id=\"link-office365\" href=\"{office}\">Outlook (Microsoft 365)</a></li>\n\
         </ul>\n<div class=\"copy\"><label for=\"feed-url\">Calendar address (subscribe by URL)</label>\n\
         <input id=\"feed-url\" type=\"text\" readonly value=\"{feed}\">\n\
         <button id=\"copy-button\" type=\"button\" hidden>Copy</button>\
         <span id=\"copy-status\" role=\"status\"></span></div>\n\
         <p class=\"note\">This address is personal to this calendar: please do not share it.</p>\n\
         </section>\n",
        webcal = escape(&url.webcal(token)),
        google = escape(&url.google(token)),
        outlook = escape(&url.outlook(token, name)),
        office = escape(&url.office365(token, name)),
    )
}

fn charter(group: &Group) -> String {
    let c = &group.charter;
    let mut out =
        String::from("<section aria-labelledby=\"charter\"><h2 id=\"charter\">Charter</h2>\n");
    for (label, text) in [("Purpose", &c.purpose), ("Boundaries", &c.boundaries)] {
        if !text.trim().is_empty() {
            out.push_str(&format!(
                "<p><strong>{label}:</strong> {}</p>\n",
                escape(text.trim())
            ));
        }
    }
    let membership = if c.open {
        "Open membership"
    } else {
        "Closed membership"
    };
    match c.size_limit {
        Some(n) => out.push_str(&format!("<p>{membership}, at most {n} members.</p>\n")),
        None => out.push_str(&format!("<p>{membership}.</p>\n")),
    }
    out.push_str("</section>\n");
    out
}

fn sessions_table(
    snap: &Snapshot,
    sessions: &[(&Session, bool)],
    tz: &TimeZone,
    zone: &str,
    reader: Option<&Person>,
) -> String {
    let with_group = reader.is_some();
    let mut out = String::from(
        "<section aria-labelledby=\"sessions\"><h2 id=\"sessions\">Next sessions</h2>\n",
    );
    if sessions.is_empty() {
        out.push_str("<p>No sessions are planned yet.</p></section>\n");
        return out;
    }
    out.push_str("<table>\n<thead><tr>");
    if with_group {
        out.push_str("<th scope=\"col\">Group</th>");
    }
    out.push_str(
        "<th scope=\"col\">Date</th><th scope=\"col\">Time</th><th scope=\"col\">Zone</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>\n",
    );
    for (s, cancelled) in sessions {
        let start = s.start.to_zoned(tz.clone());
        let end = s.end.to_zoned(tz.clone());
        out.push_str(if *cancelled {
            "<tr class=\"cancelled\">"
        } else {
            "<tr>"
        });
        if with_group {
            let org = &snap.loaded.org;
            let group = org.groups.iter().find(|g| g.id == s.group);
            let name = group.map_or(s.group.as_str(), |g| g.name.as_str());
            out.push_str(&format!("<td>{}", escape(name)));
            // A buddy pair's row names the reader's buddy (first name only).
            if let (Some(g), Some(p)) = (group, reader)
                && let Some(ids) = peerwell_core::feeds::describe::partner_ids(g, s, &p.id)
            {
                let names: Vec<String> = ids
                    .iter()
                    .filter_map(|id| org.people.get(*id))
                    .map(|q| escape(q.first_name()))
                    .collect();
                out.push_str(&format!(
                    "<br><span class=\"partner\">with {}</span>",
                    names.join(" and ")
                ));
            }
            out.push_str("</td>");
        }
        out.push_str(&format!(
            "<td>{}</td><td>{}–{}</td><td>{} ({})</td><td class=\"state\">{}</td></tr>\n",
            start.strftime("%a %d %b %Y"),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            escape(zone),
            start.strftime("%Z"),
            if *cancelled { "Cancelled" } else { "Planned" },
        ));
    }
    out.push_str("</tbody>\n</table></section>\n");
    out
}

fn escalation(resources: &[Escalation]) -> String {
    if resources.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<section aria-labelledby=\"help\"><h2 id=\"help\">When peer support is not enough</h2>\n<ul>\n",
    );
    for e in resources {
        out.push_str(&format!(
            "<li><strong>{}</strong>: {}",
            escape(&e.name),
            escape(&e.contact)
        ));
        if let Some(note) = &e.note {
            out.push_str(&format!(" — {}", escape(note)));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul></section>\n");
    out
}
