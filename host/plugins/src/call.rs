//! Calling a plugin: one store per instance, limits reset before each call,
//! failures turned into plain words.

use jiff::tz::TimeZone;
use wasmtime::{Store, Trap};

use super::bindings::{self, guest, types};
use super::check::OutputSize;
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
pub type Cause = String;

impl Plugin {
    /// A fresh instance for calls about `group` (its id and zone: log lines
    /// name the group; `now` reports its local time).
    pub fn instance(&self, group: &str, zone: TimeZone) -> Result<PluginInstance, Cause> {
        let state = CallState::new(&self.name, group, zone, self.clock.clone(), &self.limits);
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| s);
        arm(&mut store, &self.limits, 1)?;
        let bindings = self
            .pre
            .instantiate(&mut store)
            .map_err(|e| cause(&e, &store, &self.limits))?;
        Ok(PluginInstance {
            limits: self.limits,
            store,
            bindings,
        })
    }

    /// A fresh instance for calls about `group`.
    pub fn instance_for(&self, group: &Group) -> Result<PluginInstance, Cause> {
        self.instance(&group.id, group.zone.tz.clone())
    }
}

/// Gives the store a full budget for a call that counts as `calls` calls
/// (a series: one per planned session): fuel and a deadline, each that
/// many times one call's; a clean memory flag and log budget.
fn arm(store: &mut Store<CallState>, limits: &Limits, calls: u32) -> Result<(), Cause> {
    let calls = u64::from(calls.max(1));
    store
        .set_fuel(limits.fuel.saturating_mul(calls))
        .map_err(|e| format!("cannot set its fuel: {e}"))?;
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
    e: &wasmtime::Error,
    store: &Store<CallState>,
    limits: &Limits,
    calls: u32,
) -> Cause {
    if calls <= 1 || store.data().memory_refused {
        return cause(e, store, limits);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!(
            "ran past its {} ms deadline per session ({calls} sessions planned in one call)",
            limits.timeout_ms
        ),
        Some(Trap::OutOfFuel) => format!(
            "used all of its fuel ({} units per session, {calls} sessions planned in one call)",
            limits.fuel
        ),
        _ => cause(e, store, limits),
    }
}

/// The plain-words cause of a failed call.
fn cause(e: &wasmtime::Error, store: &Store<CallState>, limits: &Limits) -> Cause {
    if store.data().memory_refused {
        return format!("exceeded its {} MiB memory limit", limits.memory_mib);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!("ran past its {} ms deadline", limits.timeout_ms),
        Some(Trap::OutOfFuel) => format!("used all of its fuel ({} units)", limits.fuel),
        Some(Trap::StackOverflow) => "overflowed its stack (deep recursion)".to_string(),
        Some(Trap::UnreachableCodeReached) => {
            "trapped: wasm `unreachable` instruction executed (a panic in the plugin)".to_string()
        }
        Some(trap) => format!(
            "trapped: {}",
            trap.to_string().trim_start_matches("wasm trap: ")
        ),
        None => format!("trapped: {}", e.root_cause()),
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

/// The text of an error the plugin itself returned.
fn format_error(e: types::FormatError, call: &str) -> Cause {
    match e {
        types::FormatError::InvalidSettings(m) => {
            format!("says the group's settings are invalid: {m}")
        }
        types::FormatError::CannotPlan(m) => format!("cannot plan: {m}"),
        types::FormatError::Unsupported => {
            format!("does not offer {call}, which every format must")
        }
        types::FormatError::Internal(m) => format!("reported an internal error: {m}"),
    }
}

impl PluginInstance {
    /// Runs one call with fresh limits and checks its output size.
    fn run<T: OutputSize>(
        &mut self,
        call: impl FnOnce(&guest::Guest, &mut Store<CallState>) -> wasmtime::Result<T>,
    ) -> Result<T, Cause> {
        let limits = self.limits;
        arm(&mut self.store, &limits, 1)?;
        let out = call(self.bindings.peerwell_format_format(), &mut self.store)
            .map_err(|e| cause(&e, &self.store, &limits))?;
        let size = out.output_size();
        if size > limits.output_bytes() {
            return Err(format!(
                "returned {}, over its {} output limit",
                size_text(size),
                limit_text(limits.output_kib)
            ));
        }
        Ok(out)
    }

    /// `describe()` as the plugin returns it.
    pub fn describe_raw(&mut self) -> Result<guest::FormatInfo, Cause> {
        self.run(|g, s| g.call_describe(s))
    }

    /// `validate(group)`.
    pub fn validate(&mut self, group: &Group) -> Result<Vec<SettingDiagnostic>, Cause> {
        let g = convert::group(group);
        let list = self.run(|x, s| x.call_validate(s, &g))?;
        for d in &list {
            if d.message.trim().is_empty() {
                return Err("returned invalid data: a diagnostic with an empty message".to_string());
            }
        }
        Ok(convert::diagnostics_in(list))
    }

    /// `requirements(group)`, checked for sense; `unsupported` gives the
    /// group's policy as it is.
    pub fn requirements(&mut self, group: &Group) -> Result<Requirements, Cause> {
        let g = convert::group(group);
        let r = match self.run(|x, s| x.call_requirements(s, &g))? {
            Ok(r) => r,
            Err(types::FormatError::Unsupported) => return Ok(Requirements::from_policy(group)),
            Err(e) => return Err(format_error(e, "requirements")),
        };
        let r = convert::requirements_in(r).map_err(|e| format!("returned invalid data: {e}"))?;
        super::check::requirements(&r, group).map_err(|e| format!("returned invalid data: {e}"))?;
        Ok(r)
    }

    /// `plan-session(request)`, checked against the attendees and the
    /// session's `duration` in minutes.
    pub fn plan_session(
        &mut self,
        request: &SessionRequest<'_>,
        duration: u32,
    ) -> Result<SessionPlan, Cause> {
        let r = convert::session_request(request);
        let plan = match self.run(|x, s| x.call_plan_session(s, &r))? {
            Ok(p) => convert::plan_in(p),
            Err(e) => return Err(format_error(e, "plan-session")),
        };
        super::check::plan(&plan, request.attendees, duration)
            .map_err(|e| format!("returned invalid data: {e}"))?;
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
    ) -> Result<Option<Vec<SessionPlan>>, Cause> {
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
            .map_err(|e| series_cause(&e, &self.store, &limits, calls))?;
        if out.plans.is_empty() && matches!(out.error, Some(types::FormatError::Unsupported)) {
            return Ok(None);
        }
        if out.plans.len() > sessions.len() {
            return Err(format!(
                "returned invalid data: {} plans for a series of {} sessions",
                out.plans.len(),
                sessions.len()
            ));
        }
        let got = out.plans.len();
        let mut plans = Vec::with_capacity(got);
        for (p, s) in out.plans.into_iter().zip(&sessions) {
            let size = p.output_size();
            if size > limits.output_bytes() {
                return Err(format!(
                    "returned {}, over its {} output limit",
                    size_text(size),
                    limit_text(limits.output_kib)
                ));
            }
            let plan = convert::plan_in(p);
            super::check::plan(&plan, &s.attendees, duration)
                .map_err(|e| format!("returned invalid data: {e}"))?;
            plans.push(plan);
        }
        match out.error {
            Some(e) => {
                let size = e.output_size();
                if size > limits.output_bytes() {
                    return Err(format!(
                        "returned {}, over its {} output limit",
                        size_text(size),
                        limit_text(limits.output_kib)
                    ));
                }
                Err(format_error(e, "plan-session"))
            }
            None if got < sessions.len() => Err(format!(
                "returned invalid data: {got} plans for a series of {} sessions, and no error",
                sessions.len()
            )),
            None => Ok(Some(plans)),
        }
    }

    /// `partition(request)`; `None` (or `unsupported`): the whole group meets.
    pub fn partition(
        &mut self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, Cause> {
        Ok(self.partition_offered(request)?.flatten())
    }

    /// `partition(request)`, with `unsupported` kept apart: `None` when the
    /// plugin does not offer the call, `Some(None)` when the whole group
    /// meets.
    pub(super) fn partition_offered(
        &mut self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Option<Vec<Vec<String>>>>, Cause> {
        let r = convert::partition_request(request);
        let parts = match self.run(|x, s| x.call_partition(s, &r))? {
            Ok(p) => p,
            Err(types::FormatError::Unsupported) => return Ok(None),
            Err(e) => return Err(format_error(e, "partition")),
        };
        if let Some(parts) = &parts {
            super::check::partition(parts, request.members)
                .map_err(|e| format!("returned invalid data: {e}"))?;
        }
        Ok(Some(parts))
    }

    /// `compose-reminder(request)`; `None` (or `unsupported`): the host's text.
    pub fn compose_reminder(
        &mut self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, Cause> {
        Ok(self.compose_reminder_offered(request)?.flatten())
    }

    /// `compose-reminder(request)`, with `unsupported` kept apart: `None`
    /// when the plugin does not offer the call, `Some(None)` for the host's
    /// text.
    pub(super) fn compose_reminder_offered(
        &mut self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<Option<ReminderText>>, Cause> {
        let r = convert::reminder_request(request);
        let text = match self.run(|x, s| x.call_compose_reminder(s, &r))? {
            Ok(t) => t,
            Err(types::FormatError::Unsupported) => return Ok(None),
            Err(e) => return Err(format_error(e, "compose-reminder")),
        };
        if let Some(t) = &text {
            super::check::reminder(&t.subject, &t.body)
                .map_err(|e| format!("returned invalid data: {e}"))?;
        }
        Ok(Some(text.map(convert::reminder_in)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size_text(8 * 1024 * 1024), "8.0 MiB");
        assert_eq!(size_text(2048), "2 KiB");
        assert_eq!(size_text(12), "12 bytes");
        assert_eq!(limit_text(1024), "1 MiB");
        assert_eq!(limit_text(512), "512 KiB");
    }
}
