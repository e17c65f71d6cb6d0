//! The overview's pictures as SVG text: a group's heatmap and the sessions
//! per week. Plain SVG 1.1 with presentation attributes only (no `style`
//! attribute, no script), so they render under the pages' strict CSP, as
//! files of their own and in print. Every text is escaped.

use std::fmt::Write;

use jiff::civil::Time;
use peerwell_core::schedule::heatmap::{Cell, Heatmap};
use peerwell_core::schedule::weekday_name;

use crate::escape::html as escape;

/// The heatmap's colours, from no member free to every member free
/// (ColorBrewer "Blues", with a warm light grey for none), and the
/// lowest share of free members each stands for.
pub const SCALE: [(&str, &str); 6] = [
    ("#ece6dd", "none free"),
    ("#c6dbef", "up to a quarter"),
    ("#9ecae1", "up to half"),
    ("#4292c6", "up to three quarters"),
    ("#2171b5", "more than three quarters"),
    ("#08306b", "everyone free"),
];

/// Ink for text and the outline; contrast with the background is 16:1.
const INK: &str = "#1d1d1b";

const LEFT: u32 = 50;
const TOP: u32 = 26;
const CELL_W: u32 = 56;
const CELL_H: u32 = 10;
const LEGEND_H: u32 = 76;

/// The colour of a cell: its share of member-weeks free.
pub fn bucket(cell: &Cell) -> usize {
    if cell.of == 0 || cell.free == 0 {
        return 0;
    }
    if cell.free >= cell.of {
        return 5;
    }
    // 1..=4 by quarters of the share (free < of here).
    let q = (u64::from(cell.free) * 4).div_ceil(u64::from(cell.of));
    usize::try_from(q).unwrap_or(4).clamp(1, 4)
}

/// `HH:MM`.
pub fn hhmm(t: Time) -> String {
    t.strftime("%H:%M").to_string()
}

/// The quarter hour after `t`, as `HH:MM` (24:00 at the end of a day).
fn end_of(t: Time) -> String {
    let minutes = i32::from(t.hour()) * 60 + i32::from(t.minute()) + 15;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// What a cell says in words: the hover text and the table's cell.
pub fn cell_text(cell: &Cell, members: u32) -> String {
    if cell.of == 0 {
        return "does not occur (clock change)".to_string();
    }
    let mut out = format!("{} of {} member-weeks free", cell.free, cell.of);
    let weeks = cell.of / members.max(1);
    if weeks > 0 {
        let avg = f64::from(cell.free) / f64::from(weeks);
        let _ = write!(out, " (on average {avg:.1} of {members} members)");
    }
    if !cell.blocks.is_empty() {
        let rules: Vec<String> = cell
            .blocks
            .iter()
            .map(|(rule, n)| format!("{rule} {n}"))
            .collect();
        let _ = write!(out, "; blocked by {}", rules.join(", "));
    }
    out
}

/// The heatmap of one group as a standalone SVG element; `id` prefixes
/// its element ids (unique on a page).
pub fn heatmap(map: &Heatmap, id: &str) -> String {
    let cols = u32::try_from(map.days.len()).unwrap_or(0);
    let rows = u32::try_from(map.times.len()).unwrap_or(0);
    let width = (LEFT + CELL_W * cols + 10).max(330);
    let grid_h = CELL_H * rows;
    let height = TOP + grid_h + 12 + LEGEND_H;
    let id = escape(id);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"system-ui, 'DejaVu Sans', sans-serif\" data-group=\"{g}\">\n\
         <title id=\"{id}-title\">When members of {name} are free</title>\n\
         <desc id=\"{id}-desc\">Member-weeks free per quarter hour over {weeks} weeks, {members} members, times in {zone}. \
         Darker is more members free; the outlined block is the series time. The same numbers are in the table below.</desc>\n\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n",
        g = escape(&map.group),
        name = escape(&map.name),
        weeks = map.weeks,
        members = map.members,
        zone = escape(&map.zone),
    );
    for (d, day) in map.days.iter().enumerate() {
        let x = LEFT + CELL_W * u32::try_from(d).unwrap_or(0) + CELL_W / 2;
        let _ = writeln!(
            out,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"600\" fill=\"{INK}\">{}</text>",
            TOP - 9,
            &weekday_name(*day)[..3]
        );
    }
    for (t, time) in map.times.iter().enumerate() {
        if time.minute() == 0 {
            let y = TOP + CELL_H * u32::try_from(t).unwrap_or(0);
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\" fill=\"{INK}\">{}</text>",
                LEFT - 5,
                y + 8,
                hhmm(*time)
            );
        }
    }
    cells(&mut out, map);
    outline(&mut out, map);
    legend(&mut out, TOP + grid_h + 12);
    out.push_str("</svg>\n");
    out
}

fn cells(out: &mut String, map: &Heatmap) {
    for (d, day) in map.days.iter().enumerate() {
        let x = LEFT + CELL_W * u32::try_from(d).unwrap_or(0);
        for (t, time) in map.times.iter().enumerate() {
            let Some(cell) = map.cells.get(d).and_then(|r| r.get(t)) else {
                continue;
            };
            let y = TOP + CELL_H * u32::try_from(t).unwrap_or(0);
            let (fill, _) = SCALE[bucket(cell)];
            let _ = writeln!(
                out,
                "<rect class=\"cell\" x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{fill}\" \
                 stroke=\"#ffffff\" stroke-width=\"0.5\" data-day=\"{dn}\" data-time=\"{tm}\" data-free=\"{free}\" data-of=\"{of}\">\
                 <title>{day_name} {tm}–{end}: {text}</title></rect>",
                dn = weekday_name(*day).to_lowercase(),
                tm = hhmm(*time),
                free = cell.free,
                of = cell.of,
                day_name = weekday_name(*day),
                end = end_of(*time),
                text = escape(&cell_text(cell, map.members)),
            );
        }
    }
}

/// The series time: a black outline with a white one inside, visible on
/// every colour of the scale.
fn outline(out: &mut String, map: &Heatmap) {
    let Some(series) = map.series else { return };
    let Some(d) = map.days.iter().position(|w| *w == series.weekday) else {
        return;
    };
    let rows: Vec<usize> = map
        .times
        .iter()
        .enumerate()
        .filter(|(_, t)| map.in_series(series.weekday, **t))
        .map(|(i, _)| i)
        .collect();
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return;
    };
    let x = LEFT + CELL_W * u32::try_from(d).unwrap_or(0);
    let y = TOP + CELL_H * u32::try_from(*first).unwrap_or(0);
    let h = CELL_H * u32::try_from(last - first + 1).unwrap_or(0);
    let _ = writeln!(
        out,
        "<g class=\"series\" data-day=\"{dn}\" data-time=\"{tm}\" data-minutes=\"{min}\">\
         <title>Series time: {day} {tm}, {min} minutes</title>\
         <rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{h}\" fill=\"none\" stroke=\"#000000\" stroke-width=\"4\"/>\
         <rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{h}\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"1.5\"/></g>",
        dn = weekday_name(series.weekday).to_lowercase(),
        day = weekday_name(series.weekday),
        tm = hhmm(series.start),
        min = map.duration_minutes,
    );
}

fn legend(out: &mut String, y: u32) {
    let _ = writeln!(
        out,
        "<g class=\"legend\"><text x=\"4\" y=\"{}\" font-size=\"11\" fill=\"{INK}\">Share of member-weeks free:</text>",
        y + 10
    );
    for (i, (fill, label)) in SCALE.iter().enumerate() {
        let col = u32::try_from(i / 3).unwrap_or(0);
        let row = u32::try_from(i % 3).unwrap_or(0);
        let x = 4 + col * 166;
        let yy = y + 18 + row * 17;
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{yy}\" width=\"12\" height=\"12\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"0.5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{INK}\">{label}</text>",
            x + 16,
            yy + 10
        );
    }
    out.push_str("</g>\n");
}

/// Sessions per week of the horizon as a bar chart: `weeks` are (Monday,
/// sessions) pairs.
pub fn week_chart(weeks: &[(jiff::civil::Date, usize)]) -> String {
    const BAR: u32 = 34;
    const PLOT_H: u32 = 110;
    let n = u32::try_from(weeks.len()).unwrap_or(0);
    let width = 40 + BAR * n + 10;
    let height = PLOT_H + 60;
    let max = weeks.iter().map(|w| w.1).max().unwrap_or(0).max(1);
    let summary: Vec<String> = weeks
        .iter()
        .map(|(d, s)| format!("week of {}: {s}", d.strftime("%b %-d")))
        .collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"weeks\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"weeks-title weeks-desc\" \
         font-family=\"system-ui, 'DejaVu Sans', sans-serif\">\n\
         <title id=\"weeks-title\">Sessions per week</title>\n<desc id=\"weeks-desc\">{}</desc>\n\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n\
         <line x1=\"36\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"{INK}\" stroke-width=\"1\"/>\n",
        escape(&summary.join("; ")),
        width - 6,
        base = PLOT_H + 20,
    );
    for (i, (monday, sessions)) in weeks.iter().enumerate() {
        let x = 40 + BAR * u32::try_from(i).unwrap_or(0);
        let h = u32::try_from(*sessions * PLOT_H as usize / max).unwrap_or(PLOT_H);
        let y = PLOT_H + 20 - h;
        let _ = writeln!(
            out,
            "<g class=\"week\" data-week=\"{monday}\" data-sessions=\"{sessions}\"><title>Week of {monday}: {sessions} sessions</title>\
             <rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{h}\" fill=\"#2171b5\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{INK}\">{sessions}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{INK}\">{}</text></g>",
            x + 4,
            BAR - 8,
            x + BAR / 2,
            y.saturating_sub(4).max(10),
            x + BAR / 2,
            PLOT_H + 34,
            monday.strftime("%b %-d"),
        );
    }
    out.push_str("</svg>\n");
    out
}
