#!/usr/bin/env node
// Reads the calendar of each invitation with ical.js (Thunderbird's parser).
//
// Usage: node itip_events.mjs FILE...
//
// For each FILE (an .ics written by itip_replay.py), in the order given,
// prints ONE line of JSON with sorted keys: method, uid, sequence, start and
// end (UTC, "YYYY-MM-DDTHH:MM:SSZ"), status, organizer and attendees (mailto
// addresses in lower case), summary. Every VTIMEZONE is registered before
// the event is read; a TZID without one is an error (exit status 1).

import { readFileSync } from "node:fs";

import ICAL from "ical.js";

function utc(time, what) {
  const zone = time.zone;
  if (time.isDate || !zone || zone === ICAL.Timezone.localTimezone || zone.tzid === "floating") {
    throw new Error(`${what} is floating, a DATE, or its TZID has no VTIMEZONE`);
  }
  return time.toJSDate().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function mailto(value) {
  const s = String(value);
  return (s.toLowerCase().startsWith("mailto:") ? s.slice(7) : s).toLowerCase();
}

function read(path) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  ICAL.TimezoneService.reset();
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(vtz);
  }
  const vevents = root.getAllSubcomponents("vevent");
  if (vevents.length !== 1) throw new Error(`${vevents.length} VEVENTs`);
  const event = new ICAL.Event(vevents[0]);
  const c = event.component;
  return {
    attendees: c.getAllProperties("attendee").map((p) => mailto(p.getFirstValue())),
    end: utc(event.endDate, "DTEND"),
    method: String(root.getFirstPropertyValue("method")),
    organizer: mailto(c.getFirstPropertyValue("organizer") ?? ""),
    sequence: Number(c.getFirstPropertyValue("sequence") ?? 0),
    start: utc(event.startDate, "DTSTART"),
    status: String(c.getFirstPropertyValue("status") ?? ""),
    summary: String(c.getFirstPropertyValue("summary") ?? ""),
    uid: event.uid,
  };
}

for (const path of process.argv.slice(2)) {
  let result;
  try {
    result = read(path);
  } catch (e) {
    process.stderr.write(`${path}: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
