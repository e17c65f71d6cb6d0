use super::*;
use crate::schedule::solver::{GroupChoice, SlotOption};
use jiff::civil::{Weekday, time};

fn option(day: u32, score: i64) -> SlotOption {
    SlotOption {
        start: day * 1440 + 9 * 60,
        end: day * 1440 + 10 * 60,
        attends: vec![1, 1],
        score,
    }
}

/// Two groups share person 0; each may meet Monday or Tuesday at 09:00,
/// Monday scoring a little higher. Alone each would take Monday; sharing
/// a member, they spread over both days.
#[test]
fn groups_sharing_a_member_spread_over_days() {
    let days = [Weekday::Monday, Weekday::Tuesday];
    let series: Vec<SeriesTime> = days
        .iter()
        .map(|&weekday| SeriesTime {
            weekday,
            start: time(9, 0, 0, 0),
        })
        .collect();
    let group = |other: u32| GroupChoice {
        members: vec![0, other],
        options: vec![option(0, 10), option(1, 5)],
    };
    let mut joint = Joint {
        problem: Problem {
            people: 3,
            caps: Vec::new(),
            fixed: Vec::new(),
            groups: vec![group(1), group(2)],
        },
        groups: vec![0, 1],
        series: vec![series.clone(), series],
    };
    // Overlapping times on one day would double-book person 0, so give
    // the options different times of day to test the preference alone.
    joint.problem.groups[1].options[0].start += 120;
    joint.problem.groups[1].options[0].end += 120;
    joint.problem.groups[1].options[1].start += 120;
    joint.problem.groups[1].options[1].end += 120;
    let chosen = joint.solve();
    let picked: Vec<Weekday> = chosen.values().map(|s| s.weekday).collect();
    assert_eq!(picked.len(), 2);
    assert_ne!(picked[0], picked[1], "both on {:?}", picked[0]);
}

#[test]
fn a_group_alone_keeps_its_best_day() {
    let series = vec![
        SeriesTime {
            weekday: Weekday::Monday,
            start: time(9, 0, 0, 0),
        },
        SeriesTime {
            weekday: Weekday::Tuesday,
            start: time(9, 0, 0, 0),
        },
    ];
    let joint = Joint {
        problem: Problem {
            people: 2,
            caps: Vec::new(),
            fixed: Vec::new(),
            groups: vec![GroupChoice {
                members: vec![0, 1],
                options: vec![option(0, 10), option(1, 5)],
            }],
        },
        groups: vec![0],
        series: vec![series],
    };
    let chosen = joint.solve();
    assert_eq!(chosen.get(&0).map(|s| s.weekday), Some(Weekday::Monday));
}
