import test from 'ava';
import { buildSchedule, confirmationCells, mulberry32, suiteCells } from '../../src/bench/plan/schedule.ts';

const cells = suiteCells(['loopback', 'host', 'bridge', 'overlay'], ['tcp', 'udp', 'ping', 'rr']);

test('one discarded warm-up per cell first, then N rounds that each run every cell once', (t) => {
  const schedule = buildSchedule({ cells, runs: 10, seed: 42 });
  t.is(schedule.length, 16 * 11);
  const warmups = schedule.filter((s) => s.warmup);
  t.is(warmups.length, 16);
  t.true(schedule.slice(0, 16).every((s) => s.warmup && s.round === 0));
  for (let round = 1; round <= 10; round++) {
    const slots = schedule.filter((s) => s.round === round);
    t.is(new Set(slots.map((s) => `${s.path}/${s.probe}`)).size, 16, `round ${round} is a permutation`);
  }
  t.deepEqual(
    schedule.map((s) => s.order),
    schedule.map((_, i) => i),
  );
});

test('default is 10 measured rounds', (t) => {
  const schedule = buildSchedule({ cells, seed: 1 });
  t.is(schedule.filter((s) => !s.warmup && s.path === 'host' && s.probe === 'tcp').length, 10);
});

test('same seed, same order; another seed, another order; rounds differ from each other', (t) => {
  const a = buildSchedule({ cells, seed: 7 }).map((s) => `${s.path}/${s.probe}`);
  const b = buildSchedule({ cells, seed: 7 }).map((s) => `${s.path}/${s.probe}`);
  const c = buildSchedule({ cells, seed: 8 }).map((s) => `${s.path}/${s.probe}`);
  t.deepEqual(a, b);
  t.notDeepEqual(a, c);
  t.notDeepEqual(a.slice(16, 32), a.slice(32, 48));
});

test('A/B: both arms of every cell in every round, interleaved rather than blocked', (t) => {
  const abCells = suiteCells(['host', 'overlay'], ['tcp', 'rr'], ['A', 'B']);
  t.is(abCells.length, 8);
  const schedule = buildSchedule({ cells: abCells, runs: 10, seed: 99 });
  for (let round = 0; round <= 10; round++) {
    const arms = schedule.filter((s) => s.round === round).map((s) => s.arm);
    t.is(arms.filter((a) => a === 'A').length, 4);
    t.is(arms.filter((a) => a === 'B').length, 4);
  }
  // Interleaved: the arm changes often (arms blocked within each round would change about twice per round, 22 times in all).
  const switches = schedule.slice(1).filter((s, i) => s.arm !== schedule[i]?.arm).length;
  t.true(switches > 30, `${switches} arm switches`);
});

test('mulberry32 is deterministic, in [0, 1), and roughly uniform', (t) => {
  const r1 = mulberry32(123);
  const r2 = mulberry32(123);
  const xs = Array.from({ length: 10000 }, () => r1());
  t.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => r2()),
  );
  t.true(xs.every((x) => x >= 0 && x < 1));
  const buckets = [0, 0, 0, 0];
  for (const x of xs) buckets[Math.floor(x * 4)]! += 1;
  t.true(
    buckets.every((n) => n > 2300 && n < 2700),
    JSON.stringify(buckets),
  );
});

test('bad run counts are refused', (t) => {
  t.throws(() => buildSchedule({ cells, runs: 0, seed: 1 }), { instanceOf: RangeError });
  t.throws(() => buildSchedule({ cells, warmups: -1, seed: 1 }), { instanceOf: RangeError });
});

test('confirmation re-run: each flagged path × probe once, both arms in A/B mode', (t) => {
  const flagged = ['overlay/tcp.throughput', 'overlay/tcp.retransmits', 'bridge/rr.p99', 'bridge/rr.p50'];
  t.deepEqual(confirmationCells(flagged, 'stored'), [
    { path: 'overlay', probe: 'tcp', arm: null },
    { path: 'bridge', probe: 'rr', arm: null },
  ]);
  t.deepEqual(confirmationCells(['overlay/udp.loss'], 'ab'), [
    { path: 'overlay', probe: 'udp', arm: 'A' },
    { path: 'overlay', probe: 'udp', arm: 'B' },
  ]);
  t.throws(() => confirmationCells(['overlay/tcp'], 'stored'), { instanceOf: RangeError });
});

test('with a canary: every path cell of a round runs right beside the canary of its probe, on a random side', (t) => {
  const schedule = buildSchedule({ cells, runs: 10, seed: 42, canary: 'loopback' });
  t.is(schedule.length, 3 * 4 * 2 * 11, 'host, bridge, overlay × 4 probes, each paired, × 11 rounds');
  t.false(
    schedule.some((s) => s.path === 'loopback' && s.canaryOf === null),
    "the canary's own cells are its paired runs",
  );
  const sides = { before: 0, after: 0 };
  schedule.forEach((run, i) => {
    if (run.canaryOf === null) return;
    const before = schedule[i + 1];
    const after = schedule[i - 1];
    const partner = before?.path === run.canaryOf && before.canaryOf === null && before.probe === run.probe && before.round === run.round ? 'before' : 'after';
    const other = partner === 'before' ? before : after;
    t.is(other?.path, run.canaryOf);
    t.is(other?.probe, run.probe);
    t.is(other?.round, run.round);
    sides[partner]++;
  });
  t.true(sides.before > 50 && sides.after > 50, `canary before its path ${sides.before}×, after ${sides.after}×`);
  for (let round = 1; round <= 10; round++) {
    const paths = schedule.filter((s) => s.round === round && s.canaryOf === null).map((s) => `${s.path}/${s.probe}`);
    t.is(new Set(paths).size, 12, `round ${round} measures every path × probe once`);
  }
});

test('with a canary and only the canary path: its cells run alone', (t) => {
  const schedule = buildSchedule({ cells: suiteCells(['loopback'], ['tcp']), runs: 3, seed: 1, canary: 'loopback' });
  t.deepEqual(
    schedule.map((s) => `${s.path}:${s.canaryOf}`),
    Array(4).fill('loopback:null'),
  );
});
