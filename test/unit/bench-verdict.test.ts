import test from 'ava';
import { metricsOfProbe, resolveMetrics } from '../../src/bench/plan/metrics.ts';
import { decide, overallVerdict, type CellSamples, type DecisionInput, type HistoryNight, type Verdict } from '../../src/bench/judge/verdict.ts';

/** n evenly spaced distinct values around `center` (median = center, robust CV ≈ 3.7·step). */
function series(center: number, step = 0.01, n = 10): number[] {
  return Array.from({ length: n }, (_, i) => Number((center * (1 + (i - (n - 1) / 2) * step)).toFixed(9)));
}

function cell(path: string, metric: CellSamples['metric'], baseline: number[], current: number[]): CellSamples {
  return { path, metric, baseline, current };
}

const steady = [cell('host', 'ping.rtt', series(80), series(80.4)), cell('bridge', 'ping.rtt', series(45), series(44.8))];

test('A/B: a −15% throughput drop is flagged, WARN until a confirmation re-run holds, then FAIL', (t) => {
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65)), ...steady] };
  const first = decide(input);
  const overlay = first.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(overlay?.verdict, 'WARN');
  t.true(overlay?.flagged);
  t.deepEqual(first.needsConfirmation, ['overlay/tcp.throughput']);
  t.regex(overlay?.reason ?? '', /^median 9 → 7\.65 Gbit\/s \(-15%, p 5\.4e-6, Holm 1\.6e-5\); beyond the -10% fail tolerance; FAIL conditions met, awaiting a confirmation re-run$/);
  t.false(first.confirmationApplied);

  const final = decide(input, [cell('overlay', 'tcp.throughput', series(9.05), series(7.7))]);
  const confirmed = final.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(confirmed?.verdict, 'FAIL');
  t.regex(confirmed?.reason ?? '', /; confirmed by re-run: median 9\.05 → 7\.7 Gbit\/s \(-14\.9%, p 5\.4e-6, Holm 5\.4e-6\)/);
  t.is(confirmed?.confirmation?.held, true);
  t.deepEqual(final.needsConfirmation, []);
  t.true(final.confirmationApplied);
  t.is(overallVerdict(final.cells.map((c) => c.verdict)), 'FAIL');
  t.deepEqual(
    final.cells.filter((c) => c.key !== 'overlay/tcp.throughput').map((c) => c.verdict),
    ['PASS', 'PASS'],
  );
});

test('a re-run that does not reproduce the regression leaves a WARN that says so', (t) => {
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65))] };
  const final = decide(input, [cell('overlay', 'tcp.throughput', series(9), series(8.98))]);
  t.is(final.cells[0]?.verdict, 'WARN');
  t.regex(final.cells[0]?.reason ?? '', /; not confirmed by re-run: median 9 → 8\.98 Gbit\/s .*within the -5% warning tolerance$/);
  t.is(final.cells[0]?.confirmation?.held, false);
});

test('a flagged cell without re-run samples never FAILs', (t) => {
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65))] };
  const final = decide(input, []);
  t.is(final.cells[0]?.verdict, 'WARN');
  t.regex(final.cells[0]?.reason ?? '', /no confirmation re-run was made$/);
});

test('verdict table: effect, significance, floors and gates', (t) => {
  const cases: { name: string; c: CellSamples; verdict: Verdict; reason: RegExp; flagged?: boolean }[] = [
    { name: 'within the warning tolerance', c: cell('host', 'tcp.throughput', series(12.8), series(12.4)), verdict: 'PASS', reason: /within the -5% warning tolerance$/ },
    { name: 'between warn and fail', c: cell('host', 'tcp.throughput', series(12.8), series(11.9)), verdict: 'WARN', reason: /\(-7\.0%|\(-7%.*beyond the -5% warning tolerance$/ },
    { name: 'latency +20%', c: cell('host', 'rr.p50', series(70), series(84)), verdict: 'WARN', reason: /\+20%.*beyond the \+15% fail tolerance; FAIL conditions met/, flagged: true },
    { name: 'latency +20% but under the 2 µs floor', c: cell('loopback', 'rr.p50', series(5), series(6)), verdict: 'PASS', reason: /below the 2 µs floor$/ },
    { name: 'improvement', c: cell('bridge', 'ping.rtt', series(45), series(36)), verdict: 'IMPROVED', reason: /-20%.*significant improvement, consider re-baselining$/ },
    { name: 'warn-only jitter', c: cell('overlay', 'udp.jitter', series(0.02), series(0.05)), verdict: 'WARN', reason: /\(warn-only metric\)$/ },
    { name: 'loss 0 → ~2 %', c: cell('overlay', 'udp.loss', Array(10).fill(0), series(2)), verdict: 'WARN', reason: /median 0 → 2 % \(\+2 pp.*beyond the \+1 pp fail tolerance/, flagged: true },
    { name: 'loss 1.0 → 1.5 % (not doubled)', c: cell('overlay', 'udp.loss', series(1), series(1.5)), verdict: 'PASS', reason: /less than 2× worse$/ },
    { name: 'overlapping samples', c: cell('host', 'tcp.throughput', series(10, 0.033), series(9.3, 0.033).reverse()), verdict: 'PASS', reason: /not significant \(p 0\.\d+ > 0\.01\)$/ },
  ];
  for (const k of cases) {
    const d = decide({ mode: 'ab', cells: [k.c] }).cells[0];
    t.is(d?.verdict, k.verdict, k.name);
    t.regex(d?.reason ?? '', k.reason, k.name);
    t.is(d?.flagged, k.flagged ?? false, k.name);
  }
});

test('too few runs, noisy runs and non-positive values give INCONCLUSIVE, never FAIL', (t) => {
  const d = decide({
    mode: 'ab',
    cells: [
      cell('host', 'tcp.throughput', series(12.8), series(9, 0.01, 5)),
      cell('bridge', 'tcp.throughput', series(20), series(15, 0.12)),
      cell('overlay', 'tcp.throughput', series(9), [...series(7, 0.01, 9), 0]),
    ],
  });
  t.deepEqual(
    d.cells.map((c) => c.verdict),
    ['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE'],
  );
  t.is(d.cells[0]?.reason, 'too few runs: current 5, baseline 10 (need ≥ 6 each)');
  t.regex(d.cells[1]?.reason ?? '', /^too noisy to judge: robust CV of the B runs 44% > 20%$/);
  t.regex(d.cells[2]?.reason ?? '', /a run reported 0 Gbit\/s; TCP throughput must be positive/);
  t.deepEqual(d.needsConfirmation, []);
});

test('6–7 runs: a large regression is a WARN, a FAIL needs 8 runs per side', (t) => {
  const d = decide({ mode: 'ab', cells: [cell('host', 'tcp.throughput', series(12.8), series(9, 0.01, 7))] });
  t.is(d.cells[0]?.verdict, 'WARN');
  t.regex(d.cells[0]?.reason ?? '', /a FAIL needs ≥ 8 runs on each side$/);
});

test('stored mode: a fingerprint difference makes every cell INCONCLUSIVE naming the fields; A/B ignores it', (t) => {
  const cells = [cell('overlay', 'tcp.throughput', series(9), series(6))];
  const differences = [
    { field: 'iperf3', baseline: 'iperf 3.12', current: 'iperf 3.16' },
    { field: 'kernel', baseline: '6.1.0', current: '6.18.0' },
  ];
  const stored = decide({ mode: 'stored', cells, fingerprintDifferences: differences });
  t.is(stored.cells[0]?.verdict, 'INCONCLUSIVE');
  t.is(stored.cells[0]?.reason, 'environment differs from the baseline (iperf3 iperf 3.12 → iperf 3.16, kernel 6.1.0 → 6.18.0); re-baseline to compare');
  t.deepEqual(stored.needsConfirmation, []);
  t.not(stored.cells[0]?.stats, null, 'figures are still computed for the report');
  t.is(decide({ mode: 'ab', cells, fingerprintDifferences: differences }).cells[0]?.flagged, true);
});

test('Holm correction across all cells: a marginal regression significant alone is not significant among many', (t) => {
  // 8 vs 8 with one overlap: exact p = P(U ≥ 63) = 2/12870 ≈ 1.55e-4, significant alone;
  // among 101 tested cells Holm needs p ≤ 0.01/101 ≈ 9.9e-5.
  const marginal = cell('overlay', 'rr.p50', [100, 101, 102, 103, 104, 105, 106, 121], [120, 122, 123, 124, 125, 126, 127, 128]);
  t.true(decide({ mode: 'ab', cells: [marginal] }).cells[0]?.flagged);
  const others = Array.from({ length: 100 }, (_, i) => cell(`p${i}`, 'ping.rtt', series(50 + i), series(50 + i, 0.011)));
  const d = decide({ mode: 'ab', cells: [marginal, ...others] });
  const m = d.cells[0];
  t.is(m?.verdict, 'WARN');
  t.false(m?.flagged);
  t.regex(m?.reason ?? '', /but not significant after Holm correction \(α 0\.01\)$/);
  t.true((m?.stats?.pAdjusted ?? 0) > 0.01);
});

function nights(medians: number[], key: string): HistoryNight[] {
  return medians.map((m, i) => ({ recordedAt: `2026-02-${String(i + 1).padStart(2, '0')}T01:00:00Z`, medians: { [key]: m } }));
}

test('stored mode without enough history: FAIL needs twice the tolerance', (t) => {
  const at15 = decide({ mode: 'stored', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65))], history: nights([9, 9.1], 'overlay/tcp.throughput') });
  t.is(at15.cells[0]?.verdict, 'WARN');
  t.false(at15.cells[0]?.flagged);
  t.regex(at15.cells[0]?.reason ?? '', /with 2 of 7 nights of history a stored-baseline FAIL needs -20%$/);
  const at25 = decide({ mode: 'stored', cells: [cell('overlay', 'tcp.throughput', series(9), series(6.75))] });
  t.true(at25.cells[0]?.flagged);
});

test('stored mode: when the loopback canary moves beyond its fail tolerance, a path FAILs only beyond the change of the machine itself', (t) => {
  const overlayDrop = cell('overlay', 'tcp.throughput', series(9), series(6.3));
  const still = decide({ mode: 'stored', canary: 'loopback', cells: [overlayDrop, cell('loopback', 'tcp.throughput', series(40), series(40.2))] });
  t.true(still.cells[0]?.flagged, 'a still canary leaves the −30 % overlay drop flagged');

  const machineSlower = decide({
    mode: 'stored',
    canary: 'loopback',
    cells: [overlayDrop, cell('loopback', 'tcp.throughput', series(40), series(30)), cell('overlay', 'ping.rtt', series(60), series(90))],
  });
  const [overlay, loopback, ping] = machineSlower.cells;
  t.is(overlay?.verdict, 'INCONCLUSIVE');
  t.false(overlay?.flagged);
  t.regex(overlay?.reason ?? '', /but the loopback canary moved as well \(median 40 → 30 Gbit\/s \(-25%, p 5\.4e-6\)\), leaving -6\.7% beyond it: the machine changed since the baseline/);
  t.is(loopback?.verdict, 'INCONCLUSIVE');
  t.regex(loopback?.reason ?? '', /but loopback is the canary: the machine changed/);
  t.true(ping?.flagged, 'another metric, on which the canary did not move, is still judged');
  t.deepEqual(machineSlower.needsConfirmation, ['overlay/ping.rtt']);

  // A collapse far beyond the machine's own change still fails: −79 % against a −12 % canary.
  const collapse = decide({ mode: 'stored', canary: 'loopback', cells: [cell('overlay', 'tcp.throughput', series(11.9), series(2.5)), cell('loopback', 'tcp.throughput', series(40), series(35.2))] });
  t.is(collapse.cells[1]?.verdict, 'INCONCLUSIVE');
  t.true(collapse.cells[0]?.flagged);

  const ab = decide({ mode: 'ab', canary: 'loopback', cells: [overlayDrop, cell('loopback', 'tcp.throughput', series(40), series(30))] });
  t.true(ab.cells[0]?.flagged, 'A/B runs interleave both arms, so the canary rule is for stored baselines only');
});

test('stored mode with history: the guard and the persistence rule', (t) => {
  const key = 'overlay/tcp.throughput';
  const tight = nights([9, 9.05, 8.95, 9.02, 8.98, 9.01, 8.99], key);
  const regression = [cell('overlay', 'tcp.throughput', series(9), series(7.65))];
  const once = decide({ mode: 'stored', cells: regression, history: tight });
  t.false(once.cells[0]?.flagged);
  t.regex(once.cells[0]?.reason ?? '', /a regression under -20% must persist for a second night$/);
  const twice = decide({ mode: 'stored', cells: regression, history: tight, previouslyFlagged: [key] });
  t.true(twice.cells[0]?.flagged);
  // Nights that drift ±15 % make a −15 % night indistinguishable from drift.
  const drifting = nights([9, 10.4, 7.8, 9.6, 8.1, 10.1, 8.6], key);
  const guarded = decide({ mode: 'stored', cells: regression, history: drifting, previouslyFlagged: [key] });
  t.false(guarded.cells[0]?.flagged);
  t.regex(guarded.cells[0]?.reason ?? '', /within the history guard \(median of 7 nights 9 Gbit\/s; needs -\d+(\.\d)?%\)$/);
});

test('tolerance overrides change the verdict; bad overrides are one ConfigError listing each', (t) => {
  const metrics = resolveMetrics({ 'tcp.throughput': { warn: 0.02, fail: 0.03 } });
  const d = decide({ mode: 'ab', cells: [cell('host', 'tcp.throughput', series(12.8), series(12.3))], metrics });
  t.true(d.cells[0]?.flagged);
  const err = t.throws(() => resolveMetrics({ 'tcp.throughput': { warn: 0.2, fail: 0.1 }, 'rr.p50': { absFloor: -1 }, bogus: { warn: 1 } } as never));
  t.is(err?.name, 'ConfigError');
  t.regex(err?.message ?? '', /tcp\.throughput: fail \(0\.1\) is below warn \(0\.2\)/);
  t.regex(err?.message ?? '', /rr\.p50\.absFloor must be a number ≥ 0, got -1/);
  t.regex(err?.message ?? '', /unknown metric "bogus"/);
});

test('each probe yields its own metrics', (t) => {
  t.deepEqual(metricsOfProbe('tcp'), ['tcp.throughput', 'tcp.retransmits']);
  t.deepEqual(metricsOfProbe('udp'), ['udp.goodput', 'udp.loss', 'udp.jitter']);
  t.deepEqual(metricsOfProbe('ping'), ['ping.rtt', 'ping.loss']);
  t.deepEqual(metricsOfProbe('rr'), ['rr.p50', 'rr.p99', 'rr.mean']);
});
