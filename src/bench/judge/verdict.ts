/**
 * The decision core: per path × metric, PASS, WARN, FAIL, IMPROVED or INCONCLUSIVE, with a
 * reason that quotes the numbers (research/regression-detection.md §3.3).
 *
 * FAIL needs all of: an effect (Hodges–Lehmann) beyond the metric's fail tolerance and its
 * absolute floor; a one-sided Mann–Whitney test significant after Holm correction over every
 * testable cell of the run; enough runs; in stored mode the drift bar (history guard, or twice
 * the tolerance without history) and a still canary; and a confirmation re-run of the flagged cells that meets
 * the same conditions. Calling `decide(input)` says which cells need that re-run; calling
 * `decide(input, confirmations)` with the re-run samples gives the final verdicts. Without
 * confirmation a cell never FAILs: it is a WARN awaiting confirmation.
 *
 * Both comparison modes share this core: `stored` (tonight against a stored baseline) and `ab`
 * (two variants measured interleaved in one run; `baseline` holds the A arm).
 */
import { formatChange, formatNumber, formatP, formatTolerance } from './format.ts';
import { describeDifferences, type FingerprintDifference } from '../measure/fingerprint.ts';
import { holm } from './holm.ts';
import { mannWhitneyGreater } from './mann-whitney.ts';
import { cellKey, DEFAULT_METRICS, type CellKey, type MetricId, type MetricSpec, type MetricTable } from '../plan/metrics.ts';
import { hodgesLehmannRatio, hodgesLehmannShift, mad, MAD_TO_SIGMA, median, robustCv } from './stats.ts';

/** The five outcomes, most severe first. */
export const VERDICTS = ['FAIL', 'WARN', 'INCONCLUSIVE', 'IMPROVED', 'PASS'] as const;

/** Outcome of one cell (and of a whole run: its most severe cell). */
export type Verdict = (typeof VERDICTS)[number];

/** How the baseline samples were obtained. */
export type ComparisonMode = 'stored' | 'ab';

/** Per-run values of one cell: tonight's (or arm B's) and the baseline's (or arm A's). */
export interface CellSamples {
  path: string;
  metric: MetricId;
  current: readonly number[];
  baseline: readonly number[];
}

/** One accepted night's medians, per cell (stored mode's history guard). */
export interface HistoryNight {
  recordedAt: string;
  medians: Record<CellKey, number>;
}

/** Knobs of the decision core. */
export interface DecisionSettings {
  /** Family-wise α for FAIL and IMPROVED (Holm), and the raw α for WARN. */
  alpha: number;
  /** Fewer runs than this on either side → INCONCLUSIVE. */
  minSamples: number;
  /** Fewer runs than this on either side → WARN at most. */
  minSamplesForFail: number;
  /** Stored mode: nights of history needed before the history guard replaces the 2× bar. */
  minHistoryNights: number;
  /** Stored mode: the history guard's width in robust σ of nightly medians. */
  guardSigmas: number;
}

/** Defaults from the research notes (§3.2, §3.3). */
export const DEFAULT_DECISION_SETTINGS: DecisionSettings = {
  alpha: 0.01,
  minSamples: 6,
  minSamplesForFail: 8,
  minHistoryNights: 7,
  guardSigmas: 3,
};

/** Everything the core needs to judge a run. */
export interface DecisionInput {
  mode: ComparisonMode;
  cells: readonly CellSamples[];
  metrics?: MetricTable;
  settings?: Partial<DecisionSettings>;
  /** Stored mode: baseline versus tonight's environment; non-empty → every cell INCONCLUSIVE. */
  fingerprintDifferences?: readonly FingerprintDifference[];
  /** Stored mode: accepted nightly medians, any order. */
  history?: readonly HistoryNight[];
  /** Stored mode: cells flagged on the previous night; a regression under 2× its tolerance must persist. */
  previouslyFlagged?: readonly CellKey[];
  /**
   * Stored mode: the path that measures the machine rather than the lab (the bench's `loopback`).
   * When it worsens significantly beyond its own fail tolerance on a metric, the machine changed
   * since the baseline: a cell of that metric FAILs only if it is still beyond the tolerance
   * after the canary's change is taken out; otherwise it is INCONCLUSIVE.
   */
  canary?: string;
}

/** The numbers behind a verdict. */
export interface CellStatistics {
  medianCurrent: number;
  medianBaseline: number;
  /** Relative metrics: Hodges–Lehmann ratio − 1 (−0.12 = 12 % lower); absolute: HL shift in the unit. */
  change: number;
  /** The change oriented so that positive is worse (relative metrics: a fraction). */
  worsening: number;
  /** One-sided Mann–Whitney p that the current runs are worse / better than the baseline. */
  pWorse: number;
  pBetter: number;
  method: 'exact' | 'normal';
  /** Holm-adjusted p of the side the effect points to; null when the cell was not tested. */
  pAdjusted: number | null;
  /** Robust CV of the current runs; null when undefined (median 0). */
  robustCvCurrent: number | null;
}

/** The confirmation re-run of a flagged cell. */
export interface ConfirmationOutcome {
  n: { current: number; baseline: number };
  stats: CellStatistics | null;
  /** Whether the FAIL conditions held again. */
  held: boolean;
  reason: string;
}

/** The verdict of one cell. */
export interface CellDecision {
  key: CellKey;
  path: string;
  metric: MetricId;
  verdict: Verdict;
  reason: string;
  n: { current: number; baseline: number };
  stats: CellStatistics | null;
  /** FAIL conditions held on the first pass (the cell needs, or had, a confirmation re-run). */
  flagged: boolean;
  confirmation: ConfirmationOutcome | null;
}

/** The verdicts of a run. */
export interface Decision {
  mode: ComparisonMode;
  settings: DecisionSettings;
  cells: CellDecision[];
  /** Flagged cells still waiting for a confirmation re-run (empty after the second call). */
  needsConfirmation: CellKey[];
  /** Whether confirmation samples were taken into account. */
  confirmationApplied: boolean;
}

/** Suffix of a flagged cell's first-pass reason, replaced by the confirmation's outcome. */
const AWAITING_CONFIRMATION = '; FAIL conditions met, awaiting a confirmation re-run';

interface Assessment {
  cell: CellSamples;
  spec: MetricSpec;
  stats: CellStatistics | null;
  /** Why the cell cannot be judged (INCONCLUSIVE), or null. */
  blocked: string | null;
}

interface Context {
  input: DecisionInput;
  metrics: MetricTable;
  settings: DecisionSettings;
  /** Stored mode: the canary's statistics per metric on which it moved beyond its fail tolerance. */
  canaryMoved: Map<MetricId, CellStatistics>;
}

/**
 * Judges every cell. Without `confirmations`, cells whose FAIL conditions hold are WARN and
 * listed in `needsConfirmation`; with them (re-run samples of those cells; A/B: both arms
 * re-run), those cells become FAIL only if the conditions hold again on the re-run.
 */
export function decide(input: DecisionInput, confirmations?: readonly CellSamples[]): Decision {
  const ctx: Context = {
    input,
    metrics: input.metrics ?? DEFAULT_METRICS,
    settings: { ...DEFAULT_DECISION_SETTINGS, ...input.settings },
    canaryMoved: new Map(),
  };
  const assessed = input.cells.map((cell) => assess(cell, ctx));
  if (input.mode === 'stored') ctx.canaryMoved = canaryMoves(assessed, input.canary, ctx.settings.alpha);
  const adjusted = holmOverTestable(assessed, ctx.settings.alpha);
  const first = assessed.map((a, i) => classify(a, adjusted[i] ?? null, ctx));

  if (confirmations === undefined) {
    return {
      mode: input.mode,
      settings: ctx.settings,
      cells: first,
      needsConfirmation: first.filter((c) => c.flagged).map((c) => c.key),
      confirmationApplied: false,
    };
  }
  return {
    mode: input.mode,
    settings: ctx.settings,
    cells: applyConfirmations(first, confirmations, ctx),
    needsConfirmation: [],
    confirmationApplied: true,
  };
}

function assess(cell: CellSamples, ctx: Context): Assessment {
  const spec = ctx.metrics[cell.metric];
  const { current, baseline } = cell;
  const { minSamples } = ctx.settings;
  const all = [...current, ...baseline];
  if (all.some((v) => !Number.isFinite(v))) return { cell, spec, stats: null, blocked: 'non-numeric run values' };
  if (current.length === 0 || baseline.length === 0) {
    return { cell, spec, stats: null, blocked: `too few runs: current ${current.length}, baseline ${baseline.length} (need ≥ ${minSamples} each)` };
  }
  if (spec.change === 'relative' && all.some((v) => !(v > 0))) {
    return { cell, spec, stats: null, blocked: `a run reported ${formatNumber(Math.min(...all))} ${spec.unit}; ${spec.label} must be positive (failed run?)` };
  }
  const stats = statistics(cell, spec);
  const differences = ctx.input.mode === 'stored' ? (ctx.input.fingerprintDifferences ?? []) : [];
  let blocked: string | null = null;
  if (differences.length > 0) {
    blocked = `environment differs from the baseline (${describeDifferences(differences)}); re-baseline to compare`;
  } else if (current.length < minSamples || baseline.length < minSamples) {
    blocked = `too few runs: current ${current.length}, baseline ${baseline.length} (need ≥ ${minSamples} each)`;
  } else if (spec.cvMax !== null) {
    const noisy = noisyArm(cell, spec.cvMax, ctx.input.mode);
    if (noisy) blocked = `too noisy to judge: robust CV of the ${noisy.arm} runs ${(noisy.cv * 100).toFixed(0)}% > ${(spec.cvMax * 100).toFixed(0)}%`;
  }
  return { cell, spec, stats, blocked };
}

/** The arm whose runs vary too much (stored baselines were accepted once, so only tonight counts there). */
function noisyArm(cell: CellSamples, cvMax: number, mode: ComparisonMode): { arm: string; cv: number } | null {
  const arms: [string, readonly number[]][] = mode === 'ab' ? [['B', cell.current], ['A', cell.baseline]] : [['current', cell.current]];
  for (const [arm, values] of arms) {
    const cv = robustCv(values);
    if (cv > cvMax) return { arm, cv };
  }
  return null;
}

function statistics(cell: CellSamples, spec: MetricSpec): CellStatistics {
  const { current, baseline } = cell;
  const change = spec.change === 'relative' ? hodgesLehmannRatio(current, baseline) - 1 : hodgesLehmannShift(current, baseline);
  const worsening = spec.better === 'lower' ? change : -change;
  const greater = mannWhitneyGreater(current, baseline);
  const less = mannWhitneyGreater(baseline, current);
  const cv = robustCv(current);
  return {
    medianCurrent: median(current),
    medianBaseline: median(baseline),
    change,
    worsening,
    pWorse: spec.better === 'lower' ? greater.p : less.p,
    pBetter: spec.better === 'lower' ? less.p : greater.p,
    method: greater.method,
    pAdjusted: null,
    robustCvCurrent: Number.isFinite(cv) ? cv : null,
  };
}

/** The p-value of the side a cell's effect points to (what it contributes to the Holm family). */
export function sideP(stats: Pick<CellStatistics, 'worsening' | 'pWorse' | 'pBetter'>): number {
  return stats.worsening >= 0 ? stats.pWorse : stats.pBetter;
}

/** Holm-adjusted p per assessment (null for untestable ones), over all testable cells. */
function holmOverTestable(assessed: readonly Assessment[], alpha: number): (number | null)[] {
  const testable = assessed.flatMap((a, i) => (a.blocked === null && a.stats ? [{ i, p: sideP(a.stats) }] : []));
  const result = holm(
    testable.map((t) => t.p),
    alpha,
  );
  const adjusted: (number | null)[] = assessed.map(() => null);
  testable.forEach((t, k) => (adjusted[t.i] = (result[k] as { adjusted: number }).adjusted));
  return adjusted;
}

interface Classification {
  verdict: Verdict;
  reason: string;
  /** FAIL conditions hold (before confirmation). */
  failConditions: boolean;
}

function classify(a: Assessment, pAdjusted: number | null, ctx: Context): CellDecision {
  const base = {
    key: cellKey(a.cell.path, a.cell.metric),
    path: a.cell.path,
    metric: a.cell.metric,
    n: { current: a.cell.current.length, baseline: a.cell.baseline.length },
    confirmation: null,
  };
  const stats = a.stats ? { ...a.stats, pAdjusted } : null;
  if (a.blocked !== null || !stats) {
    return { ...base, verdict: 'INCONCLUSIVE', reason: a.blocked ?? 'not comparable', stats, flagged: false };
  }
  const c = judge(a.spec, stats, base.n, base.key, ctx);
  const reason = c.failConditions ? `${c.reason}${AWAITING_CONFIRMATION}` : c.reason;
  return { ...base, verdict: c.verdict, reason, stats, flagged: c.failConditions };
}

/**
 * PASS / WARN / IMPROVED, and whether FAIL conditions hold, for testable statistics. WARN asks
 * only for the raw one-sided p (an early signal); FAIL and IMPROVED (which invites a
 * re-baseline) need the Holm-corrected p.
 */
function judge(spec: MetricSpec, s: CellStatistics, n: { current: number; baseline: number }, key: CellKey, ctx: Context): Classification {
  const { alpha, minSamplesForFail } = ctx.settings;
  const summary = describe(spec, s);
  const floorOk = Math.abs(s.medianCurrent - s.medianBaseline) >= spec.absFloor;
  const floorNote = `the change of medians is below the ${formatNumber(spec.absFloor)} ${spec.unit} floor`;
  const significant = s.pAdjusted !== null && s.pAdjusted <= alpha;

  if (s.worsening < 0) {
    const gain = -s.worsening;
    if (gain < spec.warn) return pass(`${summary}; within tolerance`);
    if (!floorOk) return pass(`${summary}; ${floorNote}`);
    if (!ratioOk(spec, s, 'better')) return pass(`${summary}; less than ${spec.minRatio}× better`);
    if (!significant) return pass(`${summary}; improvement not significant after Holm correction (α ${alpha})`);
    return { verdict: 'IMPROVED', reason: `${summary}; significant improvement, consider re-baselining`, failConditions: false };
  }

  if (s.worsening < spec.warn) return pass(`${summary}; within the ${formatTolerance(spec, spec.warn)} warning tolerance`);
  if (!floorOk) return pass(`${summary}; ${floorNote}`);
  if (!ratioOk(spec, s, 'worse')) return pass(`${summary}; less than ${spec.minRatio}× worse`);
  if (s.pWorse > alpha) return pass(`${summary}; not significant (p ${formatP(s.pWorse)} > ${alpha})`);

  const warn = `${summary}; beyond the ${formatTolerance(spec, spec.warn)} warning tolerance`;
  if (spec.fail === null) return { verdict: 'WARN', reason: `${warn} (warn-only metric)`, failConditions: false };
  if (s.worsening < spec.fail) return { verdict: 'WARN', reason: warn, failConditions: false };
  const failText = `${summary}; beyond the ${formatTolerance(spec, spec.fail)} fail tolerance`;
  if (!significant) return { verdict: 'WARN', reason: `${failText} but not significant after Holm correction (α ${alpha})`, failConditions: false };
  if (n.current < minSamplesForFail || n.baseline < minSamplesForFail) {
    return { verdict: 'WARN', reason: `${failText}, but a FAIL needs ≥ ${minSamplesForFail} runs on each side`, failConditions: false };
  }
  if (ctx.input.mode === 'stored') {
    const canary = ctx.canaryMoved.get(spec.id);
    if (canary) {
      const machine = 'the machine changed since the baseline; re-run, or re-baseline if it stays';
      if (key === cellKey(ctx.input.canary as string, spec.id)) {
        return { verdict: 'INCONCLUSIVE', reason: `${failText}, but ${ctx.input.canary} is the canary: ${machine}`, failConditions: false };
      }
      const excess = worseningBeyond(spec, s, canary);
      if (excess < spec.fail) {
        const moved = `the ${ctx.input.canary} canary moved as well (${describe(spec, canary)}), leaving ${formatTolerance(spec, excess)} beyond it`;
        return { verdict: 'INCONCLUSIVE', reason: `${failText}, but ${moved}: ${machine}`, failConditions: false };
      }
    }
    const bar = storedModeBar(spec, s, key, ctx);
    if (bar !== null) return { verdict: 'WARN', reason: `${failText}, but ${bar}`, failConditions: false };
  }
  return { verdict: 'WARN', reason: failText, failConditions: true };
}

function pass(reason: string): Classification {
  return { verdict: 'PASS', reason, failConditions: false };
}

/** For zero-inflated metrics: the worse median must be at least minRatio × the better one. */
function ratioOk(spec: MetricSpec, s: CellStatistics, side: 'worse' | 'better'): boolean {
  if (spec.minRatio <= 1) return true;
  const currentIsHigher = (spec.better === 'lower') === (side === 'worse');
  const [high, low] = currentIsHigher ? [s.medianCurrent, s.medianBaseline] : [s.medianBaseline, s.medianCurrent];
  return high >= spec.minRatio * low;
}

/**
 * The canary's cells that worsened beyond their fail tolerance and floor with a raw one-sided
 * p ≤ α (not Holm: a machine-wide shift only has to be real, not survive the whole family).
 */
function canaryMoves(assessed: readonly Assessment[], canary: string | undefined, alpha: number): Map<MetricId, CellStatistics> {
  const moved = new Map<MetricId, CellStatistics>();
  if (canary === undefined) return moved;
  for (const a of assessed) {
    if (a.cell.path !== canary || !a.stats || a.spec.fail === null) continue;
    const floorOk = Math.abs(a.stats.medianCurrent - a.stats.medianBaseline) >= a.spec.absFloor;
    if (a.stats.worsening >= a.spec.fail && floorOk && a.stats.pWorse <= alpha) moved.set(a.cell.metric, a.stats);
  }
  return moved;
}

/** How much worse a cell got beyond the canary's own change (relative metrics: a ratio of ratios). */
function worseningBeyond(spec: MetricSpec, s: CellStatistics, canary: CellStatistics): number {
  if (spec.change === 'absolute') return s.worsening - canary.worsening;
  const ratio = (1 + s.change) / (1 + canary.change);
  return spec.better === 'lower' ? ratio - 1 : 1 - ratio;
}

/**
 * Stored mode's protection against night-to-night drift; null when it is cleared, else why not.
 * With enough history: tonight's median must sit beyond both the fail tolerance and
 * guardSigmas robust σ of the nightly medians, and a regression under twice the tolerance must
 * also have been flagged the night before. Without enough history: twice the tolerance.
 */
function storedModeBar(spec: MetricSpec, s: CellStatistics, key: CellKey, ctx: Context): string | null {
  const fail = spec.fail as number;
  const { minHistoryNights, guardSigmas } = ctx.settings;
  const nights = (ctx.input.history ?? []).flatMap((night) => {
    const v = night.medians[key];
    return v === undefined ? [] : [v];
  });
  if (nights.length < minHistoryNights) {
    if (s.worsening >= 2 * fail) return null;
    return `with ${nights.length} of ${minHistoryNights} nights of history a stored-baseline FAIL needs ${formatTolerance(spec, 2 * fail)}`;
  }
  const relative = spec.change === 'relative';
  const historyMedian = median(nights);
  const sign = spec.better === 'lower' ? 1 : -1;
  const beyond = relative
    ? sign * Math.log(s.medianCurrent / historyMedian)
    : sign * (s.medianCurrent - historyMedian);
  const spread = guardSigmas * MAD_TO_SIGMA * mad(relative ? nights.map(Math.log) : nights);
  const byTolerance = relative ? (spec.better === 'lower' ? Math.log(1 + fail) : -Math.log(1 - fail)) : fail;
  const needed = Math.max(byTolerance, spread);
  if (beyond <= needed) {
    const neededChange = relative ? Math.exp(sign * needed) - 1 : sign * needed;
    return `tonight's median is within the history guard (median of ${nights.length} nights ${formatNumber(historyMedian)} ${spec.unit}; needs ${formatChange(spec, neededChange)})`;
  }
  if (s.worsening < 2 * fail && !(ctx.input.previouslyFlagged ?? []).includes(key)) {
    return `a regression under ${formatTolerance(spec, 2 * fail)} must persist for a second night`;
  }
  return null;
}

/** "median 9.41 → 8.12 Gbit/s (-13.7%, p 2.0e-5, Holm 4.1e-4)" */
function describe(spec: MetricSpec, s: CellStatistics): string {
  const p = sideP(s);
  const holmText = s.pAdjusted === null ? '' : `, Holm ${formatP(s.pAdjusted)}`;
  return `median ${formatNumber(s.medianBaseline)} → ${formatNumber(s.medianCurrent)} ${spec.unit} (${formatChange(spec, s.change)}, p ${formatP(p)}${holmText})`;
}

function applyConfirmations(first: readonly CellDecision[], confirmations: readonly CellSamples[], ctx: Context): CellDecision[] {
  const byKey = new Map(confirmations.map((c) => [cellKey(c.path, c.metric), c]));
  const flagged = first.filter((c) => c.flagged && byKey.has(c.key));
  const assessed = flagged.map((c) => assess(byKey.get(c.key) as CellSamples, ctx));
  // The confirmation family is the flagged cells only.
  const adjusted = holmOverTestable(assessed, ctx.settings.alpha);
  const outcomes = new Map<CellKey, ConfirmationOutcome>();
  assessed.forEach((a, i) => {
    const key = cellKey(a.cell.path, a.cell.metric);
    const n = { current: a.cell.current.length, baseline: a.cell.baseline.length };
    const stats = a.stats ? { ...a.stats, pAdjusted: adjusted[i] ?? null } : null;
    if (a.blocked !== null || !stats) {
      outcomes.set(key, { n, stats, held: false, reason: `re-run not comparable: ${a.blocked ?? 'no values'}` });
      return;
    }
    const c = judge(a.spec, stats, n, key, ctx);
    outcomes.set(key, { n, stats, held: c.failConditions, reason: `re-run: ${c.reason}` });
  });

  return first.map((cell) => {
    if (!cell.flagged) return cell;
    const original = cell.reason.endsWith(AWAITING_CONFIRMATION) ? cell.reason.slice(0, -AWAITING_CONFIRMATION.length) : cell.reason;
    const outcome = outcomes.get(cell.key);
    if (!outcome) return { ...cell, reason: `${original}; FAIL conditions met but no confirmation re-run was made` };
    if (outcome.held) return { ...cell, verdict: 'FAIL', reason: `${original}; confirmed by ${outcome.reason}`, confirmation: outcome };
    return { ...cell, verdict: 'WARN', reason: `${original}; not confirmed by ${outcome.reason}`, confirmation: outcome };
  });
}

/** The most severe verdict among cells (PASS for none). */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  for (const v of VERDICTS) if (verdicts.includes(v)) return v;
  return 'PASS';
}
