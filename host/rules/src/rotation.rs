//! Fair role rotation.
//!
//! A role goes to the eligible attendees who have held it least often in
//! the series so far; ties go to whoever comes first after the last holder
//! in the group's member order (from the first member when nobody in the
//! order held it). Absent members are never picked and keep their turn.
//! Among members who are eligible and attend every session, the counts
//! never differ by more than one.
//!
//! The rule reads only the series' history, so the host gives every series
//! its history from the series' first session on: published sessions when
//! there are any, else the sessions since the series' anchor planned as if
//! everyone had come. That is what keeps roles from depending on where a
//! planning horizon starts.

/// Picks up to `k` distinct holders of a role among `eligible` (members
/// who attend and may hold the role), fairly over `held`: who held that
/// role in the series so far, oldest first (one entry per holding).
///
/// `order` is the group's member order; eligible ids missing from it come
/// after it, in the order given. The result is in picking order: the member
/// who is most due comes first.
///
/// ```
/// use peerwell_rules::rotation::rotate;
///
/// let order = ["a", "b", "c", "d"];
/// // `a` and `b` held the role; `c` and `d` are due.
/// assert_eq!(rotate(&order, &order, ["a", "b"], 2), ["c", "d"]);
/// // Absent `c` keeps its turn for later.
/// assert_eq!(rotate(&order, &["a", "b", "d"], ["a", "b"], 1), ["d"]);
/// ```
pub fn rotate<O, E, H>(order: &[O], eligible: &[E], held: H, k: usize) -> Vec<String>
where
    O: AsRef<str>,
    E: AsRef<str>,
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    // Groups are small: plain scans over the member order beat building
    // maps and sets on every call.
    let line = line(order, eligible);
    let (counts, last) = tally(&line, held);
    let known = order.len();
    let present = |i: usize| i >= known || eligible.iter().any(|e| e.as_ref() == line[i]);
    let n = line.len();
    let start = last.map_or(0, |i| i + 1);
    let mut due: Vec<(usize, usize, usize)> = (0..n)
        .map(|step| (start + step) % n)
        .filter(|&i| present(i))
        .enumerate()
        .map(|(pos, i)| (counts[i], pos, i))
        .collect();
    due.sort_unstable();
    due.into_iter()
        .take(k)
        .map(|(_, _, i)| line[i].to_string())
        .collect()
}

/// The member order followed by eligible ids missing from it.
fn line<'a, O: AsRef<str>, E: AsRef<str>>(order: &'a [O], eligible: &'a [E]) -> Vec<&'a str> {
    let mut line: Vec<&str> = order.iter().map(AsRef::as_ref).collect();
    for e in eligible {
        let e = e.as_ref();
        if !line.contains(&e) {
            line.push(e);
        }
    }
    line
}

/// How often each member of `line` held the role, and the position of the
/// last holder (`None` when nobody held it, or the last holder has left
/// the line).
fn tally<H>(line: &[&str], held: H) -> (Vec<usize>, Option<usize>)
where
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    let mut counts = vec![0usize; line.len()];
    let mut last = None;
    for member in held {
        last = line.iter().position(|m| *m == member.as_ref());
        if let Some(i) = last {
            counts[i] += 1;
        }
    }
    (counts, last)
}

#[cfg(test)]
mod tests;
