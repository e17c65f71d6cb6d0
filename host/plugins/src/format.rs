//! Plugins as [`Format`]s, and what a planning pass may reuse.
//!
//! Isolation is per group and per planning pass. Outside a pass every call
//! runs in a fresh instance. Between [`Format::begin_pass`] and
//! [`Format::end_pass`] (the planner opens one around each plan) a group's
//! calls share one warm instance, so a plugin's calls for one group may see
//! each other's memory, never another group's or another pass's. A call
//! that fails (a trap, a limit, an error it returns, invalid output)
//! discards its instance, and the failure blocks the group as before.
//! Within a pass, `requirements` is asked once per group and planning
//! moment (formats are deterministic and see only the request and the
//! planning moment), and a group's series is planned in one `plan-series`
//! call. A plugin that answers `unsupported` to `plan-series`, `partition`
//! or `compose-reminder` is not asked again while it is loaded: the host's
//! default is used, exactly as for that answer.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use jiff::Timestamp;

use super::call::{CallError, PluginInstance};
use super::load::{LoadError, Plugin};
use peerwell_core::formats::{
    Format, FormatError, FormatInfo, PartitionRequest, ReminderRequest, ReminderText, Requirements,
    SeriesRequest, SessionPlan, SessionRequest, SettingDiagnostic, one_by_one,
};
use peerwell_core::model::Group;

/// Warm instances all plugins together keep during passes. A group's first
/// call in a pass (`requirements`, asked for every group before the
/// solver) and its last (`plan-series`, after it) are far apart, so a
/// group keeps its instance for the whole pass; an idle instance holds
/// only the pages its calls touched (tens of KiB). Past this many, further
/// groups' instances are dropped after each call (the ones kept stay), and
/// the engine's pool keeps room for the instances calls are using.
pub const WARM_TOTAL: usize = super::engine::POOL_INSTANCES as usize / 2;

/// Warm instances kept now, across all plugins and passes.
static WARM_KEPT: AtomicUsize = AtomicUsize::new(0);

/// Takes one place in [`WARM_TOTAL`], if one is free.
fn reserve_warm() -> bool {
    WARM_KEPT
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < WARM_TOTAL).then_some(n + 1)
        })
        .is_ok()
}

/// Gives back `n` places in [`WARM_TOTAL`].
fn release_warm(n: usize) {
    if n > 0 {
        WARM_KEPT.fetch_sub(n, Ordering::AcqRel);
    }
}

/// A loaded plugin used as a group format.
pub struct PluginFormat {
    plugin: Plugin,
    /// Per group: the session length its requirements gave (agenda checks).
    durations: Mutex<BTreeMap<String, u32>>,
    /// Per group: why `validate` failed, reported by `requirements`.
    failed: Mutex<BTreeMap<String, CallError>>,
    /// The plugin answered `unsupported` to `plan-series`.
    no_series: AtomicBool,
    /// The plugin answered `unsupported` to `partition`.
    no_partition: AtomicBool,
    /// The plugin answered `unsupported` to `compose-reminder`.
    no_reminder: AtomicBool,
    pass: Mutex<Pass>,
}

/// What one planning pass keeps.
#[derive(Default)]
struct Pass {
    /// Open passes (nested `begin_pass`); nothing is kept at 0.
    depth: u32,
    /// Warm instances by group id, each holding a place in [`WARM_TOTAL`].
    instances: BTreeMap<String, PluginInstance>,
    /// `requirements` answers by group id, with the exact group and
    /// planning moment they were made for.
    requirements: BTreeMap<String, Asked>,
}

struct Asked {
    group: Group,
    now: Timestamp,
    answer: Result<Requirements, CallError>,
}

impl Pass {
    fn clear(&mut self) {
        release_warm(self.instances.len());
        self.instances.clear();
        self.requirements.clear();
    }

    /// The group's warm instance, taken out for a call (its place in
    /// [`WARM_TOTAL`] stays taken until it is put back or dropped).
    fn take(&mut self, group: &str) -> Option<PluginInstance> {
        self.instances.remove(group)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        release_warm(self.instances.len());
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PluginFormat {
    /// Wraps a loaded plugin.
    pub fn new(plugin: Plugin) -> Self {
        PluginFormat {
            plugin,
            durations: Mutex::new(BTreeMap::new()),
            failed: Mutex::new(BTreeMap::new()),
            no_series: AtomicBool::new(false),
            no_partition: AtomicBool::new(false),
            no_reminder: AtomicBool::new(false),
            pass: Mutex::new(Pass::default()),
        }
    }

    /// The plugin.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    fn error(&self, group: &str, cause: impl std::fmt::Display) -> FormatError {
        FormatError {
            format: self.plugin.name().to_string(),
            group: group.to_string(),
            message: format!("plugin {} {cause}", self.plugin.file()),
        }
    }

    /// The session length for `group`: its requirements' duration.
    fn duration(&self, group: &Group) -> Result<u32, FormatError> {
        if let Some(d) = locked(&self.durations).get(&group.id) {
            return Ok(*d);
        }
        Ok(self.requirements(group)?.duration_minutes)
    }

    /// Runs `call` on the group's warm instance in a pass, or on a fresh
    /// one; a successful instance is kept for the group's next call in the
    /// pass while [`WARM_TOTAL`] allows.
    fn with_instance<T>(
        &self,
        group: &Group,
        call: impl FnOnce(&mut PluginInstance) -> Result<T, CallError>,
    ) -> Result<T, CallError> {
        let warm = locked(&self.pass).take(&group.id);
        let reserved = warm.is_some();
        let mut instance = match warm {
            Some(i) => i,
            None => self.plugin.instance_for(group)?,
        };
        let out = call(&mut instance);
        let mut pass = locked(&self.pass);
        let keep = out.is_ok() && pass.depth > 0 && (reserved || reserve_warm());
        if keep {
            pass.instances.insert(group.id.clone(), instance);
        } else if reserved {
            release_warm(1);
        }
        out
    }

    /// `requirements`, asked once per group and planning moment in a pass.
    fn requirements_call(&self, group: &Group) -> Result<Requirements, CallError> {
        let now = self.plugin.clock.get();
        {
            let pass = locked(&self.pass);
            if let Some(a) = pass.requirements.get(&group.id)
                && a.now == now
                && a.group == *group
            {
                return a.answer.clone();
            }
        }
        let answer = self.with_instance(group, |i| i.requirements(group));
        let mut pass = locked(&self.pass);
        if pass.depth > 0 {
            let asked = Asked {
                group: group.clone(),
                now,
                answer: answer.clone(),
            };
            pass.requirements.insert(group.id.clone(), asked);
        }
        answer
    }
}

impl Format for PluginFormat {
    fn describe(&self) -> FormatInfo {
        self.plugin.info().clone()
    }

    /// Settings alone cannot be checked by a plugin, whose `validate` sees
    /// the whole group; the config loader calls [`Format::validate_group`].
    fn validate(&self, _settings: &toml::Table) -> Vec<SettingDiagnostic> {
        Vec::new()
    }

    /// A failing call is not a settings problem: it is remembered and
    /// blocks the group when it is planned.
    fn validate_group(&self, group: &Group) -> Vec<SettingDiagnostic> {
        match self.with_instance(group, |i| i.validate(group)) {
            Ok(list) => list,
            Err(cause) => {
                locked(&self.failed).insert(group.id.clone(), cause);
                Vec::new()
            }
        }
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        if let Some(cause) = locked(&self.failed).get(&group.id) {
            return Err(self.error(&group.id, format_args!("failed in validate: {cause}")));
        }
        let r = self
            .requirements_call(group)
            .map_err(|c| self.error(&group.id, c))?;
        let mut durations = locked(&self.durations);
        if durations.get(&group.id) != Some(&r.duration_minutes) {
            durations.insert(group.id.clone(), r.duration_minutes);
        }
        Ok(r)
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let group = request.group;
        let duration = self.duration(group)?;
        self.with_instance(group, |i| i.plan_session(request, duration))
            .map_err(|c| self.error(&group.id, c))
    }

    /// One `plan-series` call for the whole series (the group and members
    /// sent once, the history built by the plugin). A plugin answering
    /// `unsupported` is asked session by session instead, from then on.
    fn plan_series(&self, request: &SeriesRequest<'_>) -> Result<Vec<SessionPlan>, FormatError> {
        if self.no_series.load(Ordering::Relaxed) {
            return one_by_one(self, request);
        }
        let group = request.group;
        let duration = self.duration(group)?;
        let plans = self
            .with_instance(group, |i| i.plan_series(request, duration))
            .map_err(|c| self.error(&group.id, c))?;
        match plans {
            Some(plans) => Ok(plans),
            None => {
                self.no_series.store(true, Ordering::Relaxed);
                one_by_one(self, request)
            }
        }
    }

    /// Once the plugin has answered `unsupported`, the whole group meets
    /// without asking it again.
    fn partition(
        &self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        if self.no_partition.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let group = request.group;
        let answer = self
            .with_instance(group, |i| i.partition_offered(request))
            .map_err(|c| self.error(&group.id, c))?;
        if answer.is_none() {
            self.no_partition.store(true, Ordering::Relaxed);
        }
        Ok(answer.flatten())
    }

    /// Once the plugin has answered `unsupported`, the host's text is used
    /// without asking it again.
    fn compose_reminder(
        &self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, FormatError> {
        if self.no_reminder.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let group = request.group;
        let answer = self
            .with_instance(group, |i| i.compose_reminder_offered(request))
            .map_err(|c| self.error(&group.id, c))?;
        if answer.is_none() {
            self.no_reminder.store(true, Ordering::Relaxed);
        }
        Ok(answer.flatten())
    }

    fn begin_pass(&self) {
        let mut pass = locked(&self.pass);
        if pass.depth == 0 {
            pass.clear();
        }
        pass.depth += 1;
    }

    fn end_pass(&self) {
        let mut pass = locked(&self.pass);
        pass.depth = pass.depth.saturating_sub(1);
        if pass.depth == 0 {
            pass.clear();
        }
    }
}

/// A plugin that could not be loaded: its groups are blocked with the load
/// error, every other group plans.
pub struct BrokenFormat {
    error: LoadError,
}

impl BrokenFormat {
    /// A format answering every call with `error`.
    pub fn new(error: LoadError) -> Self {
        BrokenFormat { error }
    }

    fn fail(&self, group: &str) -> FormatError {
        FormatError {
            format: self.error.plugin.clone(),
            group: group.to_string(),
            message: format!(
                "plugin {} could not be loaded: {}",
                self.error.file, self.error.reason
            ),
        }
    }
}

impl Format for BrokenFormat {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: self.error.plugin.clone(),
            version: String::new(),
            summary: format!("not loaded: {}", self.error.reason),
            settings: Vec::new(),
        }
    }

    fn validate(&self, _settings: &toml::Table) -> Vec<SettingDiagnostic> {
        Vec::new()
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        Err(self.fail(&group.id))
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        Err(self.fail(&request.group.id))
    }

    fn partition(
        &self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        Err(self.fail(&request.group.id))
    }

    fn compose_reminder(
        &self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, FormatError> {
        Err(self.fail(&request.group.id))
    }
}
