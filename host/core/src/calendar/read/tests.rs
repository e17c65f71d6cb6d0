use super::*;

#[test]
fn warnings_go_in_line_order_whole_file_first_without_repeats() {
    let warnings = vec![
        Warning::at(12, "b"),
        Warning::whole("w"),
        Warning::at(3, "a"),
        Warning::at(12, "b"),
        Warning::at(12, "c"),
    ];
    assert_eq!(
        tidy(warnings),
        vec!["w", "line 3: a", "line 12: b", "line 12: c"]
    );
    let many: Vec<Warning> = (1..=WARNING_CAP + 2)
        .rev()
        .map(|l| Warning::at(l, "x"))
        .collect();
    let got = tidy(many);
    assert_eq!(got.len(), WARNING_CAP + 1);
    assert_eq!(got[0], "line 1: x");
    assert_eq!(got[WARNING_CAP], "… and 2 more warnings like these");
}
