//! Calling a plugin: one store per instance, limits reset before each call,
//! failures turned into plain words.

use std::sync::Arc;

use jiff::tz::TimeZone;
use wasmtime::{Store, Trap};

use super::bindings::{self, guest, types};
use super::check::{InvalidData, OutputSize};
use super::convert;
use super::load::Plugin;
use super::state::CallState;
use peerwell_core::formats::{
    PartitionRequest, ReminderRequest, ReminderText, Requirements, SeriesItem, SeriesRequest,
    SeriesSession, SessionPlan, SessionRequest, SettingDiagnostic,
};
use peerwell_core::model::Group;
use peerwell_core::plugin_spec::Limits;

/// An instance of a plugin with its own store: calls on it share the
/// plugin's memory (a warm instance: [`PluginFormat`](super::PluginFormat)
/// keeps one per group for a planning pass; benchmarks and `plugin check`
/// use them directly). Every call gets the plugin's full limits afresh.
/// After a call fails the instance may refuse further calls; make a new one.
pub struct PluginInstance {
    limits: Limits,
    store: Store<CallState>,
    bindings: bindings::Plugin,
}

/// Why a call failed, in plain words ("ran past its 1000 ms deadline").
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The store would not take the call's fuel.
    #[error("cannot set its fuel: {0}")]
    SetFuel(#[source] Arc<wasmtime::Error>),
    /// A memory grow past the plugin's limit was refused.
    #[error("exceeded its {mib} MiB memory limit")]
    Memory {
        /// The limit.
        mib: u64,
    },
    /// The call's deadline passed.
    #[error("ran past its {ms} ms deadline")]
    Deadline {
        /// The deadline.
        ms: u64,
    },
    /// The call's fuel ran out.
    #[error("used all of its fuel ({units} units)")]
    Fuel {
        /// The fuel it had.
        units: u64,
    },
    /// A series call's deadline passed.
    #[error("ran past its {ms} ms deadline per session ({calls} sessions planned in one call)")]
    SeriesDeadline {
        /// The deadline per session.
        ms: u64,
        /// Sessions in the call.
        calls: u32,
    },
    /// A series call's fuel ran out.
    #[error(
        "used all of its fuel ({units} units per session, {calls} sessions planned in one call)"
    )]
    SeriesFuel {
        /// The fuel per session.
        units: u64,
        /// Sessions in the call.
        calls: u32,
    },
    /// The wasm stack overflowed.
    #[error("overflowed its stack (deep recursion)")]
    StackOverflow,
    /// An `unreachable` instruction ran: a panic in the plugin.
    #[error("trapped: wasm `unreachable` instruction executed (a panic in the plugin)")]
    Unreachable,
    /// Another trap.
    #[error("trapped: {}", .0.to_string().trim_start_matches("wasm trap: "))]
    Trap(Trap),
    /// The call failed without a trap.
    #[error("trapped: {}", .0.root_cause())]
    Failed(#[source] Arc<wasmtime::Error>),
    /// The result is larger than the plugin's output limit.
    #[error("returned {}, over its {} output limit", size_text(*.size), limit_text(*.limit_kib))]
    Output {
        /// Bytes returned.
        size: u64,
        /// The limit, in KiB.
        limit_kib: u64,
    },
    /// The plugin says the group's settings are invalid.
    #[error("says the group's settings are invalid: {0}")]
    InvalidSettings(String),
    /// The plugin cannot plan (e.g. too few attendees).
    #[error("cannot plan: {0}")]
    CannotPlan(String),
    /// The plugin does not offer a call every format must offer.
    #[error("does not offer {0}, which every format must")]
    Unsupported(Export),
    /// The plugin reports a bug of its own.
    #[error("reported an internal error: {0}")]
    Internal(String),
    /// What it returned makes no sense.
    #[error("returned invalid data: {0}")]
    InvalidData(#[from] InvalidData),
}

/// A call every format must offer, as its error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `requirements`.
    Requirements,
    /// `plan-session` (also for `plan-series`).
    PlanSession,
    /// `partition`.
    Partition,
    /// `compose-reminder`.
    ComposeReminder,
}

impl std::fmt::Display for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Export::Requirements => "requirements",
            Export::PlanSession => "plan-session",
            Export::Partition => "partition",
            Export::ComposeReminder => "compose-reminder",
        })
    }
}

impl Plugin {
    /// A fresh instance for calls about `group` (its id and zone: log lines
    /// name the group; `now` reports its local time).
    pub fn instance(&self, group: &str, zone: TimeZone) -> Result<PluginInstance, CallError> {
        let state = CallState::new(&self.name, group, zone, self.clock.clone(), &self.limits);
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| s);
        arm(&mut store, &self.limits, 1)?;
        let bindings = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| cause(e, &store, &self.limits))?;
        Ok(PluginInstance {
            limits: self.limits,
            store,
            bindings,
        })
    }

    /// A fresh instance for calls about `group`.
    pub fn instance_for(&self, group: &Group) -> Result<PluginInstance, CallError> {
        self.instance(&group.id, group.zone.tz.clone())
    }
}

/// Gives the store a full budget for a call that counts as `calls` calls
/// (a series: one per planned session): fuel and a deadline, each that
/// many times one call's; a clean memory flag and log budget.
fn arm(store: &mut Store<CallState>, limits: &Limits, calls: u32) -> Result<(), CallError> {
    let calls = u64::from(calls.max(1));
    store
        .set_fuel(limits.fuel.saturating_mul(calls))
        .map_err(|e| CallError::SetFuel(Arc::new(e)))?;
    store.set_epoch_deadline(super::engine::ticks_for(
        limits.timeout_ms.saturating_mul(calls),
    ));
    store.epoch_deadline_trap();
    store.data_mut().start_call(calls as u32);
    Ok(())
}

/// [`cause`] for a call that counted as `calls` calls: the fuel and
/// deadline are named per session.
fn series_cause(
    e: wasmtime::Error,
    store: &Store<CallState>,
    limits: &Limits,
    calls: u32,
) -> CallError {
    if calls <= 1 || store.data().memory_refused {
        return cause(e, store, limits);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => CallError::SeriesDeadline {
            ms: limits.timeout_ms,
            calls,
        },
        Some(Trap::OutOfFuel) => CallError::SeriesFuel {
            units: limits.fuel,
            calls,
        },
        _ => cause(e, store, limits),
    }
}

/// The plain-words cause of a failed call.
fn cause(e: wasmtime::Error, store: &Store<CallState>, limits: &Limits) -> CallError {
    if store.data().memory_refused {
        return CallError::Memory {
            mib: limits.memory_mib,
        };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => CallError::Deadline {
            ms: limits.timeout_ms,
        },
        Some(Trap::OutOfFuel) => CallError::Fuel { units: limits.fuel },
        Some(Trap::StackOverflow) => CallError::StackOverflow,
        Some(Trap::UnreachableCodeReached) => CallError::Unreachable,
        Some(trap) => CallError::Trap(*trap),
        None => CallError::Failed(Arc::new(e)),
    }
}

/// "8.0 MiB", "12 KiB", "300 bytes".
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

fn limit_text(kib: u64) -> String {
    if kib.is_multiple_of(1024) {
        format!("{} MiB", kib / 1024)
    } else {
        format!("{kib} KiB")
    }
}

/// An error the plugin itself returned, from `call`.
fn format_error(e: types::FormatError, call: Export) -> CallError {
    match e {
        types::FormatError::InvalidSettings(m) => CallError::InvalidSettings(m),
        types::FormatError::CannotPlan(m) => CallError::CannotPlan(m),
        types::FormatError::Unsupported => CallError::Unsupported(call),
        types::FormatError::Internal(m) => CallError::Internal(m),
    }
}

/// `size` bytes of output, checked against `limits`.
fn output_fits(size: u64, limits: &Limits) -> Result<(), CallError> {
    if size > limits.output_bytes() {
        return Err(CallError::Output {
            size,
            limit_kib: limits.output_kib,
        });
    }
    Ok(())
}

/// The plans of a `plan-series` answer, each checked (output size,
/// attendees, `duration`) in order, then the error it ended with.
fn series_plans(
    out: guest::SeriesPlans,
    sessions: &[&SeriesSession],
    limits: &Limits,
    duration: u32,
) -> Result<Vec<SessionPlan>, CallError> {
    let got = out.plans.len();
    if got > sessions.len() {
        let sessions = sessions.len();
        return Err(InvalidData::TooManyPlans { got, sessions }.into());
    }
    let mut plans = Vec::with_capacity(got);
    for (p, s) in out.plans.into_iter().zip(sessions) {
        output_fits(p.output_size(), limits)?;
        let plan = convert::plan_in(p);
        super::check::plan(&plan, &s.attendees, duration)?;
        plans.push(plan);
    }
    match out.error {
        Some(e) => {
            output_fits(e.output_size(), limits)?;
            Err(format_error(e, Export::PlanSession))
        }
        None if got < sessions.len() => {
            let sessions = sessions.len();
            Err(InvalidData::TooFewPlans { got, sessions }.into())
        }
        None => Ok(plans),
    }
}

impl PluginInstance {
    /// Runs one call with fresh limits and checks its output size.
    fn run<T: OutputSize>(
        &mut self,
        call: impl FnOnce(&guest::Guest, &mut Store<CallState>) -> wasmtime::Result<T>,
    ) -> Result<T, CallError> {
        let limits = self.limits;
        arm(&mut self.store, &limits, 1)?;
        let out = call(self.bindings.peerwell_format_format(), &mut self.store)
            .map_err(|e| cause(e, &self.store, &limits))?;
        output_fits(out.output_size(), &limits)?;
        Ok(out)
    }

    /// `describe()` as the plugin returns it.
    pub fn describe_raw(&mut self) -> Result<guest::FormatInfo, CallError> {
        self.run(|g, s| g.call_describe(s))
    }

    /// `validate(group)`.
    pub fn validate(&mut self, group: &Group) -> Result<Vec<SettingDiagnostic>, CallError> {
        let g = convert::group(group);
        let list = self.run(|x, s| x.call_validate(s, &g))?;
        for d in &list {
            if d.message.trim().is_empty() {
                return Err(InvalidData::EmptyDiagnostic.into());
            }
        }
        Ok(convert::diagnostics_in(list))
    }

    /// `requirements(group)`, checked for sense; `unsupported` gives the
    /// group's policy as it is.
    pub fn requirements(&mut self, group: &Group) -> Result<Requirements, CallError> {
        let g = convert::group(group);
        let r = match self.run(|x, s| x.call_requirements(s, &g))? {
            Ok(r) => r,
            Err(types::FormatError::Unsupported) => return Ok(Requirements::from_policy(group)),
            Err(e) => return Err(format_error(e, Export::Requirements)),
        };
        let r = convert::requirements_in(r)?;
        super::check::requirements(&r, group)?;
        Ok(r)
    }

    /// `plan-session(request)`, checked against the attendees and the
    /// session's `duration` in minutes.
    pub fn plan_session(
        &mut self,
        request: &SessionRequest<'_>,
        duration: u32,
    ) -> Result<SessionPlan, CallError> {
        let r = convert::session_request(request);
        let plan = match self.run(|x, s| x.call_plan_session(s, &r))? {
            Ok(p) => convert::plan_in(p),
            Err(e) => return Err(format_error(e, Export::PlanSession)),
        };
        super::check::plan(&plan, request.attendees, duration)?;
        Ok(plan)
    }

    /// `plan-series(request)`: the plans of its `plan` items, each checked
    /// (output size, attendees, the group's session `duration`) in order,
    /// so that the first failure is the one `plan-session` calls would have
    /// met. `None` when the plugin answers `unsupported` without a plan.
    pub fn plan_series(
        &mut self,
        request: &SeriesRequest<'_>,
        duration: u32,
    ) -> Result<Option<Vec<SessionPlan>>, CallError> {
        let sessions: Vec<&SeriesSession> = request
            .items
            .iter()
            .filter_map(|i| match i {
                SeriesItem::Plan(s) => Some(s),
                SeriesItem::Fixed(_) => None,
            })
            .collect();
        let calls = u32::try_from(sessions.len()).unwrap_or(u32::MAX);
        let r = convert::series_request(request);
        let limits = self.limits;
        arm(&mut self.store, &limits, calls)?;
        let out = self
            .bindings
            .peerwell_format_format()
            .call_plan_series(&mut self.store, &r)
            .map_err(|e| series_cause(e, &self.store, &limits, calls))?;
        if out.plans.is_empty() && matches!(out.error, Some(types::FormatError::Unsupported)) {
            return Ok(None);
        }
        series_plans(out, &sessions, &limits, duration).map(Some)
    }

    /// `partition(request)`; `None` (or `unsupported`): the whole group meets.
    pub fn partition(
        &mut self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, CallError> {
        Ok(self.partition_offered(request)?.flatten())
    }

    /// `partition(request)`, with `unsupported` kept apart: `None` when the
    /// plugin does not offer the call, `Some(None)` when the whole group
    /// meets.
    pub(super) fn partition_offered(
        &mut self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Option<Vec<Vec<String>>>>, CallError> {
        let r = convert::partition_request(request);
        let parts = match self.run(|x, s| x.call_partition(s, &r))? {
            Ok(p) => p,
            Err(types::FormatError::Unsupported) => return Ok(None),
            Err(e) => return Err(format_error(e, Export::Partition)),
        };
        if let Some(parts) = &parts {
            super::check::partition(parts, request.members)?;
        }
        Ok(Some(parts))
    }

    /// `compose-reminder(request)`; `None` (or `unsupported`): the host's text.
    pub fn compose_reminder(
        &mut self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, CallError> {
        Ok(self.compose_reminder_offered(request)?.flatten())
    }

    /// `compose-reminder(request)`, with `unsupported` kept apart: `None`
    /// when the plugin does not offer the call, `Some(None)` for the host's
    /// text.
    pub(super) fn compose_reminder_offered(
        &mut self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<Option<ReminderText>>, CallError> {
        let r = convert::reminder_request(request);
        let text = match self.run(|x, s| x.call_compose_reminder(s, &r))? {
            Ok(t) => t,
            Err(types::FormatError::Unsupported) => return Ok(None),
            Err(e) => return Err(format_error(e, Export::ComposeReminder)),
        };
        if let Some(t) = &text {
            super::check::reminder(&t.subject, &t.body)?;
        }
        Ok(Some(text.map(convert::reminder_in)))
    }
}

#[cfg(test)]
mod tests;
