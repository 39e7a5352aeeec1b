import test from 'ava';
import type { BenchExecutor } from '../../src/bench/measure/executor.ts';
import type { RunValues } from '../../src/bench/measure/extract.ts';
import type { Fingerprint } from '../../src/bench/measure/fingerprint.ts';
import { type MetricId, metricsOfProbe } from '../../src/bench/plan/metrics.ts';
import { type Arm, mulberry32, type ScheduleCell } from '../../src/bench/plan/schedule.ts';
import { BENCH_PROBE_SETTINGS } from '../../src/bench/plan/suite.ts';
import { baselineFromResults } from '../../src/bench/report/baseline-record.ts';
import { renderConsole } from '../../src/bench/report/console.ts';
import { renderHtml } from '../../src/bench/report/html.ts';
import { renderJson } from '../../src/bench/report/json.ts';
import { renderMarkdown } from '../../src/bench/report/markdown.ts';
import type { ResultsDocument } from '../../src/bench/report/results.ts';
import { type BenchPlan, comparableBaseline, runBench } from '../../src/bench/runner.ts';

const PATHS = ['loopback', 'host', 'bridge', 'overlay'];
const TYPICAL: Record<MetricId, number> = {
  'tcp.throughput': 10,
  'tcp.retransmits': 0,
  'udp.goodput': 100,
  'udp.loss': 0,
  'udp.jitter': 0.01,
  'ping.rtt': 40,
  'ping.loss': 0,
  'rr.p50': 100,
  'rr.p99': 400,
  'rr.mean': 110,
};
const FINGERPRINT: Fingerprint = { kernel: '6.18', cpuCores: 2, iperf3: 'iperf 3.12', backend: 'vxlan', 'mtu.overlay': 1450 };

/** A lab stand-in: seeded lognormal runs (2 % CV) around TYPICAL, times an effect per `<path>/<metric>` on the changed side. */
class FakeLab implements BenchExecutor {
  readonly calls: { cell: ScheduleCell; n: number }[] = [];
  readonly prepared: string[] = [];
  private readonly random: () => number;
  constructor(
    seed: number,
    private readonly effect: (cell: ScheduleCell, metric: MetricId, call: number) => number = () => 1,
    private readonly fingerprints: { current: Fingerprint; A?: Fingerprint } = { current: FINGERPRINT },
    private readonly failing: (cell: ScheduleCell, call: number) => boolean = () => false,
  ) {
    this.random = mulberry32(seed);
  }
  async prepare(requirement: string | null): Promise<void> {
    if (requirement !== null && this.prepared.at(-1) !== requirement) this.prepared.push(requirement);
  }
  async run(cell: ScheduleCell): Promise<RunValues> {
    const n = this.calls.length;
    this.calls.push({ cell, n });
    if (this.failing(cell, n)) throw new Error('iperf3 failed: the server is busy running a test');
    const values: RunValues = {};
    for (const metric of metricsOfProbe(cell.probe)) {
      const u = Math.max(this.random(), 1e-9);
      const gauss = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
      values[metric] = TYPICAL[metric] * this.effect(cell, metric, n) * Math.exp(0.02 * gauss);
    }
    return values;
  }
  async fingerprint(arm: Arm | null): Promise<Fingerprint> {
    return arm === 'A' ? (this.fingerprints.A ?? this.fingerprints.current) : this.fingerprints.current;
  }
}

function plan(comparison: BenchPlan['comparison'], overrides: Partial<BenchPlan> = {}): BenchPlan {
  return {
    testbed: 'local',
    paths: PATHS,
    probes: ['tcp', 'udp', 'ping', 'rr'],
    runs: 10,
    warmups: 1,
    seed: 77,
    probeSettings: BENCH_PROBE_SETTINGS,
    comparison,
    requirementOf: () => null,
    initialRequirement: null,
    ...overrides,
  };
}

async function recordedBaseline(): Promise<ResultsDocument> {
  return runBench(plan({ mode: 'none' }, { seed: 1 }), new FakeLab(101));
}

const verdictOf = (doc: ResultsDocument, key: string) => doc.cells.find((c) => c.key === key)?.verdict;
const halveOverlayThroughput = (cell: ScheduleCell, metric: MetricId) => (cell.path === 'overlay' && metric === 'tcp.throughput' ? 0.5 : 1);

/** Runs per round: host, bridge and overlay × 4 probes, each beside a loopback canary run. */
const ROUND = 3 * 4 * 2;

test('a first run without a baseline: every figure reported, nothing judged (exit 3 unless it records the baseline)', async (t) => {
  const doc = await recordedBaseline();
  t.is(doc.runs.length, ROUND * 11);
  t.is(doc.runs.filter((r) => r.warmup).length, ROUND);
  t.true(doc.cells.every((c) => c.verdict === 'INCONCLUSIVE'));
  t.true(
    doc.cells.every((c) => c.current.samples.length === (c.path === 'loopback' ? 30 : 10)),
    "the canary runs beside the three paths are loopback's samples",
  );
  t.is(doc.summary.judged, 0);
  t.is(doc.summary.exitCode, 3);
  t.deepEqual(doc.summary.notes, ['no baseline to compare with (pnpm bench --update-baseline records one)']);
  t.notThrows(() => renderJson(doc));
  t.truthy(doc.derived.find((d) => d.path === 'overlay' && d.metric === 'tcp.throughput')?.fractionOfLoopback);
});

test('A/A against a stored baseline: no FAIL, no re-run, exit 0', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(202);
  const doc = await runBench(plan({ mode: 'stored', source: 'bench/baselines/local.json', baseline }), lab);
  t.is(doc.summary.counts.FAIL, 0);
  t.is(doc.summary.exitCode, 0);
  t.is(lab.calls.length, ROUND * 11, 'no confirmation runs');
  t.is(doc.summary.judged, doc.cells.length);
  t.true(doc.cells.filter((c) => c.path !== 'loopback' && c.stats?.basis === 'canary-ratio').length >= 15);
  t.deepEqual(doc.baseline?.differences, []);
  t.notThrows(() => renderJson(doc));
});

test('a real regression is flagged, re-run on that path × probe only, confirmed: FAIL naming path and metric, exit 1', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(303, halveOverlayThroughput);
  const phases: string[] = [];
  const doc = await runBench(plan({ mode: 'stored', source: 'b.json', baseline }), lab, { onPhase: (p, n) => phases.push(`${p}:${n}`) });
  t.deepEqual(phases, [`measure:${ROUND * 11}`, 'confirm:22']);
  const rerun = lab.calls.slice(ROUND * 11).map((c) => `${c.cell.path}/${c.cell.probe}`);
  t.deepEqual([...new Set(rerun)].sort(), ['loopback/tcp', 'overlay/tcp']);
  t.is(verdictOf(doc, 'overlay/tcp.throughput'), 'FAIL');
  t.regex(doc.cells.find((c) => c.key === 'overlay/tcp.throughput')?.reason ?? '', /-(49|50)(\.\d)?%.*; confirmed by re-run/);
  for (const path of ['loopback', 'host', 'bridge']) t.is(verdictOf(doc, `${path}/tcp.throughput`), 'PASS');
  t.is(doc.summary.exitCode, 1);
  t.true(doc.runs.filter((r) => r.confirmation).every((r) => (r.path === 'overlay' || r.canaryOf === 'overlay') && r.probe === 'tcp'));
  t.notThrows(() => renderJson(doc));
});

test('the whole machine slower (loopback too): the paths PASS on their canary ratios, the canary WARNs, no re-run', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const slower = (_cell: ScheduleCell, metric: MetricId) => (metric === 'rr.p50' || metric === 'rr.mean' ? 1.6 : 1);
  const doc = await runBench(plan({ mode: 'stored', source: 'b.json', baseline }), new FakeLab(505, slower));
  for (const path of ['host', 'bridge', 'overlay']) t.is(verdictOf(doc, `${path}/rr.p50`), 'PASS', path);
  t.is(verdictOf(doc, 'loopback/rr.p50'), 'WARN');
  t.regex(doc.cells.find((c) => c.key === 'loopback/rr.p50')?.reason ?? '', /loopback is the canary: the machine itself is slower than at the baseline/);
  t.false(doc.runs.some((r) => r.confirmation));
  t.is(doc.summary.exitCode, 0);
});

test('a fresh machine (another kernel build, 40 % slower, bursts of noise): judged through the canary ratios, and every report says so', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  // Rounds 8–10 of the measured ten are a burst on every path, the canary too.
  const machine = (_cell: ScheduleCell, metric: MetricId, call: number) => {
    const round = Math.floor(call / ROUND);
    const factor = (round >= 8 ? 8 : 1) * 1.4;
    return metric.endsWith('throughput') || metric.endsWith('goodput') ? 1 / factor : metric.includes('loss') || metric.includes('retransmits') ? 1 : factor;
  };
  const lab = new FakeLab(909, machine, { current: { ...FINGERPRINT, kernel: '6.18.44-fc-v782' } });
  const doc = await runBench(
    plan({ mode: 'stored', source: 'b.json', baseline: { ...baseline, fingerprint: { ...FINGERPRINT, kernel: '6.18.44-fc-v595' } } }),
    lab,
  );
  const loopback = doc.cells.filter((c) => c.path === 'loopback');
  t.true(
    loopback.every((c) => c.verdict === 'INCONCLUSIVE'),
    'the canary measures the machine, which changed',
  );
  t.is(doc.summary.judged, doc.cells.length - loopback.length);
  t.is(doc.summary.counts.FAIL, 0);
  t.is(doc.summary.exitCode, 0);
  for (const path of ['host', 'bridge', 'overlay']) {
    t.is(verdictOf(doc, `${path}/rr.p50`), 'PASS', path);
    t.is(verdictOf(doc, `${path}/tcp.throughput`), 'PASS', path);
  }
  t.deepEqual(
    doc.baseline?.machineDifferences.map((d) => d.field),
    ['kernel'],
  );
  t.deepEqual(doc.baseline?.softwareDifferences, []);
  const note = /the machine differs from the baseline's \(kernel 6\.18\.44-fc-v595 → 6\.18\.44-fc-v782\): compared through the canary ratios only/;
  t.true(doc.summary.notes.some((n) => note.test(n)));
  t.regex(renderConsole(doc), note);
  t.regex(renderMarkdown(doc), note);
  t.regex(renderHtml(doc).replaceAll('&#39;', "'"), note);
  t.regex(renderJson(doc), note);
  t.regex(renderMarkdown(doc).split('\n')[0] ?? '', /^## labbench bench: .* — 30 of 40 cells judged · exit 0$/);
});

test('a slowdown that is gone on the re-run is a WARN, not a FAIL', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(404, (cell, metric, call) => (call < ROUND * 11 ? halveOverlayThroughput(cell, metric) : 1));
  const doc = await runBench(plan({ mode: 'stored', source: 'b.json', baseline }), lab);
  t.is(verdictOf(doc, 'overlay/tcp.throughput'), 'WARN');
  t.regex(doc.cells.find((c) => c.key === 'overlay/tcp.throughput')?.reason ?? '', /not confirmed by re-run/);
  t.is(doc.summary.exitCode, 0);
});

test('other software or configuration: INCONCLUSIVE naming it, never FAIL even with a regression, and exit 3', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(505, halveOverlayThroughput, { current: { ...FINGERPRINT, 'mtu.overlay': 1400, kernel: '6.19' } });
  const doc = await runBench(plan({ mode: 'stored', source: 'b.json', baseline }), lab);
  t.true(doc.cells.every((c) => c.verdict === 'INCONCLUSIVE'));
  t.is(doc.cells[0]?.reason, 'software or configuration differs from the baseline (mtu.overlay 1450 → 1400); re-baseline to compare');
  t.is(doc.summary.exitCode, 3);
  t.regex(renderMarkdown(doc).split('\n')[0] ?? '', /— 0 of 40 cells judged · exit 3$/);
  t.is(lab.calls.length, ROUND * 11, 'nothing to confirm');
});

test('fields the run cannot speak for are left out of the environment check', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(606, () => 1, { current: { kernel: '6.18', cpuCores: 2, iperf3: 'iperf 3.12' } });
  const narrow = plan(
    { mode: 'stored', source: 'b.json', baseline },
    { paths: ['host'], probes: ['tcp'], ignoreFields: (b, c) => Object.keys(b).filter((f) => !(f in c)) },
  );
  const doc = await runBench(narrow, lab);
  t.deepEqual(doc.baseline?.differences, []);
  // The canary is measured beside the one path even when --paths does not name it.
  t.deepEqual(
    doc.cells.map((c) => c.key),
    ['host/tcp.throughput', 'host/tcp.retransmits', 'loopback/tcp.throughput', 'loopback/tcp.retransmits'],
  );
  t.is(doc.summary.judged, 4);
  const comparable = comparableBaseline(baseline, narrow, { kernel: '6.18', cpuCores: 2, iperf3: 'iperf 3.12' });
  t.deepEqual(comparable.samples.map((s) => `${s.path}/${s.metric}`).sort(), [
    'host/tcp.retransmits',
    'host/tcp.throughput',
    'loopback/tcp.retransmits',
    'loopback/tcp.throughput',
  ]);
  t.deepEqual(Object.keys(comparable.fingerprint).sort(), ['cpuCores', 'iperf3', 'kernel']);
});

test("A/B over two backends: blocks with one reconfiguration per round; B's regression caught; controls PASS", async (t) => {
  const lab = new FakeLab(707, (cell, metric) => (cell.arm === 'B' ? halveOverlayThroughput(cell, metric) : 1), {
    current: { ...FINGERPRINT, backend: 'udp', 'mtu.overlay': 1472 },
    A: FINGERPRINT,
  });
  const ab = plan(
    { mode: 'ab', labels: { A: 'vxlan', B: 'udp' } },
    {
      requirementOf: (path, arm) => (path === 'overlay' ? (arm === 'A' ? 'vxlan' : 'udp') : null),
      initialRequirement: 'vxlan',
    },
  );
  const doc = await runBench(ab, lab);
  t.is(doc.mode, 'ab');
  t.is(verdictOf(doc, 'overlay/tcp.throughput'), 'FAIL');
  t.is(verdictOf(doc, 'host/tcp.throughput'), 'PASS');
  t.deepEqual(
    doc.variants?.differences.map((d) => d.field),
    ['backend', 'mtu.overlay'],
  );
  // 11 rounds with one switch each, then the confirmation's 11 rounds.
  t.true(lab.prepared.length <= 11 + 11 + 1, `${lab.prepared.length} reconfigurations`);
  t.is(doc.summary.exitCode, 1);
  t.notThrows(() => renderJson(doc));
});

test('a failed run is recorded with its error and leaves its cell one sample short', async (t) => {
  const baseline = baselineFromResults(await recordedBaseline());
  const lab = new FakeLab(
    808,
    () => 1,
    { current: FINGERPRINT },
    (cell, call) => cell.path === 'host' && cell.probe === 'udp' && call > 150 && call < 210,
  );
  const doc = await runBench(plan({ mode: 'stored', source: 'b.json', baseline }), lab);
  const failed = doc.runs.filter((r) => r.error !== null);
  t.true(failed.length >= 1);
  t.regex(failed[0]?.error ?? '', /server is busy/);
  t.deepEqual(failed[0]?.values, {});
  const cell = doc.cells.find((c) => c.key === 'host/udp.loss');
  t.is(cell?.current.samples.length, 10 - failed.filter((r) => !r.warmup).length);
  t.notThrows(() => renderJson(doc));
});
