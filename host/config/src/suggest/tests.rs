use super::*;

#[test]
fn distances() {
    assert_eq!(distance("duraton", "duration"), 1);
    assert_eq!(distance("teh", "the"), 1);
    assert_eq!(distance("", "abc"), 3);
    assert_eq!(distance("kitten", "sitting"), 3);
}

#[test]
fn closest_picks_near_names_only() {
    let keys = ["duration_minutes", "days", "name"];
    assert_eq!(closest("duration_minute", keys), Some("duration_minutes"));
    assert_eq!(closest("nmae", keys), Some("name"));
    assert_eq!(closest("colour", keys), None);
}

#[test]
fn zones_match_whole_names_or_cities() {
    let names: Vec<String> = ["America/Chicago", "Europe/Berlin"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        closest_zone("America/Chicgo", &names),
        Some("America/Chicago")
    );
    assert_eq!(closest_zone("Berlin", &names), Some("Europe/Berlin"));
    assert_eq!(closest_zone("Mars/Olympus", &names), None);
}
