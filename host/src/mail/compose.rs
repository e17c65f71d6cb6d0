//! Rendering one message with lettre's builder: multipart/alternative text
//! and HTML (escaped), an optional `METHOD:PUBLISH` .ics attachment, a
//! Message-ID derived from the reminder's key, and a Date header; or an
//! iTIP invitation ([`render_invitation`]).
//!
//! Rendering is deterministic: MIME boundaries derive from the key too, so
//! the same reminder at the same moment renders to the same bytes.

use jiff::Timestamp;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use sha2::{Digest, Sha256};

use crate::escape::html as escape;

/// Everything one message says.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// The outbox key; the Message-ID and boundaries derive from it.
    pub key: &'a str,
    /// The domain the Message-ID ends in.
    pub domain: &'a str,
    /// The sender's display name (`[mail] from_name`).
    pub from_name: &'a str,
    /// The sender's address (`[mail] from`).
    pub from: &'a str,
    /// The recipient's display name.
    pub to_name: &'a str,
    /// The recipient's address.
    pub to: &'a str,
    /// The Subject header.
    pub subject: &'a str,
    /// Plain text with `\n` line breaks.
    pub body: &'a str,
    /// The Date header: when the message is scheduled to go out.
    pub date: Timestamp,
    /// A `METHOD:PUBLISH` calendar of the session to attach.
    pub ics: Option<&'a str>,
}

/// The stable Message-ID of the message with `key`:
/// `<` 32 hex digits of SHA-256(key) `@domain>`.
pub fn message_id(key: &str, domain: &str) -> String {
    format!("<{}@{domain}>", hex(key, 16))
}

fn hex(text: &str, bytes: usize) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..bytes].iter().map(|b| format!("{b:02x}")).collect()
}

/// The HTML part: the text's paragraphs (blank-line separated) as `<p>`,
/// its lines joined with `<br>`, every character escaped.
pub fn html(subject: &str, body: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    out.push_str(&escape(subject));
    out.push_str("</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.4\">\n");
    for para in body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        let lines: Vec<String> = para.lines().map(escape).collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Why a message could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// A sender or recipient address lettre cannot use.
    #[error("the address `{address}` is not usable: {source}")]
    Address {
        /// The address as configured.
        address: String,
        /// Why lettre refused it.
        source: lettre::address::AddressError,
    },
    /// The calendar attachment's content type.
    #[error("the .ics content type: {0}")]
    ContentType(#[source] lettre::message::header::ContentTypeErr),
    /// lettre could not assemble the message.
    #[error("cannot build the message: {0}")]
    Build(#[source] lettre::error::Error),
}

/// Renders `draft` to the bytes that are stored and sent.
pub fn render(draft: &Draft<'_>) -> Result<Vec<u8>, ComposeError> {
    let seed = hex(draft.key, 12);
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(format!("{}\n", draft.body.trim_end()));
    let html_part = SinglePart::builder()
        .header(ContentType::TEXT_HTML)
        .body(html(draft.subject, draft.body));
    let alternative = MultiPart::alternative()
        .boundary(format!("peerwell-alt-{seed}"))
        .singlepart(text)
        .singlepart(html_part);
    let builder = headers(draft)?;
    let message = match draft.ics {
        None => builder.multipart(alternative),
        Some(ics) => {
            let kind = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(ComposeError::ContentType)?;
            let attachment = Attachment::new("session.ics".to_string()).body(ics.to_string(), kind);
            builder.multipart(
                MultiPart::mixed()
                    .boundary(format!("peerwell-mix-{seed}"))
                    .multipart(alternative)
                    .singlepart(attachment),
            )
        }
    }
    .map_err(ComposeError::Build)?;
    Ok(message.formatted())
}

/// Renders an iTIP invitation (RFC 6047): `multipart/mixed` of a
/// `multipart/alternative` — the plain text (`draft.body`) and the
/// calendar as `text/calendar; method=<method>` — and the same calendar
/// attached as `invite.ics`, the shape Google Calendar and Thunderbird
/// send, since some clients look only at one of the two. `draft.ics` is
/// not used.
pub fn render_invitation(
    draft: &Draft<'_>,
    method: &str,
    calendar: &str,
) -> Result<Vec<u8>, ComposeError> {
    let seed = hex(draft.key, 12);
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(format!("{}\n", draft.body.trim_end()));
    let inline = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
        .map_err(ComposeError::ContentType)?;
    let attached = ContentType::parse("application/ics; name=invite.ics")
        .map_err(ComposeError::ContentType)?;
    let alternative = MultiPart::alternative()
        .boundary(format!("peerwell-alt-{seed}"))
        .singlepart(text)
        .singlepart(
            SinglePart::builder()
                .header(inline)
                .body(calendar.to_string()),
        );
    let attachment = Attachment::new("invite.ics".to_string()).body(calendar.to_string(), attached);
    let message = headers(draft)?
        .multipart(
            MultiPart::mixed()
                .boundary(format!("peerwell-mix-{seed}"))
                .multipart(alternative)
                .singlepart(attachment),
        )
        .map_err(ComposeError::Build)?;
    Ok(message.formatted())
}

/// From, To, Subject, Date, Message-ID and the automatic-mail headers.
fn headers(draft: &Draft<'_>) -> Result<lettre::message::MessageBuilder, ComposeError> {
    let from = mailbox(draft.from_name, draft.from)?;
    let to = mailbox(draft.to_name, draft.to)?;
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(draft.subject)
        .date(std::time::SystemTime::from(draft.date))
        .message_id(Some(message_id(draft.key, draft.domain)))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_string(),
        ))
        .user_agent(concat!("peerwell ", env!("CARGO_PKG_VERSION")).to_string()))
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox, ComposeError> {
    let addr = address.parse().map_err(|source| ComposeError::Address {
        address: address.to_string(),
        source,
    })?;
    Ok(Mailbox::new(Some(name.to_string()), addr))
}

#[cfg(test)]
mod tests;
