// gratitude-round: a peerwell group format written in JavaScript.
//
// A short round in which each attendee names one thing that went well and
// one colleague they want to thank. An "opener" starts the round; the role
// rotates fairly among attendees (whoever opened least goes first, ties by
// member order, absentees skipped).
//
// Implements `peerwell:format@0.1.0`, world `plugin` (plugins/wit/format.wit).
// Deterministic: no Math.random, no Date; time comes only from the host's
// `now` import.

import { log, now } from 'peerwell:format/host@0.1.0';

const NAME = 'gratitude-round';
const VERSION = '0.1.0';
const OPENER = 'opener';
/** Prefix of each speaker's agenda item. */
const TURN = 'Turn: ';

const DEFAULT_PROMPT =
  'What went well for you lately, and which colleague do you want to thank?';
const DEFAULT_MINUTES_PER_PERSON = 3;
const MIN_PER_PERSON = 2;
const MAX_PER_PERSON = 10;
const MAX_PROMPT_CHARS = 300;
/** Minutes kept for the opening and the closing together, at least. */
const FRAME_MINUTES = 4;
/** The opening never takes more than this. */
const MAX_OPENING_MINUTES = 5;

const KNOWN_KEYS = ['minutes_per_person', 'prompt'];

const NOTES =
  'Name one thing that went well and one colleague you want to thank. ' +
  'Speak about moments and people, not cases: no patient details. ' +
  'Listeners say nothing but "thank you"; nobody comments or advises.';

// ---------------------------------------------------------------- settings

/** Finds a setting by key in the group's flattened `[settings]` list. */
function findSetting(group, key) {
  return group.settings.find((s) => s.key === key);
}

/** A readable name for a setting value's kind, for diagnostics. */
function kindName(value) {
  if (value.tag === 'scalar') {
    const tag = value.val.tag === 'text' ? 'string' : value.val.tag;
    return /^[aeiou]/.test(tag) ? `an ${tag}` : `a ${tag}`;
  }
  return value.tag === 'array' ? 'an array' : 'a table';
}

/**
 * Reads and checks the group's settings. Returns `{ settings, diagnostics }`;
 * `settings` holds defaults for anything that is missing or invalid.
 */
function readSettings(group) {
  const diagnostics = [];
  const settings = {
    prompt: DEFAULT_PROMPT,
    minutesPerPerson: DEFAULT_MINUTES_PER_PERSON,
  };

  for (const s of group.settings) {
    const top = s.key.split('.')[0];
    if (!KNOWN_KEYS.includes(top)) {
      diagnostics.push({
        key: s.key,
        message: `unknown setting for the ${NAME} format`,
        hint: `known settings: ${KNOWN_KEYS.join(', ')}`,
      });
    }
  }

  const prompt = findSetting(group, 'prompt');
  if (prompt !== undefined) {
    const v = prompt.value;
    if (v.tag !== 'scalar' || v.val.tag !== 'text') {
      diagnostics.push({
        key: 'prompt',
        message: `prompt must be a string, found ${kindName(v)}`,
        hint: `e.g. prompt = "${DEFAULT_PROMPT}"`,
      });
    } else if (v.val.val.trim() === '') {
      diagnostics.push({
        key: 'prompt',
        message: 'prompt must not be empty',
        hint: 'remove the key to use the default prompt',
      });
    } else if (/[\r\n]/.test(v.val.val.trim())) {
      diagnostics.push({
        key: 'prompt',
        message: 'prompt must be a single line',
        hint: 'one short question works best in a round',
      });
    } else if ([...v.val.val].length > MAX_PROMPT_CHARS) {
      diagnostics.push({
        key: 'prompt',
        message: `prompt is longer than ${MAX_PROMPT_CHARS} characters`,
        hint: 'one short question works best in a round',
      });
    } else {
      settings.prompt = v.val.val.trim();
    }
  }

  const mpp = findSetting(group, 'minutes_per_person');
  if (mpp !== undefined) {
    const v = mpp.value;
    const range = `${MIN_PER_PERSON}..=${MAX_PER_PERSON}`;
    if (v.tag !== 'scalar' || v.val.tag !== 'integer') {
      diagnostics.push({
        key: 'minutes_per_person',
        message: `minutes_per_person must be an integer, found ${kindName(v)}`,
        hint: `a whole number of minutes in ${range}, e.g. minutes_per_person = 3`,
      });
    } else {
      // s64 arrives as a BigInt.
      const n = BigInt(v.val.val);
      if (n < BigInt(MIN_PER_PERSON) || n > BigInt(MAX_PER_PERSON)) {
        diagnostics.push({
          key: 'minutes_per_person',
          message: `minutes_per_person is ${n}, outside ${range}`,
          hint: `use a value in ${range}`,
        });
      } else {
        settings.minutesPerPerson = Number(n);
      }
    }
  }

  // The round must fit the duration for the whole group.
  if (!diagnostics.some((d) => d.key === 'minutes_per_person')) {
    const members = group.members.length;
    const needed = members * settings.minutesPerPerson + FRAME_MINUTES;
    if (members > 0 && needed > group.durationMinutes) {
      const fit = Math.floor((group.durationMinutes - FRAME_MINUTES) / members);
      const hint =
        fit >= MIN_PER_PERSON
          ? `set minutes_per_person to at most ${fit}, or lengthen the session to ${needed} minutes`
          : `lengthen the session to at least ${needed} minutes or split the group`;
      diagnostics.push({
        key: mpp === undefined ? '' : 'minutes_per_person',
        message:
          `${members} members × ${settings.minutesPerPerson} minutes plus ` +
          `${FRAME_MINUTES} minutes to open and close need ${needed} minutes, ` +
          `but sessions last ${group.durationMinutes}`,
        hint,
      });
    }
  }

  return { settings, diagnostics };
}

/** Settings for a call that needs valid ones; throws `invalid-settings`. */
function validSettings(group) {
  const { settings, diagnostics } = readSettings(group);
  if (diagnostics.length > 0) {
    const first = diagnostics[0];
    const where = first.key === '' ? 'settings' : `settings.${first.key}`;
    throw { tag: 'invalid-settings', val: `${where}: ${first.message}` };
  }
  return settings;
}

// ---------------------------------------------------------------- planning

/**
 * Picks the opener: the attendee who opened least often in `history`,
 * ties broken by the group's member order. Absentees are never picked.
 */
function pickOpener(members, attendees, history) {
  const opened = new Map();
  for (const past of history) {
    for (const r of past.roles) {
      if (r.role === OPENER) {
        opened.set(r.member, (opened.get(r.member) ?? 0) + 1);
      }
    }
  }
  const present = new Set(attendees);
  let best;
  let bestCount = Infinity;
  // Member order first, then any attendee the member list lacks (in
  // attendee order), so that ties resolve the same way every time.
  const order = members.filter((m) => present.has(m));
  for (const a of attendees) {
    if (!order.includes(a)) order.push(a);
  }
  for (const m of order) {
    const c = opened.get(m) ?? 0;
    if (c < bestCount) {
      best = m;
      bestCount = c;
    }
  }
  return best;
}

/** Attendees in speaking order: the opener, then member order, wrapping. */
function speakingOrder(attendees, opener) {
  const i = attendees.indexOf(opener);
  return attendees.slice(i).concat(attendees.slice(0, i));
}

/** First name of a member id, falling back to the id. */
function firstName(members, id) {
  const m = members.find((x) => x.id === id);
  return m !== undefined && m.firstName !== '' ? m.firstName : id;
}

/**
 * Timed phases that add up exactly to `duration`: an opening, one turn per
 * speaker, a closing. `validate` makes sure the whole group fits.
 */
function buildAgenda(duration, speakers, names, settings) {
  const n = speakers.length;
  const turn = settings.minutesPerPerson;
  if (n * turn + FRAME_MINUTES > duration) {
    throw {
      tag: 'cannot-plan',
      val:
        `${n} attendees × ${turn} minutes do not fit a ${duration}-minute round ` +
        `with ${FRAME_MINUTES} minutes to open and close`,
    };
  }
  const rest = duration - n * turn;
  const opening = Math.min(MAX_OPENING_MINUTES, Math.floor(rest / 2));
  const closing = rest - opening;

  const agenda = [
    {
      minutes: opening,
      title: 'Opening',
      detail: `${names[0]} opens and reads the prompt: "${settings.prompt}"`,
    },
  ];
  speakers.forEach((id, i) => {
    agenda.push({
      minutes: turn,
      title: `${TURN}${names[i]}`,
      detail: 'One thing that went well, and one colleague to thank.',
    });
  });
  agenda.push({
    minutes: closing,
    title: 'Closing',
    detail: 'A moment of quiet; the opener thanks everyone and closes.',
  });
  return agenda;
}

function planSession(request) {
  const { group, attendees, history, members } = request;
  const settings = validSettings(group);
  if (attendees.length === 0) {
    throw { tag: 'cannot-plan', val: 'nobody can attend this session' };
  }
  const opener = pickOpener(group.members, attendees, history);
  const speakers = speakingOrder(attendees, opener);
  const names = speakers.map((id) => firstName(members, id));
  log(
    'debug',
    `session ${request.index} of ${group.id}: opener ${opener}, ` +
      `${attendees.length} attending, ${request.absentees.length} absent`,
  );
  return {
    title: `Gratitude round · ${group.name}`,
    agenda: buildAgenda(group.durationMinutes, speakers, names, settings),
    roles: [{ role: OPENER, member: opener }],
    notes: `Prompt: ${settings.prompt}\n${NOTES}`,
    deadlines: [],
  };
}

// ---------------------------------------------------------------- reminders

const pad2 = (n) => String(n).padStart(2, '0');
const fmtDate = (d) => `${d.year}-${pad2(d.month)}-${pad2(d.day)}`;
const fmtTime = (t) => `${pad2(t.hour)}:${pad2(t.minute)}`;

/** Days from civil date `a` to `b` (proleptic Gregorian). */
function daysBetween(a, b) {
  return dayNumber(b) - dayNumber(a);
}

/** Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
function dayNumber(d) {
  const y = d.month <= 2 ? d.year - 1 : d.year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (d.month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** "today", "tomorrow" or "on 2025-03-14", as of the host's planning moment. */
function when(date) {
  const days = daysBetween(now().localDate, date);
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `on ${fmtDate(date)}`;
}

function composeReminder(request) {
  const { group, kind, plan } = request;
  const opener = plan.roles.find((r) => r.role === OPENER);
  const slot = `${fmtTime(request.start)}–${fmtTime(request.end)}`;
  const promptLine = plan.notes.split('\n')[0];
  if (kind.tag === 'upcoming') {
    const openerLine =
      opener === undefined
        ? ''
        : opener.member === request.recipient
          ? 'You open the round this time.\n'
          : `${openerName(plan)} opens the round.\n`;
    return {
      subject: `Gratitude round ${when(request.date)} at ${fmtTime(request.start)} · ${group.name}`,
      body:
        `Hi ${request.recipientFirstName},\n\n` +
        `${group.name} meets ${when(request.date)}, ${slot}, for a gratitude round.\n` +
        openerLine +
        'Bring one thing that went well and one colleague you want to thank.\n' +
        `${promptLine}\n`,
    };
  }
  if (kind.tag === 'role-notice') {
    if (kind.val === OPENER) {
      return {
        subject: `You open the gratitude round on ${fmtDate(request.date)} · ${group.name}`,
        body:
          `Hi ${request.recipientFirstName},\n\n` +
          `you open ${group.name}'s gratitude round on ${fmtDate(request.date)}, ${slot}.\n` +
          'Welcome everyone, read the prompt aloud, take your own turn first, ' +
          'then pass to the next person. Keep time gently and close with thanks.\n' +
          `${promptLine}\n`,
      };
    }
    return {
      subject: `Your role on ${fmtDate(request.date)}: ${kind.val} · ${group.name}`,
      body:
        `Hi ${request.recipientFirstName},\n\n` +
        `you are ${kind.val} at ${group.name}'s gratitude round on ` +
        `${fmtDate(request.date)}, ${slot}.\n`,
    };
  }
  return undefined;
}

/** The opener's first name: the plan's first turn is the opener's. */
function openerName(plan) {
  const turn = plan.agenda.find((a) => a.title.startsWith(TURN));
  return turn === undefined ? 'The opener' : turn.title.slice(TURN.length);
}

// ---------------------------------------------------------------- exports

/**
 * Wraps a call that returns a WIT `result`: a thrown format-error stays as
 * it is (the bindings turn it into `err`), a JavaScript exception (a bug)
 * becomes `err(internal(...))` instead of a trap.
 */
function guarded(f) {
  return (arg) => {
    try {
      return f(arg);
    } catch (e) {
      if (e instanceof Error) {
        throw { tag: 'internal', val: `${NAME} ${VERSION}: ${e.name}: ${e.message}` };
      }
      throw e;
    }
  };
}

/** The `format` interface of `peerwell:format@0.1.0`. */
export const format = {
  describe() {
    return {
      name: NAME,
      version: VERSION,
      summary:
        'A short round: each attendee names one thing that went well and one colleague to thank.',
      settings: [
        {
          key: 'minutes_per_person',
          kind: `integer ${MIN_PER_PERSON}..=${MAX_PER_PERSON}`,
          default: String(DEFAULT_MINUTES_PER_PERSON),
          doc: 'Minutes each attendee speaks in the round.',
        },
        {
          key: 'prompt',
          kind: 'string',
          default: JSON.stringify(DEFAULT_PROMPT),
          doc: 'The question the opener reads to start the round.',
        },
      ],
      sdkVersion: undefined,
    };
  },

  validate(group) {
    return readSettings(group).diagnostics;
  },

  requirements: guarded((group) => {
    validSettings(group);
    return {
      durationMinutes: group.durationMinutes,
      cadence: group.cadence,
      quorum: Math.max(group.quorum, 2),
      requiredRoles: group.requiredRoles,
      window: undefined,
      minSize: 2,
      maxSize: group.sizeLimit,
    };
  }),

  planSession: guarded(planSession),

  /**
   * The whole series in one call: each session planned as `planSession`
   * would, its history the fixed sessions and the ones planned before it.
   */
  planSeries(request) {
    const { group, members, items } = request;
    const history = [];
    const plans = [];
    for (const item of items) {
      if (item.tag === 'fixed') {
        history.push(item.val);
        continue;
      }
      const s = item.val;
      let plan;
      try {
        plan = guarded(planSession)({
          group,
          index: s.index,
          date: s.date,
          start: s.start,
          attendees: s.attendees,
          absentees: s.absentees,
          history,
          members,
        });
      } catch (error) {
        return { plans, error };
      }
      history.push({ date: s.date, attendees: s.attendees, roles: plan.roles });
      plans.push(plan);
    }
    return { plans, error: undefined };
  },

  /** The whole group meets: `ok(none)`. */
  partition: guarded(() => undefined),

  composeReminder: guarded(composeReminder),
};
