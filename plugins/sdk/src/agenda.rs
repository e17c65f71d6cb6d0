//! Timed phases that add up exactly to a session's length.
//!
//! A phase is either fixed (always its minutes) or a share (a weight, with
//! an optional minimum and maximum). [`Agenda::build`] gives fixed phases
//! their minutes and splits the rest among the shares in proportion to their
//! weights, within their bounds, rounding to whole minutes deterministically
//! (largest remainder, ties to the earlier phase). When the time is too
//! short for every phase's minimum, optional phases are dropped first, the
//! last one added first.
//!
//! The built-in formats' simpler splits are here too, the very functions
//! the host calls: [`proportional`] (minutes in proportion to weights, the
//! remainder to the largest) and [`even`] (equal phases, the remainder to
//! the first, as in the check-in).

use crate::AgendaItem;

pub use peerwell_rules::split::{even, proportional};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Size {
    Fixed(u32),
    Share {
        weight: u32,
        min: u32,
        max: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Phase {
    title: String,
    detail: String,
    size: Size,
    optional: bool,
}

impl Phase {
    fn least(&self) -> u32 {
        match self.size {
            Size::Fixed(m) => m,
            Size::Share { min, .. } => min,
        }
    }
}

/// Why phases cannot fill a total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgendaError {
    /// Even without the optional phases, the minimums need `needed` minutes.
    TooShort {
        /// The session's minutes.
        total: u32,
        /// The required phases' minimum.
        needed: u32,
    },
    /// Every phase at its maximum still leaves minutes over.
    TooLong {
        /// The session's minutes.
        total: u32,
        /// The most the phases can take.
        most: u32,
    },
}

impl std::fmt::Display for AgendaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgendaError::TooShort { total, needed } => write!(
                f,
                "{total} minutes are too short: the phases need at least {needed}"
            ),
            AgendaError::TooLong { total, most } => write!(
                f,
                "{total} minutes are too long: the phases take at most {most}"
            ),
        }
    }
}

impl std::error::Error for AgendaError {}

/// A list of phases to fit into a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agenda {
    phases: Vec<Phase>,
}

impl Agenda {
    /// No phases yet.
    pub fn new() -> Agenda {
        Agenda::default()
    }

    /// Adds a phase of exactly `minutes`.
    pub fn fixed(
        mut self,
        title: impl Into<String>,
        detail: impl Into<String>,
        minutes: u32,
    ) -> Agenda {
        self.push(title, detail, Size::Fixed(minutes));
        self
    }

    /// Adds a phase taking a `weight`ed share of the time left after the
    /// fixed phases.
    pub fn share(
        mut self,
        title: impl Into<String>,
        detail: impl Into<String>,
        weight: u32,
    ) -> Agenda {
        self.push(
            title,
            detail,
            Size::Share {
                weight: weight.max(1),
                min: 0,
                max: None,
            },
        );
        self
    }

    fn push(&mut self, title: impl Into<String>, detail: impl Into<String>, size: Size) {
        self.phases.push(Phase {
            title: title.into(),
            detail: detail.into(),
            size,
            optional: false,
        });
    }

    /// The last share phase gets at least `minutes`.
    pub fn min(mut self, minutes: u32) -> Agenda {
        if let Some(Phase {
            size: Size::Share { min, .. },
            ..
        }) = self.phases.last_mut()
        {
            *min = minutes;
        }
        self
    }

    /// The last share phase gets at most `minutes`.
    pub fn max(mut self, minutes: u32) -> Agenda {
        if let Some(Phase {
            size: Size::Share { max, .. },
            ..
        }) = self.phases.last_mut()
        {
            *max = Some(minutes);
        }
        self
    }

    /// The last phase may be dropped when time is short.
    pub fn optional(mut self) -> Agenda {
        if let Some(p) = self.phases.last_mut() {
            p.optional = true;
        }
        self
    }

    /// Fits the phases into `total` minutes; the items' minutes add up to
    /// `total` exactly.
    pub fn build(&self, total: u32) -> Result<Vec<AgendaItem>, AgendaError> {
        self.clone().into_items(total)
    }

    /// [`Agenda::build`], moving the phases' texts into the items instead
    /// of copying them.
    pub fn into_items(self, total: u32) -> Result<Vec<AgendaItem>, AgendaError> {
        let mut active: Vec<Phase> = self.phases;
        let needed = |a: &[Phase]| a.iter().map(|p| u64::from(p.least())).sum::<u64>();
        while needed(&active) > u64::from(total) {
            match active.iter().rposition(|p| p.optional) {
                Some(i) => {
                    active.remove(i);
                }
                None => {
                    let needed = u32::try_from(needed(&active)).unwrap_or(u32::MAX);
                    return Err(AgendaError::TooShort { total, needed });
                }
            }
        }
        let minutes = allocate(&active, total)?;
        Ok(active
            .into_iter()
            .zip(minutes)
            .map(|(p, minutes)| AgendaItem {
                minutes,
                title: p.title,
                detail: p.detail,
            })
            .collect())
    }
}

/// Minutes per phase; assumes the minimums fit in `total`.
fn allocate(phases: &[Phase], total: u32) -> Result<Vec<u32>, AgendaError> {
    let mut out: Vec<Option<u64>> = vec![None; phases.len()];
    let mut left = u64::from(total);
    for (i, p) in phases.iter().enumerate() {
        if let Size::Fixed(m) = p.size {
            out[i] = Some(u64::from(m));
            left -= u64::from(m);
        }
    }
    // Water-filling: pin shares whose proportional part falls below their
    // minimum, then those above their maximum, until the rest fit.
    loop {
        let free: Vec<(usize, u64, u64, Option<u64>)> = phases
            .iter()
            .enumerate()
            .filter(|(i, _)| out[*i].is_none())
            .filter_map(|(i, p)| match p.size {
                Size::Share { weight, min, max } => {
                    Some((i, u64::from(weight), u64::from(min), max.map(u64::from)))
                }
                Size::Fixed(_) => None,
            })
            .collect();
        let weights: u64 = free.iter().map(|f| f.1).sum();
        if free.is_empty() {
            if left > 0 {
                let most = out.iter().flatten().sum::<u64>();
                return Err(AgendaError::TooLong {
                    total,
                    most: u32::try_from(most).unwrap_or(u32::MAX),
                });
            }
            break;
        }
        let low: Vec<(usize, u64)> = free
            .iter()
            .filter(|(_, w, min, _)| left * w < min * weights)
            .map(|(i, _, min, _)| (*i, *min))
            .collect();
        let high: Vec<(usize, u64)> = free
            .iter()
            .filter_map(|(i, w, _, max)| max.filter(|m| left * w > m * weights).map(|m| (*i, m)))
            .collect();
        let pinned = if low.is_empty() { high } else { low };
        if pinned.is_empty() {
            // Largest remainder, ties to the earlier phase.
            let mut rems: Vec<(u64, usize)> = Vec::new();
            let mut given = 0;
            for (i, w, _, _) in &free {
                out[*i] = Some(left * w / weights);
                given += left * w / weights;
                rems.push((left * w % weights, *i));
            }
            rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, i) in rems.into_iter().take((left - given) as usize) {
                out[i] = out[i].map(|m| m + 1);
            }
            break;
        }
        for (i, m) in pinned {
            out[i] = Some(m);
            left -= m;
        }
    }
    Ok(out
        .into_iter()
        .map(|m| u32::try_from(m.unwrap_or(0)).unwrap_or(u32::MAX))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(items: &[AgendaItem]) -> Vec<u32> {
        items.iter().map(|i| i.minutes).collect()
    }

    fn sample() -> Agenda {
        Agenda::new()
            .fixed("Arrive", "", 5)
            .share("Round", "", 3)
            .min(10)
            .share("Talk", "", 5)
            .min(10)
            .max(40)
            .share("Reflect", "", 2)
            .min(8)
            .optional()
            .fixed("Close", "", 2)
    }

    #[test]
    fn sums_to_every_total_within_bounds() {
        let a = sample();
        for total in 27..=400 {
            let items = a.build(total).unwrap_or_else(|e| panic!("{total}: {e}"));
            assert_eq!(minutes(&items).iter().sum::<u32>(), total, "{total}");
            let talk = items.iter().find(|i| i.title == "Talk").map(|i| i.minutes);
            assert!(
                talk.is_some_and(|m| (10..=40).contains(&m)),
                "{total}: {items:?}"
            );
            let round = items.iter().find(|i| i.title == "Round").map(|i| i.minutes);
            assert!(round.is_some_and(|m| m >= 10), "{total}");
            if let Some(r) = items.iter().find(|i| i.title == "Reflect") {
                assert!(r.minutes >= 8, "{total}");
            }
            assert_eq!(items[0].minutes, 5);
            assert_eq!(items[items.len() - 1].minutes, 2);
        }
    }

    #[test]
    fn into_items_gives_what_build_gives() {
        let a = sample().share(String::from("Owned title"), "detail", 2);
        for total in 0..=400 {
            assert_eq!(a.clone().into_items(total), a.build(total), "{total}");
        }
    }

    #[test]
    fn optional_phases_go_first_when_short() {
        let a = sample();
        assert_eq!(a.build(35).map(|i| i.len()), Ok(5));
        let short = a.build(34).unwrap_or_default();
        assert_eq!(short.len(), 4, "{short:?}");
        assert!(short.iter().all(|i| i.title != "Reflect"));
        assert_eq!(minutes(&short).iter().sum::<u32>(), 34);
        assert_eq!(
            a.build(26),
            Err(AgendaError::TooShort {
                total: 26,
                needed: 27
            })
        );
    }

    #[test]
    fn proportional_and_deterministic_rounding() {
        let a = Agenda::new()
            .share("A", "", 1)
            .share("B", "", 1)
            .share("C", "", 1);
        assert_eq!(a.build(10).map(|i| minutes(&i)), Ok(vec![4, 3, 3]));
        assert_eq!(a.build(11).map(|i| minutes(&i)), Ok(vec![4, 4, 3]));
        let b = Agenda::new().share("A", "", 1).share("B", "", 3);
        assert_eq!(b.build(60).map(|i| minutes(&i)), Ok(vec![15, 45]));
    }

    #[test]
    fn maximums_bound_and_too_long_is_an_error() {
        let a = Agenda::new().share("A", "", 1).max(10).fixed("B", "", 5);
        assert_eq!(a.build(15).map(|i| minutes(&i)), Ok(vec![10, 5]));
        assert_eq!(
            a.build(16),
            Err(AgendaError::TooLong {
                total: 16,
                most: 15
            })
        );
        let b = Agenda::new().share("A", "", 9).max(20).share("B", "", 1);
        assert_eq!(b.build(60).map(|i| minutes(&i)), Ok(vec![20, 40]));
    }
}
