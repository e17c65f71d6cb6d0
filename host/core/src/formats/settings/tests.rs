use super::*;

#[test]
fn split_adds_up() {
    for total in [10, 15, 59, 60, 90, 121] {
        let parts = split_minutes(total, &[1, 4, 6, 1]);
        assert_eq!(parts.iter().sum::<u32>(), total);
    }
    assert_eq!(split_minutes(60, &[5, 20, 30, 5]), vec![5, 20, 30, 5]);
}

#[test]
fn ids_and_distance() {
    assert!(is_id("accredited-leader") && is_id("a_1") && !is_id("Amara") && !is_id(""));
    assert_eq!(edit_distance("panel_size", "panel_sise"), 1);
}
