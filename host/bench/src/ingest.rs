//! `ingest`: read one big calendar and count occurrences in a window, the
//! way `../shared/bench/ics/bench_libical.c` counts them.

use std::time::Instant;

use anyhow::{Context, bail};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use peerwell_core::calendar::read_calendar;
use peerwell_core::model::{ClientFacing, Interval};

/// Runs `ingest FILE [--from D] [--to D] [--tz Z]`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut file = None;
    let mut from = "2026-03-02".to_string();
    let mut to = "2026-05-25".to_string();
    let mut tz = "America/New_York".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || {
            it.next()
                .cloned()
                .with_context(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--from" => from = val()?,
            "--to" => to = val()?,
            "--tz" => tz = val()?,
            f if file.is_none() && !f.starts_with("--") => file = Some(f.to_string()),
            other => bail!("unexpected argument {other}"),
        }
    }
    let file = file.context("ingest needs FILE.ics")?;
    let zone = TimeZone::get(&tz).with_context(|| format!("unknown time zone {tz}"))?;
    let at = |d: &str| -> anyhow::Result<jiff::Timestamp> {
        let date: Date = d.parse().with_context(|| format!("bad date {d}"))?;
        Ok(date.to_zoned(zone.clone())?.timestamp())
    };
    let window = Interval::new(at(&from)?, at(&to)?);
    let t0 = Instant::now();
    let data = std::fs::read(&file).with_context(|| format!("reading {file}"))?;
    let t1 = Instant::now();
    let busy = read_calendar(&file, &data, window, &ClientFacing::All, &zone)?;
    let t2 = Instant::now();
    let events = count_events(&data);
    println!(
        "peerwell {file}: {events} VEVENTs, {} occurrences in window {from}..{to} {tz}, \
         {} warnings; read {:.1} ms, parse+expand {:.1} ms",
        busy.busy.len(),
        busy.warnings.len(),
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
    );
    Ok(())
}

/// VEVENT components in the file (a line scan; not part of the timing).
fn count_events(data: &[u8]) -> usize {
    usize::from(data.starts_with(b"BEGIN:VEVENT"))
        + memchr::memmem::find_iter(data, b"\nBEGIN:VEVENT").count()
}
