// Native test of the gratitude-round component: builds it with ./build,
// transpiles the .wasm with jco (offline) and runs it in node with a fake
// host (`log`, `now`). Run: `node plugins/js-example/test.mjs` (any folder).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';

const here = dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------ load the plugin

const built = spawnSync(join(here, 'build'), { stdio: ['ignore', 'pipe', 'inherit'] });
assert.equal(built.status, 0, 'plugins/js-example/build failed');
const wasmPath = built.stdout.toString().trim();
assert.match(wasmPath, /^\/.*\/plugins\/target\/js\/js_example\.wasm$/);

const work = mkdtempSync(join(tmpdir(), 'peerwell-js-example-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const { files } = await transpile(readFileSync(wasmPath), {
  name: 'plugin',
  instantiation: 'async',
  typescript: false,
  quiet: true,
});
for (const [name, bytes] of Object.entries(files)) {
  mkdirSync(dirname(join(work, name)), { recursive: true });
  writeFileSync(join(work, name), bytes);
}
const { instantiate } = await import(pathToFileURL(join(work, 'plugin.js')).href);

/** What the fake host saw and answers. */
const host = { logs: [], today: { year: 2025, month: 3, day: 10 } };
const imports = {
  'peerwell:format/types': {},
  'peerwell:format/host': {
    log(level, message) {
      host.logs.push({ level, message });
    },
    now() {
      return {
        unixSeconds: 0n,
        localDate: host.today,
        localTime: { hour: 9, minute: 0 },
      };
    },
  },
};
// jco looks imports up with and without the version suffix.
for (const k of Object.keys(imports)) imports[`${k}@0.1.0`] = imports[k];
const plugin = await instantiate(
  (path) => WebAssembly.compile(readFileSync(join(work, path))),
  imports,
);
const format = plugin.format ?? plugin['peerwell:format/format@0.1.0'];
assert.ok(format, `no format export; exports: ${Object.keys(plugin)}`);

// ------------------------------------------------------------ fixtures

const text = (s) => ({ tag: 'scalar', val: { tag: 'text', val: s } });
const int = (n) => ({ tag: 'scalar', val: { tag: 'integer', val: BigInt(n) } });

function group(settings = [], over = {}) {
  return {
    id: 'thanks',
    name: 'Thanks circle',
    format: 'gratitude-round',
    members: ['ana', 'ben', 'cai', 'dee'],
    cadence: { tag: 'weekly' },
    durationMinutes: 30,
    days: ['tuesday'],
    earliest: { hour: 12, minute: 0 },
    latest: { hour: 14, minute: 0 },
    quorum: 3,
    requiredRoles: [],
    purpose: '',
    boundaries: '',
    sizeLimit: 8,
    timeZone: 'Europe/London',
    settings,
    ...over,
  };
}

const members = ['ana', 'ben', 'cai', 'dee'].map((id) => ({
  id,
  firstName: id[0].toUpperCase() + id.slice(1),
  tags: [],
  site: undefined,
  startDate: undefined,
}));

function request(g, index, absentees, history) {
  return {
    group: g,
    index,
    date: { year: 2025, month: 3, day: 11 + 7 * index },
    start: { hour: 12, minute: 30 },
    attendees: g.members.filter((m) => !absentees.includes(m)),
    absentees,
    history,
    members,
  };
}

/** Calls `f`, expecting the plugin to return `err(e)`; returns `e`. */
function expectErr(f) {
  try {
    f();
  } catch (e) {
    assert.ok('payload' in e, `expected a format-error, got ${e}`);
    return e.payload;
  }
  assert.fail('expected err(...)');
}

const tests = [];
const test = (name, f) => tests.push({ name, f });

// ------------------------------------------------------------ tests

test('describe names the format and its two settings', () => {
  const info = format.describe();
  assert.equal(info.name, 'gratitude-round');
  assert.deepEqual(
    info.settings.map((s) => [s.key, s.kind]),
    [
      ['minutes_per_person', 'integer 2..=10'],
      ['prompt', 'string'],
    ],
  );
  assert.equal(info.settings[0].default, '3');
  assert.match(info.settings[1].default, /^"What went well .*\?"$/);
  assert.equal(info.sdkVersion, undefined);
});

test('opener rotates fairly across absences', () => {
  const g = group();
  // Absentees per session, and the opener each session must get:
  // least openings first, ties by member order, absentees skipped.
  const weeks = [
    [[], 'ana'], // all 0: member order
    [['ben'], 'cai'], // ben 0 but absent; cai next with 0
    [[], 'ben'], // ben and dee 0: ben first
    [['dee'], 'ana'], // dee 0 but absent; ana, ben, cai 1: ana
    [[], 'dee'], // dee still 0
    [['ana', 'ben'], 'cai'], // cai and dee 1, ana/ben absent
    [[], 'ben'], // ana 2, ben 1, cai 2, dee 1: ben
  ];
  const history = [];
  const openers = [];
  weeks.forEach(([absent], i) => {
    const req = request(g, i, absent, history.slice());
    const plan = format.planSession(req);
    const opener = plan.roles.find((r) => r.role === 'opener');
    assert.ok(opener, `session ${i} has no opener`);
    assert.ok(!absent.includes(opener.member), `session ${i}: absent ${opener.member} opens`);
    openers.push(opener.member);
    history.push({ date: req.date, attendees: req.attendees, roles: plan.roles });
  });
  assert.deepEqual(openers, weeks.map(([, who]) => who));
});

test('planSeries gives the plans of planSession one by one, after fixed sessions', () => {
  const g = group();
  const fixed = { date: { year: 2025, month: 3, day: 4 }, attendees: g.members, roles: [{ role: 'opener', member: 'ana' }] };
  const absences = [['ben'], [], ['dee'], []];
  const items = [{ tag: 'fixed', val: fixed }];
  absences.forEach((absent, i) => {
    const r = request(g, i + 1, absent, []);
    items.push({ tag: 'plan', val: { index: r.index, date: r.date, start: r.start, attendees: r.attendees, absentees: r.absentees } });
  });
  const out = format.planSeries({ group: g, members, items });
  assert.equal(out.error, undefined);
  const history = [fixed];
  absences.forEach((absent, i) => {
    const req = request(g, i + 1, absent, history.slice());
    const plan = format.planSession(req);
    assert.deepEqual(out.plans[i], plan, `session ${i + 1}`);
    history.push({ date: req.date, attendees: req.attendees, roles: plan.roles });
  });
  // Planning stops at the first error, keeping the plans before it.
  const stop = request(g, 9, g.members, []);
  items.splice(2, 0, { tag: 'plan', val: { index: 9, date: stop.date, start: stop.start, attendees: [], absentees: g.members } });
  const cut = format.planSeries({ group: g, members, items });
  assert.equal(cut.plans.length, 1);
  assert.equal(cut.error.tag, 'cannot-plan');
});

test('agenda adds up to the duration; the opener speaks first', () => {
  for (const duration of [20, 30, 45, 60]) {
    for (const absent of [[], ['ana'], ['ana', 'cai', 'dee']]) {
      const g = group([], { durationMinutes: duration, members: ['ana', 'ben', 'cai', 'dee'] });
      const plan = format.planSession(request(g, 0, absent, []));
      const total = plan.agenda.reduce((n, a) => n + a.minutes, 0);
      assert.equal(total, duration, `${duration} min with ${absent.length} absent`);
      const turns = plan.agenda.filter((a) => a.title.startsWith('Turn: '));
      assert.equal(turns.length, 4 - absent.length);
      const opener = plan.roles[0].member;
      assert.equal(turns[0].title, `Turn: ${opener[0].toUpperCase()}${opener.slice(1)}`);
      assert.ok(plan.agenda.every((a) => a.minutes >= 1));
    }
  }
});

test('a round that fits exactly; oversized or empty rounds are errors', () => {
  const g = group([{ key: 'minutes_per_person', value: int(10) }], { durationMinutes: 44 });
  assert.deepEqual(format.validate(g), []);
  const plan = format.planSession(request(g, 0, [], []));
  assert.deepEqual(plan.agenda.map((a) => a.minutes), [2, 10, 10, 10, 10, 2]);
  const empty = expectErr(() => format.planSession(request(g, 0, g.members, [])));
  assert.equal(empty.tag, 'cannot-plan');
  const over = expectErr(() => format.planSession(request({ ...g, durationMinutes: 43 }, 0, [], [])));
  assert.equal(over.tag, 'invalid-settings');
  assert.match(over.val, /^settings\.minutes_per_person: 4 members × 10 minutes/);
});

test('validate reports key, message and hint', () => {
  assert.deepEqual(format.validate(group()), []);
  assert.deepEqual(
    format.validate(group([
      { key: 'minutes_per_person', value: int(5) },
      { key: 'prompt', value: text('Who helped you this month?') },
    ])),
    [],
  );
  const bad = format.validate(group([
    { key: 'colour', value: text('blue') },
    { key: 'minutes_per_person', value: int(11) },
    { key: 'prompt', value: int(3) },
  ]));
  assert.deepEqual(bad.map((d) => d.key), ['colour', 'prompt', 'minutes_per_person']);
  assert.match(bad[0].message, /unknown setting/);
  assert.match(bad[0].hint, /minutes_per_person, prompt/);
  assert.equal(bad[1].message, 'prompt must be a string, found an integer');
  assert.match(bad[2].message, /11, outside 2..=10/);
  assert.ok(bad.every((d) => typeof d.hint === 'string' && d.hint !== ''));

  const text2 = format.validate(group([{ key: 'minutes_per_person', value: text('3') }]));
  assert.equal(text2.length, 1);
  assert.match(text2[0].message, /must be an integer, found a string/);

  const empty = format.validate(group([{ key: 'prompt', value: text('  ') }]));
  assert.match(empty[0].message, /must not be empty/);

  // 4 members × 8 minutes + 4 > 30: the hint says what fits.
  const long = format.validate(group([{ key: 'minutes_per_person', value: int(8) }]));
  assert.equal(long.length, 1);
  assert.equal(long[0].key, 'minutes_per_person');
  assert.match(long[0].hint, /at most 6/);
});

test('requirements come from the policy; invalid settings are an error', () => {
  const g = group([], { cadence: { tag: 'every-weeks', val: 2 }, quorum: 1, sizeLimit: undefined });
  const r = format.requirements(g);
  assert.equal(r.durationMinutes, 30);
  assert.deepEqual(r.cadence, { tag: 'every-weeks', val: 2 });
  assert.equal(r.quorum, 2, 'a round needs two people');
  assert.equal(r.minSize, 2);
  assert.equal(r.maxSize, undefined);
  assert.equal(r.window, undefined);
  assert.equal(format.requirements(group()).maxSize, 8);
  const err = expectErr(() =>
    format.requirements(group([{ key: 'minutes_per_person', value: int(1) }])),
  );
  assert.equal(err.tag, 'invalid-settings');
  assert.match(err.val, /settings\.minutes_per_person/);
});

test('plan-session logs through the host and is deterministic', () => {
  host.logs.length = 0;
  const req = request(group(), 2, ['dee'], []);
  const a = format.planSession(req);
  const b = format.planSession(req);
  assert.deepEqual(a, b);
  assert.equal(host.logs.length, 2);
  assert.equal(host.logs[0].level, 'debug');
  assert.match(host.logs[0].message, /session 2 of thanks: opener ana, 3 attending, 1 absent/);
});

test('compose-reminder: upcoming and role notices, host default otherwise', () => {
  const g = group([{ key: 'prompt', value: text('Who made your week lighter?') }]);
  const req = request(g, 0, ['ana'], []);
  const plan = format.planSession(req);
  assert.equal(plan.roles[0].member, 'ben');
  const base = {
    group: g,
    recipient: 'cai',
    recipientFirstName: 'Cai',
    date: req.date,
    start: { hour: 12, minute: 30 },
    end: { hour: 13, minute: 0 },
    plan,
    recipientRoles: [],
  };
  host.today = { year: 2025, month: 3, day: 10 }; // the day before
  const up = format.composeReminder({ ...base, kind: { tag: 'upcoming', val: 1440 } });
  assert.equal(up.subject, 'Gratitude round tomorrow at 12:30 · Thanks circle');
  assert.match(up.body, /^Hi Cai,/);
  assert.match(up.body, /Ben opens the round\./);
  assert.match(up.body, /Who made your week lighter\?/);
  host.today = { year: 2025, month: 3, day: 11 };
  const today = format.composeReminder({ ...base, kind: { tag: 'upcoming', val: 30 } });
  assert.match(today.subject, /^Gratitude round today at 12:30/);
  host.today = { year: 2025, month: 2, day: 28 };
  const later = format.composeReminder({ ...base, kind: { tag: 'upcoming', val: 30 } });
  assert.match(later.subject, /^Gratitude round on 2025-03-11 at 12:30/);

  const notice = format.composeReminder({
    ...base,
    recipient: 'ben',
    recipientFirstName: 'Ben',
    recipientRoles: ['opener'],
    kind: { tag: 'role-notice', val: 'opener' },
  });
  assert.equal(notice.subject, 'You open the gratitude round on 2025-03-11 · Thanks circle');
  assert.match(notice.body, /read the prompt aloud/);

  const none = format.composeReminder({ ...base, kind: { tag: 'cancelled', val: undefined } });
  assert.equal(none, undefined);
  const moved = format.composeReminder({ ...base, kind: { tag: 'moved', val: { hour: 9, minute: 0 } } });
  assert.equal(moved, undefined);
});

test('partition keeps the whole group together', () => {
  const g = group();
  const out = format.partition({
    group: g,
    cycle: 0,
    weekStart: { year: 2025, month: 3, day: 10 },
    eligible: g.members,
    history: [],
    members,
  });
  assert.equal(out, undefined);
});

// ------------------------------------------------------------ runner

let failed = 0;
for (const { name, f } of tests) {
  try {
    f();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n${e.stack ?? e}`);
  }
}
console.log(`${tests.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
