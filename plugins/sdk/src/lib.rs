//! Write peerwell group-format plugins in plain Rust.
//!
//! A plugin is a WebAssembly component implementing the `peerwell:format`
//! interface (`plugins/wit/format.wit`). With this SDK you never see the
//! generated bindings: implement [`Format`] on a type that is `Default`, and
//! export it with [`export_format!`]:
//!
//! ```
//! use peerwell_plugin_sdk::{Format, FormatError, FormatInfo, SessionPlan, SessionRequest};
//!
//! #[derive(Default)]
//! struct Quiet;
//!
//! impl Format for Quiet {
//!     fn describe(&self) -> FormatInfo {
//!         FormatInfo {
//!             name: "quiet".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             summary: "Sit together quietly.".into(),
//!             settings: Vec::new(),
//!         }
//!     }
//!     fn plan_session(&self, request: &SessionRequest) -> Result<SessionPlan, FormatError> {
//!         Ok(SessionPlan { title: format!("{} — quiet time", request.group.name), ..Default::default() })
//!     }
//! }
//!
//! peerwell_plugin_sdk::export_format!(Quiet);
//! ```
//!
//! Helpers: [`rotation`] (fair role rotation, the same rule as peerwell's
//! built-in formats), [`agenda`] (timed phases that add up to the session),
//! [`settings`] (typed readers and ready-made diagnostics), and [`host`]
//! (logging and the planning moment, the only things a plugin can reach).
//!
//! The SDK's version is reported to the host in `describe`'s `sdk-version`.

#![warn(missing_docs)]

pub mod agenda;
mod calls;
pub mod host;
pub mod rotation;
pub mod settings;
mod types;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod __glue;

pub use calls::{
    FormatInfo, PartitionRequest, ReminderKind, ReminderRequest, ReminderText, Requirements,
    SessionPlan, SessionRequest, SettingInfo, Window,
};
pub use types::{
    AgendaItem, Cadence, Date, Deadline, Diagnostic, FormatError, Group, Member, PastSession,
    RequiredRole, RoleAssignment, Scalar, Setting, SettingValue, TimeOfDay, Weekday,
};

/// The SDK's version, reported to the host as `format-info.sdk-version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The interface version this SDK implements.
pub const INTERFACE_VERSION: &str = "0.1.0";

/// A group format. Calls must be deterministic: the same request gives the
/// same answer (time comes only from [`host::now`]).
pub trait Format {
    /// The format's name, version, summary and settings. Must not fail.
    fn describe(&self) -> FormatInfo;

    /// Checks the group's `[settings]`; an empty list means valid. The
    /// default accepts anything.
    fn validate(&self, group: &Group) -> Vec<Diagnostic> {
        let _ = group;
        Vec::new()
    }

    /// What the group needs from the schedule. The default is the group's
    /// policy as is ([`Requirements::from_policy`]).
    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        Ok(Requirements::from_policy(group))
    }

    /// Plans one session: title, agenda, roles, notes, deadlines.
    fn plan_session(&self, request: &SessionRequest) -> Result<SessionPlan, FormatError>;

    /// Splits the group into subgroups meeting separately this cycle;
    /// `Ok(None)` means the whole group meets. The default answers
    /// [`FormatError::Unsupported`]: the whole group meets, and the host
    /// stops asking this plugin (so a format that partitions some groups
    /// must implement this and answer `Ok(None)` for the others).
    fn partition(
        &self,
        request: &PartitionRequest,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        let _ = request;
        Err(FormatError::Unsupported)
    }

    /// Composes a reminder or role notice; `Ok(None)` lets the host use its
    /// standard text. The default answers [`FormatError::Unsupported`]: the
    /// host's text, and the host stops asking this plugin.
    fn compose_reminder(
        &self,
        request: &ReminderRequest,
    ) -> Result<Option<ReminderText>, FormatError> {
        let _ = request;
        Err(FormatError::Unsupported)
    }
}

/// Exports a [`Format`] implementation (a type that is also `Default`) as
/// the plugin's `format` interface. Use it once, at the crate root of a
/// `cdylib` crate. On targets other than wasm32 it expands to a check that
/// the type implements the traits, so native unit tests build.
#[macro_export]
macro_rules! export_format {
    ($ty:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __PeerwellExport;
            impl $crate::__glue::Export for __PeerwellExport {
                type F = $ty;
            }
    $crate::__glue::__export_raw!(__PeerwellExport with_types_in $crate::__glue);
        };
        #[cfg(not(target_arch = "wasm32"))]
        const _: fn() = || {
            fn assert_format<T: $crate::Format + ::core::default::Default>() {}
            assert_format::<$ty>();
        };
    };
}
