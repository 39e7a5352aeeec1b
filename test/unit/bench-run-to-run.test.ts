import test from 'ava';
import type { ResultsDocument } from '../../src/bench/report/results.ts';
import { renderSpread, runToRunSpread } from '../../src/bench/report/run-to-run.ts';

/** Just enough of a results document: per cell, its current samples. */
function doc(cells: Record<string, number[]>): ResultsDocument {
  return {
    cells: Object.entries(cells).map(([key, samples]) => {
      const [path, metric] = key.split('/') as [string, string];
      return { key, path, metric, unit: metric.startsWith('tcp.') ? 'Gbit/s' : '%', current: { samples, summary: null } };
    }),
  } as unknown as ResultsDocument;
}

test("per path × metric: each run's median, their range and robust σ relative to their median, the typical within-run CV", (t) => {
  const runs = [
    doc({ 'host/tcp.throughput': [9, 10, 11], 'host/udp.loss': [0, 0, 0] }),
    doc({ 'host/tcp.throughput': [10, 11, 12], 'host/udp.loss': [0, 0.1, 0] }),
    doc({ 'host/tcp.throughput': [8, 9, 10], 'host/udp.loss': [0, 0, 0] }),
  ];
  const [tcp, loss] = runToRunSpread(runs);
  t.deepEqual(tcp?.medians, [10, 11, 9]);
  t.is(tcp?.range, 0.2);
  t.is(tcp?.robustSigma, 0.14826);
  // Within-run robust CV: 1.4826 × MAD / median = 1.4826 × 1 / 10, 1 / 11, 1 / 9; their median is the first.
  t.is(tcp?.withinRunCv, 0.14826);
  t.is(tcp?.failTolerance, 0.1);
  t.true(tcp?.relative);
  // Loss is judged in percentage points, so its spread is too.
  t.deepEqual(loss?.medians, [0, 0, 0]);
  t.false(loss?.relative);
  t.is(loss?.range, 0);
  t.is(loss?.failTolerance, 1);
});

test('a relative metric whose median is 0 has no relative spread', (t) => {
  const [row] = runToRunSpread([doc({ 'host/tcp.throughput': [0] }), doc({ 'host/tcp.throughput': [0] })]);
  t.is(row?.range, null);
  t.regex(renderSpread(runToRunSpread([doc({ 'host/udp.loss': [0.2] }), doc({ 'host/udp.loss': [0.5] })])), /0\.3 pp/);
});

test('cells missing from any run are left out; no runs, no rows', (t) => {
  t.deepEqual(runToRunSpread([]), []);
  const rows = runToRunSpread([doc({ 'host/tcp.throughput': [1, 2], 'bridge/tcp.throughput': [3] }), doc({ 'host/tcp.throughput': [1, 2] })]);
  t.deepEqual(
    rows.map((r) => r.path),
    ['host'],
  );
});

test("the table shows the figures and each metric's fail tolerance", (t) => {
  const table = renderSpread(runToRunSpread([doc({ 'host/tcp.throughput': [10] }), doc({ 'host/tcp.throughput': [11] })]));
  t.regex(table, /^path +metric +unit +run medians +range +robust σ +within-run CV +fail tolerance$/m);
  t.regex(table, /^host +TCP throughput +Gbit\/s +10 11 +9\.5% +7\.1% +0\.0% +10%$/m);
});
