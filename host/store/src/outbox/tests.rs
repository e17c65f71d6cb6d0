use super::*;
use peerwell_core::formats::Deadline;

#[test]
fn kinds_keep_their_stored_names() {
    let all = [
        (MessageKind::Upcoming, "upcoming"),
        (MessageKind::Role, "role"),
        (MessageKind::Deadline, "deadline"),
        (MessageKind::Moved, "moved"),
        (MessageKind::Cancelled, "cancelled"),
        (MessageKind::Hr, "hr"),
        (MessageKind::Invitation, "invitation"),
        (MessageKind::InvitationCancel, "invitation-cancel"),
    ];
    for (kind, name) in all {
        assert_eq!(kind.as_str(), name);
        assert_eq!(MessageKind::parse(name), Some(kind));
        assert_eq!(kind, name);
        assert_eq!(kind.to_string(), name);
    }
    assert_eq!(MessageKind::parse("Upcoming"), None);
    let reminders: Vec<_> = all.iter().filter(|(k, _)| k.is_reminder()).collect();
    assert_eq!(reminders.len(), 3);
}

#[test]
fn reminder_kinds_map_to_message_kinds() {
    let deadline = Deadline {
        label: "read".to_string(),
        days_before: 1,
        role: None,
    };
    let nine = jiff::civil::time(9, 0, 0, 0);
    let pairs = [
        (ReminderKind::Upcoming(60), MessageKind::Upcoming),
        (ReminderKind::RoleNotice("chair".into()), MessageKind::Role),
        (ReminderKind::Deadline(deadline), MessageKind::Deadline),
        (ReminderKind::Moved(nine), MessageKind::Moved),
        (ReminderKind::Cancelled(None), MessageKind::Cancelled),
    ];
    for (reminder, kind) in pairs {
        assert_eq!(MessageKind::from(&reminder), kind);
    }
}
