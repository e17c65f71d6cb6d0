//! The one place the WIT interface (`plugins/wit`, world `plugin`) becomes
//! Rust: types, the `host` import trait and the typed `format` exports.

#![allow(missing_docs, clippy::all)]

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../../plugins/wit",
});

pub use self::peerwell::format::host;
pub use self::peerwell::format::types;
pub use exports::peerwell::format::format as guest;
