//! The `peerwell` command line: `check`, `plan`, `export`, `busy`.
//!
//! Exit codes: 0 when everything read and planned, 1 when an input is invalid
//! (policy files, a calendar), 2 for usage errors.

mod busy;
mod export;
mod plan;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::pipeline::{self, Loaded, Overrides};

#[derive(Debug, Parser)]
#[command(
    name = "peerwell",
    version,
    about = "Protected peer-support time for people who work with trauma",
    long_about = "peerwell reads HR's policy files and members' calendars (busy time only), \
                  finds recurring times that avoid everyone's client sessions, and writes \
                  iCalendar feeds."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the policy folder and read every calendar.
    Check {
        /// The policy folder (holds peerwell.toml).
        dir: PathBuf,
    },
    /// Plan every group over the horizon and print the schedule (a dry run).
    Plan {
        dir: PathBuf,
        #[command(flatten)]
        horizon: HorizonArgs,
        /// Only this group.
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        /// Say why a group got no time or misses weeks: which members, weeks and rules
        /// block the best candidate times.
        #[arg(long)]
        explain: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Write OUT/groups/<group-id>.ics and OUT/members/<member-id>.ics.
    Export {
        dir: PathBuf,
        #[command(flatten)]
        horizon: HorizonArgs,
        /// Output folder (created if missing).
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
    },
    /// Print one member's busy time over the horizon (times and sources only).
    Busy {
        dir: PathBuf,
        /// The member's id.
        member: String,
        #[command(flatten)]
        horizon: HorizonArgs,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

#[derive(Debug, clap::Args, Clone, Copy)]
struct HorizonArgs {
    /// Number of weeks to plan (default: `horizon_weeks` in peerwell.toml).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=104))]
    weeks: Option<u32>,
    /// First day of the horizon, YYYY-MM-DD (default: `start` in peerwell.toml, else today).
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
}

impl From<HorizonArgs> for Overrides {
    fn from(a: HorizonArgs) -> Self {
        Overrides {
            from: a.from,
            weeks: a.weeks,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Table,
    Json,
}

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
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

/// Outcome of a command: an exit code, or a message for stderr with exit 1.
type Outcome = Result<ExitCode, String>;

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check { dir } => {
            let loaded = load(&dir, Overrides::default())?;
            report_inputs(&loaded);
            let people = loaded.org.people.len();
            let groups = loaded.org.groups.len();
            let calendars: usize = loaded.org.people.values().map(|p| p.calendars.len()).sum();
            if loaded.calendar_errors.is_empty() {
                println!(
                    "ok: {} — {people} people, {groups} groups, {calendars} calendars read",
                    loaded.org.org.name
                );
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::from(1))
            }
        }
        Command::Plan {
            dir,
            horizon,
            group,
            explain,
            format,
        } => {
            let loaded = load(&dir, horizon.into())?;
            report_inputs(&loaded);
            if let Some(id) = &group {
                check_group(&loaded, id)?;
            }
            let plan = loaded.plan();
            let out = match (explain, format) {
                (true, OutputFormat::Table) => plan::explain(&loaded, &plan, group.as_deref()),
                (true, OutputFormat::Json) => {
                    return Err("--explain prints text; leave out --format json".to_string());
                }
                (false, OutputFormat::Table) => plan::table(&loaded, &plan, group.as_deref()),
                (false, OutputFormat::Json) => plan::json(&loaded, &plan, group.as_deref()),
            };
            print!("{out}");
            Ok(exit_for(&loaded))
        }
        Command::Export { dir, horizon, out } => {
            let loaded = load(&dir, horizon.into())?;
            report_inputs(&loaded);
            let plan = loaded.plan();
            let written = export::write_all(&loaded, &plan, &out)?;
            println!("wrote {written} feeds to {}", out.display());
            Ok(exit_for(&loaded))
        }
        Command::Busy {
            dir,
            member,
            horizon,
            format,
        } => {
            let loaded = load(&dir, horizon.into())?;
            let Some(person) = loaded.org.people.get(&member) else {
                let ids: Vec<&str> = loaded.org.people.keys().map(String::as_str).collect();
                return Err(format!(
                    "error: no member `{member}` in {}{}",
                    dir.display(),
                    text::did_you_mean(&member, &ids)
                ));
            };
            if let Some((_, e)) = loaded.calendar_errors.iter().find(|(id, _)| *id == member) {
                return Err(format!("error: calendar {e}"));
            }
            let out = match format {
                OutputFormat::Table => busy::table(&loaded, person),
                OutputFormat::Json => busy::json(&loaded, person),
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(dir: &std::path::Path, overrides: Overrides) -> Result<Loaded, String> {
    pipeline::load(dir, overrides).map_err(|e| e.to_string())
}

/// Prints calendar errors and warnings to stderr.
fn report_inputs(loaded: &Loaded) {
    for (person, e) in &loaded.calendar_errors {
        eprintln!("error: calendar {e}");
        let groups: Vec<&str> = loaded
            .org
            .groups
            .iter()
            .filter(|g| g.members.contains(person))
            .map(|g| g.id.as_str())
            .collect();
        if !groups.is_empty() {
            eprintln!(
                "  = note: groups of `{person}` are not planned until it reads: {}",
                groups.join(", ")
            );
        }
    }
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
}

fn exit_for(loaded: &Loaded) -> ExitCode {
    if loaded.calendar_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn check_group(loaded: &Loaded, id: &str) -> Result<(), String> {
    if loaded.org.groups.iter().any(|g| g.id == id) {
        return Ok(());
    }
    let ids: Vec<&str> = loaded.org.groups.iter().map(|g| g.id.as_str()).collect();
    Err(format!(
        "error: no group `{id}`{}",
        text::did_you_mean(id, &ids)
    ))
}
