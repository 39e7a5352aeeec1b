import test from 'ava';
import { hodgesLehmannRatio, hodgesLehmannShift, mad, mean, median, normalCdf, quantile, robustCv, summarize } from '../../src/bench/judge/stats.ts';

// Quantiles: Hyndman–Fan type 7 (NumPy's default), values computed by hand.
const quantiles: [number[], number, number][] = [
  [[1, 2, 3, 4], 0.25, 1.75],
  [[1, 2, 3, 4], 0.5, 2.5],
  [[4, 1, 3, 2], 0.75, 3.25],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99, 9.91],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0, 1],
  [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1, 10],
  [[42], 0.99, 42],
];
for (const [values, q, expected] of quantiles) {
  test(`quantile(${JSON.stringify(values)}, ${q}) = ${expected}`, (t) => {
    t.true(Math.abs(quantile(values, q) - expected) < 1e-12);
  });
}

test('median of odd and even samples, input left unsorted', (t) => {
  const values = [3, 1, 2];
  t.is(median(values), 2);
  t.deepEqual(values, [3, 1, 2]);
  t.is(median([5, 1, 4, 2]), 3);
});

test('mean', (t) => {
  t.is(mean([1, 2, 3, 4]), 2.5);
});

test('MAD: Wikipedia example (1,1,2,2,4,6,9) → 1, and robust to an outlier', (t) => {
  t.is(mad([1, 1, 2, 2, 4, 6, 9]), 1);
  t.is(mad([1, 2, 3, 4, 100]), 1);
});

test('robust CV = 1.4826·MAD/median', (t) => {
  t.true(Math.abs(robustCv([9, 10, 11]) - 0.14826) < 1e-12);
  t.is(robustCv([0, 0, 0]), 0);
  t.is(robustCv([-4, -2, 0, 0, 0, 3, 5]), Number.POSITIVE_INFINITY); // median 0, MAD 2
});

test('Hodges–Lehmann shift is the median of pairwise differences', (t) => {
  t.is(hodgesLehmannShift([1, 2, 3], [0, 0]), 2); // diffs 1,1,2,2,3,3
  t.is(hodgesLehmannShift([10, 20], [1, 2, 3]), 13); // diffs 7,8,9,17,18,19
  t.is(hodgesLehmannShift([0, 0], [1, 2, 3]), -2);
});

test('Hodges–Lehmann ratio is exp(median log ratio)', (t) => {
  t.true(Math.abs(hodgesLehmannRatio([2, 4], [1]) - Math.sqrt(8)) < 1e-12);
  t.true(Math.abs(hodgesLehmannRatio([9, 9.9, 10.8], [10, 11, 12]) - 0.9) < 1e-12);
  t.throws(() => hodgesLehmannRatio([0, 1], [1]), { instanceOf: RangeError });
});

// Standard normal table values.
const phi: [number, number][] = [
  [0, 0.5],
  [1, 0.8413447461],
  [-1, 0.1586552539],
  [1.959963985, 0.975],
  [-2.326347874, 0.01],
  [3, 0.998650102],
  [-3.090232306, 0.001],
];
for (const [z, expected] of phi) {
  test(`Φ(${z}) = ${expected}`, (t) => {
    t.true(Math.abs(normalCdf(z) - expected) < 2e-7, `${normalCdf(z)}`);
  });
}

test('summarize gives n, median, quartiles, MAD and robust CV', (t) => {
  const s = summarize([10, 12, 11, 13, 9]);
  t.deepEqual(s, { n: 5, median: 11, mean: 11, min: 9, max: 13, p25: 10, p75: 12, mad: 1, robustCv: 1.4826 / 11 });
  t.is(summarize([0, 0, 1]).robustCv, 0);
  t.is(summarize([-4, -2, 0, 0, 0, 3, 5]).robustCv, null); // median 0, MAD 2
});

test('empty samples are refused', (t) => {
  t.throws(() => median([]), { instanceOf: RangeError });
  t.throws(() => quantile([1], 1.5), { instanceOf: RangeError });
});
