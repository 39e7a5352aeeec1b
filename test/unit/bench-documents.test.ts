import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { baselinePath, loadBaseline, parseBaseline } from '../../src/bench/judge/baseline.ts';
import { comparisonCells, samplesByCell } from '../../src/bench/judge/cells.ts';
import { decide } from '../../src/bench/judge/verdict.ts';
import { describeDifferences, diffFingerprints } from '../../src/bench/measure/fingerprint.ts';
import type { RunRecord } from '../../src/bench/measure/run-record.ts';
import { DEFAULT_METRICS } from '../../src/bench/plan/metrics.ts';
import { baselineFromResults } from '../../src/bench/report/baseline-record.ts';
import { deriveFigures } from '../../src/bench/report/derived.ts';
import { renderHtml } from '../../src/bench/report/html.ts';
import { benchExitCode, buildResults } from '../../src/bench/report/results.ts';
import { parseDocument, schemaErrors } from '../../src/bench/shared/schema.ts';
import { FINGERPRINT, SUITE, simulateNight, syntheticBaseline, syntheticResults } from './bench-fixtures.ts';

test('a full synthetic night: results validate against the published schema, verdicts as injected', (t) => {
  const doc = syntheticResults();
  t.deepEqual(schemaErrors('results', doc), []);
  t.is(doc.cells.length, 40);
  const verdicts = Object.fromEntries(doc.cells.filter((c) => c.verdict !== 'PASS').map((c) => [c.key, c.verdict]));
  t.deepEqual(verdicts, { 'overlay/tcp.throughput': 'FAIL', 'bridge/ping.rtt': 'IMPROVED' });
  t.deepEqual(doc.summary.flagged, ['overlay/tcp.throughput']);
  t.is(doc.summary.exitCode, 1);
  t.is(benchExitCode(doc), 1);
  const fail = doc.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(fail?.current.samples.length, 10);
  t.is(fail?.confirmation?.current.samples.length, 10);
  t.not(fail?.confirmationStats, null);
  t.deepEqual([...new Set(doc.cells.map((c) => c.path))], ['loopback', 'host', 'bridge', 'overlay'], 'cells follow the suite path order');
  t.is(doc.runs.filter((r) => r.confirmation).length, 4 * 11 * 2, 'overlay re-run: 4 probes × (1 warm-up + 10), each beside its canary');
  t.is(doc.summary.judged, 40);
  t.true(doc.summary.notes.some((n) => /per-round ratio to the loopback canary/.test(n)));
});

test('exit code rule: 0 without FAIL, 1 with FAIL, 2 when the bench could not run', (t) => {
  t.is(benchExitCode(syntheticResults({ effects: {} })), 0);
  t.is(benchExitCode(syntheticResults()), 1);
  t.is(benchExitCode(null), 2);
});

test('fingerprint mismatch with the stored baseline is recorded and named', (t) => {
  const changed = { ...FINGERPRINT, kernel: '6.19.0', iperf3: 'iperf 3.16' };
  const diffs = diffFingerprints(FINGERPRINT, changed);
  t.deepEqual(diffs, [
    { field: 'iperf3', baseline: 'iperf 3.12', current: 'iperf 3.16' },
    { field: 'kernel', baseline: '6.18.0-labbench', current: '6.19.0' },
  ]);
  t.is(describeDifferences(diffs), 'iperf3 iperf 3.12 → iperf 3.16, kernel 6.18.0-labbench → 6.19.0');
  t.deepEqual(diffFingerprints({ a: 1 }, { a: 1, b: null }), [], 'unknown on both sides is no difference');
  t.deepEqual(diffFingerprints({ a: 1 }, { a: 1, b: 'x' }), [{ field: 'b', baseline: null, current: 'x' }]);
  t.deepEqual(diffFingerprints({ a: 1, mtu: 1500 }, { a: 2, mtu: 1450 }, ['a']), [{ field: 'mtu', baseline: 1500, current: 1450 }]);
});

test('derived figures: fraction of loopback (oriented) and ratio to host from the same run', (t) => {
  const figures = deriveFigures(
    [
      { path: 'loopback', metric: 'tcp.throughput', median: 40 },
      { path: 'host', metric: 'tcp.throughput', median: 12 },
      { path: 'overlay', metric: 'tcp.throughput', median: 9 },
      { path: 'loopback', metric: 'rr.p50', median: 30 },
      { path: 'host', metric: 'rr.p50', median: 60 },
      { path: 'overlay', metric: 'rr.p50', median: 180 },
      { path: 'overlay', metric: 'udp.loss', median: 0.1 },
    ],
    DEFAULT_METRICS,
  );
  const get = (path: string, metric: string) => figures.find((f) => f.path === path && f.metric === metric);
  t.is(get('overlay', 'tcp.throughput')?.fractionOfLoopback, 9 / 40);
  t.is(get('overlay', 'tcp.throughput')?.ratioToHost, 0.75);
  t.is(get('overlay', 'rr.p50')?.fractionOfLoopback, 30 / 180);
  t.is(get('overlay', 'rr.p50')?.ratioToHost, 3);
  t.is(get('loopback', 'tcp.throughput')?.fractionOfLoopback, 1);
  t.is(get('overlay', 'udp.loss'), undefined, 'loss has no meaningful ratio');
});

test('run records: warm-ups, failed runs and the other arm are not samples', (t) => {
  const base = {
    round: 1,
    path: 'host',
    probe: 'tcp' as const,
    canaryOf: null,
    confirmation: false,
    startedAt: '2026-03-02T01:00:00Z',
    durationMs: 12000,
    error: null,
  };
  const records: RunRecord[] = [
    { ...base, order: 0, round: 0, arm: 'A', warmup: true, values: { 'tcp.throughput': 1 } },
    { ...base, order: 2, arm: 'A', warmup: false, values: { 'tcp.throughput': 12.1, 'tcp.retransmits': 0 } },
    { ...base, order: 1, arm: 'B', warmup: false, values: { 'tcp.throughput': 11.9 } },
    { ...base, order: 3, arm: 'A', warmup: false, values: {}, error: 'iperf3 failed: unable to connect' },
    { ...base, order: 4, arm: 'A', warmup: false, values: { 'tcp.throughput': 12.3 } },
  ];
  t.deepEqual(
    [...samplesByCell(records, { arm: 'A', confirmation: false })],
    [
      ['host/tcp.throughput', { values: [12.1, 12.3], canary: null }],
      ['host/tcp.retransmits', { values: [0], canary: null }],
    ],
  );
  t.deepEqual(comparisonCells('ab', records), [
    { path: 'host', metric: 'tcp.throughput', current: [11.9], baseline: [12.1, 12.3] },
    { path: 'host', metric: 'tcp.retransmits', current: [], baseline: [0] },
  ]);
  t.throws(() => comparisonCells('stored', records), { instanceOf: RangeError });
});

test("run records: each path run is paired with the canary run beside it in the same round; the canary runs are the canary cell's samples", (t) => {
  const run = (over: Partial<RunRecord>): RunRecord => ({
    order: 0,
    round: 1,
    path: 'overlay',
    probe: 'rr',
    arm: null,
    canaryOf: null,
    warmup: false,
    confirmation: false,
    startedAt: '2026-03-02T01:00:00Z',
    durationMs: 300,
    values: {},
    error: null,
    ...over,
  });
  const records: RunRecord[] = [
    run({ order: 0, round: 1, values: { 'rr.p50': 100 } }),
    run({ order: 1, round: 1, path: 'loopback', canaryOf: 'overlay', values: { 'rr.p50': 25 } }),
    run({ order: 2, round: 1, path: 'loopback', canaryOf: 'host', values: { 'rr.p50': 26 } }),
    run({ order: 3, round: 1, path: 'host', values: { 'rr.p50': 60 } }),
    run({ order: 4, round: 2, path: 'loopback', canaryOf: 'overlay', values: {}, error: 'echo server gone' }),
    run({ order: 5, round: 2, values: { 'rr.p50': 400 } }),
  ];
  const cells = samplesByCell(records, { arm: null, confirmation: false });
  t.deepEqual(cells.get('overlay/rr.p50'), { values: [100, 400], canary: [25, null] });
  t.deepEqual(cells.get('host/rr.p50'), { values: [60], canary: [26] });
  t.deepEqual(cells.get('loopback/rr.p50'), { values: [25, 26], canary: null });
});

test("baseline from results validates, round-trips through parseBaseline, and keeps each path run's canary partner", (t) => {
  const results = syntheticResults({ effects: {} });
  const baseline = baselineFromResults(results);
  t.deepEqual(schemaErrors('baseline', baseline), []);
  t.is(baseline.samples.length, 40);
  t.deepEqual(parseBaseline(JSON.stringify(baseline), 'x.json'), baseline);
  const overlay = baseline.samples.find((s) => s.path === 'overlay' && s.metric === 'rr.p50');
  t.is(overlay?.canary?.length, overlay?.values.length);
  t.true((overlay?.canary ?? []).every((c) => typeof c === 'number'));
  // The canary's own cell has no partner: its runs are the canary runs of every path.
  const loopback = baseline.samples.find((s) => s.path === 'loopback' && s.metric === 'rr.p50');
  t.is(loopback?.canary, undefined);
  t.is(loopback?.values.length, 30);
  t.is(baselinePath('local'), 'bench/baselines/local.json');
});

test('loader errors: not JSON, wrong kind, wrong version, schema violation, missing file', async (t) => {
  const good = syntheticBaseline();
  const cases: [string, RegExp][] = [
    ['{ not json', /^b\.json is not valid JSON: /],
    [
      JSON.stringify({ ...good, kind: 'labbench.bench.results' }),
      /^b\.json is not a baseline document \(kind is "labbench\.bench\.results", expected "labbench\.bench\.baseline"\)$/,
    ],
    [JSON.stringify({ ...good, schemaVersion: 1 }), /^b\.json has schema version 1; this labbench reads version 2$/],
    [
      JSON.stringify({ ...good, samples: [{ path: 'host', metric: 'tcp.speed', values: [] }] }),
      /^b\.json does not match bench\/schema\/baseline\.schema\.json:\n {2}\/samples\/0\/metric: must be equal to one of the allowed values\n {2}\/samples\/0\/values: must NOT have fewer than 1 items$/,
    ],
    [JSON.stringify({ ...good, extra: 1 }), /\(document\): must NOT have additional properties \(extra\)/],
  ];
  for (const [text, message] of cases) {
    const err = t.throws(() => parseBaseline(text, 'b.json'));
    t.is(err?.name, 'ConfigError');
    t.regex(err?.message ?? '', message);
    t.regex((err as { hint?: string }).hint ?? '', /pnpm bench --update-baseline/);
  }
  const dir = await mkdtemp(join(tmpdir(), 'labbench-baseline-'));
  try {
    const missing = await t.throwsAsync(loadBaseline(join(dir, 'none.json')));
    t.is(missing?.name, 'ConfigError');
    t.regex(missing?.message ?? '', /^no baseline at .*none\.json$/);
    await writeFile(join(dir, 'ok.json'), JSON.stringify(good));
    t.deepEqual(await loadBaseline(join(dir, 'ok.json')), good);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('results documents are checked by the same loader rule', (t) => {
  const doc = syntheticResults();
  t.deepEqual(parseDocument('results', JSON.stringify(doc), 'report.json', 'fix'), JSON.parse(JSON.stringify(doc)));
  const broken = { ...doc, summary: { ...doc.summary, exitCode: 2 } };
  t.throws(() => parseDocument('results', JSON.stringify(broken), 'report.json', 'fix'), {
    message: /\/summary\/exitCode: must be equal to one of the allowed values/,
  });
});

test('A/B mode end to end: arms interleaved in one run, B judged against A, variants recorded', (t) => {
  const effects = { 'overlay/rr.p99': 1.6 };
  const records = simulateNight({ seed: 21, arms: ['A', 'B'], effects, paths: ['loopback', 'host', 'overlay'] });
  const input = { mode: 'ab' as const, cells: comparisonCells('ab', records) };
  const first = decide(input);
  t.deepEqual(first.needsConfirmation, ['overlay/rr.p99']);
  const rerun = simulateNight({ seed: 22, arms: ['A', 'B'], effects, paths: ['overlay'], confirmation: true });
  const confirmations = comparisonCells('ab', rerun, { confirmation: true });
  const decision = decide(input, confirmations);
  const doc = buildResults({
    testbed: 'local',
    mode: 'ab',
    startedAt: '2026-03-02T01:00:00Z',
    finishedAt: '2026-03-02T02:10:00Z',
    suite: { ...SUITE, paths: ['loopback', 'host', 'overlay'] },
    fingerprint: { ...FINGERPRINT, backend: 'udp' },
    cells: input.cells,
    confirmations,
    decision,
    runs: [...records, ...rerun],
    variants: { A: { label: 'vxlan backend', fingerprint: FINGERPRINT }, B: { label: 'udp backend', fingerprint: { ...FINGERPRINT, backend: 'udp' } } },
  });
  t.deepEqual(schemaErrors('results', doc), []);
  t.is(doc.cells.find((c) => c.key === 'overlay/rr.p99')?.verdict, 'FAIL');
  t.is(doc.summary.counts.FAIL, 1);
  t.deepEqual(doc.variants?.differences, [{ field: 'backend', baseline: 'vxlan', current: 'udp' }]);
  t.is(doc.baseline, null);
  const html = renderHtml(doc);
  t.regex(html, /A\/B: A = vxlan backend, B = udp backend/);
  t.regex(html, /re-run A \(10\)/);
  t.regex(html, /variants differ in backend \(A vxlan, B udp\)/);
});
