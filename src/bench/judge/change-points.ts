/**
 * Change points in a series of nights: E-divisive means (Matteson & James, "A Nonparametric
 * Approach for Multiple Change Point Analysis of Multivariate Data", JASA 2014), the method of
 * MongoDB's performance CI (Daly et al., ICPE 2020) and of Apache Otava (Hunter).
 *
 * A split of a segment into a left part X and a right part Y (which need not reach the
 * segment's end) is scored by the energy statistic
 *   q = m·n/(m+n) · ( 2/(mn)·Σ|x−y| − Σ_{i<k}|x_i−x_k| / C(m,2) − Σ_{j<k}|y_j−y_k| / C(n,2) ),
 * the best split of every segment is found, the best of them tested, and on success the segment
 * is split and the search repeats (bisection), until the best split is not significant.
 *
 * Significance, two ways:
 * - `permutation` (MongoDB): the segment's values are shuffled and the best split scored again;
 *   p = (#shuffles scoring ≥ q + 1) / (shuffles + 1). Distribution-free; it accounts for the
 *   search over split points, but a split k points from an end can never reach below about
 *   1/C(n, k).
 * - `t-test` (Hunter/Otava): Student's t-test (pooled variance) between the two sides of the
 *   best split (the whole segment on either side: a right part ending early is where to look,
 *   not what to test — testing it alone made up a change point in 13 % of 30-night noise series
 *   instead of 2 %), on values winsorised at 3 robust σ (robustStudentP). It assumes roughly
 *   normal per-night summaries (medians of rounds are), and so can show a step after a few nights.
 * Both are deterministic: the permutations come from a seeded generator, so a replay gives the
 * same answer.
 */
import { mulberry32 } from '../plan/schedule.ts';
import { MAD_TO_SIGMA, mean, median } from './stats.ts';

/** How change points are searched and tested. */
export interface ChangePointSettings {
  test: 'permutation' | 't-test';
  /** A split is a change point when its p-value is at most this. */
  pValue: number;
  /** Shuffles per permutation test. */
  permutations: number;
  /** Fewest points on either side of a change point. */
  minSegment: number;
  /** Seed of the permutations. */
  seed: number;
}

/** One change point: the series changes before `index` (the first point of the new segment). */
export interface ChangePoint {
  index: number;
  p: number;
  /** The energy statistic q of the split. */
  statistic: number;
}

/** MongoDB's seed and Otava's strictness, with the shuffles to resolve p ≈ 0.002. */
export const DEFAULT_CHANGE_POINT_SETTINGS: ChangePointSettings = {
  test: 't-test',
  pValue: 0.001,
  permutations: 499,
  minSegment: 2,
  seed: 1234,
};

interface Split {
  /** Index within the segment of the first point of the right part. */
  at: number;
  /** End (exclusive) of the right part: the search also chooses where it ends, so a change that is undone later is still seen. */
  end: number;
  q: number;
}

/**
 * The best split of `values` (largest q over the split point τ and the end κ of the right part,
 * as Matteson and James search), or null when the segment is too short to split. O(n²) with a
 * table of cumulative pairwise distances.
 */
export function bestSplit(values: readonly number[], minSegment: number): Split | null {
  const n = values.length;
  const least = Math.max(1, minSegment);
  if (n < 2 * least) return null;
  // sums[i * (n + 1) + j] = Σ_{a < i, b < j} |v_a − v_b|
  const w = n + 1;
  const sums = new Float64Array(w * w);
  for (let i = 1; i <= n; i++) {
    const vi = values[i - 1] as number;
    let row = 0;
    for (let j = 1; j <= n; j++) {
      row += Math.abs(vi - (values[j - 1] as number));
      sums[i * w + j] = (sums[(i - 1) * w + j] as number) + row;
    }
  }
  const block = (a: number, b: number, c: number, d: number) =>
    (sums[b * w + d] as number) - (sums[a * w + d] as number) - (sums[b * w + c] as number) + (sums[a * w + c] as number);
  const within = (a: number, b: number) => block(a, b, a, b) / 2;
  const withinLeft = (t: number) => within(0, t);
  let best: Split | null = null;
  for (let at = least; at <= n - least; at++) {
    const m = at;
    const wx = withinLeft(at);
    const ex = m > 1 ? wx / ((m * (m - 1)) / 2) : 0;
    for (let end = at + least; end <= n; end++) {
      const k = end - at;
      const between = block(0, at, at, end);
      const wy = within(at, end);
      const e = (2 * between) / (m * k) - ex - (k > 1 ? wy / ((k * (k - 1)) / 2) : 0);
      const q = ((m * k) / (m + k)) * e;
      if (best === null || q > best.q) best = { at, end, q };
    }
  }
  return best;
}

/** Change points of a series, in index order. */
export function eDivisive(series: readonly number[], settings: Partial<ChangePointSettings> = {}): ChangePoint[] {
  const s = { ...DEFAULT_CHANGE_POINT_SETTINGS, ...settings };
  const random = mulberry32(s.seed);
  const found: ChangePoint[] = [];
  let segments: [number, number][] = [[0, series.length]];
  for (;;) {
    let chosen: { segment: [number, number]; split: Split } | null = null;
    for (const segment of segments) {
      const split = bestSplit(series.slice(segment[0], segment[1]), s.minSegment);
      if (split && (chosen === null || split.q > chosen.split.q)) chosen = { segment, split };
    }
    if (chosen === null || !(chosen.split.q > 0)) break;
    const values = series.slice(chosen.segment[0], chosen.segment[1]);
    const p =
      s.test === 'permutation'
        ? permutationP(values, chosen.split.q, s, random)
        : robustStudentP(values.slice(0, chosen.split.at), values.slice(chosen.split.at));
    if (p > s.pValue) break;
    const index = chosen.segment[0] + chosen.split.at;
    found.push({ index, p, statistic: chosen.split.q });
    segments = segments.flatMap((seg): [number, number][] =>
      seg === chosen.segment
        ? [
            [seg[0], index],
            [index, seg[1]],
          ]
        : [seg],
    );
  }
  return found.sort((a, b) => a.index - b.index);
}

function permutationP(values: readonly number[], observed: number, s: ChangePointSettings, random: () => number): number {
  const shuffled = [...values];
  let atLeast = 0;
  for (let r = 0; r < s.permutations; r++) {
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
    }
    const split = bestSplit(shuffled, s.minSegment);
    // A tiny tolerance: a shuffle that reproduces the observed order must count as "at least".
    if (split && split.q >= observed * (1 - 1e-12)) atLeast++;
  }
  return (atLeast + 1) / (s.permutations + 1);
}

/**
 * Two-sided p of Student's two-sample t-test with the pooled variance (as Otava's tester). Not
 * Welch's: a two-night segment estimates its own variance from two points, and two nights that
 * happen to agree would make any difference look certain. Two sides without spread: 0 when
 * their means differ, 1 when they are equal.
 */
export function studentP(x: readonly number[], y: readonly number[]): number {
  const n = x.length + y.length;
  if (x.length < 1 || y.length < 1 || n < 3) return 1;
  return pooledT(x, y);
}

/**
 * The same on values winsorised per side at 3 robust σ (1.4826 × the median absolute residual
 * from each side's own median, pooled over both sides): a night that is far off for reasons of
 * its own (a busy machine) is pulled in instead of inflating the variance, which would hide a
 * real step, or, two such nights together, making one up. Normal nights are left as they are.
 */
export function robustStudentP(x: readonly number[], y: readonly number[]): number {
  const n = x.length + y.length;
  if (x.length < 1 || y.length < 1 || n < 3) return 1;
  const mx = median(x);
  const my = median(y);
  const sigma = MAD_TO_SIGMA * median([...x.map((v) => Math.abs(v - mx)), ...y.map((v) => Math.abs(v - my))]);
  if (!(sigma > 0)) return pooledT(x, y);
  const clip = (values: readonly number[], centre: number) => values.map((v) => Math.min(centre + 3 * sigma, Math.max(centre - 3 * sigma, v)));
  return pooledT(clip(x, mx), clip(y, my));
}

function pooledT(x: readonly number[], y: readonly number[]): number {
  const n = x.length + y.length;
  const mx = mean(x);
  const my = mean(y);
  const pooled = (squares(x, mx) + squares(y, my)) / (n - 2);
  const se2 = pooled * (1 / x.length + 1 / y.length);
  if (!(se2 > 0)) return mx === my ? 1 : 0;
  return studentTwoSidedP((mx - my) / Math.sqrt(se2), n - 2);
}

function squares(values: readonly number[], m: number): number {
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return sum;
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** Regularised incomplete beta I_x(a, b), by its continued fraction (modified Lentz). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - (front * betaFraction(1 - x, b, a)) / b;
  return (front * betaFraction(x, a, b)) / a;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < g + 2; i++) sum += (c[i] as number) / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
