//! peerwell integration tests: one binary, one module per area.

mod calendar_oracle;
