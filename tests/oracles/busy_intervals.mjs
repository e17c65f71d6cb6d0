#!/usr/bin/env node
// Busy intervals of ICS files, by ical.js (Thunderbird's parser): the twin
// of busy_intervals.py (icalendar + recurring-ical-events), same contract.
//
// Usage: node busy_intervals.mjs MANIFEST.json
// MANIFEST: {"start": "<RFC 3339 UTC>", "end": "<RFC 3339 UTC>",
//            "files": [{"path": "...", "tz": "<IANA zone for floating/DATE>"}]}
// Prints one JSON object: {path: [[start_epoch_s, end_epoch_s], ...] sorted}
// or {path: {"error": "<what>"}} when the oracle cannot read a file.
//
// Busy means what peerwell's read_calendar means: every VEVENT occurrence
// overlapping [start, end) with a positive length, except STATUS:CANCELLED
// and TRANSP:TRANSPARENT; DATE values are read in "tz" (an all-day event is
// busy from local midnight to local midnight).
//
// What this script adds around ical.js, and why:
// - Time zones. ical.js knows only the zones registered with it (Thunderbird
//   ships its own database). Every VTIMEZONE of a file is registered under
//   its TZID, so a file's own definition wins over any name lookup. A TZID
//   the file does not define is looked up like recurring-ical-events does:
//   an IANA name (Node's time zone data, case-insensitively) or a Windows
//   name (table below); a VTIMEZONE is built from that zone's transitions
//   (2024-2028) and registered under the TZID as written.
// - Floating date-times are read in the calendar's X-WR-TIMEZONE when it has
//   one (peerwell's documented rule; recurring-ical-events does the same
//   through x-wr-timezone), else in "tz". DATE values stay in "tz".
// - Revisions: of several components with one UID and one RECURRENCE-ID (or
//   none), only the one with the highest SEQUENCE is kept (the first on a
//   tie), as recurring-ical-events does and peerwell's documented rule says;
//   ical.js itself would expand every revision.
// - Damage peerwell's documented rules read leniently (README, calendar
//   section: a defect never refuses the whole calendar) is repaired before
//   ical.js sees a file, the same way as in busy_intervals.py: a UTF-8
//   byte-order mark is dropped, CR-only line ends become CRLF, anything
//   after END:VCALENDAR is dropped, empty RRULE:/RDATE:/EXDATE: lines are
//   dropped, and a COUNT below 1 beside an UNTIL is dropped.
// Nothing else is adapted: where ical.js reads a file differently from
// recurring-ical-events, the test sees it.

import { readFileSync } from "node:fs";

import ICAL from "ical.js";

const MAX_ITERATIONS = 2000000;

const WINDOWS_ZONES = {
  "eastern standard time": "America/New_York",
  "central standard time": "America/Chicago",
  "mountain standard time": "America/Denver",
  "pacific standard time": "America/Los_Angeles",
  "gmt standard time": "Europe/London",
  "w. europe standard time": "Europe/Berlin",
  "romance standard time": "Europe/Paris",
  "central europe standard time": "Europe/Budapest",
  "aus eastern standard time": "Australia/Sydney",
  "tokyo standard time": "Asia/Tokyo",
  "india standard time": "Asia/Kolkata",
  "utc": "UTC",
};

const formatters = new Map();

function formatter(zone) {
  if (!formatters.has(zone)) {
    formatters.set(
      zone,
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      }),
    );
  }
  return formatters.get(zone);
}

/** Offset of `zone` from UTC at epoch second `t`, in seconds. */
function offsetAt(zone, t) {
  const p = {};
  for (const part of formatter(zone).formatToParts(new Date(t * 1000))) p[part.type] = part.value;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) / 1000;
  return wall - t;
}

/** Epoch second of a wall time in `zone` (generated times avoid gaps and folds). */
function wallToEpoch(zone, y, mo, d, h, mi, s) {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  const t = wall - offsetAt(zone, wall);
  return wall - offsetAt(zone, t);
}

/** A canonical IANA name for `tzid`, or null. */
function ianaName(tzid) {
  const win = WINDOWS_ZONES[tzid.toLowerCase()];
  if (win) return win;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: tzid }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function stamp(t) {
  return new Date(t * 1000).toISOString().replace(/[-:]/g, "").slice(0, 15);
}

function hhmm(off) {
  const a = Math.abs(off);
  const two = (n) => String(n).padStart(2, "0");
  return `${off < 0 ? "-" : "+"}${two(Math.floor(a / 3600))}${two(Math.floor(a / 60) % 60)}`;
}

const built = new Map();

/** A VTIMEZONE for `zone` named `tzid`, from its transitions in 2024-2028. */
function builtTimezone(tzid, zone) {
  const key = `${tzid}\u0000${zone}`;
  if (!built.has(key)) built.set(key, buildTimezone(tzid, zone));
  return built.get(key);
}

function buildTimezone(tzid, zone) {
  const from = Date.UTC(2024, 0, 1) / 1000;
  const to = Date.UTC(2028, 0, 1) / 1000;
  const first = offsetAt(zone, from);
  const lines = ["BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", `TZID:${tzid}`];
  const part = (at, a, b) => {
    lines.push("BEGIN:STANDARD", `DTSTART:${stamp(at + a)}`);
    lines.push(`TZOFFSETFROM:${hhmm(a)}`, `TZOFFSETTO:${hhmm(b)}`, "END:STANDARD");
  };
  part(0, first, first);
  let prev = first;
  for (let t = from; t < to; t += 6 * 3600) {
    const off = offsetAt(zone, t + 6 * 3600);
    if (off === prev) continue;
    let lo = t;
    let hi = t + 6 * 3600;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    part(hi, prev, off);
    prev = off;
  }
  lines.push("END:VTIMEZONE", "END:VCALENDAR");
  const root = new ICAL.Component(ICAL.parse(lines.join("\r\n") + "\r\n"));
  return new ICAL.Timezone(root.getFirstSubcomponent("vtimezone"));
}

/** Registers the file's VTIMEZONEs, then a built one for each other TZID. */
function registerZones(root) {
  ICAL.TimezoneService.reset();
  const own = new Set();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    const tzid = vtz.getFirstPropertyValue("tzid");
    if (!tzid) continue;
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz), tzid);
    own.add(tzid);
  }
  const wanted = new Set();
  const walk = (c) => {
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter("tzid");
      if (typeof tzid === "string") wanted.add(tzid);
    }
    for (const s of c.getAllSubcomponents()) if (s.name !== "vtimezone") walk(s);
  };
  walk(root);
  for (const tzid of wanted) {
    if (own.has(tzid)) continue;
    const zone = ianaName(tzid);
    if (zone) ICAL.TimezoneService.register(builtTimezone(tzid, zone), tzid);
  }
}

function isFloating(t) {
  const z = t.zone;
  return !z || z === ICAL.Timezone.localTimezone || z.tzid === "floating";
}

function instant(t, floating, dates) {
  if (t.isDate) return wallToEpoch(dates, t.year, t.month, t.day, 0, 0, 0);
  if (isFloating(t)) return wallToEpoch(floating, t.year, t.month, t.day, t.hour, t.minute, t.second);
  return t.toUnixTime();
}

function sequence(c) {
  const s = Number(c.getFirstPropertyValue("sequence"));
  return Number.isFinite(s) ? s : 0;
}

/** Newest revision per (UID, RECURRENCE-ID), in file order. */
function newest(vevents) {
  const best = new Map();
  vevents.forEach((v, i) => {
    const rid = v.getFirstProperty("recurrence-id");
    const key = `${v.getFirstPropertyValue("uid")}\u0000${rid ? rid.toICALString() : ""}`;
    const seen = best.get(key);
    if (!seen || sequence(v) > sequence(seen.v)) best.set(key, { v, i });
  });
  return [...best.values()].sort((a, b) => a.i - b.i).map((x) => x.v);
}

function isFree(c) {
  const status = String(c.getFirstPropertyValue("status") ?? "").toUpperCase();
  const transp = String(c.getFirstPropertyValue("transp") ?? "").toUpperCase();
  return status === "CANCELLED" || transp === "TRANSPARENT";
}

function events(root) {
  const masters = new Map();
  const loose = [];
  const overrides = [];
  for (const v of newest(root.getAllSubcomponents("vevent"))) {
    if (v.hasProperty("recurrence-id")) overrides.push(v);
    else masters.set(v.getFirstPropertyValue("uid"), new ICAL.Event(v));
  }
  for (const o of overrides) {
    const master = masters.get(o.getFirstPropertyValue("uid"));
    if (master) master.relateException(o);
    else loose.push(new ICAL.Event(o));
  }
  return [...masters.values(), ...loose];
}

const EMPTY = /^(RRULE|RDATE|EXDATE)(;[^:]*)?:[ \t]*$/i;
const BAD_COUNT = /;?COUNT=(-\d+|0+)(?=;|$)/i;

/** The file's text with the damage peerwell reads leniently repaired. */
function repaired(text) {
  const out = [];
  for (let line of text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)) {
    if (EMPTY.test(line)) continue;
    if (/^RRULE:/i.test(line) && /UNTIL=/i.test(line)) {
      line = line.replace(BAD_COUNT, "").replace(":;", ":");
    }
    out.push(line);
    if (line.trim().toUpperCase() === "END:VCALENDAR") break;
  }
  return out.join("\r\n") + "\r\n";
}

function busy(path, memberZone, lo, hi) {
  const root = new ICAL.Component(ICAL.parse(repaired(readFileSync(path, "utf8"))));
  registerZones(root);
  const wr = root.getFirstPropertyValue("x-wr-timezone");
  const floating = (wr && ianaName(String(wr))) || memberZone;
  const out = new Map();
  const add = (item, s, e) => {
    if (isFree(item.component)) return;
    const a = instant(s, floating, memberZone);
    const b = instant(e, floating, memberZone);
    if (a < b && a < hi && b > lo) out.set(`${a},${b}`, [a, b]);
  };
  // Occurrences this far outside the window cannot reach it, even moved
  // by an override (generated moves are at most a day and some hours).
  const skip = lo - 14 * 86400;
  const stop = hi + 3 * 86400;
  for (const event of events(root)) {
    if (!event.isRecurring()) {
      add(event, event.startDate, event.endDate);
      continue;
    }
    const it = event.iterator();
    let n = 0;
    for (let next; (next = it.next()); ) {
      if (++n > MAX_ITERATIONS) throw new Error("capped");
      const at = next.toUnixTime();
      if (at > stop) break;
      if (at < skip && !event.exceptions[next.toString()]) continue;
      const d = event.getOccurrenceDetails(next);
      add(d.item, d.startDate, d.endDate);
    }
  }
  return [...out.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function main() {
  const manifest = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const lo = Date.parse(manifest.start) / 1000;
  const hi = Date.parse(manifest.end) / 1000;
  const result = {};
  for (const item of manifest.files) {
    try {
      result[item.path] = busy(item.path, item.tz, lo, hi);
    } catch (e) {
      result[item.path] = { error: (e && e.name) || "Error" };
    }
  }
  const sorted = {};
  for (const k of Object.keys(result).sort()) sorted[k] = result[k];
  process.stdout.write(JSON.stringify(sorted));
}

main();
