//! `peerwell serve` as a real process.

use peerwell_tests::cli::copy_example;
use peerwell_tests::daemon::Daemon;

#[test]
fn serve_starts_on_a_free_port_and_reports_health() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let daemon = Daemon::start(tmp.path(), &["--now", "2026-03-02T08:00:00Z"]);
    let health = reqwest::blocking::get(daemon.url("/healthz")).unwrap();
    assert_eq!(health.status(), 200);
    let text = health.text().unwrap();
    assert!(text.contains("2026-03-02T08:00:"), "{text}");
    let metrics = reqwest::blocking::get(daemon.url("/metrics"))
        .unwrap()
        .text()
        .unwrap();
    assert!(metrics.contains("\npeerwell_plans_total 1\n"), "{metrics}");
}
