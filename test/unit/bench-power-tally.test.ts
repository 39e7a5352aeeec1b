import test from 'ava';
import { parseInjections, type Trial } from '../../bench/lib/power/plan.ts';
import { aaSummary, type GateCell, readGateCells, renderCurves, renderPowerTable, type TrialOutcome, tallyPower } from '../../bench/lib/power/tally.ts';

test("readGateCells takes path, metric, verdict, the medians (summary or raw samples) and the gate's shift estimate of a report.json cell", (t) => {
  const report = {
    cells: [
      {
        key: 'bridge/rr.p50',
        path: 'bridge',
        metric: 'rr.p50',
        verdict: 'FAIL',
        baseline: { samples: [50, 60, 55], summary: { median: 55 } },
        current: { samples: [70, 64, 66], summary: null },
        stats: { basis: 'canary-ratio', change: 0.21 },
      },
      { key: 'overlay/tcp.throughput', verdict: 'PASS', baseline: { samples: [] }, current: {} },
    ],
  };
  t.deepEqual(readGateCells(report), [
    { path: 'bridge', metric: 'rr.p50', verdict: 'FAIL', baselineMedian: 55, currentMedian: 66, judgedChange: 0.21 },
    { path: 'overlay', metric: 'tcp.throughput', verdict: 'PASS', baselineMedian: null, currentMedian: null, judgedChange: null },
  ]);
  t.throws(() => readGateCells({ summary: {} }), { message: /no "cells" list/ });
  t.throws(() => readGateCells({ cells: [{ path: 'x' }] }), { message: /cell 0/ });
});

const { injections } = parseInjections(['bridge/rr.p50:10,15', 'overlay/tcp.throughput:10']);
const [bridge10, bridge15, tcp10] = injections as [NonNullable<Trial['injection']>, NonNullable<Trial['injection']>, NonNullable<Trial['injection']>];
const cell = (path: string, metric: string, verdict: string, baselineMedian = 100, currentMedian = 100, judgedChange: number | null = null): GateCell => ({
  path,
  metric,
  verdict,
  baselineMedian,
  currentMedian,
  judgedChange,
});
const outcome = (round: number, group: 'rr' | 'tcp', injection: Trial['injection'], cells: GateCell[], verifiedPct: number | null = null): TrialOutcome => ({
  trial: { round, group, injection },
  exitCode: cells.some((c) => c.verdict === 'FAIL') ? 1 : 0,
  cells,
  verifiedPct,
  seconds: 60,
});
const OUTCOMES: TrialOutcome[] = [
  outcome(1, 'rr', bridge15, [cell('bridge', 'rr.p50', 'FAIL', 100, 116), cell('loopback', 'rr.p50', 'PASS')], 14),
  // The gate's own estimate (on the canary ratios) is what the table shows when the report has one.
  outcome(2, 'rr', bridge15, [cell('bridge', 'rr.p50', 'FAIL', 100, 99, 0.18), cell('loopback', 'rr.p50', 'FAIL')], 16),
  outcome(3, 'rr', bridge15, [cell('bridge', 'rr.p50', 'WARN', 100, 108), cell('loopback', 'rr.p50', 'PASS')], 15),
  outcome(1, 'rr', bridge10, [cell('bridge', 'rr.p50', 'INCONCLUSIVE', 100, 109)], 9),
  outcome(2, 'rr', bridge10, [cell('bridge', 'rr.p50', 'FAIL', 100, 112)], 11),
  outcome(1, 'rr', null, [cell('bridge', 'rr.p50', 'PASS'), cell('loopback', 'rr.p50', 'PASS')]),
  outcome(2, 'rr', null, [cell('bridge', 'rr.p50', 'FAIL'), cell('loopback', 'rr.p50', 'PASS')]),
  outcome(1, 'tcp', tcp10, [cell('overlay', 'tcp.throughput', 'FAIL', 3, 2.7)], -10.5),
  outcome(1, 'tcp', null, [cell('overlay', 'tcp.throughput', 'PASS'), cell('loopback', 'tcp.throughput', 'PASS')]),
];

test('tallyPower counts FAILs of the injected cell, its A/A false FAILs in the same suite, and FAILs of other cells', (t) => {
  const rows = tallyPower(injections, OUTCOMES);
  t.deepEqual(
    rows.map((r) => [r.cell, r.injection?.sizePct, `${r.fails}/${r.trials}`, r.warns, r.others, `${r.aa.fails}/${r.aa.trials}`, r.otherCellFails]),
    [
      ['bridge/rr.p50', 10, '1/2', 0, { INCONCLUSIVE: 1 }, '1/2', 0],
      ['bridge/rr.p50', 15, '2/3', 1, {}, '1/2', 1],
      ['overlay/tcp.throughput', 10, '1/1', 0, {}, '0/1', 0],
    ],
  );
  t.true(Math.abs((rows[1]?.observedPct ?? 0) - 16) < 1e-9);
  t.is(rows[1]?.verifiedPct, 15);
  t.true(Math.abs((rows[2]?.observedPct ?? 0) - -10) < 1e-9);
});

test('aaSummary counts A/A runs with any FAIL, naming the cells', (t) => {
  t.deepEqual(aaSummary('rr', OUTCOMES), { trials: 2, anyFail: 1, failedCells: ['bridge/rr.p50'], exitCodes: [0, 1] });
  t.deepEqual(aaSummary('tcp', OUTCOMES), { trials: 1, anyFail: 0, failedCells: [], exitCodes: [0] });
});

test('renderPowerTable: one aligned line per injection, or a Markdown table', (t) => {
  const rows = tallyPower(injections, OUTCOMES);
  t.is(
    renderPowerTable(rows),
    [
      'injected                      verified (plain)  gate estimated (median)  detected (FAIL)  WARN  other verdicts  A/A false FAIL  other cells FAIL',
      'bridge/rr.p50 +10 %           +10.0 %           +10.5 %                  1/2              0     1 INCONCLUSIVE  1/2             0',
      'bridge/rr.p50 +15 %           +15.0 %           +16.0 %                  2/3              1     –               1/2             1',
      'overlay/tcp.throughput −10 %  −10.5 %           −10.0 %                  1/1              0     –               0/1             0',
      '',
    ].join('\n'),
  );
  const md = renderPowerTable(rows, { markdown: true }).split('\n');
  t.is(md[0], '| injected | verified (plain) | gate estimated (median) | detected (FAIL) | WARN | other verdicts | A/A false FAIL | other cells FAIL |');
  t.is(md[1], '| --- | --- | --- | --- | --- | --- | --- | --- |');
  t.is(md[3], '| bridge/rr.p50 +15 % | +15.0 % | +16.0 % | 2/3 | 1 | – | 1/2 | 1 |');
});

test('renderCurves: detection rate against size for cells injected at several sizes, smallest first; nothing otherwise', (t) => {
  const rows = tallyPower(injections, OUTCOMES);
  t.is(renderCurves([...rows].reverse()), 'bridge/rr.p50  +10 % 1/2 · +15 % 2/3\n');
  t.is(renderCurves(rows.slice(2)), '');
});
