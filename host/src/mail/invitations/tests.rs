//! The invitation rule over random histories of plans: whatever the plans,
//! the delivery choices, which rows go out before the next pass and the
//! order they arrive in, a calendar applying RFC 5546 to what a member
//! received holds exactly the sessions the last plan gives them, at the
//! SEQUENCE the feeds show.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;

const MEMBERS: [&str; 3] = ["ana", "bo", "cy"];

/// A session as the store publishes it.
#[derive(Debug, Clone, PartialEq)]
struct Published {
    sequence: u32,
    active: bool,
    time: u8,
    attendees: BTreeSet<&'static str>,
}

/// The store's commit rule: a new session at 0, a changed or re-added one
/// and a cancelled one at SEQUENCE + 1, an unchanged one as it was.
fn commit(state: &mut BTreeMap<u32, Published>, plan: &BTreeMap<u32, (u8, u8)>) {
    for (index, (time, mask)) in plan {
        let attendees: BTreeSet<&str> = MEMBERS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| *m)
            .collect();
        let new = |sequence| Published {
            sequence,
            active: true,
            time: *time,
            attendees: attendees.clone(),
        };
        match state.get(index) {
            None => {
                state.insert(*index, new(0));
            }
            Some(old) if old.active && old.time == *time && old.attendees == attendees => {}
            Some(old) => {
                let next = new(old.sequence + 1);
                state.insert(*index, next);
            }
        }
    }
    for (index, old) in state.iter_mut() {
        if old.active && !plan.contains_key(index) {
            old.active = false;
            old.sequence += 1;
        }
    }
}

/// One pass: writes what the rule owes as new rows (or queues a withdrawn
/// row again), withdraws queued ones it no longer owes (as `enqueue` and
/// `Outbox::upsert` do).
fn pass(
    state: &BTreeMap<u32, Published>,
    outbox: &mut BTreeMap<String, (MailState, String)>,
    invites: &BTreeSet<&str>,
) {
    let handed = handed(outbox);
    let mut wanted = BTreeSet::new();
    for (index, p) in state {
        let mut who: BTreeSet<&str> = p.attendees.iter().copied().filter(|_| p.active).collect();
        who.extend(
            handed
                .keys()
                .filter(|(g, i, _)| g == "walk" && i == index)
                .map(|(_, _, m)| MEMBERS.iter().copied().find(|x| *x == m.as_str()).unwrap()),
        );
        for m in who {
            let seen = Seen {
                sequence: p.sequence,
                theirs: p.active && p.attendees.contains(m),
                invite_new: invites.contains(m),
            };
            let last = handed
                .get(&("walk".to_string(), *index, m.to_string()))
                .copied();
            if let Some((method, sequence)) = owed(Some(seen), last) {
                let k = key("walk", *index, method, sequence, m);
                // A new key is queued; a withdrawn one is queued again
                // (`Outbox::upsert`); others stay as they are.
                let row = outbox
                    .entry(k.clone())
                    .or_insert((MailState::Queued, String::new()));
                if row.0 == MailState::Withdrawn {
                    row.0 = MailState::Queued;
                }
                wanted.insert(k);
            }
        }
    }
    for (k, (state, _)) in outbox.iter_mut() {
        if *state == MailState::Queued && !wanted.contains(k) {
            *state = MailState::Withdrawn;
        }
    }
}

/// A member's calendar under RFC 5546: per UID the held SEQUENCE and
/// whether the event is there; a REQUEST with a higher SEQUENCE (or a
/// first one) replaces, a CANCEL at the held SEQUENCE or higher removes,
/// anything older is ignored.
#[derive(Default)]
struct Calendar(BTreeMap<u32, (u32, bool)>);

impl Calendar {
    fn apply(&mut self, index: u32, h: Handed) {
        let held = self.0.get(&index).copied();
        match h {
            Handed::Request(s) if held.is_none_or(|(old, _)| s > old) => {
                self.0.insert(index, (s, true));
            }
            Handed::Cancel(s) if held.is_none_or(|(old, _)| s >= old) => {
                self.0.insert(index, (s, false));
            }
            _ => {}
        }
    }

    fn events(&self) -> BTreeMap<u32, u32> {
        self.0
            .iter()
            .filter(|(_, (_, there))| *there)
            .map(|(i, (s, _))| (*i, *s))
            .collect()
    }
}

/// Sends the queued rows `pick` chooses, in the order `order` shuffles
/// them into, applying each to its member's calendar.
fn send(
    outbox: &mut BTreeMap<String, (MailState, String)>,
    calendars: &mut BTreeMap<&str, Calendar>,
    pick: &[bool],
    order: u64,
) {
    let mut chosen: Vec<String> = outbox
        .iter()
        .filter(|(_, (s, _))| *s == MailState::Queued)
        .map(|(k, _)| k.clone())
        .enumerate()
        .filter(|(i, _)| pick.get(*i).copied().unwrap_or(true))
        .map(|(_, k)| k)
        .collect();
    // A deterministic shuffle: arrival order is not the sending order.
    chosen.sort_by_key(|k| {
        let mut h = order;
        for b in k.bytes() {
            h = h.wrapping_mul(0x100_0000_01b3) ^ u64::from(b);
        }
        h
    });
    for k in chosen {
        let ((_, index, member), h) = parse_key(&k).unwrap();
        let m = MEMBERS.iter().copied().find(|x| *x == member).unwrap();
        calendars.entry(m).or_default().apply(index, h);
        outbox.get_mut(&k).unwrap().0 = MailState::Sent;
    }
}

fn plan_strategy() -> impl Strategy<Value = BTreeMap<u32, (u8, u8)>> {
    prop::collection::btree_map(0u32..4, (0u8..2, 0u8..8), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn replaying_what_each_member_received_gives_the_last_plan(
        steps in prop::collection::vec(
            (plan_strategy(), 0u8..8, prop::collection::vec(any::<bool>(), 0..12), any::<u64>()),
            1..8,
        ),
        last in plan_strategy(),
        order in any::<u64>(),
    ) {
        let mut state = BTreeMap::new();
        let mut outbox = BTreeMap::new();
        let mut calendars: BTreeMap<&str, Calendar> = BTreeMap::new();
        for (plan, invites, pick, shuffle) in &steps {
            commit(&mut state, plan);
            let invites: BTreeSet<&str> = MEMBERS
                .iter()
                .enumerate()
                .filter(|(i, _)| invites & (1 << i) != 0)
                .map(|(_, m)| *m)
                .collect();
            pass(&state, &mut outbox, &invites);
            send(&mut outbox, &mut calendars, pick, *shuffle);
        }
        // The last plan, everyone on invitations; two passes settle it.
        commit(&mut state, &last);
        let all: BTreeSet<&str> = MEMBERS.iter().copied().collect();
        for _ in 0..2 {
            pass(&state, &mut outbox, &all);
            send(&mut outbox, &mut calendars, &[], order);
        }
        for m in MEMBERS {
            let want: BTreeMap<u32, u32> = state
                .iter()
                .filter(|(_, p)| p.active && p.attendees.contains(m))
                .map(|(i, p)| (*i, p.sequence))
                .collect();
            let got = calendars.get(m).map(Calendar::events).unwrap_or_default();
            prop_assert_eq!(got, want, "member {}", m);
        }
        // A settled outbox owes nothing more: a further pass queues nothing.
        let before = outbox.len();
        pass(&state, &mut outbox, &all);
        prop_assert_eq!(outbox.len(), before);
    }
}

#[test]
fn keys_read_back() {
    for (method, handed) in [
        (Method::Request, Handed::Request(7)),
        (Method::Cancel, Handed::Cancel(7)),
    ] {
        let k = key("morning-walk", 12, method, 7, "amara");
        assert_eq!(
            parse_key(&k),
            Some((
                ("morning-walk".to_string(), 12, "amara".to_string()),
                handed
            ))
        );
    }
    assert_eq!(parse_key("morning-walk/12/upcoming-60m/amara"), None);
    assert_eq!(parse_key("morning-walk/-/hr/hr:x@y"), None);
    assert_eq!(parse_key("morning-walk/12/moved-1773/amara"), None);
}

#[test]
fn a_member_who_holds_an_invitation_keeps_getting_its_updates() {
    let seen = |theirs, invite_new| Seen {
        sequence: 3,
        theirs,
        invite_new,
    };
    assert_eq!(
        owed(Some(seen(true, false)), Some(Handed::Request(2))),
        Some((Method::Request, 3))
    );
    assert_eq!(owed(Some(seen(true, false)), None), None);
    assert_eq!(owed(Some(seen(true, false)), Some(Handed::Cancel(2))), None);
    assert_eq!(
        owed(Some(seen(false, true)), Some(Handed::Request(2))),
        Some((Method::Cancel, 3))
    );
    assert_eq!(owed(Some(seen(false, true)), None), None);
    assert_eq!(owed(None, Some(Handed::Request(2))), None);
}
