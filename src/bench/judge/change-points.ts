/**
 * Change points in a series of nights: E-divisive means (Matteson & James, "A Nonparametric
 * Approach for Multiple Change Point Analysis of Multivariate Data", JASA 2014), the method of
 * MongoDB's performance CI (Daly et al., ICPE 2020) and of Apache Otava (Hunter).
 *
 * A split of a segment into a left part X and a right part Y is scored by the energy statistic
 *   q = m·n/(m+n) · ( 2/(mn)·Σ|x−y| − Σ_{i<k}|x_i−x_k| / C(m,2) − Σ_{j<k}|y_j−y_k| / C(n,2) ),
 * the best split of every segment is found, the best of them tested, and on success the segment
 * is split and the search repeats (bisection), until the best split is not significant.
 *
 * Significance, two ways:
 * - `permutation` (MongoDB): the segment's values are shuffled and the best split scored again;
 *   p = (#shuffles scoring ≥ q + 1) / (shuffles + 1). Distribution-free; it accounts for the
 *   search over split points, but a split k points from an end can never reach below about
 *   1/C(n, k).
 * - `t-test` (Hunter/Otava): Welch's t-test between the two sides of the best split. It assumes
 *   roughly normal per-night summaries (medians of rounds are), and so can show a step after a
 *   few nights.
 * Both are deterministic: the permutations come from a seeded generator, so a replay gives the
 * same answer.
 */
import { mulberry32 } from '../plan/schedule.ts';
import { mean } from './stats.ts';

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
  q: number;
}

/** The best split of `values` (largest q), or null when the segment is too short to split. */
export function bestSplit(values: readonly number[], minSegment: number): Split | null {
  const n = values.length;
  const least = Math.max(1, minSegment);
  if (n < 2 * least) return null;
  // left[t]: Σ|v_i − v_k| over i < k < t; right[t]: the same over t ≤ i < k < n.
  const left = new Float64Array(n + 1);
  const right = new Float64Array(n + 1);
  for (let t = 1; t <= n; t++) {
    let add = 0;
    const v = values[t - 1] as number;
    for (let i = 0; i < t - 1; i++) add += Math.abs((values[i] as number) - v);
    left[t] = (left[t - 1] as number) + add;
  }
  for (let t = n - 1; t >= 0; t--) {
    let add = 0;
    const v = values[t] as number;
    for (let k = t + 1; k < n; k++) add += Math.abs((values[k] as number) - v);
    right[t] = (right[t + 1] as number) + add;
  }
  const total = left[n] as number;
  let best: Split | null = null;
  for (let at = least; at <= n - least; at++) {
    const m = at;
    const k = n - at;
    const withinLeft = left[at] as number;
    const withinRight = right[at] as number;
    const between = total - withinLeft - withinRight;
    const e = (2 * between) / (m * k) - (m > 1 ? withinLeft / ((m * (m - 1)) / 2) : 0) - (k > 1 ? withinRight / ((k * (k - 1)) / 2) : 0);
    const q = ((m * k) / (m + k)) * e;
    if (best === null || q > best.q) best = { at, q };
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
    const p = s.test === 'permutation' ? permutationP(values, chosen.split.q, s, random) : welchP(values.slice(0, chosen.split.at), values.slice(chosen.split.at));
    if (p > s.pValue) break;
    const index = chosen.segment[0] + chosen.split.at;
    found.push({ index, p, statistic: chosen.split.q });
    segments = segments.flatMap((seg): [number, number][] => (seg === chosen.segment ? [[seg[0], index], [index, seg[1]]] : [seg]));
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
 * Two-sided p of Welch's t-test between two samples. Two sides without spread: 0 when their
 * means differ, 1 when they are equal.
 */
export function welchP(x: readonly number[], y: readonly number[]): number {
  if (x.length < 2 || y.length < 2) return 1;
  const mx = mean(x);
  const my = mean(y);
  const vx = sampleVariance(x, mx) / x.length;
  const vy = sampleVariance(y, my) / y.length;
  const se2 = vx + vy;
  if (!(se2 > 0)) return mx === my ? 1 : 0;
  const t = (mx - my) / Math.sqrt(se2);
  const df = (se2 * se2) / ((vx * vx) / (x.length - 1) + (vy * vy) / (y.length - 1));
  return studentTwoSidedP(t, df);
}

function sampleVariance(values: readonly number[], m: number): number {
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return sum / (values.length - 1);
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
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < g + 2; i++) sum += (c[i] as number) / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
