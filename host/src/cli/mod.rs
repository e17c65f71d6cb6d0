//! The `peerwell` command line: `check`, `plan`, `export`, `diff`, `busy`,
//! `reminders`, `report`, `serve`, `feeds`, `tokens revoke|rotate`, `state
//! migrate|check`, `absences`, `absence add|remove`, `plugin check`,
//! `plugin new`.
//!
//! Exit codes: 0 when everything read and planned, 1 when an input is invalid
//! (policy files, a calendar), 2 for usage errors.

mod absences;
mod args;
mod busy;
mod diff;
mod error;
mod export;
mod feeds;
mod inputs;
mod outbox;
mod plan;
mod plugin;
mod plugin_groups;
mod plugin_log;
mod probe;
mod reminders;
mod report;
mod scaffold;
mod serve;
mod state;
mod text;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use jiff::Timestamp;

use crate::pipeline::{self, Announce, Overrides};
use peerwell_store::Store;

pub use error::CliError;

use inputs::{check_group, exit_for, load, load_with_state, report_inputs, report_plugins};

use args::{
    Cli, Command, HorizonArgs, OutputFormat, PluginCommand, ReportArgs, StateArgs, StateCommand,
    TokensCommand,
};

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if !matches!(cli.command, Command::Serve { .. }) {
        plugin_log::install();
    }
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// Outcome of a command: an exit code, or a message for stderr with exit 1.
type Outcome = Result<ExitCode, CliError>;

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check { dir } => check(&dir),
        Command::Plan {
            dir,
            horizon,
            state,
            group,
            explain,
            svg,
            format,
        } => plan_command(&dir, horizon, &state, (group, explain, svg), format),
        Command::Report(args) => report_command(&args),
        Command::Serve { dir, listen, now } => serve_command(&dir, listen, now),
        Command::Outbox {
            dir,
            data_dir,
            failed,
            format,
        } => outbox_command(&dir, data_dir.as_deref(), failed, format),
        Command::Export {
            dir,
            horizon,
            state,
            out,
        } => export_command(&dir, horizon, &state, &out),
        Command::Diff {
            dir,
            horizon,
            state,
            format,
        } => diff_command(&dir, horizon, &state, format),
        Command::Reminders {
            dir,
            horizon,
            state,
            group,
            all,
            invitations,
            format,
        } => {
            let only = group.as_deref();
            reminders_command(&dir, horizon, &state, only, (all, invitations), format)
        }
        Command::Busy {
            dir,
            member,
            horizon,
            format,
        } => busy_command(&dir, &member, horizon, format),
        Command::Absences {
            dir,
            member,
            group,
            state,
            format,
        } => absences::list(&dir, (member.as_deref(), group.as_deref()), &state, format),
        Command::Absence { command } => absences::command(command),
        Command::Feeds {
            dir,
            base_url,
            data_dir,
            format,
        } => feeds_command(&dir, base_url.as_deref(), data_dir.as_deref(), format),
        Command::Tokens { command } => tokens_command(command),
        Command::State { command } => state_command(command),
        Command::Plugin { command } => plugin_command(command),
    }
}

/// `peerwell feeds`.
fn feeds_command(
    dir: &Path,
    base_url: Option<&str>,
    data_dir: Option<&Path>,
    format: OutputFormat,
) -> Outcome {
    let json = format == OutputFormat::Json;
    let out = feeds::list(dir, data_dir, base_url, json, Timestamp::now())?;
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `peerwell state migrate|check`.
fn state_command(command: StateCommand) -> Outcome {
    match command {
        StateCommand::Migrate { dir, to, data_dir } => {
            state::migrate(&dir, data_dir.as_deref(), &to)
        }
        StateCommand::Check {
            dir,
            data_dir,
            format,
        } => state::check(&dir, data_dir.as_deref(), format),
    }
}

/// `peerwell check`.
fn check(dir: &Path) -> Outcome {
    let loaded = load(dir, Overrides::default())?;
    report_inputs(&loaded);
    let broken = report_plugins(&loaded, "error");
    let broken = probe::report(&loaded) || broken;
    let people = loaded.org.people.len();
    let groups = loaded.org.groups.len();
    let calendars: usize = loaded.org.people.values().map(|p| p.calendars.len()).sum();
    if loaded.calendar_errors.is_empty() && !broken {
        println!(
            "ok: {} — {}, {}, {} read",
            loaded.org.org.name,
            text::count(people, "person", "people"),
            text::count(groups, "group", "groups"),
            text::count(calendars, "calendar", "calendars"),
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(1))
    }
}

/// `peerwell plan`.
fn plan_command(
    dir: &Path,
    horizon: HorizonArgs,
    state: &StateArgs,
    (group, explain, svg): (Option<String>, bool, Option<PathBuf>),
    format: OutputFormat,
) -> Outcome {
    let group = group.as_deref();
    let (loaded, now, path) = load_with_state(dir, horizon, state)?;
    if let Some(id) = group {
        check_group(&loaded, id)?;
    }
    let store = Store::open_location_read_only(&path)?;
    let plan = loaded.plan_continued(&store, now)?;
    let absent = store.absences()?;
    let out = match (explain, format) {
        (true, OutputFormat::Table) => plan::explain(&loaded, &plan, group),
        (true, OutputFormat::Json) => {
            return Err(CliError::Invalid(
                "--explain prints text; leave out --format json".to_string(),
            ));
        }
        (false, OutputFormat::Table) => plan::table(&loaded, &plan, group, &absent),
        (false, OutputFormat::Json) => plan::json(&loaded, &plan, group, &absent),
    };
    if let (Some(file), Some(id)) = (svg, group) {
        let text = crate::overview::heatmap_svg(&loaded, &plan, id).unwrap_or_default();
        report::write(&file, &text)?;
    }
    print!("{out}");
    Ok(exit_for(&loaded, &plan))
}

/// `peerwell report`.
fn report_command(args: &ReportArgs) -> Outcome {
    let (dir, out, base_url) = (&args.dir, &args.out, args.base_url.as_deref());
    let (loaded, now, path) = load_with_state(dir, args.horizon, &args.state)?;
    let store = Store::open_location_read_only(&path)?;
    let plan = loaded.plan_continued(&store, now)?;
    let configured = match base_url {
        Some(_) => None,
        None => Some(crate::daemon::settings(dir, None)?.public_url()),
    };
    let base = crate::web::PublicUrl::resolve(
        base_url,
        configured.as_deref(),
        crate::web::urls::DEFAULT_PUBLIC_URL,
    )?;
    let links = report::links(&loaded, &store, &base)?;
    let written = report::write_all(&loaded, &plan, now, links, out)?;
    println!(
        "wrote {} to {}",
        text::count(written.len(), "file", "files"),
        out.display()
    );
    Ok(exit_for(&loaded, &plan))
}

/// `peerwell serve`: the daemon with the HTTP side and the mail sender.
fn serve_command(dir: &Path, listen: Option<SocketAddr>, now: Option<Timestamp>) -> Outcome {
    let clock = match now {
        Some(t) => crate::state::Clock::starting_at(t),
        None => crate::state::Clock::system(),
    };
    let program = std::sync::Arc::new(serve::Program::default());
    crate::daemon::serve(dir, listen, clock, program)?;
    Ok(ExitCode::SUCCESS)
}

/// `peerwell outbox`.
fn outbox_command(
    dir: &Path,
    data_dir: Option<&Path>,
    failed: bool,
    format: OutputFormat,
) -> Outcome {
    let org = crate::pipeline::policy(dir)?;
    let location = pipeline::state_location(&org, data_dir)?;
    let outbox = peerwell_store::outbox::Outbox::open_location_read_only(&location)?;
    let all = outbox.list(None)?;
    let shown: Vec<_> = all
        .iter()
        .filter(|r| !failed || r.state == peerwell_store::outbox::MailState::Failed)
        .cloned()
        .collect();
    let out = match format {
        OutputFormat::Table => outbox::table(&shown, &all),
        OutputFormat::Json => outbox::json(&shown, &all),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `peerwell export`.
fn export_command(dir: &Path, horizon: HorizonArgs, state: &StateArgs, out: &Path) -> Outcome {
    let (loaded, now, path) = load_with_state(dir, horizon, state)?;
    let mut store = Store::open_location(&path)?;
    let (plan, commit) = loaded.plan_and_commit(&mut store, now, Announce::No)?;
    let written = export::write_all(&loaded, &plan, &commit, out)?;
    println!("wrote {written} feeds to {}", out.display());
    println!("{}", diff::summary(&commit.changes));
    Ok(exit_for(&loaded, &plan))
}

/// `peerwell diff`.
fn diff_command(
    dir: &Path,
    horizon: HorizonArgs,
    state: &StateArgs,
    format: OutputFormat,
) -> Outcome {
    let (loaded, now, path) = load_with_state(dir, horizon, state)?;
    let store = Store::open_location_read_only(&path)?;
    let plan = loaded.plan_continued(&store, now)?;
    let changes = store.changes(&plan, now)?;
    let stored = store.sessions()?;
    let absences: Vec<_> = store
        .absences()?
        .into_iter()
        .filter_map(|a| {
            let key = (a.group.clone(), a.index);
            let planned = plan
                .sessions
                .iter()
                .find(|s| (&s.group, s.index) == (&key.0, key.1));
            let start = planned
                .map(|s| s.start)
                .or_else(|| stored.get(&key).map(|s| s.session.start))?;
            let time = planned.map(|s| peerwell_core::model::Interval::new(s.start, s.end));
            (start > now).then_some((a, time))
        })
        .collect();
    let out = match format {
        OutputFormat::Table => diff::table(&loaded, &changes, &absences),
        OutputFormat::Json => diff::json(&loaded, &changes, &absences),
    };
    print!("{out}");
    Ok(exit_for(&loaded, &plan))
}

/// `peerwell reminders`.
fn reminders_command(
    dir: &Path,
    horizon: HorizonArgs,
    state: &StateArgs,
    group: Option<&str>,
    (all, invitations): (bool, bool),
    format: OutputFormat,
) -> Outcome {
    if invitations {
        return invitations_command(dir, horizon, state, group, format);
    }
    let (loaded, now, path) = load_with_state(dir, horizon, state)?;
    if let Some(id) = group {
        check_group(&loaded, id)?;
    }
    let store = Store::open_location_read_only(&path)?;
    let plan = loaded.plan_continued(&store, now)?;
    let selection = reminders::Selection { group, all, now };
    let (messages, errors) = reminders::collect(&loaded, &plan, &selection);
    for e in &errors {
        eprintln!("error: {e}");
    }
    let out = match format {
        OutputFormat::Table => reminders::table(&messages),
        OutputFormat::Json => reminders::json(&messages),
    };
    print!("{out}");
    if errors.is_empty() {
        Ok(exit_for(&loaded, &plan))
    } else {
        Ok(ExitCode::from(1))
    }
}

/// `peerwell reminders --invitations`: what the next pass would queue,
/// planned and committed on a copy of the state in memory.
fn invitations_command(
    dir: &Path,
    horizon: HorizonArgs,
    state: &StateArgs,
    group: Option<&str>,
    format: OutputFormat,
) -> Outcome {
    let (loaded, now, path) = load_with_state(dir, horizon, state)?;
    if let Some(id) = group {
        check_group(&loaded, id)?;
    }
    let store = Store::open_location_read_only(&path)?;
    let plan = loaded.plan_continued(&store, now)?;
    let commit = store
        .copy_in_memory()?
        .commit(&plan, now, &loaded.zones())?;
    let rows = peerwell_store::outbox::Outbox::open_location_read_only(&path)?.fingerprints()?;
    let code = exit_for(&loaded, &plan);
    let enabled = loaded.org.org.mail.enabled;
    let snapshot = crate::state::Snapshot::build(loaded, plan, commit, now, None);
    let mut list = if enabled {
        crate::mail::invitations::preview(&snapshot, &rows, now)
    } else {
        Vec::new()
    };
    list.retain(|p| group.is_none_or(|g| p.group == g));
    let out = match format {
        OutputFormat::Table => reminders::invitation_table(&list),
        OutputFormat::Json => reminders::invitation_json(&list),
    };
    print!("{out}");
    Ok(code)
}

/// `peerwell busy`.
fn busy_command(dir: &Path, member: &str, horizon: HorizonArgs, format: OutputFormat) -> Outcome {
    let loaded = load(dir, horizon.into())?;
    let Some(person) = loaded.org.people.get(member) else {
        let ids: Vec<&str> = loaded.org.people.keys().map(String::as_str).collect();
        return Err(format!(
            "error: no member `{member}` in {}{}",
            dir.display(),
            text::did_you_mean(member, &ids)
        )
        .into());
    };
    if let Some((_, e)) = loaded.calendar_errors.iter().find(|(id, _)| *id == member) {
        return Err(format!("error: calendar {e}").into());
    }
    let out = match format {
        OutputFormat::Table => busy::table(&loaded, person),
        OutputFormat::Json => busy::json(&loaded, person),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `peerwell tokens revoke|rotate`.
fn tokens_command(command: TokensCommand) -> Outcome {
    let out = match command {
        TokensCommand::Revoke {
            dir,
            token,
            group,
            member,
            data_dir,
        } => {
            let target = match (token, group, member) {
                (Some(t), _, _) => feeds::Target::Token(t),
                (_, Some(g), _) => feeds::Target::Group(g),
                (_, _, Some(m)) => feeds::Target::Member(m),
                (None, None, None) => {
                    return Err(CliError::Invalid(
                        "error: name a TOKEN, --group ID or --member ID".into(),
                    ));
                }
            };
            feeds::revoke(&dir, data_dir.as_deref(), target, Timestamp::now())?
        }
        TokensCommand::Rotate {
            dir,
            group,
            member,
            base_url,
            data_dir,
        } => {
            let feed = match (group, member) {
                (Some(g), _) => peerwell_core::feeds::FeedKey::Group(g),
                (_, Some(m)) => peerwell_core::feeds::FeedKey::Member(m),
                (None, None) => {
                    return Err(CliError::Invalid(
                        "error: name --group ID or --member ID".into(),
                    ));
                }
            };
            feeds::rotate(
                &dir,
                data_dir.as_deref(),
                feed,
                base_url.as_deref(),
                Timestamp::now(),
            )?
        }
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// `peerwell plugin new|check`.
fn plugin_command(command: PluginCommand) -> Outcome {
    match command {
        PluginCommand::New { name, dir, sdk } => {
            let root = scaffold::scaffold(&name, &dir, sdk.as_deref())?;
            println!("created {}", root.display());
            println!(
                "next: cd {} && ./build && peerwell plugin check \"$(./build)\"",
                root.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Check {
            file,
            policy,
            timeout_ms,
            fuel,
            memory_mib,
            output_kib,
        } => {
            let limits = peerwell_plugins::Limits {
                timeout_ms,
                fuel,
                memory_mib,
                output_kib,
            };
            match plugin::check(&file, limits, policy.as_deref()) {
                Ok(report) => {
                    print!("{report}");
                    Ok(ExitCode::SUCCESS)
                }
                Err((report, error)) => {
                    print!("{report}");
                    Err(*error)
                }
            }
        }
    }
}
