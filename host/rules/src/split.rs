//! Agenda time splits: whole minutes per phase that add up exactly to the
//! session's length.
//!
//! Each phase gets its weight's share of the total, rounded down; the
//! minutes rounding leaves over go to the phase with the largest weight
//! (the earliest of equal ones). So equal weights give every phase the
//! same minutes and the first phase the remainder, as in the check-in's
//! round, success stories and strategy share.

/// Splits `total` minutes among phases in proportion to `weights`. The
/// parts add up to `total` whenever there is at least one phase; with no
/// phases the result is empty.
///
/// ```
/// use peerwell_rules::split::proportional;
///
/// assert_eq!(proportional(60, &[5, 20, 30, 5]), [5, 20, 30, 5]);
/// assert_eq!(proportional(61, &[1, 4, 1]), [10, 41, 10]);
/// ```
pub fn proportional(total: u32, weights: &[u32]) -> Vec<u32> {
    let sum = weights.iter().map(|w| u64::from(*w)).sum::<u64>().max(1);
    let mut parts: Vec<u32> = weights
        .iter()
        .map(|w| (u64::from(total) * u64::from(*w) / sum) as u32)
        .collect();
    let given: u64 = parts.iter().map(|p| u64::from(*p)).sum();
    // The rounding remainder goes to the largest part.
    if let Some(i) = (0..weights.len()).max_by_key(|i| (weights[*i], usize::MAX - i)) {
        parts[i] += (u64::from(total) - given) as u32;
    }
    parts
}

/// Splits `total` minutes into `phases` equal phases; the first takes the
/// minutes left over. The check-in format's agenda: the check-in round,
/// then (when asked) success stories, then the strategy share.
///
/// ```
/// use peerwell_rules::split::even;
///
/// assert_eq!(even(45, 3), [15, 15, 15]);
/// assert_eq!(even(47, 3), [17, 15, 15]);
/// assert_eq!(even(45, 2), [23, 22]);
/// ```
pub fn even(total: u32, phases: usize) -> Vec<u32> {
    proportional(total, &vec![1; phases])
}

#[cfg(test)]
mod tests;
