//! The greedy start: most constrained group first (fewest usable options,
//! then most members, then input order), each taking its best-scoring
//! option that collides with nothing booked so far.

use std::cmp::Reverse;

use super::state::State;

/// Groups in greedy order: those with any usable option, most constrained
/// first.
pub(super) fn order(st: &State) -> Vec<usize> {
    let mut order: Vec<usize> = (0..st.usable.len())
        .filter(|&g| !st.usable[g].is_empty())
        .collect();
    order.sort_by_key(|&g| {
        (
            st.usable[g].len(),
            Reverse(st.problem.groups[g].members.len()),
            g,
        )
    });
    order
}

/// Books every group it can, in [`order`], onto an empty `st`.
pub(super) fn greedy(st: &mut State) {
    let mut out = Vec::new();
    for g in order(st) {
        if st.chosen[g].is_none()
            && let Some(o) = st.best_free(g, &mut out)
        {
            st.insert(g, o);
        }
    }
}
