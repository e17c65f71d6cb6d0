use super::*;
use proptest::prelude::*;

#[test]
fn worked_examples() {
    for total in [10, 15, 59, 60, 90, 121] {
        let parts = proportional(total, &[1, 4, 6, 1]);
        assert_eq!(parts.iter().sum::<u32>(), total);
    }
    assert_eq!(proportional(60, &[5, 20, 30, 5]), vec![5, 20, 30, 5]);
    assert_eq!(proportional(11, &[1, 1, 1]), vec![5, 3, 3]);
    assert!(proportional(30, &[]).is_empty());
    assert_eq!(proportional(30, &[0, 0]), vec![30, 0]);
    assert_eq!(even(u32::MAX, 2), vec![u32::MAX / 2 + 1, u32::MAX / 2]);
}

/// The check-in's own arithmetic, as it was written in each format.
fn check_in(duration: u32, success_stories: bool) -> Vec<u32> {
    let parts: u32 = if success_stories { 3 } else { 2 };
    let share = duration / parts;
    let first = duration - share * (parts - 1);
    let mut out = vec![first];
    out.extend(std::iter::repeat_n(share, parts as usize - 1));
    out
}

proptest! {
    /// The parts add up, each is at least its rounded-down share, and
    /// only the largest (earliest) weight gets more.
    #[test]
    fn parts_add_up_to_the_total(
        total in 0u32..100_000,
        weights in proptest::collection::vec(0u32..1000, 1..8),
    ) {
        let parts = proportional(total, &weights);
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(parts.iter().map(|p| u64::from(*p)).sum::<u64>(), u64::from(total));
        let sum = weights.iter().map(|w| u64::from(*w)).sum::<u64>().max(1);
        let top = weights.iter().copied().max().unwrap_or(0);
        let first_top = weights.iter().position(|w| *w == top).unwrap_or(0);
        for (i, (p, w)) in parts.iter().zip(&weights).enumerate() {
            let floor = u64::from(total) * u64::from(*w) / sum;
            if i == first_top {
                prop_assert!(u64::from(*p) >= floor);
            } else {
                prop_assert_eq!(u64::from(*p), floor);
            }
        }
    }

    /// `even` is the check-in's split for every duration.
    #[test]
    fn even_is_the_check_in_split(duration in 0u32..100_000, stories in any::<bool>()) {
        let phases = if stories { 3 } else { 2 };
        prop_assert_eq!(even(duration, phases), check_in(duration, stories));
    }
}
