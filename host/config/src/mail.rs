//! `[mail]` in `peerwell.toml`, and the mail keys of people and groups:
//! `reminders`, `quiet_hours` and `delivery` in a `[[person]]`, `reminders`
//! in a group file. Every problem is reported at its file, line and column.

use toml::de::DeValue;

use super::values::is_email;
use super::walk::{Out, Table, Val, array, string, text, type_error};
use peerwell_core::mail::{
    Delivery, GroupMail, HrContact, MailSettings, PersonMail, QuietHours, SmtpSettings, SmtpTls,
    parse_offset, parse_quiet_hours,
};

const KEYS: &[&str] = &[
    "enabled",
    "from",
    "from_name",
    "domain",
    "reminders",
    "role_notice",
    "quiet_hours",
    "attach_ics",
    "folder",
    "connections",
    "send_timeout_seconds",
    "retry_seconds",
    "max_attempts",
    "smtp",
    "hr",
    "delivery",
    "invitations_ahead",
];

const SMTP_KEYS: &[&str] = &["host", "port", "tls", "username", "password_env", "ca_file"];

/// Reads `[mail]` from the org file's root table; defaults when absent.
pub(super) fn read_org(t: &Table<'_, '_>, org_name: &str, out: &mut Out) -> MailSettings {
    let mut mail = MailSettings {
        from_name: if org_name.is_empty() {
            "peerwell".to_string()
        } else {
            org_name.to_string()
        },
        ..MailSettings::default()
    };
    let Some(m) = t.table("mail", KEYS, out) else {
        return mail;
    };
    let src = m.src;
    mail.enabled = m.boolean("enabled", out).unwrap_or(true);
    let from = m.get("from").and_then(|v| email(src, v, out));
    if let Some(name) = m.get("from_name").and_then(|v| text(src, v, out)) {
        mail.from_name = name;
    }
    let domain = m.get("domain").and_then(|v| {
        let d = text(src, v, out)?;
        let ok = d
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !ok {
            out.push(src.error(
                v.span(),
                format!("expected a domain name like clinic.example, found \"{d}\""),
                Some(
                    "Message-IDs end in this domain; use letters, digits, `-` and `.`".to_string(),
                ),
            ));
            return None;
        }
        Some(d)
    });
    mail.domain = domain
        .clone()
        .or_else(|| {
            from.as_ref()
                .and_then(|f| f.split_once('@'))
                .map(|(_, d)| d.to_string())
        })
        .unwrap_or_else(|| "peerwell.invalid".to_string());
    mail.from = from.unwrap_or_else(|| format!("peerwell@{}", mail.domain));
    if let Some(v) = m.get("reminders")
        && let Some(list) = offsets(src, v, out)
    {
        mail.reminders = list;
    }
    if let Some(v) = m.get("role_notice")
        && let Some(n) = offset(src, v, out)
    {
        mail.role_notice_minutes = n;
    }
    if let Some(v) = m.get("quiet_hours") {
        mail.quiet_hours = quiet(src, v, out).flatten();
    }
    mail.attach_ics = m.boolean("attach_ics", out).unwrap_or(false);
    if let Some(f) = m.get("folder").and_then(|v| text(src, v, out)) {
        mail.folder = Some(src.resolve(&f));
    }
    let int = |key: &str, range: std::ops::RangeInclusive<i64>, default: u32, out: &mut Out| {
        m.integer(key, range, out).map_or(default, |n| n as u32)
    };
    mail.connections = int("connections", 1..=32, 8, out);
    mail.send_timeout_seconds = int("send_timeout_seconds", 1..=600, 30, out);
    mail.retry_seconds = int("retry_seconds", 1..=3600, 60, out);
    mail.max_attempts = int("max_attempts", 1..=100, 10, out);
    if let Some(s) = m.table("smtp", SMTP_KEYS, out) {
        mail.smtp = smtp(&s, out);
    }
    if let Some(v) = m.get("hr") {
        mail.hr = hr(&m, v, out);
    }
    read_invitations(&m, &mut mail, out);
    mail
}

/// `delivery` and `invitations_ahead` of `[mail]`.
fn read_invitations(m: &Table<'_, '_>, mail: &mut MailSettings, out: &mut Out) {
    let src = m.src;
    if let Some(d) = m.get("delivery").and_then(|v| delivery(src, v, out)) {
        mail.delivery = d;
    }
    if let Some(n) = m
        .get("invitations_ahead")
        .and_then(|v| invitations_ahead(src, v, out))
    {
        mail.invitations_ahead_minutes = n;
    }
}

/// `delivery = "feeds" | "invitations" | "both"`, in `[mail]` or a person.
fn delivery(src: &super::source::SourceFile, v: &Val<'_>, out: &mut Out) -> Option<Delivery> {
    let s = string(src, v, out)?;
    let d = Delivery::parse(s.trim());
    if d.is_none() {
        out.push(src.error(
            v.span(),
            format!("expected \"feeds\", \"invitations\" or \"both\", found \"{s}\""),
            Some(
                "\"feeds\": members subscribe to their feed; \"invitations\": each session arrives as a calendar invitation by email; \"both\": the two"
                    .to_string(),
            ),
        ));
    }
    d
}

/// `invitations_ahead`: a duration from one day to a year.
fn invitations_ahead(src: &super::source::SourceFile, v: &Val<'_>, out: &mut Out) -> Option<u32> {
    let s = string(src, v, out)?;
    match parse_offset(&s) {
        Ok(n) if (24 * 60..=366 * 24 * 60).contains(&n) => Some(n),
        Ok(_) => {
            out.push(src.error(
                v.span(),
                format!("invitations_ahead \"{s}\" is outside one day to a year"),
                Some("use a duration from \"1d\" to \"366d\", e.g. \"28d\"".to_string()),
            ));
            None
        }
        Err(message) => {
            out.push(src.error(v.span(), message.to_string(), None));
            None
        }
    }
}

fn smtp(s: &Table<'_, '_>, out: &mut Out) -> Option<SmtpSettings> {
    let src = s.src;
    let host = s.required_text("host", "host = \"smtp.clinic.example\"", out);
    let tls = match s.get("tls") {
        None => Some(SmtpTls::StartTls),
        Some(v) => match string(src, v, out).as_deref() {
            Some("starttls") => Some(SmtpTls::StartTls),
            Some("tls") => Some(SmtpTls::Tls),
            Some("none") => Some(SmtpTls::None),
            Some(other) => {
                out.push(src.error(
                    v.span(),
                    format!("expected \"starttls\", \"tls\" or \"none\", found \"{other}\""),
                    Some(
                        "\"starttls\" (port 587), \"tls\" (port 465), \"none\" only for a relay on this host"
                            .to_string(),
                    ),
                ));
                None
            }
            None => None,
        },
    };
    let default_port = match tls {
        Some(SmtpTls::Tls) => 465,
        Some(SmtpTls::None) => 25,
        _ => 587,
    };
    let port = s
        .integer("port", 1..=65_535, out)
        .map_or(default_port, |n| n as u16);
    let username = s.get("username").and_then(|v| text(src, v, out));
    let password_env = s.get("password_env").and_then(|v| {
        let name = text(src, v, out)?;
        let ok = name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok || name.contains('@') {
            out.push(src.error(
                v.span(),
                format!("expected the name of an environment variable, found \"{name}\""),
                Some(
                    "name the variable that holds the password, e.g. password_env = \"PEERWELL_SMTP_PASSWORD\"; the password itself never goes in a policy file"
                        .to_string(),
                ),
            ));
            return None;
        }
        Some(name)
    });
    if username.is_some() != password_env.is_some() {
        let key = if username.is_some() {
            "username"
        } else {
            "password_env"
        };
        out.push(src.error(
            s.key_span(key).unwrap_or(s.span.clone()),
            "SMTP authentication needs both `username` and `password_env`",
            Some("set both, or neither for a server that needs no login".to_string()),
        ));
        return None;
    }
    let ca_file = s
        .get("ca_file")
        .and_then(|v| text(src, v, out))
        .map(|f| src.resolve(&f));
    Some(SmtpSettings {
        host: host?,
        port,
        tls: tls?,
        username,
        password_env,
        ca_file,
    })
}

fn hr(m: &Table<'_, '_>, v: &Val<'_>, out: &mut Out) -> Vec<HrContact> {
    let src = m.src;
    let DeValue::Array(a) = v.get_ref() else {
        type_error(
            src,
            v,
            "an array of tables",
            Some("write each contact under a `[[mail.hr]]` header".to_string()),
            out,
        );
        return Vec::new();
    };
    let mut list = Vec::new();
    for e in a.iter() {
        let Some(c) = m.as_table(e, "[[mail.hr]]", &["name", "email"], out) else {
            continue;
        };
        let name = c.required_text("name", "name = \"Wellness lead\"", out);
        let address = c
            .required("email", "email = \"wellness@clinic.example\"", out)
            .and_then(|v| email(src, v, out));
        if let (Some(name), Some(email)) = (name, address) {
            list.push(HrContact { name, email });
        }
    }
    list
}

/// The mail keys of one `[[person]]` table.
pub(super) fn read_person(p: &Table<'_, '_>, out: &mut Out) -> PersonMail {
    let mut mail = PersonMail {
        reminders: p.boolean("reminders", out).unwrap_or(true),
        delivery: p.get("delivery").and_then(|v| delivery(p.src, v, out)),
        ..PersonMail::default()
    };
    if let Some(v) = p.get("quiet_hours") {
        match quiet(p.src, v, out) {
            Some(Some(q)) => mail.quiet_hours = Some(q),
            Some(None) => mail.no_quiet_hours = true,
            None => {}
        }
    }
    mail
}

/// The mail keys of a group file.
pub(super) fn read_group(t: &Table<'_, '_>, out: &mut Out) -> GroupMail {
    GroupMail {
        reminders: t.get("reminders").and_then(|v| offsets(t.src, v, out)),
    }
}

fn email(src: &super::source::SourceFile, v: &Val<'_>, out: &mut Out) -> Option<String> {
    let s = string(src, v, out)?;
    if !is_email(&s) {
        out.push(src.error(
            v.span(),
            format!("expected an email address like name@example.org, found \"{s}\""),
            None,
        ));
        return None;
    }
    Some(s)
}

fn offset(src: &super::source::SourceFile, v: &Val<'_>, out: &mut Out) -> Option<u32> {
    let s = string(src, v, out)?;
    match parse_offset(&s) {
        Ok(n) if n <= 60 * 24 * 60 => Some(n),
        Ok(_) => {
            out.push(src.error(
                v.span(),
                format!("\"{s}\" is more than 60 days before a session"),
                Some("use an offset of at most \"60d\"".to_string()),
            ));
            None
        }
        Err(message) => {
            out.push(src.error(v.span(), message.to_string(), None));
            None
        }
    }
}

/// A list of offsets, largest first, without duplicates.
fn offsets(src: &super::source::SourceFile, v: &Val<'_>, out: &mut Out) -> Option<Vec<u32>> {
    let a = array(src, v, "an array of durations like [\"24h\", \"1h\"]", out)?;
    let before = out.len();
    let mut list: Vec<u32> = a.iter().filter_map(|e| offset(src, e, out)).collect();
    if out.len() != before {
        return None;
    }
    list.sort_unstable_by(|a, b| b.cmp(a));
    list.dedup();
    Some(list)
}

/// `Some(None)` for `"none"`, `Some(Some(q))` for a span, `None` when
/// invalid (reported).
fn quiet(
    src: &super::source::SourceFile,
    v: &Val<'_>,
    out: &mut Out,
) -> Option<Option<QuietHours>> {
    let s = string(src, v, out)?;
    if s.trim() == "none" {
        return Some(None);
    }
    match parse_quiet_hours(&s) {
        Ok(q) => Some(Some(q)),
        Err(message) => {
            out.push(src.error(
                v.span(),
                message.to_string(),
                Some(
                    "in the member's own time zone; write \"none\" for no quiet hours".to_string(),
                ),
            ));
            None
        }
    }
}
