//! What the command line accepts: the commands, their arguments and help.
//! `super` runs them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::pipeline::Overrides;

#[derive(Debug, Parser)]
#[command(
    name = "peerwell",
    version,
    about = "Protected peer-support time for people who work with trauma",
    long_about = "peerwell reads HR's policy files and members' calendars (busy time only), \
                  finds recurring times that avoid everyone's client sessions, and writes \
                  iCalendar feeds."
)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
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
        #[command(flatten)]
        state: StateArgs,
        /// Only this group.
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        /// Say why a group got no time or misses weeks: which members, weeks and rules
        /// block the best candidate times.
        #[arg(long)]
        explain: bool,
        /// With --explain --group ID: also write the group's heatmap (members free
        /// per quarter hour, the series time outlined) to FILE as SVG.
        #[arg(long, value_name = "FILE", requires_all = ["explain", "group"])]
        svg: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Plan stably, record the plan as published, and write
    /// OUT/groups/<group-id>.ics and OUT/members/<member-id>.ics.
    Export {
        dir: PathBuf,
        #[command(flatten)]
        horizon: HorizonArgs,
        #[command(flatten)]
        state: StateArgs,
        /// Output folder (created if missing).
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
    },
    /// Write the HR overview as files: OUT/index.html (organization, groups,
    /// heatmaps beside their explanations, subscribe links) and each picture as SVG.
    /// Reads the state; writes nothing to it.
    Report(ReportArgs),
    /// Show what the next export would change against the published plan,
    /// without writing anything.
    Diff {
        dir: PathBuf,
        #[command(flatten)]
        horizon: HorizonArgs,
        #[command(flatten)]
        state: StateArgs,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Preview the reminders and role notices the next session of each group
    /// gives rise to (subject and full text), or with --invitations the
    /// calendar invitations the next pass would queue, without sending
    /// anything.
    Reminders {
        dir: PathBuf,
        #[command(flatten)]
        horizon: HorizonArgs,
        #[command(flatten)]
        state: StateArgs,
        /// Only this group.
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        /// Every session still ahead, not only each group's next one.
        #[arg(long)]
        all: bool,
        /// Instead of reminders, the calendar invitations (REQUEST, CANCEL)
        /// the next pass would queue for members on invitations.
        #[arg(long)]
        invitations: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// List the absences members declared with their "I can't make it" link
    /// and those HR recorded: group, session, member, when and how.
    Absences {
        dir: PathBuf,
        /// Only this member's.
        #[arg(long, value_name = "ID")]
        member: Option<String>,
        /// Only this group's.
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        #[command(flatten)]
        state: StateArgs,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Record or remove a member's absence from one session, for HR; the next
    /// planning pass treats the member as absent (roles pass on, quorum is
    /// checked again).
    Absence {
        #[command(subcommand)]
        command: AbsenceCommand,
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
    /// Run the daemon: plan the policy folder, keep the plan current, serve
    /// feeds and subscribe pages over HTTP and send reminders.
    Serve {
        dir: PathBuf,
        /// Address to listen on (port 0 picks a free port; the address is printed).
        /// Beats $PEERWELL_LISTEN and `listen` in [server] (default 127.0.0.1:8440).
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<std::net::SocketAddr>,
        /// Start the daemon's clock at this moment, RFC 3339, and let it run from
        /// there (for trials and tests; default: the system clock).
        #[arg(long, value_name = "RFC3339")]
        now: Option<Timestamp>,
    },
    /// List every group's and member's feed URL with its token, and the
    /// subscribe page to hand to members (tokens are created when missing).
    Feeds {
        dir: PathBuf,
        /// Base of the URLs (default: $PEERWELL_PUBLIC_URL, else http://127.0.0.1:8440).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Folder of the planning state, which holds the tokens.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Revoke or rotate feed tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// List the reminder outbox: every message's state, attempts, last error and
    /// due time (never its text), with counts per state.
    Outbox {
        dir: PathBuf,
        /// Folder of the state file (default: $PEERWELL_DATA_DIR, else `data_dir` in
        /// peerwell.toml, else .peerwell in the policy folder).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Only messages that failed for good.
        #[arg(long)]
        failed: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Copy the planning state into PostgreSQL, or check it.
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Work with WebAssembly format plugins.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum PluginCommand {
    /// Load a plugin, show its interface version and describe() output, and run
    /// every call against a built-in sample group within the limits; with
    /// --policy, also against each group of that policy folder that uses it.
    Check {
        /// The plugin's .wasm file.
        file: PathBuf,
        /// A policy folder whose `[plugins.<name>]` names FILE: its groups
        /// on that format are validated and planned with their real settings.
        #[arg(long, value_name = "DIR")]
        policy: Option<PathBuf>,
        /// Wall-clock deadline per call, in milliseconds.
        #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
        timeout_ms: u64,
        /// Fuel per call.
        #[arg(long, value_name = "N", default_value_t = 500_000_000, value_parser = clap::value_parser!(u64).range(1_000..=1_000_000_000_000))]
        fuel: u64,
        /// Memory cap, in MiB.
        #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
        memory_mib: u64,
        /// Output cap per call, in KiB.
        #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=65_536))]
        output_kib: u64,
    },
    /// Scaffold a plugin crate NAME from the SDK's template; it builds as it is
    /// (`./build`) and passes `peerwell plugin check`.
    New {
        /// The format's name: lowercase letters, digits and hyphens.
        name: String,
        /// Folder to create NAME in (default: the current folder).
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// An SDK folder to depend on (default: the crate gets its own copy of
        /// this release's SDK in NAME/sdk).
        #[arg(long, value_name = "PATH")]
        sdk: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum StateCommand {
    /// Copy the policy folder's planning state (state.sqlite3 in the data
    /// directory, or the database $PEERWELL_STATE_URL names) into an empty
    /// PostgreSQL database, then verify every row on both sides. The source
    /// is only read; stop `peerwell serve` first.
    Migrate {
        dir: PathBuf,
        /// The target, postgres://USER@HOST:PORT/DATABASE?sslmode=…, without a
        /// password (that comes from $PEERWELL_STATE_PASSWORD or a .pgpass file).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Folder of the state file to copy (default: as every command reads it).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Report the state's schema version, counts and integrity; exit 1 when
    /// anything is wrong. Reads only.
    Check {
        dir: PathBuf,
        /// Folder of the state file (default: as every command reads it).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum TokensCommand {
    /// Revoke a token (its feed URL and subscribe page stop working), or the
    /// active token of a group's or member's feed.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["token", "group", "member"])))]
    Revoke {
        dir: PathBuf,
        /// The token (the part of the feed URL before `.ics`).
        token: Option<String>,
        /// The group whose feed token to revoke.
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        /// The member whose feed token to revoke.
        #[arg(long, value_name = "ID")]
        member: Option<String>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Give a group's or member's feed a new token; the old one is revoked.
    #[command(group(clap::ArgGroup::new("target").required(true).args(["group", "member"])))]
    Rotate {
        dir: PathBuf,
        #[arg(long, value_name = "ID")]
        group: Option<String>,
        #[arg(long, value_name = "ID")]
        member: Option<String>,
        /// Base of the printed URL (default: $PEERWELL_PUBLIC_URL, else http://127.0.0.1:8440).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// `peerwell report`'s arguments.
#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    pub(super) dir: PathBuf,
    #[command(flatten)]
    pub(super) horizon: HorizonArgs,
    #[command(flatten)]
    pub(super) state: StateArgs,
    /// Output folder (created if missing).
    #[arg(long, value_name = "OUT")]
    pub(super) out: PathBuf,
    /// Base of the subscribe links (default: as `peerwell feeds`).
    #[arg(long, value_name = "URL")]
    pub(super) base_url: Option<String>,
}

#[derive(Debug, clap::Args, Clone, Copy, Default)]
pub(super) struct HorizonArgs {
    /// Number of weeks to plan (default: `horizon_weeks` in peerwell.toml).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=104))]
    pub(super) weeks: Option<u32>,
    /// First day of the horizon, YYYY-MM-DD (default: `start` in peerwell.toml, else today).
    ///
    /// A week after the last published one (with no published state, after
    /// the default horizon) is planned after the horizons up to it (in
    /// memory), so roles rotate on from them: the cost grows linearly with
    /// the number of horizons in between.
    #[arg(long, value_name = "DATE")]
    pub(super) from: Option<Date>,
}

impl From<HorizonArgs> for Overrides {
    fn from(a: HorizonArgs) -> Self {
        Overrides {
            from: a.from,
            weeks: a.weeks,
            now: None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum AbsenceCommand {
    /// Record that MEMBER cannot come to SESSION.
    Add {
        dir: PathBuf,
        /// The member's id.
        member: String,
        /// The session: its group and its date in the group's zone, as `plan`
        /// shows it, e.g. morning-walk/2026-03-03.
        #[arg(value_name = "GROUP/DATE")]
        session: String,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Remove MEMBER's absence from SESSION: they are expected again.
    Remove {
        dir: PathBuf,
        /// The member's id.
        member: String,
        /// The session, as for `absence add`.
        #[arg(value_name = "GROUP/DATE")]
        session: String,
        #[command(flatten)]
        state: StateArgs,
    },
}

/// Options of the commands that read the planning state.
#[derive(Debug, clap::Args, Clone)]
pub(super) struct StateArgs {
    /// The current time, RFC 3339 (e.g. 2026-03-02T08:00:00-05:00; default: the
    /// clock). It decides the freeze window and which sessions are past.
    #[arg(long, value_name = "RFC3339")]
    pub(super) now: Option<Timestamp>,
    /// Folder of the planning state, state.sqlite3 (default: $PEERWELL_DATA_DIR,
    /// else `data_dir` in peerwell.toml, else .peerwell in the policy folder).
    #[arg(long, value_name = "DIR")]
    pub(super) data_dir: Option<PathBuf>,
}

impl StateArgs {
    pub(super) fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(Timestamp::now)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum OutputFormat {
    Table,
    Json,
}
