/**
 * One-sided Mann–Whitney U test (Wilcoxon rank-sum): is x stochastically greater than y?
 * Exact null distribution for small samples without ties; normal approximation with tie and
 * continuity corrections otherwise (the same p-values as SciPy's `mannwhitneyu(x, y,
 * alternative='greater')` with method 'exact' and 'asymptotic').
 */
import { normalCdf } from './stats.ts';

/** Largest per-sample size for which the exact distribution is used (above it the normal approximation is accurate). */
export const EXACT_MAX_SIZE = 50;

/** Outcome of a one-sided Mann–Whitney U test. */
export interface MannWhitneyResult {
  /** U of x: pairs with x_i > y_j, plus half the tied pairs. */
  u: number;
  /** P(U ≥ u) under the null hypothesis that x and y come from one distribution. */
  p: number;
  method: 'exact' | 'normal';
}

/** U statistic of x against y (ties count one half). */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): number {
  let u = 0;
  for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
  return u;
}

/** Tests the alternative "x tends to be greater than y"; the p-value is one-sided. */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  if (x.length === 0 || y.length === 0) throw new RangeError('Mann–Whitney test needs two non-empty samples');
  const u = mannWhitneyU(x, y);
  const ties = tieGroupSizes([...x, ...y]);
  const hasTies = ties.some((t) => t > 1);
  if (!hasTies && x.length <= EXACT_MAX_SIZE && y.length <= EXACT_MAX_SIZE) {
    return { u, p: exactUpperTail(x.length, y.length, u), method: 'exact' };
  }
  return { u, p: normalUpperTail(x.length, y.length, u, ties), method: 'normal' };
}

/**
 * P(U ≥ u) from the exact null distribution of U for sizes n and m: the number of ways to
 * reach each U value, by the recurrence N(i, j, k) = N(i−1, j, k−j) + N(i, j−1, k) (adding the
 * largest value to x beats all j values of y; adding it to y beats none).
 */
export function exactUpperTail(n: number, m: number, u: number): number {
  const counts = exactCounts(n, m);
  const threshold = Math.ceil(u - 1e-9);
  let total = 0;
  let tail = 0;
  for (let k = 0; k < counts.length; k++) {
    total += counts[k] as number;
    if (k >= threshold) tail += counts[k] as number;
  }
  return tail / total;
}

/** The number of arrangements giving each U value 0 … nm for sizes n and m. */
function exactCounts(n: number, m: number): Float64Array {
  const max = n * m;
  // counts[j][k] = ways for (i, j) to reach U = k, built row by row over i.
  let previous = Array.from({ length: m + 1 }, () => new Float64Array(max + 1));
  for (const row of previous) row[0] = 1;
  for (let i = 1; i <= n; i++) {
    const current = Array.from({ length: m + 1 }, () => new Float64Array(max + 1));
    (current[0] as Float64Array)[0] = 1;
    for (let j = 1; j <= m; j++) {
      const here = current[j] as Float64Array;
      const left = current[j - 1] as Float64Array;
      const up = previous[j] as Float64Array;
      for (let k = 0; k <= i * j; k++) here[k] = (k >= j ? (up[k - j] as number) : 0) + (left[k] as number);
    }
    previous = current;
  }
  return previous[m] as Float64Array;
}

/**
 * Confidence interval of the Hodges–Lehmann shift x − y (Moses): the k-th smallest and k-th
 * largest of the n·m pairwise differences, k the largest count with P(U < k) ≤ (1 − confidence)/2
 * (exact distribution up to EXACT_MAX_SIZE, normal approximation above). Infinite bounds when
 * the samples are too small for the confidence asked.
 */
export function shiftInterval(x: readonly number[], y: readonly number[], confidence: number): { low: number; high: number } {
  if (x.length === 0 || y.length === 0) throw new RangeError('a shift interval needs two non-empty samples');
  const n = x.length;
  const m = y.length;
  const tail = (1 - confidence) / 2;
  let k: number;
  if (n <= EXACT_MAX_SIZE && m <= EXACT_MAX_SIZE) {
    const counts = exactCounts(n, m);
    const total = counts.reduce((sum, c) => sum + c, 0);
    let below = 0;
    k = 0;
    // P(U ≤ k) accumulates from the bottom; the bound is the (k+1)-th difference while P(U ≤ k) ≤ tail.
    while (k < counts.length && below + (counts[k] as number) <= tail * total) below += counts[k++] as number;
  } else {
    const z = -normalQuantile(tail);
    k = Math.floor((n * m) / 2 - z * Math.sqrt((n * m * (n + m + 1)) / 12));
  }
  if (k < 1) return { low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY };
  const differences: number[] = [];
  for (const a of x) for (const b of y) differences.push(a - b);
  differences.sort((a, b) => a - b);
  return { low: differences[k - 1] as number, high: differences[differences.length - k] as number };
}

/** Φ⁻¹(p) by bisection on normalCdf (accurate to 1e-9; only called for a few fixed levels). */
function normalQuantile(p: number): number {
  let low = -10;
  let high = 10;
  while (high - low > 1e-9) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * P(U ≥ u) by the normal approximation: mean nm/2, variance nm/12·((N+1) − Σ(t³−t)/(N(N−1)))
 * over tie groups t, with a continuity correction of ½ towards the mean.
 */
export function normalUpperTail(n: number, m: number, u: number, tieSizes: readonly number[]): number {
  const total = n + m;
  const tieTerm = tieSizes.reduce((sum, t) => sum + (t * t * t - t), 0);
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (variance <= 0) return 1; // every value tied: no evidence either way
  const z = (u - (n * m) / 2 - 0.5) / Math.sqrt(variance);
  return 1 - normalCdf(z);
}

/** Sizes of the groups of equal values in a sample (1 for each untied value). */
export function tieGroupSizes(values: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.values()];
}
