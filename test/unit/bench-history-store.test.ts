import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { nightId } from '../../src/bench/history/night.ts';
import { appendAcceptMark, appendNight, readHistory } from '../../src/bench/history/store.ts';
import { syntheticNight } from './night-fixtures.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'labbench-history-'));

test('a night appended is read back as it was written; marks too; other testbeds are left out', (t) => {
  const dir = fresh();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = syntheticNight({ day: 1 });
  const b = { ...syntheticNight({ day: 0 }), testbed: 'other' };
  appendNight(dir, a);
  appendNight(dir, b);
  appendAcceptMark(dir, a, 'known', '2026-12-01T00:00:00.000Z');
  const history = readHistory(dir, 'local');
  t.deepEqual(history.nights, [a]);
  t.is(history.marks.length, 1);
  t.is(history.marks[0]?.night, a.id);
  t.is(readHistory(dir).nights.length, 2);
  t.deepEqual(readHistory(join(dir, 'missing')).nights, [], 'a missing directory is an empty history');
  t.deepEqual(
    readdirSync(join(dir, 'nights')).filter((f) => f.startsWith('.')),
    [],
    'nothing is left aside',
  );
});

test('an entry is never overwritten', (t) => {
  const dir = fresh();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = syntheticNight({ day: 1 });
  appendNight(dir, a);
  t.throws(() => appendNight(dir, { ...a, cells: [] }), { message: /exists already; entries are never overwritten/ });
  t.deepEqual(readHistory(dir).nights, [a]);
});

test('a corrupt, foreign, newer or misnamed entry: one error naming the file; the file and every other entry are left as they are', (t) => {
  const dir = fresh();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = syntheticNight({ day: 1 });
  appendNight(dir, good);
  const bad = join(dir, 'nights', 'x.json');
  const cases: [string, RegExp][] = [
    ['{"kind":"labbench.bench.night","sch', /^bench history entry .*nights\/x\.json is not valid JSON/],
    [JSON.stringify({ kind: 'labbench.bench.results', schemaVersion: 3 }), /is not a night document \(kind is "labbench\.bench\.results"/],
    [JSON.stringify({ ...good, schemaVersion: 2 }), /has schema version 2; this labbench reads version 1/],
    [JSON.stringify({ ...good, cells: 'none' }), /does not match bench\/schema\/night\.schema\.json:\n {2}\/cells: must be array/],
    [JSON.stringify(good), /holds night "night-001", not the night its name says/],
  ];
  for (const [text, message] of cases) {
    writeFileSync(bad, text);
    const err = t.throws(() => readHistory(dir));
    t.regex(err?.message ?? '', message);
    t.regex((err as { hint?: string }).hint ?? '', /move .*x\.json out of the history \(every other night is kept and read\)/);
    t.is(readFileSync(bad, 'utf8'), text);
  }
  rmSync(bad);
  t.deepEqual(readHistory(dir).nights, [good]);
});

const HERE = fileURLToPath(new URL('.', import.meta.url));

test('two runs appending at once: every night of both is there, each whole', async (t) => {
  const dir = fresh();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = `
    import { appendNight } from '${join(HERE, '../../src/bench/history/store.ts')}';
    import { nightId } from '${join(HERE, '../../src/bench/history/night.ts')}';
    import { syntheticNight } from '${join(HERE, 'night-fixtures.ts')}';
    for (let i = 0; i < 25; i++) {
      const night = syntheticNight({ day: i, rounds: 40 });
      appendNight(process.argv[1], { ...night, id: nightId(night.startedAt) + '-' + process.pid });
    }`;
  const run = () =>
    new Promise<number | null>((resolve) =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], { stdio: 'inherit' }).on('close', resolve),
    );
  t.deepEqual(await Promise.all([run(), run()]), [0, 0]);
  const history = readHistory(dir);
  t.is(history.nights.length, 50);
  t.true(history.nights.every((n) => n.cells.every((c) => c.values.length === 40)));
});

test('night ids sort by time and differ within a second', (t) => {
  let k = 0;
  const random = () => [0.1, 0.7][k++ % 2] as number;
  const a = nightId('2026-12-07T03:12:44.123Z', random);
  const b = nightId('2026-12-07T03:12:44.456Z', random);
  t.regex(a, /^2026-12-07T03-12-44Z-[0-9a-f]{4}$/);
  t.not(a, b);
  t.true(nightId('2026-12-07T03:12:45.000Z', random) > a);
});
