//! Why a URL calendar has no bytes, in the words users see.

use std::net::TcpListener;
use std::sync::Arc;

use super::{ClientError, FetchError};

/// A real transport failure from `reqwest` for `url`.
fn transport_error(url: &str) -> reqwest::Error {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(reqwest::Client::new().get(url).send())
        .expect_err("the request fails")
}

/// A loopback URL where nothing listens.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/cal.ics")
}

#[test]
fn statuses_caps_and_startup_failures_read_as_before() {
    assert_eq!(FetchError::Status(500).to_string(), "HTTP 500");
    assert_eq!(
        FetchError::TooLarge { cap_mib: 1 }.to_string(),
        "larger than the 1 MiB cap"
    );
    let io = std::io::Error::other("no threads");
    assert_eq!(
        FetchError::Runtime(Arc::new(io)).to_string(),
        "cannot start the runtime: no threads"
    );
    let client = ClientError(transport_error("not a url"));
    let text = client.to_string();
    assert!(text.starts_with("cannot start the HTTP client: "), "{text}");
    assert_eq!(FetchError::Client(Arc::new(client)).to_string(), text);
}

#[test]
fn transport_failures_are_named_in_a_few_words_keeping_the_cause() {
    let refused = FetchError::from(transport_error(&closed_port_url()));
    assert!(matches!(refused, FetchError::Connect(_)), "{refused:?}");
    assert_eq!(refused.to_string(), "cannot connect");
    assert!(std::error::Error::source(&refused).is_some());

    let bad = FetchError::from(transport_error("not a url"));
    assert!(matches!(bad, FetchError::Request(_)), "{bad:?}");
    assert_eq!(bad.to_string(), "request failed");
}
