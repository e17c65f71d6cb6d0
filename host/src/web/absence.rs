//! `/absence/<token>`: a member's "I can't make it" link.
//!
//! `GET` (and `HEAD`) never records anything — mail clients and security
//! scanners fetch links before anyone clicks — it shows a page saying in
//! plain words what the button does. The button is a form that posts to
//! `/absence/<token>/cant`, which records the absence (a second post is
//! harmless: the first record stays) and asks the daemon for a planning
//! pass at once; the page confirms and offers "I can come after all", a
//! form posting to `/absence/<token>/can`, which deletes it. No script;
//! the pages' policy lets forms post to this site only.
//!
//! A forged or tampered token, one naming a member no longer in the group
//! or a session that is not planned, and one whose session has started
//! all get the same page and status ([`refused`]), so an answer never says
//! which part was wrong. Every request counts against the link's and the
//! client address's budgets ([`crate::state::limits`]); over either, 429
//! with `Retry-After`. Pages name the group, the session's time in the
//! member's zone and the member's first name, nothing of anyone else, and
//! escape everything. Recording writes the shared state directly, so any
//! replica may take the click; the leader plans it at its next pass.

use std::net::IpAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, REFERRER_POLICY,
    RETRY_AFTER, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use hyper::{Method, Response, StatusCode};
use jiff::Timestamp;

use super::Body;
use super::html::{PageHeaders, form_page};
use crate::escape::html as escape;
use crate::links::LinkTarget;
use crate::state::{ServerState, Snapshot, off_runtime};
use peerwell_core::model::{Group, Person};
use peerwell_core::schedule::Session;
use peerwell_store::{AbsenceRow, AbsenceSource, Store, StoreError};

/// The client's address, put on each request by the accept loop (absent
/// when the routes run without sockets, as in the fuzz target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Show the page (GET, HEAD).
    Show,
    /// Record the absence (POST `…/cant`).
    Record,
    /// Undo it (POST `…/can`).
    Undo,
}

/// Answers `/absence/<rest>` for `method`; `client` counts against the
/// per-client budget.
pub fn respond(
    shared: &ServerState,
    headers: &PageHeaders,
    method: &Method,
    rest: &str,
    client: Option<ClientAddr>,
) -> Response<Body> {
    let (token, action) = match (method, rest.rsplit_once('/')) {
        (&Method::GET | &Method::HEAD, None) => (rest, Action::Show),
        (&Method::POST, Some((token, "cant"))) => (token, Action::Record),
        (&Method::POST, Some((token, "can"))) => (token, Action::Undo),
        (&Method::GET | &Method::HEAD | &Method::POST, _) => return super::not_found(),
        _ => return not_allowed(),
    };
    let now = shared.now();
    let limits = shared.absence_limits();
    let client_key = client.map_or_else(|| "-".to_string(), |c| c.0.to_canonical().to_string());
    let budget = limits
        .per_client
        .take(&client_key, now)
        .and_then(|()| limits.per_link.take(token, now));
    if let Err(wait) = budget {
        tracing::debug!(token = super::token_prefix(token), "absence: over budget");
        return too_many(wait);
    }
    let answer = off_runtime(|| answer(shared, token, action, now));
    match answer {
        Ok(Some(html)) => page(headers, StatusCode::OK, html),
        Ok(None) => {
            tracing::debug!(token = super::token_prefix(token), "absence: link refused");
            page(headers, StatusCode::NOT_FOUND, refused())
        }
        Err(e) => {
            tracing::warn!(error = %e, "absence: the state cannot be used");
            page(headers, StatusCode::SERVICE_UNAVAILABLE, unavailable())
        }
    }
}

/// The page for a valid link, `None` for one refused; a state error when
/// the state cannot be read or written.
fn answer(
    shared: &ServerState,
    token: &str,
    action: Action,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let Some(snapshot) = shared.current() else {
        return Ok(None);
    };
    let key = shared.link_key()?;
    let Ok(target) = key.verify(token) else {
        return Ok(None);
    };
    let Some(found) = Found::of(&snapshot, &target, now) else {
        return Ok(None);
    };
    let location = crate::pipeline::state_location(&snapshot.loaded.org, None)?;
    let mut store = Store::open_location(&location)?;
    let recorded = match action {
        Action::Show => is_recorded(&store, &target)?,
        Action::Record => {
            let row = AbsenceRow {
                group: target.group.clone(),
                index: target.index,
                member: target.member.clone(),
                recorded_at: now,
                source: AbsenceSource::Link,
            };
            if store.add_absence(&row)? {
                tracing::info!(group = %target.group, index = target.index, "absence recorded by link");
                shared.request_replan();
            }
            true
        }
        Action::Undo => {
            if store.remove_absence(&target.group, target.index, &target.member)? {
                tracing::info!(group = %target.group, index = target.index, "absence undone by link");
                shared.request_replan();
            }
            false
        }
    };
    crate::state::close_off_runtime(store);
    Ok(Some(found.page(token, action, recorded)))
}

fn is_recorded(store: &Store, t: &LinkTarget) -> Result<bool, StoreError> {
    Ok(store
        .absences()?
        .iter()
        .any(|a| a.group == t.group && a.index == t.index && a.member == t.member))
}

/// A valid link's group, member and session, still ahead.
struct Found<'s> {
    group: &'s Group,
    person: &'s Person,
    session: &'s Session,
    cancelled: bool,
}

impl<'s> Found<'s> {
    /// The link's session in the served plan (or among its cancelled
    /// sessions, so an undo works after the absence cost the session its
    /// quorum), with a start after `now`, and its member still in the
    /// group.
    fn of(snap: &'s Snapshot, t: &LinkTarget, now: Timestamp) -> Option<Found<'s>> {
        let org = &snap.loaded.org;
        let group = org.groups.iter().find(|g| g.id == t.group)?;
        if !group.members.contains(&t.member) {
            return None;
        }
        let person = org.people.get(&t.member)?;
        let same = |s: &&Session| s.group == t.group && s.index == t.index;
        let (session, cancelled) = match snap.plan.sessions.iter().find(same) {
            Some(s) => (s, false),
            None => (snap.commit.cancelled.iter().find(same)?, true),
        };
        (session.start > now).then_some(Found {
            group,
            person,
            session,
            cancelled,
        })
    }

    /// When the session is, in the member's zone: "Tuesday 3 March 2026,
    /// 09:30–10:15 (Europe/Berlin)".
    fn when(&self) -> String {
        let tz = &self.person.zone.tz;
        let start = self.session.start.to_zoned(tz.clone());
        let end = self.session.end.to_zoned(tz.clone());
        format!(
            "{}, {}–{} ({})",
            start.strftime("%A %-d %B %Y"),
            start.strftime("%H:%M"),
            end.strftime("%H:%M"),
            self.person.zone.name
        )
    }

    /// The page of link `token` after `action`, given whether the
    /// absence is recorded.
    fn page(&self, token: &str, action: Action, recorded: bool) -> String {
        let name = escape(self.person.first_name());
        let group = escape(&self.group.name);
        let when = escape(&self.when());
        // Forms post relative to this page's own address: from
        // `…/absence/<token>` to `<token>/<verb>`, from `…/<token>/<verb>`
        // to the other verb.
        let target = |verb: &str| match action {
            Action::Show => format!("{token}/{verb}"),
            Action::Record | Action::Undo => verb.to_string(),
        };
        let (record, undo) = (target("cant"), target("can"));
        let mut body = format!("<p>Hello {name}.</p>\n");
        let note = if self.cancelled && !recorded {
            "<p class=\"note\">This session is cancelled at the moment (too few people can come). If you can come after all, it may take place again.</p>\n"
        } else {
            ""
        };
        match (action, recorded) {
            (Action::Show, false) => body.push_str(&format!(
                "<p>This is about <strong>{group}</strong> on <strong>{when}</strong>.</p>\n\
                 <p>If you can't make it, press the button. Your group's plan is updated within \
                 a minute: you will not be expected, and a role you held this time passes to the \
                 next person. Nothing is recorded until you press it, and you can undo it.</p>\n\
                 {note}{}",
                form(&record, "I can't make it")
            )),
            (Action::Show | Action::Undo, true) | (Action::Record, _) => body.push_str(&format!(
                "<p>Thank you for letting us know. You are recorded as not coming to \
                 <strong>{group}</strong> on <strong>{when}</strong>.</p>\n\
                 <p>The plan is updated within a minute. If your plans change, press the button \
                 below.</p>\n{}",
                form(&undo, "I can come after all")
            )),
            (Action::Undo, false) => body.push_str(&format!(
                "<p>Good to have you: you are expected at <strong>{group}</strong> on \
                 <strong>{when}</strong>.</p>\n{note}\
                 <p>If that changes, press the button below.</p>\n{}",
                form(&record, "I can't make it")
            )),
        }
        body.push_str(
            "<p class=\"note\">This link is personal to you and this session; please do not \
             forward it.</p>\n",
        );
        form_page("Your peer-support session", &self.group.name, &body)
    }
}

fn form(action: &str, label: &str) -> String {
    format!(
        "<form class=\"answer\" method=\"post\" action=\"{}\"><button type=\"submit\">{}</button></form>\n",
        escape(action),
        escape(label)
    )
}

/// The one page every refused link gets.
fn refused() -> String {
    form_page(
        "This link cannot be used",
        "Peer support",
        "<p>This link is not valid, or its session has already started.</p>\n\
         <p>If you need to change whether you come, please tell your group or HR.</p>\n",
    )
}

fn unavailable() -> String {
    form_page(
        "Please try again shortly",
        "Peer support",
        "<p>Your answer could not be recorded just now. Nothing was changed. Please try \
         again in a few minutes.</p>\n",
    )
}

fn page(headers: &PageHeaders, status: StatusCode, html: String) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(html)));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CONTENT_SECURITY_POLICY, headers.form_csp.clone());
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

fn too_many(wait: u64) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from_static(
        b"Too many requests for this link; please try again later.\n",
    )));
    *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(RETRY_AFTER, HeaderValue::from(wait));
    res
}

fn not_allowed() -> Response<Body> {
    let mut res = Response::new(Body::default());
    *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    res.headers_mut().insert(
        hyper::header::ALLOW,
        HeaderValue::from_static("GET, HEAD, POST"),
    );
    res
}
