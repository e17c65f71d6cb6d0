//! peerwell's integration tests, one binary of modules; see tests/README.md.

mod e2e;
