#!/usr/bin/env node
// Expands iCalendar feeds with ical.js (Thunderbird's parser).
//
// Usage: node feed_events.mjs FILE...
//
// For each FILE, in the order given, prints ONE line of JSON: a list of the
// events the file's calendar expands to between 1970-01-01 and 2100-01-01,
// sorted by (start, uid), each an object with exactly these keys:
//
//   uid          the UID (string)
//   start, end   the instant in UTC, RFC 3339 "YYYY-MM-DDTHH:MM:SSZ"
//   summary      SUMMARY, unescaped (string, "" when absent)
//   description  DESCRIPTION, unescaped (string, "" when absent)
//   location     LOCATION, unescaped (string, or null when absent)
//   sequence     SEQUENCE (integer, 0 when absent)
//
// Keys are sorted and non-ASCII is written as is (UTF-8), like the twin
// script feed_events.py (icalendar + recurring-ical-events). Every VTIMEZONE
// of a file is registered with ICAL.TimezoneService before its events are
// read; a TZID without a VTIMEZONE, a floating or an all-day time is an
// error. Exit status 1 with a message on stderr when a file cannot be read.

import { readFileSync } from "node:fs";

// ical.js 2.x is an ES module; its package.json "exports" maps "import" to
// dist/ical.js. Resolved from tests/oracles/node_modules (run tests/setup).
import ICAL from "ical.js";

const WIDE_END = ICAL.Time.fromData({ year: 2100, month: 1, day: 1, timezone: "Z" });
const MAX_OCCURRENCES = 100000;

function utc(time, what, uid) {
  if (time.isDate) throw new Error(`${uid}: ${what} is a DATE, not a DATE-TIME`);
  const zone = time.zone;
  if (!zone || zone === ICAL.Timezone.localTimezone || zone.tzid === "floating") {
    throw new Error(`${uid}: ${what} is floating or its TZID has no VTIMEZONE`);
  }
  return time.toJSDate().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

function record(event, start, end) {
  const c = event.component;
  const uid = event.uid ?? "";
  const sequence = c.getFirstPropertyValue("sequence");
  return {
    description: text(c, "description") ?? "",
    end: utc(end, "DTEND", uid),
    location: text(c, "location"),
    sequence: sequence === null ? 0 : Number(sequence),
    start: utc(start, "DTSTART", uid),
    summary: text(c, "summary") ?? "",
    uid,
  };
}

function events(path) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  ICAL.TimezoneService.reset();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  const vevents = root.getAllSubcomponents("vevent");
  // Overrides (RECURRENCE-ID) are attached to their master event.
  const masters = new Map();
  const overrides = [];
  for (const v of vevents) {
    if (v.hasProperty("recurrence-id")) overrides.push(v);
    else masters.set(v.getFirstPropertyValue("uid"), new ICAL.Event(v));
  }
  for (const o of overrides) {
    const master = masters.get(o.getFirstPropertyValue("uid"));
    if (master) master.relateException(o);
    else masters.set(`${o.getFirstPropertyValue("uid")}#${overrides.indexOf(o)}`, new ICAL.Event(o));
  }
  const out = [];
  for (const event of masters.values()) {
    if (!event.isRecurring()) {
      out.push(record(event, event.startDate, event.endDate));
      continue;
    }
    const it = event.iterator();
    for (let n = 0, next; (next = it.next()) && n < MAX_OCCURRENCES; n++) {
      if (next.compare(WIDE_END) >= 0) break;
      const d = event.getOccurrenceDetails(next);
      out.push(record(d.item, d.startDate, d.endDate));
    }
  }
  const key = (e) => [e.start, e.uid];
  out.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  });
  return out;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: node feed_events.mjs FILE...\n");
  process.exit(2);
}
for (const path of files) {
  let result;
  try {
    result = events(path);
  } catch (e) {
    process.stderr.write(`${path}: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
