use super::*;

#[test]
fn a_pass_retries_by_itself_only_when_waiting_may_help() {
    let input = |exhausted| PassError::Input {
        message: "policy".to_string(),
        exhausted,
    };
    assert!(!input(false).retry(), "a broken policy waits for a change");
    assert!(input(true).retry(), "out of descriptors: retry by itself");
    let busy = StoreError::Busy {
        path: "state.sqlite3".into(),
    };
    assert!(PassError::State(busy).retry());
}
