/**
 * Descriptive and robust statistics over one sample of per-run summaries. Pure functions on
 * plain number arrays; inputs are never mutated.
 */

/** Scale factor that makes the MAD a consistent estimator of σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function requireValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what} of an empty sample`);
}

/** Arithmetic mean. */
export function mean(values: readonly number[]): number {
  requireValues(values, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Quantile q ∈ [0, 1] with linear interpolation between order statistics (Hyndman–Fan type 7,
 * the default of R, NumPy and tinybench), so figures agree with the probes' own percentiles.
 */
export function quantile(values: readonly number[], q: number): number {
  requireValues(values, 'quantile');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`);
  const s = sorted(values);
  return quantileOfSorted(s, q);
}

/** Type-7 quantile of an already ascending array (no copy); for hot paths that sort once. */
export function quantileOfSorted(ascending: readonly number[], q: number): number {
  const h = (ascending.length - 1) * q;
  const lo = Math.floor(h);
  const below = ascending[lo] as number;
  const above = ascending[Math.min(lo + 1, ascending.length - 1)] as number;
  return below + (h - lo) * (above - below);
}

/** Median (the 0.5 quantile). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median absolute deviation from the median, unscaled (multiply by MAD_TO_SIGMA for σ). */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/**
 * Robust coefficient of variation: 1.4826·MAD / |median|. Infinity when the median is 0
 * (the spread cannot be expressed relative to it).
 */
export function robustCv(values: readonly number[]): number {
  const m = median(values);
  const spread = MAD_TO_SIGMA * mad(values);
  if (m === 0) return spread === 0 ? 0 : Number.POSITIVE_INFINITY;
  return spread / Math.abs(m);
}

/**
 * Hodges–Lehmann two-sample shift estimator: the median of all pairwise differences x_i − y_j.
 * Positive when x tends to be larger than y.
 */
export function hodgesLehmannShift(x: readonly number[], y: readonly number[]): number {
  requireValues(x, 'Hodges–Lehmann shift');
  requireValues(y, 'Hodges–Lehmann shift');
  const diffs: number[] = [];
  for (const a of x) for (const b of y) diffs.push(a - b);
  return median(diffs);
}

/**
 * Hodges–Lehmann ratio estimator: exp(median of ln(x_i / y_j)), the typical multiplicative
 * change from y to x. Needs strictly positive values.
 */
export function hodgesLehmannRatio(x: readonly number[], y: readonly number[]): number {
  if ([...x, ...y].some((v) => !(v > 0))) throw new RangeError('Hodges–Lehmann ratio needs positive values');
  return Math.exp(hodgesLehmannShift(x.map(Math.log), y.map(Math.log)));
}

/** Standard normal cumulative distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Complementary error function, from the Chebyshev fit in Numerical Recipes (erfcc),
 * fractional error below 1.2e-7 everywhere: ample for p-values compared with 0.01.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Summary of one sample of per-run values, as stored in results documents. */
export interface SampleSummary {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  p25: number;
  p75: number;
  /** Unscaled median absolute deviation. */
  mad: number;
  /** 1.4826·MAD / median; null when the median is 0 (see robustCv). */
  robustCv: number | null;
}

/** Summarises a non-empty sample. */
export function summarize(values: readonly number[]): SampleSummary {
  const s = sorted(values);
  requireValues(s, 'summary');
  const cv = robustCv(s);
  return {
    n: s.length,
    median: quantileOfSorted(s, 0.5),
    mean: mean(s),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    p25: quantileOfSorted(s, 0.25),
    p75: quantileOfSorted(s, 0.75),
    mad: mad(s),
    robustCv: Number.isFinite(cv) ? cv : null,
  };
}

/** Least-squares line y = intercept + slope·x through paired points (how a cost grows with a size). */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  if (xs.length !== ys.length) throw new RangeError('linearFit needs as many x as y values');
  if (xs.length < 2) throw new RangeError('linearFit needs at least two points');
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  if (sxx === 0) throw new RangeError('linearFit needs at least two different x values');
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
