import test from 'ava';
import { robustCv } from '../../src/bench/judge/stats.ts';
import { type CellSamples, type DecisionInput, decide, overallVerdict, type Verdict } from '../../src/bench/judge/verdict.ts';
import { metricsOfProbe, resolveMetrics } from '../../src/bench/plan/metrics.ts';

/** n evenly spaced distinct values around `center` (median = center, robust CV ≈ 3.7·step). */
function series(center: number, step = 0.01, n = 10): number[] {
  return Array.from({ length: n }, (_, i) => Number((center * (1 + (i - (n - 1) / 2) * step)).toFixed(9)));
}

function cell(path: string, metric: CellSamples['metric'], baseline: number[], current: number[]): CellSamples {
  return { path, metric, baseline, current };
}

/** A cell whose runs each have the canary's value of the same round beside them. */
function paired(
  path: string,
  metric: CellSamples['metric'],
  baseline: { path: number[]; canary: number[] },
  current: { path: number[]; canary: number[] },
): CellSamples {
  return { path, metric, baseline: baseline.path, current: current.path, baselineCanary: baseline.canary, currentCanary: current.canary };
}

/**
 * The ten-round ping run of the issue (p50 per round, µs): rounds 8–10 were slow on every path,
 * loopback included, yet overlay/loopback stays between 3.7 and 4.9 in every round.
 */
const ISSUE_ROUNDS = {
  loopback: [6, 5, 6, 5, 6, 6, 6, 49, 54, 44],
  host: [12, 13.5, 10, 10, 9.5, 10, 11, 103, 89, 85.5],
  overlay: [26.5, 24.5, 28, 23.5, 22, 22.5, 24, 181, 220, 176],
};

/** Another unchanged night: the same rounds in another order (the burst now early), each path value moved by a few %. */
function unchangedNight(values: number[], jitter = [1.03, 0.98, 1.01, 0.97, 1.02, 1, 0.99, 1.04, 0.96, 1]): number[] {
  const order = [7, 8, 9, 0, 1, 2, 3, 4, 5, 6];
  return order.map((round, i) => Number(((values[round] as number) * (jitter[i] as number)).toFixed(3)));
}

const steady = [cell('host', 'ping.rtt', series(80), series(80.4)), cell('bridge', 'ping.rtt', series(45), series(44.8))];

test("the issue's ten-round ping run: judged on the per-round ratio to the canary, an unchanged night PASSes despite the burst rounds", (t) => {
  const canaryTonight = unchangedNight(ISSUE_ROUNDS.loopback, Array(10).fill(1));
  const cells = (['host', 'overlay'] as const).map((path) =>
    paired(path, 'ping.rtt', { path: ISSUE_ROUNDS[path], canary: ISSUE_ROUNDS.loopback }, { path: unchangedNight(ISSUE_ROUNDS[path]), canary: canaryTonight }),
  );
  const ratios = ISSUE_ROUNDS.overlay.map((v, i) => v / (ISSUE_ROUNDS.loopback[i] as number));
  t.true(Math.min(...ratios) >= 3.6 && Math.max(...ratios) <= 4.9, "the issue's figure: the ratio stays between 3.7 and 4.9");

  const d = decide({ mode: 'stored', canary: 'loopback', cells: [...cells, cell('loopback', 'ping.rtt', ISSUE_ROUNDS.loopback, canaryTonight)] });
  const [host, overlay, loopback] = d.cells;
  for (const c of [host, overlay]) {
    t.is(c?.verdict, 'PASS', c?.reason);
    t.is(c?.stats?.basis, 'canary-ratio');
  }
  t.regex(overlay?.reason ?? '', /^median 25\.5 → 25\.3 µs, ÷canary 4\.04 → 4\.02 \(-0\.1%, CI -8\.8% … \+8\.1%, p 0\.470\); within tolerance$/);
  // The ratio is what removes the burst: its spread is a fraction of the raw runs'.
  t.true((overlay?.stats?.spreadBaseline ?? 1) < 0.15);
  t.true(robustCv(ISSUE_ROUNDS.overlay) > (overlay?.stats?.spreadBaseline ?? 0));
  t.is(loopback?.stats?.basis, 'raw', 'the canary itself is judged on its raw runs');
  t.deepEqual(d.needsConfirmation, []);
});

test('the same night with a real per-packet slowdown on the overlay (+146 % median): flagged through the canary ratios, never PASS', (t) => {
  // Tonight's overlay p50 25.5 → 66.3 µs; the burst rounds still slow everything, the canary too.
  const canaryTonight = [6, 5, 6, 50, 52, 45, 6, 5, 6, 6];
  const overlayTonight = [66, 64, 67, 520, 560, 470, 66.5, 65, 68, 66.3];
  const c = paired('overlay', 'ping.rtt', { path: ISSUE_ROUNDS.overlay, canary: ISSUE_ROUNDS.loopback }, { path: overlayTonight, canary: canaryTonight });
  const d = decide({ mode: 'stored', canary: 'loopback', cells: [c] });
  t.is(d.cells[0]?.verdict, 'WARN');
  t.true(d.cells[0]?.flagged);
  t.regex(d.cells[0]?.reason ?? '', /beyond the \+7\.5% warning tolerance; FAIL conditions met, awaiting a confirmation re-run$/);
  const final = decide({ mode: 'stored', canary: 'loopback', cells: [c] }, [c]);
  t.is(final.cells[0]?.verdict, 'FAIL');
});

test('a +146 % median shift is never PASS, even when the runs cannot show it beyond their noise', (t) => {
  // Raw values (no canary beside them): tonight's runs sit between the baseline's quiet rounds and its bursts.
  const tonight = [60, 62, 66, 64, 70, 68, 66.3, 65, 63, 67];
  const d = decide({ mode: 'stored', cells: [cell('overlay', 'ping.rtt', ISSUE_ROUNDS.overlay, tonight)] });
  const c = d.cells[0];
  t.true((c?.stats?.change ?? 0) > 0.15, 'the shift is beyond the fail tolerance');
  t.true((c?.stats?.pWorse ?? 0) > 0.01, 'and the test alone cannot show it');
  t.not(c?.verdict, 'PASS');
  t.is(c?.verdict, 'INCONCLUSIVE');
  t.regex(
    c?.reason ?? '',
    /the median moved beyond the \+15% fail tolerance, but not clearly beyond the noise \(p 0\.\d+ > 0\.01, quartiles overlap\): re-run$/,
  );
});

test('a shift that also makes the runs noisier still FAILs (overlay request-response p50 73.9 → 150 µs, robust CV 28 %)', (t) => {
  const baseline = series(73.9, 0.012);
  const tonight = [96, 112, 121, 133, 145, 155, 168, 176, 190, 214];
  t.true(robustCv(tonight) > 0.25, `the current runs' robust CV is ${(robustCv(tonight) * 100).toFixed(0)} %`);
  const input: DecisionInput = { mode: 'stored', cells: [cell('overlay', 'rr.p50', baseline, tonight)] };
  const first = decide(input);
  t.true(first.cells[0]?.flagged, first.cells[0]?.reason);
  t.true(first.cells[0]?.stats?.separated, "tonight's lower quartile is beyond the baseline's upper quartile × 1.15");
  const final = decide(input, [cell('overlay', 'rr.p50', baseline, [101, 118, 125, 130, 142, 150, 161, 183, 195, 220])]);
  t.is(final.cells[0]?.verdict, 'FAIL');
});

test("a noisy night judged by the baseline's spread: a shift clear of the baseline's quartiles counts even when the test does not", (t) => {
  // Six runs a side, with one of tonight's runs at the baseline's level: p > 0.01, but the quartiles are far apart.
  const d = decide({ mode: 'stored', cells: [cell('host', 'rr.p50', [70, 71, 72, 73, 74, 75], [72, 130, 140, 150, 160, 170])] });
  t.true((d.cells[0]?.stats?.pWorse ?? 0) > 0.01);
  t.true(d.cells[0]?.stats?.separated);
  t.is(d.cells[0]?.verdict, 'WARN');
  t.regex(d.cells[0]?.reason ?? '', /tonight's quartiles clear the baseline's by the tolerance\), but a FAIL needs ≥ 7 runs on each side$/);
});

test('INCONCLUSIVE only when neither a change nor its absence within tolerance can be shown', (t) => {
  const noisy = cell('host', 'tcp.throughput', series(12.8, 0.06), series(12.5, 0.06).reverse());
  const d = decide({ mode: 'stored', cells: [noisy, cell('bridge', 'tcp.throughput', series(20, 0.01), series(19.9, 0.01))] });
  t.is(d.cells[0]?.verdict, 'INCONCLUSIVE');
  t.regex(d.cells[0]?.reason ?? '', /too noisy to show it stays within the -10% fail tolerance \(the interval reaches -\d+(\.\d)?%\)$/);
  t.is(d.cells[1]?.verdict, 'PASS', 'a quiet unchanged cell shows its change is inside the tolerance');
});

test('fewer TCP retransmits because the throughput fell are not an improvement', (t) => {
  const d = decide({
    mode: 'ab',
    cells: [cell('overlay', 'tcp.throughput', series(9), series(4.5)), cell('overlay', 'tcp.retransmits', series(40, 0.05), series(5, 0.05))],
  });
  t.is(d.cells[1]?.verdict, 'PASS');
  t.regex(d.cells[1]?.reason ?? '', /lower because TCP throughput got worse, not an improvement$/);
  const alone = decide({
    mode: 'ab',
    cells: [cell('overlay', 'tcp.throughput', series(9), series(9.01)), cell('overlay', 'tcp.retransmits', series(40, 0.05), series(5, 0.05))],
  });
  t.is(alone.cells[1]?.verdict, 'IMPROVED');
});

test('A/B: a −15% throughput drop is flagged, WARN until a confirmation re-run holds, then FAIL', (t) => {
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65)), ...steady] };
  const first = decide(input);
  const overlay = first.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(overlay?.verdict, 'WARN');
  t.true(overlay?.flagged);
  t.deepEqual(first.needsConfirmation, ['overlay/tcp.throughput']);
  t.regex(
    overlay?.reason ?? '',
    /^median 9 → 7\.65 Gbit\/s \(-15%, CI -17\.4% … -12\.5%, p 5\.4e-6\); beyond the -5% warning tolerance; FAIL conditions met, awaiting a confirmation re-run$/,
  );
  t.deepEqual(overlay?.confirmationState, {
    stage: 'awaiting',
    firstPassReason: 'median 9 → 7.65 Gbit/s (-15%, CI -17.4% … -12.5%, p 5.4e-6); beyond the -5% warning tolerance',
  });
  t.is(first.cells.find((c) => c.key !== 'overlay/tcp.throughput')?.confirmationState, null, 'an unflagged cell has no confirmation state');
  t.false(first.confirmationApplied);

  const final = decide(input, [cell('overlay', 'tcp.throughput', series(9.05), series(7.7))]);
  const confirmed = final.cells.find((c) => c.key === 'overlay/tcp.throughput');
  t.is(confirmed?.verdict, 'FAIL');
  t.regex(confirmed?.reason ?? '', /; confirmed by re-run: median 9\.05 → 7\.7 Gbit\/s \(-14\.9%, CI .*, p 5\.4e-6\)/);
  t.is(confirmed?.confirmation?.held, true);
  t.is(confirmed?.confirmationState?.stage, 'confirmed');
  t.true(confirmed?.reason.startsWith(`${overlay?.confirmationState?.firstPassReason}; confirmed by re-run: `));
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
  t.regex(final.cells[0]?.reason ?? '', /; not confirmed by re-run: median 9 → 8\.98 Gbit\/s .*within tolerance$/);
  t.is(final.cells[0]?.confirmation?.held, false);
  t.is(final.cells[0]?.confirmationState?.stage, 'not-confirmed');
});

test('a flagged cell without re-run samples never FAILs', (t) => {
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', series(9), series(7.65))] };
  const final = decide(input, []);
  t.is(final.cells[0]?.verdict, 'WARN');
  t.regex(final.cells[0]?.reason ?? '', /no confirmation re-run was made$/);
  t.is(final.cells[0]?.confirmationState?.stage, 'not-re-run');
  t.false(final.cells[0]?.reason.includes('awaiting'), "the first pass's note is gone");
});

test('verdict table: effect, significance, floors and gates', (t) => {
  const cases: { name: string; c: CellSamples; verdict: Verdict; reason: RegExp; flagged?: boolean }[] = [
    { name: 'within the warning tolerance', c: cell('host', 'tcp.throughput', series(12.8), series(12.4)), verdict: 'PASS', reason: /within tolerance$/ },
    // A gated relative metric acts from its warn tolerance on: a regression of the fail tolerance itself must be caught.
    {
      name: 'between warn and fail',
      c: cell('host', 'tcp.throughput', series(12.8), series(11.9)),
      verdict: 'WARN',
      reason: /\(-7%.*beyond the -5% warning tolerance; FAIL conditions met/,
      flagged: true,
    },
    {
      name: 'latency +20%',
      c: cell('host', 'rr.p50', series(70), series(84)),
      verdict: 'WARN',
      reason: /\+20%.*beyond the \+7\.5% warning tolerance; FAIL conditions met/,
      flagged: true,
    },
    { name: 'latency +20% but under the 2 µs floor', c: cell('loopback', 'rr.p50', series(5), series(6)), verdict: 'PASS', reason: /within tolerance$/ },
    {
      name: 'improvement',
      c: cell('bridge', 'ping.rtt', series(45), series(36)),
      verdict: 'IMPROVED',
      reason: /-20%.*significant improvement, consider re-baselining$/,
    },
    { name: 'warn-only jitter', c: cell('overlay', 'udp.jitter', series(0.02), series(0.05)), verdict: 'WARN', reason: /\(warn-only metric\)$/ },
    {
      name: 'loss 0 → ~2 %',
      c: cell('overlay', 'udp.loss', Array(10).fill(0), series(2)),
      verdict: 'WARN',
      reason: /median 0 → 2 % \(\+2 pp.*beyond the \+1 pp fail tolerance/,
      flagged: true,
    },
    { name: 'loss 1.0 → 1.5 % (not doubled)', c: cell('overlay', 'udp.loss', series(1), series(1.5)), verdict: 'PASS', reason: /within tolerance$/ },
  ];
  for (const k of cases) {
    const d = decide({ mode: 'ab', cells: [k.c] }).cells[0];
    t.is(d?.verdict, k.verdict, k.name);
    t.regex(d?.reason ?? '', k.reason, k.name);
    t.is(d?.flagged, k.flagged ?? false, k.name);
  }
});

test('too few runs and non-positive values give INCONCLUSIVE, never FAIL', (t) => {
  const d = decide({
    mode: 'ab',
    cells: [cell('host', 'tcp.throughput', series(12.8), series(9, 0.01, 5)), cell('overlay', 'tcp.throughput', series(9), [...series(7, 0.01, 9), 0])],
  });
  t.deepEqual(
    d.cells.map((c) => c.verdict),
    ['INCONCLUSIVE', 'INCONCLUSIVE'],
  );
  t.is(d.cells[0]?.reason, 'too few runs: current 5, baseline 10 (need ≥ 6 each)');
  t.regex(d.cells[1]?.reason ?? '', /a run reported 0 Gbit\/s; TCP throughput must be positive/);
  t.deepEqual(d.needsConfirmation, []);
});

test('6 runs: a large regression is a WARN, a FAIL needs 7 runs per side', (t) => {
  const d = decide({ mode: 'ab', cells: [cell('host', 'tcp.throughput', series(12.8), series(9, 0.01, 6))] });
  t.is(d.cells[0]?.verdict, 'WARN');
  t.regex(d.cells[0]?.reason ?? '', /a FAIL needs ≥ 7 runs on each side$/);
  t.true(decide({ mode: 'ab', cells: [cell('host', 'tcp.throughput', series(12.8), series(9, 0.01, 7))] }).cells[0]?.flagged);
});

test('a software or configuration difference makes every cell INCONCLUSIVE naming the fields; A/B ignores it', (t) => {
  const cells = [cell('overlay', 'tcp.throughput', series(9), series(6))];
  const differences = [
    { field: 'iperf3', baseline: 'iperf 3.12', current: 'iperf 3.16' },
    { field: 'kernel', baseline: '6.1.0', current: '6.18.0' },
  ];
  const stored = decide({ mode: 'stored', cells, fingerprintDifferences: differences });
  t.is(stored.cells[0]?.verdict, 'INCONCLUSIVE');
  t.is(stored.cells[0]?.reason, 'software or configuration differs from the baseline (iperf3 iperf 3.12 → iperf 3.16); re-baseline to compare');
  t.deepEqual(stored.needsConfirmation, []);
  t.is(decide({ mode: 'ab', cells, fingerprintDifferences: differences }).cells[0]?.flagged, true);
});

test('another kernel build: the paths are judged through the canary ratios, the canary itself is not', (t) => {
  const differences = [{ field: 'kernel', baseline: '6.18.44-fc-v595', current: '6.18.44-fc-v782' }];
  // The new machine is 40 % slower on every path, the canary included.
  const slower = (values: number[]) => values.map((v) => Number((v * 1.4).toFixed(3)));
  const canaryTonight = slower(unchangedNight(ISSUE_ROUNDS.loopback, Array(10).fill(1)));
  const cells = [
    paired(
      'overlay',
      'ping.rtt',
      { path: ISSUE_ROUNDS.overlay, canary: ISSUE_ROUNDS.loopback },
      { path: slower(unchangedNight(ISSUE_ROUNDS.overlay)), canary: canaryTonight },
    ),
    cell('loopback', 'ping.rtt', ISSUE_ROUNDS.loopback, canaryTonight),
    cell('overlay', 'ping.loss', Array(10).fill(0), Array(10).fill(0)),
    cell('host', 'rr.p50', series(70), series(98)),
  ];
  const d = decide({ mode: 'stored', canary: 'loopback', cells, fingerprintDifferences: differences });
  const [overlay, loopback, loss, unpaired] = d.cells;
  t.is(overlay?.verdict, 'PASS', overlay?.reason);
  t.is(overlay?.stats?.basis, 'canary-ratio');
  t.is(loss?.verdict, 'PASS', 'an absolute metric (loss) is still compared');
  t.is(loopback?.verdict, 'INCONCLUSIVE');
  t.is(
    loopback?.reason,
    "loopback is the canary: it measures the machine itself, and the machine differs from the baseline's (kernel 6.18.44-fc-v595 → 6.18.44-fc-v782)",
  );
  t.is(unpaired?.verdict, 'INCONCLUSIVE');
  t.regex(unpaired?.reason ?? '', /and no canary was measured beside this path to normalise with$/);
});

test('the canary never FAILs: a slower machine is a WARN that says so', (t) => {
  const d = decide({ mode: 'stored', canary: 'loopback', cells: [cell('loopback', 'tcp.throughput', series(40), series(30))] });
  t.is(d.cells[0]?.verdict, 'WARN');
  t.false(d.cells[0]?.flagged);
  t.regex(d.cells[0]?.reason ?? '', /loopback is the canary: the machine itself is slower than at the baseline/);
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

test('the confirmation re-run replicates at its own α (0.05): a re-run shift with p between 0.01 and 0.05 still confirms', (t) => {
  const baseline = series(9, 0.03);
  const input: DecisionInput = { mode: 'ab', cells: [cell('overlay', 'tcp.throughput', baseline, series(7.65, 0.01))] };
  t.deepEqual(decide(input).needsConfirmation, ['overlay/tcp.throughput']);
  // The re-run: seven of ten runs lower than every baseline run, three among them.
  const rerun = [7.6, 7.7, 7.65, 7.5, 7.8, 7.6, 7.7, 9.3, 9.9, 10.3];
  const alone = decide({ mode: 'ab', cells: [cell('overlay', 'tcp.throughput', baseline, rerun)] }).cells[0];
  t.true((alone?.stats?.pWorse ?? 0) > 0.01 && (alone?.stats?.pWorse ?? 1) <= 0.05, `the re-run alone has p ${alone?.stats?.pWorse}`);
  t.false(alone?.flagged, 'on a first pass it would not be flagged');
  const final = decide(input, [cell('overlay', 'tcp.throughput', baseline, rerun)]);
  t.is(final.cells[0]?.verdict, 'FAIL', final.cells[0]?.reason);
});

test('a shift between the warn and fail tolerances not shown beyond the noise is judged as unchanged or not, never flagged', (t) => {
  // +10 % on rr p50 with runs too noisy to show it: not PASS (the interval reaches past +15 %), not flagged.
  const noisy = [60, 95, 70, 88, 66, 90, 72, 85, 64, 80];
  const d = decide({ mode: 'ab', cells: [cell('host', 'rr.p50', noisy, noisy.map((v) => v * 1.1).reverse())] }).cells[0];
  t.false(d?.flagged);
  t.is(d?.verdict, 'INCONCLUSIVE', d?.reason);
  t.regex(d?.reason ?? '', /too noisy to show it stays within the \+15% fail tolerance/);
});
