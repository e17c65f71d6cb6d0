//! Plugins as [`Format`]s: every call instantiates a fresh instance (so no
//! state leaks between calls and plans stay deterministic) and every
//! failure becomes a [`FormatError`] for that group alone.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::load::{LoadError, Plugin};
use crate::formats::{
    Format, FormatError, FormatInfo, PartitionRequest, ReminderRequest, ReminderText, Requirements,
    SessionPlan, SessionRequest, SettingDiagnostic,
};
use crate::model::Group;

/// A loaded plugin used as a group format.
pub struct PluginFormat {
    plugin: Plugin,
    /// Per group: the session length its requirements gave (agenda checks).
    durations: Mutex<BTreeMap<String, u32>>,
    /// Per group: why `validate` failed, reported by `requirements`.
    failed: Mutex<BTreeMap<String, String>>,
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
        }
    }

    /// The plugin.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    fn error(&self, group: &str, cause: String) -> FormatError {
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
        match self
            .plugin
            .instance_for(group)
            .and_then(|mut i| i.validate(group))
        {
            Ok(list) => list,
            Err(cause) => {
                locked(&self.failed)
                    .insert(group.id.clone(), format!("failed in validate: {cause}"));
                Vec::new()
            }
        }
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        if let Some(cause) = locked(&self.failed).get(&group.id) {
            return Err(self.error(&group.id, cause.clone()));
        }
        let r = self
            .plugin
            .instance_for(group)
            .and_then(|mut i| i.requirements(group))
            .map_err(|c| self.error(&group.id, c))?;
        locked(&self.durations).insert(group.id.clone(), r.duration_minutes);
        Ok(r)
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let group = request.group;
        let duration = self.duration(group)?;
        self.plugin
            .instance_for(group)
            .and_then(|mut i| i.plan_session(request, duration))
            .map_err(|c| self.error(&group.id, c))
    }

    fn partition(
        &self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        let group = request.group;
        self.plugin
            .instance_for(group)
            .and_then(|mut i| i.partition(request))
            .map_err(|c| self.error(&group.id, c))
    }

    fn compose_reminder(
        &self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, FormatError> {
        let group = request.group;
        self.plugin
            .instance_for(group)
            .and_then(|mut i| i.compose_reminder(request))
            .map_err(|c| self.error(&group.id, c))
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
                self.error.file, self.error.message
            ),
        }
    }
}

impl Format for BrokenFormat {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: self.error.plugin.clone(),
            version: String::new(),
            summary: format!("not loaded: {}", self.error.message),
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
