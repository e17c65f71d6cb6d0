use super::*;

#[test]
fn deadlines_round_up_to_whole_ticks() {
    assert_eq!(ticks_for(0), 1);
    assert_eq!(ticks_for(1), 2);
    assert_eq!(ticks_for(5), 2);
    assert_eq!(ticks_for(1000), 201);
}

#[test]
fn one_engine_with_a_stable_key() {
    let a = engine().map(compatibility_key).map_err(|e| e.to_string());
    let b = engine().map(compatibility_key).map_err(|e| e.to_string());
    assert_eq!(a, b);
    assert!(a.is_ok_and(|k| k.starts_with("wasmtime-48.0.8-")));
}
