use super::*;

fn flat(src: &str) -> Vec<(String, types::SettingValue)> {
    let t: toml::Table = toml::from_str(src).expect("toml");
    settings_out(&t)
        .into_iter()
        .map(|s| (s.key, s.value))
        .collect()
}

#[test]
fn settings_flatten_to_sorted_dotted_keys() {
    let got = flat(
        "b = 1\na = \"x\"\nlist = [1, 2]\nday = 2026-03-02\n[t]\nc = true\n[empty]\n[[rows]]\nn = 1\n[[rows]]\nn = 2\n",
    );
    let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "a", "b", "day", "empty", "list", "rows.0.n", "rows.1.n", "t.c"
        ]
    );
    assert!(matches!(got[3].1, types::SettingValue::EmptyTable));
    assert!(matches!(
        &got[4].1,
        types::SettingValue::Array(v) if v.len() == 2
    ));
    assert!(matches!(
        got[2].1,
        types::SettingValue::Scalar(types::Scalar::Date(types::Date {
            year: 2026,
            month: 3,
            day: 2
        }))
    ));
}

#[test]
fn impossible_times_and_cadences_are_named() {
    let t = types::TimeOfDay {
        hour: 24,
        minute: 0,
    };
    assert!(time_in(&t, WindowEdge::Start).is_err());
    assert!(cadence_in(types::Cadence::MonthlyNth(5)).is_err());
}
