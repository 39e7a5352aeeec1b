import test from 'ava';
import { blockOrder, countSwitches } from '../../src/bench/plan/block-order.ts';
import { buildSchedule, type ScheduledRun, suiteCells } from '../../src/bench/plan/schedule.ts';

/** A/B over two backends: the overlay arms need their backend, the other paths nothing. */
const requirement = (run: ScheduledRun) => (run.path === 'overlay' ? (run.arm === 'A' ? 'vxlan' : 'udp') : null);
const schedule = buildSchedule({
  cells: suiteCells(['loopback', 'host', 'bridge', 'overlay'], ['tcp', 'udp', 'ping', 'rr'], ['A', 'B']),
  runs: 10,
  seed: 2024,
});

test('one configuration or none: the randomised schedule is kept as it is', (t) => {
  const plain = buildSchedule({ cells: suiteCells(['host', 'overlay'], ['tcp', 'rr']), runs: 10, seed: 5 });
  t.deepEqual(
    blockOrder(plain, (r) => (r.path === 'overlay' ? 'vxlan' : null)),
    plain,
  );
  t.deepEqual(
    blockOrder(plain, () => null),
    plain,
  );
});

test('blocks: every run kept once, rounds stay in order, order renumbered to execution position', (t) => {
  const ordered = blockOrder(schedule, requirement, 'vxlan');
  t.is(ordered.length, schedule.length);
  const key = (r: ScheduledRun) => `${r.round}/${r.path}/${r.probe}/${r.arm}`;
  t.deepEqual(ordered.map(key).sort(), schedule.map(key).sort());
  t.deepEqual(
    ordered.map((r) => r.order),
    ordered.map((_, i) => i),
  );
  t.deepEqual(
    ordered.map((r) => r.round),
    [...ordered.map((r) => r.round)].sort((a, b) => a - b),
  );
});

test('one switch per round, alternating ABBA, starting from the configuration in place', (t) => {
  const ordered = blockOrder(schedule, requirement, 'udp');
  // 11 rounds (1 warm-up + 10), each split in two blocks; a round boundary never switches.
  t.is(countSwitches(ordered, requirement, 'udp'), 11);
  t.is(countSwitches(schedule, requirement, 'udp') > 40, true, 'the unordered schedule would switch on most overlay runs');
  const firstOfRound = (round: number) =>
    ordered
      .filter((r) => r.round === round)
      .map(requirement)
      .find((x) => x !== null);
  t.deepEqual([0, 1, 2, 3].map(firstOfRound), ['udp', 'vxlan', 'udp', 'vxlan']);
});

test('runs that need nothing are spread over both blocks of a round, in their random order', (t) => {
  const ordered = blockOrder(schedule, requirement, 'vxlan');
  for (let round = 0; round <= 10; round++) {
    const runs = ordered.filter((r) => r.round === round);
    const needs = runs.map(requirement);
    const first = needs.find((x) => x !== null);
    const lastOfFirstBlock = needs.lastIndexOf(first ?? null);
    const firstOfSecondBlock = needs.findIndex((x) => x !== null && x !== first);
    t.true(lastOfFirstBlock < firstOfSecondBlock, `round ${round}: the blocks do not overlap`);
    const free = (from: number, to: number) => needs.slice(from, to).filter((x) => x === null).length;
    t.true(free(0, lastOfFirstBlock) >= 4, `round ${round}: free runs inside the first block`);
    t.true(free(firstOfSecondBlock, runs.length) >= 4, `round ${round}: free runs inside the second block`);
    const originalFree = schedule.filter((r) => r.round === round && requirement(r) === null);
    t.deepEqual(
      runs.filter((r) => requirement(r) === null).map((r) => `${r.path}/${r.probe}/${r.arm}`),
      originalFree.map((r) => `${r.path}/${r.probe}/${r.arm}`),
    );
  }
});

test('three backends: boustrophedon order, k−1 switches per round', (t) => {
  const three = buildSchedule({ cells: suiteCells(['overlay-vxlan', 'overlay-udp', 'overlay-host-gw', 'host'], ['tcp']), runs: 4, warmups: 0, seed: 3 });
  const req = (r: ScheduledRun) => (r.path.startsWith('overlay-') ? r.path.slice('overlay-'.length) : null);
  const ordered = blockOrder(three, req, null);
  t.is(countSwitches(ordered, req), 4 * 2);
  // One run per backend per round (runs 4, one probe): rounds read P, reverse(P), P, reverse(P).
  const sequence = ordered.map(req).filter((x) => x !== null);
  const p = sequence.slice(0, 3);
  t.is(new Set(p).size, 3);
  t.deepEqual(sequence, [...p, ...[...p].reverse(), ...p, ...[...p].reverse()]);
});

test('a canary run stays beside its path when the runs are split into backend blocks', (t) => {
  const schedule = buildSchedule({
    cells: suiteCells(['loopback', 'host', 'overlay-vxlan', 'overlay-udp'], ['tcp', 'rr']),
    runs: 4,
    seed: 9,
    canary: 'loopback',
  });
  const backend = (path: string) => (path.startsWith('overlay-') ? path.slice('overlay-'.length) : null);
  const ordered = blockOrder(schedule, (run) => backend(run.canaryOf ?? run.path), 'vxlan');
  t.is(ordered.length, schedule.length);
  ordered.forEach((run, i) => {
    if (run.canaryOf === null) return;
    const neighbours = [ordered[i - 1], ordered[i + 1]];
    t.true(
      neighbours.some((n) => n?.path === run.canaryOf && n.probe === run.probe && n.round === run.round && n.canaryOf === null),
      `run ${i} beside ${run.canaryOf}`,
    );
  });
});
