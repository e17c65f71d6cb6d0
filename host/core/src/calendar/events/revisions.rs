//! Events grouped by UID for expansion; of several revisions of one event
//! the newest wins.

use super::Ev;

/// The events of one UID (or one event alone), as indices into the
/// events: the master (no RECURRENCE-ID) and its overrides in file order.
pub(crate) struct Group {
    pub master: Option<usize>,
    pub overrides: Vec<usize>,
}

impl Group {
    /// The master and overrides of this group in `evs`.
    pub(crate) fn of<'e>(&self, evs: &'e [Ev]) -> (Option<&'e Ev>, Vec<&'e Ev>) {
        (
            self.master.and_then(|i| evs.get(i)),
            self.overrides.iter().filter_map(|&i| evs.get(i)).collect(),
        )
    }
}

/// The events grouped for expansion: first, in file order, events without
/// UID; then one group per UID in UID order. Of several masters (or several
/// overrides of one RECURRENCE-ID) of a UID, the newest revision wins:
/// highest SEQUENCE, then latest DTSTAMP, then last in the file; the others
/// are dropped. Events are not moved, only their indices.
pub(crate) fn group_by_uid(evs: &[Ev]) -> Vec<Group> {
    let mut order: Vec<usize> = (0..evs.len()).filter(|&i| evs[i].uid.is_some()).collect();
    // Stable: file order within a UID.
    order.sort_by(|&a, &b| evs[a].uid.cmp(&evs[b].uid));
    let newer = |a: usize, b: usize| evs[b].revision >= evs[a].revision;
    let mut groups = Vec::new();
    for run in order.chunk_by(|&a, &b| evs[a].uid == evs[b].uid) {
        let mut g = Group {
            master: None,
            overrides: Vec::new(),
        };
        for &i in run {
            match &evs[i].rid {
                None => match g.master {
                    Some(m) if !newer(m, i) => {}
                    _ => g.master = Some(i),
                },
                Some(_) => g.overrides.push(i),
            }
        }
        newest_per_rid(evs, &mut g.overrides);
        groups.push(g);
    }
    let mut out: Vec<Group> = (0..evs.len())
        .filter(|&i| evs[i].uid.is_none())
        .map(|i| Group {
            master: Some(i),
            overrides: Vec::new(),
        })
        .collect();
    out.append(&mut groups);
    out
}

/// Keeps, of overrides sharing a RECURRENCE-ID, the newest revision; the
/// kept ones stay in file order.
fn newest_per_rid(evs: &[Ev], overrides: &mut Vec<usize>) {
    if overrides.len() < 2 {
        return;
    }
    let key = |i: usize| evs[i].rid.as_ref().map(|(r, _)| (r.instant(), r.local));
    overrides.sort_by(|&a, &b| {
        key(a)
            .cmp(&key(b))
            .then(evs[a].revision.cmp(&evs[b].revision))
    });
    let mut kept: Vec<usize> = Vec::with_capacity(overrides.len());
    for &i in overrides.iter() {
        match kept.last_mut() {
            Some(last) if key(*last) == key(i) => *last = i,
            _ => kept.push(i),
        }
    }
    kept.sort_unstable();
    *overrides = kept;
}
