import test from 'ava';
import { exactUpperTail, mannWhitneyGreater, mannWhitneyU, normalUpperTail, shiftInterval, tieGroupSizes } from '../../src/bench/judge/mann-whitney.ts';
import { normalCdf } from '../../src/bench/judge/stats.ts';

/** P(U ≥ u) by enumerating every assignment of ranks 1..n+m to x (independent of the recurrence). */
function bruteForceUpperTail(n: number, m: number, u: number): number {
  let total = 0;
  let tail = 0;
  const choose = (start: number, left: number, ranks: number[]) => {
    if (left === 0) {
      const rankSum = ranks.reduce((a, b) => a + b, 0);
      const uOfX = rankSum - (n * (n + 1)) / 2;
      total++;
      if (uOfX >= u) tail++;
      return;
    }
    for (let r = start; r <= n + m; r++) choose(r + 1, left - 1, [...ranks, r]);
  };
  choose(1, n, []);
  return tail / total;
}

for (const [n, m] of [
  [3, 3],
  [4, 5],
  [5, 4],
  [6, 6],
  [2, 7],
] as const) {
  test(`exact distribution matches enumeration for n=${n}, m=${m}, every U`, (t) => {
    for (let u = 0; u <= n * m; u++) {
      t.true(Math.abs(exactUpperTail(n, m, u) - bruteForceUpperTail(n, m, u)) < 1e-12, `u=${u}`);
    }
  });
}

test('smallest exact one-sided p-values: 1/C(n+m, n)', (t) => {
  const x = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const r = mannWhitneyGreater(x, y);
  t.is(r.method, 'exact');
  t.is(r.u, 100);
  t.true(Math.abs(r.p - 1 / 184756) < 1e-15); // 5.4e-6, as in the notes
  t.true(Math.abs(mannWhitneyGreater([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).p - 1 / 252) < 1e-15); // 3.97e-3
  t.true(Math.abs(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).p - 0.05) < 1e-15);
});

// Published critical values of U for n1 = n2 = 10 (one-tailed): α 0.05 → 27, α 0.01 → 19, α 0.005 → 16.
// P(U ≤ c) ≤ α < P(U ≤ c + 1), i.e. by symmetry P(U ≥ 100 − c) ≤ α < P(U ≥ 99 − c).
for (const [alpha, critical] of [
  [0.05, 27],
  [0.01, 19],
  [0.005, 16],
] as const) {
  test(`exact tail agrees with the table: n1=n2=10, one-tailed α=${alpha}, U=${critical}`, (t) => {
    t.true(exactUpperTail(10, 10, 100 - critical) <= alpha);
    t.true(exactUpperTail(10, 10, 99 - critical) > alpha);
  });
}

test('SciPy documentation example: U=17, exact one-sided p = 7/126, asymptotic 0.0557', (t) => {
  const x = [19, 22, 16, 29, 24];
  const y = [20, 11, 17, 12];
  const r = mannWhitneyGreater(x, y);
  t.is(r.u, 17);
  t.true(Math.abs(r.p - 7 / 126) < 1e-12); // scipy: two-sided exact p 0.1111
  // z = (17 − 10 − 0.5)/sqrt(5·4·10/12) = 1.592168
  t.true(Math.abs(normalUpperTail(5, 4, 17, [1, 1, 1, 1, 1, 1, 1, 1, 1]) - (1 - normalCdf(6.5 / Math.sqrt(200 / 12)))) < 1e-12);
  t.true(Math.abs(normalUpperTail(5, 4, 17, [1, 1, 1, 1, 1, 1, 1, 1, 1]) - 0.05567) < 1e-4);
});

test('ties use the normal approximation with tie and continuity corrections (hand computation)', (t) => {
  // x = 1,2,2,3; y = 2,3,4,4 → U_x = 2.5, U_y = 13.5. Tie groups: 2×3, 3×2, 4×2 → Σ(t³−t) = 36.
  // var = 16/12·(9 − 36/56) = 11.142857; z_y = (13.5 − 8 − 0.5)/3.338092 = 1.497861 → p = 0.067084.
  const x = [1, 2, 2, 3];
  const y = [2, 3, 4, 4];
  t.is(mannWhitneyU(x, y), 2.5);
  t.deepEqual(tieGroupSizes([...x, ...y]).sort(), [1, 2, 2, 3]);
  const greater = mannWhitneyGreater(y, x);
  t.is(greater.method, 'normal');
  t.is(greater.u, 13.5);
  t.true(Math.abs(greater.p - 0.067084) < 1e-5, `${greater.p}`);
  const less = mannWhitneyGreater(x, y); // z = −6/3.338092 = −1.797435 → p = 0.963864
  t.true(Math.abs(less.p - 0.963864) < 1e-5, `${less.p}`);
});

test('large samples use the normal approximation; all-equal samples give p = 1', (t) => {
  const x = Array.from({ length: 60 }, (_, i) => i + 0.5);
  const y = Array.from({ length: 60 }, (_, i) => i);
  t.is(mannWhitneyGreater(x, y).method, 'normal');
  t.is(mannWhitneyGreater([5, 5, 5], [5, 5, 5]).p, 1);
});

test('one-sided: the two directions of an untied exact test sum to 1 + P(U = u)', (t) => {
  const x = [3.1, 4.7, 5.2, 6.9, 2.2, 8.4];
  const y = [1.5, 2.8, 3.9, 4.1, 5.5, 0.7];
  const u = mannWhitneyU(x, y);
  const pointMass = exactUpperTail(6, 6, u) - exactUpperTail(6, 6, u + 1);
  t.true(Math.abs(mannWhitneyGreater(x, y).p + mannWhitneyGreater(y, x).p - (1 + pointMass)) < 1e-12);
});

test('shift interval (Moses): n = m = 10 at 95 % drops the 23 most extreme differences at each end (table U 23)', (t) => {
  const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const x = y.map((v) => v * 1.01 + 4.5);
  const differences = x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);
  const { low, high } = shiftInterval(x, y, 0.95);
  t.is(low, differences[23] as number);
  t.is(high, differences[100 - 24] as number);
  // The same k from the tail function: P(U ≤ 23) ≤ 0.025 < P(U ≤ 24).
  t.true(1 - exactUpperTail(10, 10, 24) <= 0.025);
  t.true(1 - exactUpperTail(10, 10, 25) > 0.025);
});

test('shift interval: unbounded when the samples are too small for the confidence; normal approximation for large ones', (t) => {
  t.deepEqual(shiftInterval([2, 3], [1, 2], 0.9), { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY });
  const y = Array.from({ length: 60 }, (_, i) => 100 + i);
  const x = y.map((v) => v + 10.5);
  const { low, high } = shiftInterval(x, y, 0.9);
  t.true(low < 10.5 && 10.5 < high && high - low < 20, `[${low}, ${high}]`);
});
