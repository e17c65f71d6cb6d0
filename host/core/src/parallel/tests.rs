use super::*;

#[test]
fn results_keep_the_input_order_whatever_the_threads() {
    let items: Vec<u64> = (0..1000).collect();
    let want: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
    for t in [1, 2, 3, 8] {
        assert_eq!(map(&items, t, |x| x * x + 1), want, "{t} threads");
    }
    assert_eq!(map(&[] as &[u64], 2, |x| *x), Vec::<u64>::new());
}

#[test]
fn uneven_work_still_lands_in_order() {
    let items: Vec<u64> = (0..64).collect();
    let got = map(&items, 2, |&x| {
        // Early items are slow, so threads finish out of order.
        let spins = if x < 4 { 200_000 } else { 10 };
        (0..spins).fold(x, |a, b| a.wrapping_mul(31).wrapping_add(b)) % 7 + x * 100
    });
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g / 100, i as u64);
    }
}
