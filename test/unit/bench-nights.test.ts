import test from 'ava';
import type { MarkRecord, NightRecord } from '../../src/bench/history/night.ts';
import { DEFAULT_NIGHTS_SETTINGS, judgeAcrossNights, type NightsContext, planReferences } from '../../src/bench/judge/across-nights.ts';
import { attribute, describeAttribution } from '../../src/bench/judge/attribution.ts';
import type { SuiteParameters } from '../../src/bench/judge/baseline.ts';
import { bestSplit, eDivisive } from '../../src/bench/judge/change-points.ts';
import { analyseHistory } from '../../src/bench/judge/history-analysis.ts';
import { DEFAULT_DECISION_SETTINGS } from '../../src/bench/judge/verdict.ts';
import type { BenchExecutor } from '../../src/bench/measure/executor.ts';
import type { RunValues } from '../../src/bench/measure/extract.ts';
import type { Fingerprint } from '../../src/bench/measure/fingerprint.ts';
import { type Arm, mulberry32, type ScheduleCell } from '../../src/bench/plan/schedule.ts';
import { BENCH_PROBE_SETTINGS, CANARY_PATH } from '../../src/bench/plan/suite.ts';
import { baselineFromResults } from '../../src/bench/report/baseline-record.ts';
import { renderConsole } from '../../src/bench/report/console.ts';
import { type BenchPlan, nightOfResults, runBench, type TonightFacts } from '../../src/bench/runner.ts';
import { schemaErrors } from '../../src/bench/shared/schema.ts';
import { MACHINE_A, MACHINE_B, nights, SOFTWARE, syntheticNight } from './night-fixtures.ts';

const series = (values: number[]) => values;
const noisy = (n: number, seed: number, level = 0, sd = 0.02, heavy = 0) => {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const u = Math.max(random(), 1e-12);
    const g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    // Heavy tails: a Student-t-like draw now and then (a normal divided by a small |normal|).
    const tail = random() < heavy ? g / Math.max(0.15, Math.abs(Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random()))) : g;
    return level + sd * tail;
  });
};

test('change points: a step is found where it is', (t) => {
  const values = [...noisy(12, 1, 0, 0.02), ...noisy(4, 2, -0.1, 0.02)];
  const found = eDivisive(values);
  t.is(found.length, 1);
  t.is(found[0]?.index, 12);
  t.true((found[0]?.p ?? 1) <= 0.001);
});

test('change points: none in a series without a step, normal or heavy-tailed (20 series each)', (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    t.deepEqual(eDivisive(noisy(30, seed, 0, 0.03)), [], `normal noise, seed ${seed}`);
    t.deepEqual(eDivisive(noisy(30, 100 + seed, 0, 0.03, 0.15)), [], `heavy-tailed noise, seed ${seed}`);
  }
});

test('change points: a step in heavy-tailed noise is still found', (t) => {
  const values = [...noisy(15, 7, 0, 0.02, 0.1), ...noisy(5, 8, 0.12, 0.02, 0.1)];
  t.deepEqual(
    eDivisive(values).map((c) => c.index),
    [15],
  );
});

test('change points: the permutation test is seeded, so a replay gives the same p', (t) => {
  const values = [...noisy(10, 3, 0, 0.02), ...noisy(4, 4, 0.08, 0.02)];
  const a = eDivisive(values, { test: 'permutation', pValue: 0.01, seed: 99 });
  const b = eDivisive(values, { test: 'permutation', pValue: 0.01, seed: 99 });
  t.deepEqual(a, b);
  t.is(a[0]?.index, 10);
  // The permutation test cannot go below about 1/C(n, k) for a step k points from the end.
  t.true((a[0]?.p ?? 0) > 1 / 1001);
});

test('change points: two steps, a segment too short to split, a constant series', (t) => {
  // A drift in two steps, each found where it happened.
  const two = [...noisy(10, 5, 0), ...noisy(10, 6, -0.1), ...noisy(10, 7, -0.2)];
  t.deepEqual(
    eDivisive(two).map((c) => c.index),
    [10, 20],
  );
  t.is(bestSplit(series([1, 2, 3]), 2), null);
  t.deepEqual(eDivisive(series([1, 1, 1, 1, 1, 1])), []);
});

test('attribution: machine, method, configuration, software, labbench and packages, each named; unknowns said', (t) => {
  const a = syntheticNight({ day: 0 });
  const b = syntheticNight({
    day: 1,
    machine: MACHINE_B,
    software: { ...SOFTWARE, docker: '24.0.7', backend: 'udp', 'probe.tcp': 'iperf3 -t 10' },
    commit: 'deadbeef0000',
    packages: { 'docker.io': '24.0.7-1', iperf3: '3.12-1' },
  });
  const at = attribute(a, b);
  t.deepEqual(
    at.changes.map((c) => `${c.kind}:${c.field}`),
    ['machine:kernel', 'machine:machineId', 'method:probe.tcp', 'configuration:backend', 'software:docker', 'labbench:labbench', 'packages:docker.io'],
  );
  t.regex(
    describeAttribution(at),
    /^kernel 6\.18\.44-fc-v669 → 6\.18\.44-fc-v1272, machineId .*; probe\.tcp .*; backend vxlan → udp; docker 20\.10\.24\+dfsg1 → 24\.0\.7; labbench c0ffee000000 → deadbeef0000; 1 package \(docker\.io 20\.10\.24\+dfsg1-1 → 24\.0\.7-1\)$/,
  );
  const same = attribute(a, syntheticNight({ day: 2, commit: null, packages: null }));
  t.deepEqual(same.changes, []);
  t.is(describeAttribution(same), 'nothing recorded changed; not recorded on both nights: labbench, packages');
});

const context = (list: NightRecord[], marks: MarkRecord[] = []): NightsContext => ({ source: 'test', nights: list, marks });
const suiteOf = (n: NightRecord): SuiteParameters => ({ ...n.suite, probeSettings: BENCH_PROBE_SETTINGS, tolerances: {}, decision: DEFAULT_DECISION_SETTINGS });
function acrossNights(before: NightRecord[], tonight: NightRecord, marks: MarkRecord[] = []) {
  const ctx = context(before, marks);
  const references = planReferences(ctx, tonight, suiteOf(tonight), CANARY_PATH);
  return { references, outcome: judgeAcrossNights(ctx, tonight, references, CANARY_PATH) };
}
const cellOf = (o: ReturnType<typeof acrossNights>['outcome'], key = 'overlay/tcp.throughput') => o.cells.find((c) => c.key === key);

test('across nights: a −7 % step that persists FAILs from its second night on, attributed to the commit that came with it', (t) => {
  const all = nights(13, (day) => (day >= 10 ? { effect: { 'overlay/tcp.throughput': 0.93 }, commit: 'bad000000000' } : {}));
  t.is(cellOf(acrossNights(all.slice(0, 10), all[10] as NightRecord).outcome)?.verdict, null, 'one night of a step is not a series change yet');
  const { outcome } = acrossNights(all.slice(0, 12), all[12] as NightRecord);
  const cell = cellOf(outcome);
  t.is(cell?.verdict, 'FAIL');
  t.is(cell?.series?.changePoints[0]?.night, 'night-010');
  t.regex(cell?.reason ?? '', /−[6-9]\.\d % .*labbench c0ffee000000 → bad000000000.*pnpm bench:history accept night-010/);
  t.true((cell?.series?.netWorsening ?? 0) > 0.05);
});

test('across nights: accepting the night of the change makes it the new normal', (t) => {
  const all = nights(14, (day) => (day >= 10 ? { effect: { 'overlay/tcp.throughput': 0.9 } } : {}));
  t.is(cellOf(acrossNights(all.slice(0, 13), all[13] as NightRecord).outcome)?.verdict, 'FAIL');
  const accept: MarkRecord = {
    kind: 'labbench.bench.mark',
    schemaVersion: 1,
    mark: 'accept',
    night: 'night-010',
    testbed: 'local',
    at: '2026-12-01T00:00:00Z',
    note: null,
  };
  const { outcome, references } = acrossNights(all.slice(0, 13), all[13] as NightRecord, [accept]);
  t.is(cellOf(outcome)?.verdict, null);
  t.deepEqual(
    references.cells.find((c) => c.key === 'overlay/tcp.throughput')?.nights,
    ['night-010', 'night-011', 'night-012'],
    'tonight is compared with the accepted nights',
  );
});

test('across nights: a night the cell FAILed on is no reference until accepted, so a regression that persists is compared with the nights before it', (t) => {
  const all = nights(12, (day) => (day >= 10 ? { effect: { 'overlay/tcp.throughput': 0.9 } } : {}));
  const night10 = all[10] as NightRecord;
  const failed: NightRecord = { ...night10, cells: night10.cells.map((c) => (c.path === 'overlay' ? { ...c, verdict: 'FAIL' } : c)) };
  const referencesOf = (before: NightRecord[], marks: MarkRecord[] = []) =>
    acrossNights(before, all[11] as NightRecord, marks).references.cells.find((c) => c.key === 'overlay/tcp.throughput')?.nights;
  t.deepEqual(referencesOf([...all.slice(0, 10), failed]), ['night-007', 'night-008', 'night-009'], 'the FAILed night is left out');
  t.deepEqual(referencesOf(all.slice(0, 11)), ['night-008', 'night-009', 'night-010'], 'a night that did not FAIL counts');
  const accept: MarkRecord = {
    kind: 'labbench.bench.mark',
    schemaVersion: 1,
    mark: 'accept',
    night: 'night-010',
    testbed: 'local',
    at: '2026-12-01T00:00:00Z',
    note: null,
  };
  t.deepEqual(referencesOf([...all.slice(0, 10), failed], [accept]), ['night-010'], 'accepted, it is the new normal');
  // The canary's own cell did not FAIL that night: its references keep the night.
  t.true(
    acrossNights([...all.slice(0, 10), failed], all[11] as NightRecord)
      .references.cells.find((c) => c.key === 'loopback/tcp.throughput')
      ?.nights.includes('night-010'),
  );
});

test('across nights: an improvement is not a FAIL; without a step there is nothing to say', (t) => {
  const better = nights(14, (day) => (day >= 10 ? { effect: { 'overlay/tcp.throughput': 1.12 } } : {}));
  t.is(cellOf(acrossNights(better.slice(0, 13), better[13] as NightRecord).outcome)?.verdict, 'IMPROVED');
  const flat = nights(30, () => ({ nightNoise: 0.015, roundNoise: 0.05, outliers: 0.05 }));
  for (let day = 3; day < 30; day++) t.is(cellOf(acrossNights(flat.slice(0, day), flat[day] as NightRecord).outcome)?.verdict, null, `night ${day}`);
});

test('across nights: a machine change is a new series, never a change point; a step within the new machine is found and attributed', (t) => {
  const all = nights(20, (day) => ({
    machine: day >= 8 ? MACHINE_B : MACHINE_A,
    // The new machine's loopback is faster and its paths slower: the ratio drops by a fifth.
    ...(day >= 8 ? { canaryFactor: 1.12 } : {}),
    effect: { 'overlay/tcp.throughput': (day >= 8 ? 0.9 : 1) * (day >= 16 ? 0.9 : 1) },
    commit: day >= 16 ? 'bad000000000' : 'c0ffee000000',
  }));
  const first = acrossNights(all.slice(0, 8), all[8] as NightRecord);
  t.true(first.outcome.newMachine);
  t.is(first.references.cells.find((c) => c.key === 'overlay/tcp.throughput')?.kind, 'other-machine');
  t.is(cellOf(first.outcome)?.verdict, null);
  t.regex(first.outcome.notes.join('\n'), /a machine this history has not seen \(kernel 6\.18\.44-fc-v1272.*tonight starts this machine's series/);
  const later = acrossNights(all.slice(0, 15), all[15] as NightRecord);
  t.is(cellOf(later.outcome)?.verdict, null, 'the machine change itself is no change point');
  const end = acrossNights(all.slice(0, 19), all[19] as NightRecord);
  t.is(cellOf(end.outcome)?.verdict, 'FAIL');
  t.deepEqual(
    cellOf(end.outcome)?.series?.changePoints.map((c) => c.night),
    ['night-016'],
  );
  t.regex(cellOf(end.outcome)?.reason ?? '', /labbench c0ffee000000 → bad000000000/);
  const page = analyseHistory({ testbed: 'local', source: 'test', nights: all, marks: [], canary: CANARY_PATH });
  const overlay = page.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.deepEqual(
    overlay?.transitions.map((x) => x.night),
    ['night-008'],
  );
  t.regex(overlay?.transitions[0]?.description ?? '', /^kernel 6\.18\.44-fc-v669 → 6\.18\.44-fc-v1272/);
  t.true((overlay?.transitions[0]?.shift ?? 0) < -0.15);
  t.deepEqual(
    overlay?.changePoints.map((c) => c.night),
    ['night-016'],
  );
  t.deepEqual(
    page.machines.map((m) => m.nights),
    [8, 12],
  );
});

/** A lab stand-in for whole bench runs: loopback at a machine-dependent level, paths at their ratio × effect, 2 % per run. */
class NightLab implements BenchExecutor {
  private readonly random: () => number;
  constructor(
    seed: number,
    private readonly fingerprint_: Fingerprint,
    private readonly canaryFactor = 1,
    private readonly effect: Record<string, number> = {},
  ) {
    this.random = mulberry32(seed);
  }
  async prepare(): Promise<void> {}
  async run(cell: ScheduleCell): Promise<RunValues> {
    const g = () => Math.sqrt(-2 * Math.log(Math.max(this.random(), 1e-12))) * Math.cos(2 * Math.PI * this.random());
    // The loopback follows the machine's factor, the paths do not: the ratio moves with the machine.
    const level = cell.path === 'loopback' ? 21 * this.canaryFactor : cell.path === 'bridge' ? 21 * 0.78 : 21 * 0.52;
    return { 'tcp.throughput': level * (this.effect[`${cell.path}/tcp.throughput`] ?? 1) * Math.exp(0.02 * g()), 'tcp.retransmits': 0 };
  }
  async fingerprint(_arm: Arm | null): Promise<Fingerprint> {
    return this.fingerprint_;
  }
}

const benchPlan = (comparison: BenchPlan['comparison'], seed: number): BenchPlan => ({
  testbed: 'local',
  paths: ['loopback', 'bridge', 'overlay'],
  probes: ['tcp'],
  runs: 10,
  warmups: 1,
  seed,
  probeSettings: BENCH_PROBE_SETTINGS,
  comparison,
  requirementOf: () => null,
  initialRequirement: null,
});
const facts = (id: string, commit = 'c0ffee000000'): TonightFacts => ({
  id,
  revision: { commit, dirty: false },
  packages: { 'docker.io': '20.10.24+dfsg1-1' },
});

/** Nights of whole bench runs on a machine, each appended as pnpm bench would. */
async function benchNights(
  n: number,
  fingerprint: Fingerprint,
  seed: number,
  history: NightRecord[] = [],
  lab: { canaryFactor?: number; effect?: Record<string, number> } = {},
): Promise<NightRecord[]> {
  const out = [...history];
  for (let i = 0; i < n; i++) {
    const id = `run-${seed}-${i}`;
    const doc = await runBench(
      benchPlan({ mode: 'history', context: context(out), night: facts(id) }, seed + i),
      new NightLab(seed + i, fingerprint, lab.canaryFactor, lab.effect),
    );
    const night = nightOfResults(doc, facts(id));
    out.push({ ...night, startedAt: new Date(Date.UTC(2026, 10, 1 + out.length)).toISOString() });
  }
  return out;
}

test('gate: same software on a new machine whose canary ratios moved by a fifth is not exit 1 — the single-night gate alone would FAIL it', async (t) => {
  const onA = { ...MACHINE_A, ...SOFTWARE };
  const onB = { ...MACHINE_B, ...SOFTWARE };
  const history = await benchNights(3, onA, 10);
  const slower = { 'bridge/tcp.throughput': 0.9, 'overlay/tcp.throughput': 0.9 };
  const doc = await runBench(benchPlan({ mode: 'history', context: context(history), night: facts('tonight') }, 99), new NightLab(99, onB, 1.12, slower));
  t.is(doc.summary.exitCode, 0);
  t.is(doc.summary.counts.FAIL, 0);
  t.true(doc.history?.newMachine);
  for (const key of ['bridge/tcp.throughput', 'overlay/tcp.throughput']) {
    const cell = doc.cells.find((c) => c.key === key);
    t.is(cell?.verdict, 'WARN', key);
    t.regex(
      cell?.reason ?? '',
      /÷canary .*\(-19\.\d%.*moved with the machine change \(kernel 6\.18\.44-fc-v669 → 6\.18\.44-fc-v1272, machineId aaaaaaaaaaaa → bbbbbbbbbbbb\): reported, not judged/,
    );
  }
  t.regex(renderConsole(doc), /note: a machine this history has not seen/);
  t.deepEqual(schemaErrors('results', JSON.parse(JSON.stringify(doc))), []);
  // The same night judged by the single-night gate against a baseline recorded on the old machine: exit 1.
  const baseline = baselineFromResults(await runBench(benchPlan({ mode: 'none' }, 5), new NightLab(5, onA)));
  const single = await runBench(benchPlan({ mode: 'stored', source: 'b.json', baseline }, 99), new NightLab(99, onB, 1.12, slower));
  t.is(single.summary.exitCode, 1);
  // The new machine's own nights are judged within it afterwards.
  const onBNights = await benchNights(2, onB, 50, [...history, nightOfResults(doc, facts('tonight'))], { canaryFactor: 1.12, effect: slower });
  const next = await runBench(benchPlan({ mode: 'history', context: context(onBNights), night: facts('next') }, 77), new NightLab(77, onB, 1.12, slower));
  t.is(next.summary.exitCode, 0);
  t.false(next.history?.newMachine);
  t.true(next.history?.references.filter((r) => r.key.endsWith('tcp.throughput')).every((r) => r.kind === 'series'));
});

test('gate: a regression on an unchanged machine FAILs (exit 1), naming what changed since the nights it was compared with', async (t) => {
  const onA = { ...MACHINE_A, ...SOFTWARE };
  const history = await benchNights(3, onA, 20);
  const doc = await runBench(
    benchPlan({ mode: 'history', context: context(history), night: facts('tonight', 'bad000000000') }, 31),
    new NightLab(31, onA, 1, { 'overlay/tcp.throughput': 0.7 }),
  );
  t.is(doc.summary.exitCode, 1);
  const cell = doc.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(cell?.verdict, 'FAIL');
  t.regex(cell?.reason ?? '', /confirmed by re-run.*what changed since run-20-2: labbench c0ffee000000 → bad000000000/);
  t.is(doc.cells.find((c) => c.key === 'bridge/tcp.throughput')?.verdict, 'PASS');
});

test('gate: a runner whose machine changes every night cannot be judged (exit 3); machine and labbench changing together are said to be inseparable', async (t) => {
  const machine = (id: string, kernel: string) => ({ ...MACHINE_A, kernel, machineId: id, ...SOFTWARE });
  let history: NightRecord[] = [];
  for (const [i, m] of [machine('m1', 'k1'), machine('m2', 'k2'), machine('m3', 'k3')].entries()) history = await benchNights(1, m, 60 + i, history);
  const doc = await runBench(
    benchPlan({ mode: 'history', context: context(history), night: facts('tonight', 'bad000000000') }, 64),
    new NightLab(64, machine('m4', 'k4')),
  );
  t.is(doc.summary.exitCode, 3);
  t.regex(doc.summary.notes.join('\n'), /the last 3 nights each ran on a machine the history had not seen.*stable \(self-hosted\) runner/);
  t.regex(
    doc.summary.notes.join('\n'),
    /the machine and the software changed together .*labbench c0ffee000000 → bad000000000.*cannot be told apart; to separate them, run the previous night's labbench \(c0ffee000000\) on this machine/,
  );
});

test('gate: the first night of an empty history judges nothing and passes; every night is a valid night record', async (t) => {
  const onA = { ...MACHINE_A, ...SOFTWARE };
  const doc = await runBench(benchPlan({ mode: 'history', context: context([]), night: facts('first') }, 3), new NightLab(3, onA));
  t.is(doc.summary.exitCode, 0);
  t.true(doc.cells.every((c) => c.verdict === 'INCONCLUSIVE'));
  const night = nightOfResults(doc, facts('first'));
  t.deepEqual(schemaErrors('night', JSON.parse(JSON.stringify(night))), []);
  t.is(night.cells.find((c) => c.path === 'overlay' && c.metric === 'tcp.throughput')?.values.length, 10);
  t.is(night.cells.find((c) => c.path === 'loopback' && c.metric === 'tcp.throughput')?.values.length, 20, 'the canary runs beside two paths');
});

test("the default settings are Otava's test and strictness with MongoDB's seed", (t) => {
  t.is(DEFAULT_NIGHTS_SETTINGS.changePoints.test, 't-test');
  t.is(DEFAULT_NIGHTS_SETTINGS.changePoints.pValue, 0.001);
  t.is(DEFAULT_NIGHTS_SETTINGS.changePoints.seed, 1234);
});
