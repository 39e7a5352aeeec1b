/** A class's pure parts: the roster, each student's lab and LAN, the dashboard row and its stuck rule, and asciicast v2 lines. */
import test from 'ava';
import { parseRoster, planClass } from '../../src/course/class/roster.ts';
import { failedInARow, type StudentFacts, studentRow } from '../../src/course/class/status.ts';
import type { CheckHistoryEntry, CourseProgress } from '../../src/course/progress.ts';
import { castEventLine, castHeaderLine, describeCast, isRecordingId } from '../../src/course/serve/recording.ts';

test('roster: one student a line, optional exercise and step, comments; every problem named with its line', (t) => {
  t.deepEqual(parseRoster('# class 3\nalice\nBob flannel-two-host 5  # starts late\n\n', 'r.txt'), [
    { name: 'alice' },
    { name: 'Bob', exercise: 'flannel-two-host', at: 5 },
  ]);
  const err = t.throws(() => parseRoster('alice\nALICE\n3po\ncarol x 0\ndave a 1 extra\n', 'r.txt'));
  t.regex(err!.message, /r\.txt:2: ALICE is already on line 1/);
  t.regex(err!.message, /r\.txt:3: "3po" is not a student name/);
  t.regex(err!.message, /r\.txt:4: step "0" is not a step number/);
  t.regex(err!.message, /r\.txt:5: one student a line/);
  t.throws(() => parseRoster('# nobody\n', 'empty.txt'), { message: /names no student/ });
});

test('plan: PREFIX-student labs, one /24 each from --subnets in order, existing labs keep theirs, others skipped', (t) => {
  const roster = parseRoster('alice\nbob custom-network 2\ncarol\n', 'r');
  const plans = planClass(roster, { prefix: 'k20', exercise: 'icc', subnets: '10.124.0.0/16' }, [
    { name: 'k20-carol', subnet: '10.124.9.0/24' },
    { name: 'someone-else', subnet: '10.124.1.0/24' },
  ]);
  t.deepEqual(
    plans.map((p) => [p.student, p.lab, p.subnet, p.exercise, p.at]),
    [
      ['alice', 'k20-alice', '10.124.0.0/24', 'icc', 1],
      ['bob', 'k20-bob', '10.124.2.0/24', 'custom-network', 2],
      ['carol', 'k20-carol', '10.124.9.0/24', 'icc', 1],
    ],
  );
  t.throws(() => planClass(roster, { prefix: 'k20', subnets: '10.124.0.0/16' }, []), { message: /alice: no exercise/ });
  t.throws(() => planClass(parseRoster('averyveryverylongstudentname\n', 'r'), { prefix: 'k20', exercise: 'icc' }, []), {
    message: /longer than 24 characters/,
  });
  t.throws(() => planClass(roster, { prefix: 'k20', exercise: 'icc', subnets: '10.124.0.0/25' }, []), { message: /must be an IPv4 network of \/24 or larger/ });
  t.throws(() => planClass(roster, { prefix: 'k20', exercise: 'icc', subnets: '10.124.0.0/23' }, []), {
    message: /no free \/24 left for carol in 10\.124\.0\.0\/23/,
  });
  // Without --subnets: free /24s next to the document's LAN, as `lab up` picks them.
  t.deepEqual(
    planClass(parseRoster('a\nb\n', 'r'), { prefix: 'c', exercise: 'icc' }, [{ name: 'x', subnet: '192.168.100.0/24' }]).map((p) => p.subnet),
    ['192.168.101.0/24', '192.168.102.0/24'],
  );
});

const progress = (step: number, steps: CourseProgress['steps'] = {}): CourseProgress => ({
  lab: 'k20-a',
  exercise: 'custom-network',
  step,
  startedAt: 1,
  started: '2026-01-01T10:00:00.000Z',
  steps,
});
const check = (at: string, step: number, passed: boolean): CheckHistoryEntry => ({ at, exercise: 'custom-network', step, passed, checks: [] });
const facts = (over: Partial<StudentFacts>): StudentFacts => ({
  student: 'a',
  lab: 'k20-a',
  subnet: '10.124.0.0/24',
  phase: 'ready',
  stepCount: 3,
  history: [],
  checking: new Set(),
  terminals: 0,
  ...over,
});
const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const minutes = (m: number) => T0 + m * 60_000;

test("dashboard row: each step's live state, failed checks in a row, the stuck rule (3 failures, or 10 min without a pass)", (t) => {
  const history = [check('2026-01-01T10:01:00.000Z', 1, true), check('2026-01-01T10:02:00.000Z', 2, false), check('2026-01-01T10:03:00.000Z', 2, false)];
  t.is(failedInARow(history, 'custom-network', 2), 2);
  t.is(failedInARow([...history, check('2026-01-01T10:04:00.000Z', 2, true)], 'custom-network', 2), 0);
  const steps = {
    1: { passed: true, checkedAt: '2026-01-01T10:01:00.000Z', failed: [] },
    2: { passed: false, checkedAt: '2026-01-01T10:03:00.000Z', failed: ['x'] },
  };
  const row = studentRow(facts({ progress: progress(2, steps), history, joined: minutes(0), checking: new Set([3]) }), minutes(4));
  t.deepEqual(
    row.steps.map((s) => s.state),
    ['passed', 'failed', 'checking'],
  );
  t.deepEqual(row.steps[1]!.failed, ['x']);
  t.is(row.failedInARow, 2);
  t.is(row.stuck, undefined, 'two failures and four quiet minutes: not yet');
  t.is(row.lastActivity, '2026-01-01T10:03:00.000Z', 'the last check counts as activity');

  const third = [...history, check('2026-01-01T10:04:00.000Z', 2, false)];
  t.is(studentRow(facts({ progress: progress(2, steps), history: third, joined: minutes(0) }), minutes(5)).stuck, '3 failed checks in a row on step 2');
  t.is(
    studentRow(facts({ progress: progress(2, steps), history, joined: minutes(0) }), minutes(11)).stuck,
    'no step passed for 10 min',
    'quiet since the pass at 10:01',
  );
  t.is(studentRow(facts({ progress: progress(2, steps), history }), minutes(60)).stuck, undefined, 'a student who never joined is not stuck');
  t.is(
    studentRow(facts({ progress: progress(2, steps), history: third, joined: minutes(0) }), minutes(5), { failedChecks: 5, quietMinutes: 60 }).stuck,
    undefined,
    "the rule is the teacher's",
  );
  const done = { 1: steps[1], 2: { ...steps[1] }, 3: { ...steps[1] } };
  const finished = studentRow(facts({ progress: progress(3, done), history: third, joined: minutes(0) }), minutes(30));
  t.true(finished.finished);
  t.is(finished.stuck, undefined, 'a student who finished is never stuck');
  t.deepEqual(
    studentRow(facts({ progress: { ...progress(3), startedAt: 3 } }), minutes(1)).steps.map((s) => s.state),
    ['solved-at-start', 'solved-at-start', 'unchecked'],
  );
});

test('asciicast v2: header, events, and the listing read back from a recording', (t) => {
  const text =
    castHeaderLine({
      version: 2,
      width: 80,
      height: 24,
      timestamp: 1_700_000_000,
      title: 'alice on hostB',
      env: { TERM: 'xterm-256color', SHELL: '/bin/bash' },
    }) +
    castEventLine(0.5, 'o', 'root@hostB:~# ') +
    castEventLine(1.25, 'r', '100x30') +
    castEventLine(3.1234567, 'm', 'check step 1: ✓ passes');
  const lines = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
  t.like(lines[0] as object, { version: 2, width: 80, height: 24 });
  t.deepEqual(lines.slice(1), [
    [0.5, 'o', 'root@hostB:~# '],
    [1.25, 'r', '100x30'],
    [3.123457, 'm', 'check step 1: ✓ passes'],
  ]);
  const info = describeCast('20260101T100000Z-hostB-abcdef', `${text}[4.0,"o","cut sh`);
  t.is(info?.duration, 3.123457, 'a last line cut short is skipped');
  t.is(info?.started, new Date(1_700_000_000_000).toISOString());
  t.is(describeCast('x', 'not a cast'), undefined);
  t.true(isRecordingId('20260101T100000Z-hostB-abcdef'));
  for (const bad of ['../lab', '20260101T100000Z-hostB-abcdef/../../x', '']) t.false(isRecordingId(bad), bad);
});

test('a failed check printed by `course check`: the host it read, where else it holds, and the step summary', async (t) => {
  const { renderCheck } = await import('../../src/course/render.ts');
  const text = renderCheck({
    exercise: 'custom-network',
    step: 1,
    title: '3.5 自定义网络',
    passed: false,
    checks: [
      {
        label: 'docker network inspect network01: it exists',
        ok: false,
        hosts: ['hostB'],
        elsewhere: 'holds on hostA; this step is on hostB',
        hint: 'docker network create …',
      },
    ],
    elsewhere: "every check of this step passes on hostA, but this step is on hostB: type its commands in hostB's terminal",
  });
  t.regex(
    text,
    /✗ docker network inspect network01: it exists \[read on hostB\]\n {6}holds on hostA; this step is on hostB\n {6}hint: docker network create …/,
  );
  t.regex(text, /! every check of this step passes on hostA, but this step is on hostB/);
});
