/**
 * The decision core: per path × metric, PASS, WARN, FAIL, IMPROVED or INCONCLUSIVE, with a
 * reason that quotes the numbers.
 *
 * What is compared. The noise of a shared machine is machine-wide and comes in bursts: whole
 * rounds are slow on every path, the loopback canary included. So a path's run is judged as its
 * ratio to the canary measured beside it in the same round (log scale), and tonight's per-round
 * ratios are compared with the baseline's (duet benchmarking; randomized multiple interleaved
 * trials). The canary's own cells, metrics in absolute units (loss, retransmits) and A/B runs
 * are compared on the raw values. The absolute figures are always reported.
 *
 * How. A one-sided Mann–Whitney test and the Hodges–Lehmann shift with its confidence interval
 * (Moses), against the metric's tolerances (research/regression-detection.md):
 * - changed: the shift is beyond the FAIL bar (and the metric's absolute floor) and shown beyond
 *   the noise — p ≤ α, or tonight's better quartile lies beyond the baseline's worse quartile by
 *   the bar (the shift holds even at the baseline's spread, however noisy tonight is). Such a
 *   cell is re-run; FAIL needs the re-run to show it again (at its own, looser α: it replicates
 *   a shift already shown). The FAIL bar of a relative metric is its warn tolerance: a
 *   regression of the fail tolerance itself must be caught, and an estimate from ten noisy
 *   rounds falls short of the true shift half the time. Absolute (zero-inflated) metrics keep
 *   the fail tolerance as their bar.
 * - unchanged: the worse end of the shift's confidence interval is inside the fail tolerance.
 * - a median change beyond the fail tolerance is never PASS; INCONCLUSIVE only when neither
 *   "changed" nor "unchanged" can be shown.
 * Calling `decide(input)` says which cells need the re-run; `decide(input, confirmations)` with
 * the re-run's samples gives the final verdicts. Without confirmation a cell never FAILs.
 *
 * Environment. A software or configuration difference from the baseline makes every cell
 * INCONCLUSIVE. A machine difference (kernel build, CPU, cores) does not: the canary ratios are
 * what travel between machines; only the cells that cannot be normalised are INCONCLUSIVE.
 */
import { describeDifferences, type FingerprintDifference, splitDifferences } from '../measure/fingerprint.ts';
import { type CellKey, cellKey, DEFAULT_METRICS, type MetricId, type MetricSpec, type MetricTable } from '../plan/metrics.ts';
import { formatChange, formatNumber, formatP, formatTolerance } from './format.ts';
import { mannWhitneyGreater, shiftInterval } from './mann-whitney.ts';
import { median, quantile, robustCv } from './stats.ts';

/** The five outcomes, most severe first. */
export const VERDICTS = ['FAIL', 'WARN', 'INCONCLUSIVE', 'IMPROVED', 'PASS'] as const;

/** Outcome of one cell (and of a whole run: its most severe cell). */
export type Verdict = (typeof VERDICTS)[number];

/** How the baseline samples were obtained. */
export type ComparisonMode = 'stored' | 'ab';

/** What a cell's statistics were computed on. */
export type Basis = 'canary-ratio' | 'raw';

/** Per-run values of one cell: tonight's (or arm B's) and the baseline's (or arm A's). */
export interface CellSamples {
  path: string;
  metric: MetricId;
  current: readonly number[];
  baseline: readonly number[];
  /** The canary's value measured beside each current run, aligned with `current` (null: none). */
  currentCanary?: readonly (number | null)[];
  /** The same for the baseline's runs. */
  baselineCanary?: readonly (number | null)[];
}

/** Knobs of the decision core. */
export interface DecisionSettings {
  /** One-sided α of "changed" on the first pass. */
  alpha: number;
  /**
   * One-sided α of the confirmation re-run: an independent replication of a shift already shown
   * at `alpha`, so the pair's false-FAIL rate per cell is at most alpha × confirmAlpha.
   */
  confirmAlpha: number;
  /** Confidence of the shift's interval; "unchanged" needs its worse end inside the fail tolerance. */
  confidence: number;
  /** Fewer judged runs than this on either side → INCONCLUSIVE. */
  minSamples: number;
  /** Fewer judged runs than this on either side → WARN at most. */
  minSamplesForFail: number;
}

/** Defaults: α 0.01 on the first pass and 0.05 on the re-run (5e-4 together), a 90 % interval (a one-sided 5 % equivalence test); one failed run of 8 rounds still lets a cell FAIL. */
export const DEFAULT_DECISION_SETTINGS: DecisionSettings = {
  alpha: 0.01,
  confirmAlpha: 0.05,
  confidence: 0.9,
  minSamples: 6,
  minSamplesForFail: 7,
};

/** Everything the core needs to judge a run. */
export interface DecisionInput {
  mode: ComparisonMode;
  cells: readonly CellSamples[];
  metrics?: MetricTable;
  settings?: Partial<DecisionSettings>;
  /** Stored mode: how the baseline's environment differs from tonight's. */
  fingerprintDifferences?: readonly FingerprintDifference[];
  /** The path that measures the machine rather than the lab (the bench's `loopback`). */
  canary?: string;
  /**
   * Cells that meet the FAIL conditions stay WARN with this said instead (a comparison made
   * only for the record, e.g. with another machine's nights); they need no re-run.
   */
  capAtWarn?: string;
}

/** The numbers behind a verdict. */
export interface CellStatistics {
  basis: Basis;
  /** Medians of the raw runs (the absolute figures). */
  medianCurrent: number;
  medianBaseline: number;
  /** Canary basis: median of the per-round ratios path/canary; null on the raw basis. */
  ratioCurrent: number | null;
  ratioBaseline: number | null;
  /** Relative metrics: Hodges–Lehmann ratio − 1 (−0.12 = 12 % lower); absolute: HL shift in the unit. */
  change: number;
  /** The shift's confidence interval, in the same terms as `change` (null: unbounded, too few runs). */
  changeLow: number | null;
  changeHigh: number | null;
  /** The change oriented so that positive is worse (relative metrics: a fraction). */
  worsening: number;
  /** The worse end of the interval, oriented like `worsening` (null: unbounded). */
  worseningHigh: number | null;
  /** One-sided Mann–Whitney p that the current runs are worse / better than the baseline. */
  pWorse: number;
  pBetter: number;
  method: 'exact' | 'normal';
  /** Robust CV of the judged values (the ratios on the canary basis); null when undefined. */
  spreadCurrent: number | null;
  spreadBaseline: number | null;
  /** Tonight's better quartile lies beyond the baseline's worse quartile by the fail tolerance. */
  separated: boolean;
}

/** The confirmation re-run of a flagged cell. */
export interface ConfirmationOutcome {
  n: { current: number; baseline: number };
  stats: CellStatistics | null;
  /** Whether the FAIL conditions held again. */
  held: boolean;
  reason: string;
}

/**
 * Where a flagged cell stands with its confirmation re-run: `awaiting` its samples (first pass),
 * `confirmed` (the FAIL conditions held again: FAIL), `not-confirmed` (they did not: WARN) or
 * `not-re-run` (none was made: WARN).
 */
export type ConfirmationStage = 'awaiting' | 'confirmed' | 'not-confirmed' | 'not-re-run';

/** The confirmation state of a flagged cell, as data (`reason` says it in words). */
export interface ConfirmationState {
  stage: ConfirmationStage;
  /** The first pass's reason, before anything about the re-run was added to it. */
  firstPassReason: string;
}

/** The verdict of one cell. */
export interface CellDecision {
  key: CellKey;
  path: string;
  metric: MetricId;
  verdict: Verdict;
  reason: string;
  /** Judged runs on each side (canary basis: rounds with a canary beside them). */
  n: { current: number; baseline: number };
  stats: CellStatistics | null;
  /** FAIL conditions held on the first pass (the cell needs, or had, a confirmation re-run). */
  flagged: boolean;
  confirmation: ConfirmationOutcome | null;
  /** Where a flagged cell stands with its re-run; null when the cell is not flagged. */
  confirmationState: ConfirmationState | null;
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

/** Said after a flagged cell's first-pass reason until the confirmation's outcome replaces it. */
const AWAITING_CONFIRMATION = '; FAIL conditions met, awaiting a confirmation re-run';

interface Assessment {
  cell: CellSamples;
  spec: MetricSpec;
  n: { current: number; baseline: number };
  stats: CellStatistics | null;
  /** Why the cell cannot be judged (INCONCLUSIVE), or null. */
  blocked: string | null;
}

interface Context {
  input: DecisionInput;
  metrics: MetricTable;
  settings: DecisionSettings;
  machine: FingerprintDifference[];
  software: FingerprintDifference[];
}

/**
 * Judges every cell. Without `confirmations`, cells whose FAIL conditions hold are WARN and
 * listed in `needsConfirmation`; with them (re-run samples of those cells; A/B: both arms
 * re-run), those cells become FAIL only if the conditions hold again on the re-run.
 */
export function decide(input: DecisionInput, confirmations?: readonly CellSamples[]): Decision {
  const differences = input.mode === 'stored' ? splitDifferences(input.fingerprintDifferences ?? []) : { machine: [], software: [] };
  const ctx: Context = {
    input,
    metrics: input.metrics ?? DEFAULT_METRICS,
    settings: { ...DEFAULT_DECISION_SETTINGS, ...input.settings },
    ...differences,
  };
  const assessed = input.cells.map((cell) => assess(cell, ctx));
  const first = assessed.map((a) => classify(a, assessed, ctx));
  const base = { mode: input.mode, settings: ctx.settings };
  if (confirmations === undefined) {
    return { ...base, cells: first, needsConfirmation: first.filter((c) => c.flagged).map((c) => c.key), confirmationApplied: false };
  }
  return { ...base, cells: applyConfirmations(first, confirmations, ctx), needsConfirmation: [], confirmationApplied: true };
}

/** The values a cell is judged on: per-round log ratios to the canary, log values, or raw values. */
function judgedValues(cell: CellSamples, spec: MetricSpec, canary: string | undefined): { basis: Basis; current: number[]; baseline: number[] } {
  if (spec.change === 'absolute') return { basis: 'raw', current: [...cell.current], baseline: [...cell.baseline] };
  const { currentCanary, baselineCanary } = cell;
  if (cell.path !== canary && currentCanary && baselineCanary) {
    const ratios = (values: readonly number[], beside: readonly (number | null)[]) =>
      values.flatMap((v, i) => {
        const c = beside[i];
        return c != null && c > 0 && v > 0 ? [Math.log(v / c)] : [];
      });
    return { basis: 'canary-ratio', current: ratios(cell.current, currentCanary), baseline: ratios(cell.baseline, baselineCanary) };
  }
  return { basis: 'raw', current: cell.current.map(Math.log), baseline: cell.baseline.map(Math.log) };
}

function assess(cell: CellSamples, ctx: Context): Assessment {
  const spec = ctx.metrics[cell.metric];
  const { minSamples } = ctx.settings;
  const all = [...cell.current, ...cell.baseline];
  const counts = { current: cell.current.length, baseline: cell.baseline.length };
  const blocked = (why: string, n = counts): Assessment => ({ cell, spec, n, stats: null, blocked: why });
  if (all.some((v) => !Number.isFinite(v))) return blocked('non-numeric run values');
  const tooFew = (n: { current: number; baseline: number }) => `too few runs: current ${n.current}, baseline ${n.baseline} (need ≥ ${minSamples} each)`;
  if (counts.current === 0 || counts.baseline === 0) return blocked(tooFew(counts));
  if (spec.change === 'relative' && all.some((v) => !(v > 0))) {
    return blocked(`a run reported ${formatNumber(Math.min(...all))} ${spec.unit}; ${spec.label} must be positive (failed run?)`);
  }
  if (ctx.software.length > 0) {
    return blocked(`software or configuration differs from the baseline (${describeDifferences(ctx.software)}); re-baseline to compare`);
  }
  const judged = judgedValues(cell, spec, ctx.input.canary);
  const n = { current: judged.current.length, baseline: judged.baseline.length };
  if (n.current < minSamples || n.baseline < minSamples) return blocked(tooFew(n), n);
  const stats = statistics(cell, spec, judged, ctx.settings.confidence);
  let why: string | null = null;
  if (ctx.machine.length > 0) {
    const machine = `the machine differs from the baseline's (${describeDifferences(ctx.machine)})`;
    if (cell.path === ctx.input.canary) why = `${cell.path} is the canary: it measures the machine itself, and ${machine}`;
    else if (judged.basis === 'raw' && spec.change === 'relative') why = `${machine} and no canary was measured beside this path to normalise with`;
  }
  return { cell, spec, n, stats, blocked: why };
}

function statistics(cell: CellSamples, spec: MetricSpec, judged: { basis: Basis; current: number[]; baseline: number[] }, confidence: number): CellStatistics {
  const { current: x, baseline: y, basis } = judged;
  const relative = spec.change === 'relative';
  const shift = median(x.flatMap((a) => y.map((b) => a - b)));
  const interval = shiftInterval(x, y, confidence);
  const asChange = (s: number) => (relative ? Math.exp(s) - 1 : s);
  const bound = (s: number) => (Number.isFinite(s) ? asChange(s) : null);
  const change = asChange(shift);
  const changeLow = bound(interval.low);
  const changeHigh = bound(interval.high);
  const lowerIsBetter = spec.better === 'lower';
  const greater = mannWhitneyGreater(x, y);
  const less = mannWhitneyGreater(y, x);
  // Oriented so that larger is worse, in the judged scale (log for relative metrics).
  const sign = lowerIsBetter ? 1 : -1;
  const tolerance = failBar(spec);
  const bar = relative ? sign * Math.log(lowerIsBetter ? 1 + tolerance : 1 - tolerance) : tolerance;
  const worse = (values: number[]) => values.map((v) => sign * v);
  const spread = (values: number[]) => {
    const cv = robustCv(relative ? values.map(Math.exp) : values);
    return Number.isFinite(cv) ? cv : null;
  };
  const ratio = (values: number[]) => (basis === 'canary-ratio' ? Math.exp(median(values)) : null);
  return {
    basis,
    medianCurrent: median(cell.current),
    medianBaseline: median(cell.baseline),
    ratioCurrent: ratio(x),
    ratioBaseline: ratio(y),
    change,
    changeLow,
    changeHigh,
    worsening: lowerIsBetter ? change : -change,
    worseningHigh: lowerIsBetter ? changeHigh : changeLow === null ? null : -changeLow,
    pWorse: lowerIsBetter ? greater.p : less.p,
    pBetter: lowerIsBetter ? less.p : greater.p,
    method: greater.method,
    spreadCurrent: spread(x),
    spreadBaseline: spread(y),
    separated: quantile(worse(x), 0.25) - quantile(worse(y), 0.75) >= bar,
  };
}

/** The p-value of the side a cell's effect points to. */
export function sideP(stats: Pick<CellStatistics, 'worsening' | 'pWorse' | 'pBetter'>): number {
  return stats.worsening >= 0 ? stats.pWorse : stats.pBetter;
}

interface Classification {
  verdict: Verdict;
  reason: string;
  /** FAIL conditions hold (before confirmation). */
  failConditions: boolean;
}

function classify(a: Assessment, all: readonly Assessment[], ctx: Context): CellDecision {
  const base = {
    key: cellKey(a.cell.path, a.cell.metric),
    path: a.cell.path,
    metric: a.cell.metric,
    n: a.n,
    stats: a.stats,
    confirmation: null,
    confirmationState: null,
  };
  if (a.blocked !== null || !a.stats) return { ...base, verdict: 'INCONCLUSIVE', reason: a.blocked ?? 'not comparable', flagged: false };
  const c = judge(a, driverWorsened(a, all), ctx);
  if (c.failConditions && ctx.input.capAtWarn) return { ...base, verdict: 'WARN', reason: `${c.reason}; ${ctx.input.capAtWarn}`, flagged: false };
  const reason = c.failConditions ? `${c.reason}${AWAITING_CONFIRMATION}` : c.reason;
  return {
    ...base,
    verdict: c.verdict,
    reason,
    flagged: c.failConditions,
    confirmationState: c.failConditions ? { stage: 'awaiting', firstPassReason: c.reason } : null,
  };
}

/** For a metric that follows another (retransmits follow throughput): the driver's label when it got worse on the same path. */
function driverWorsened(a: Assessment, all: readonly Assessment[]): string | null {
  const driver = a.spec.follows;
  if (!driver) return null;
  const d = all.find((o) => o.cell.path === a.cell.path && o.cell.metric === driver);
  return d?.stats && d.stats.worsening >= d.spec.warn ? d.spec.label : null;
}

function judge(a: Assessment, driver: string | null, ctx: Context): Classification {
  const { spec, n } = a;
  const s = a.stats as CellStatistics;
  const { alpha, minSamplesForFail } = ctx.settings;
  const isCanary = a.cell.path === ctx.input.canary && ctx.input.mode === 'stored';
  const summary = describe(spec, s);
  const floorOk = floorReached(spec, s);
  const bar = failBar(spec);
  const barText = `${formatTolerance(spec, bar)} ${bar === spec.warn ? 'warning' : 'fail'} tolerance`;
  const failText = spec.fail === null ? barText : `${formatTolerance(spec, spec.fail)} fail tolerance`;

  if (s.worsening >= bar && floorOk && ratioOk(spec, s, 'worse')) {
    if (s.pWorse > alpha && !s.separated) {
      // Beyond the fail tolerance nothing is PASS; below it, an unshown shift is judged as unchanged or not.
      if (spec.fail !== null && s.worsening < spec.fail) return unchangedOrNot(spec, s, summary, floorOk, failText);
      return inconclusive(
        `${summary}; the median moved beyond the ${failText}, but not clearly beyond the noise (p ${formatP(s.pWorse)} > ${alpha}, quartiles overlap): re-run`,
      );
    }
    const shown = s.pWorse <= alpha ? '' : " (tonight's quartiles clear the baseline's by the tolerance)";
    const beyond = `${summary}; beyond the ${barText}${shown}`;
    if (spec.fail === null) return { verdict: 'WARN', reason: `${beyond} (warn-only metric)`, failConditions: false };
    if (isCanary)
      return {
        verdict: 'WARN',
        reason: `${beyond}, but ${a.cell.path} is the canary: the machine itself is slower than at the baseline (the paths are judged relative to it)`,
        failConditions: false,
      };
    if (n.current < minSamplesForFail || n.baseline < minSamplesForFail) {
      return { verdict: 'WARN', reason: `${beyond}, but a FAIL needs ≥ ${minSamplesForFail} runs on each side`, failConditions: false };
    }
    return { verdict: 'WARN', reason: beyond, failConditions: true };
  }
  if (s.worsening >= spec.warn && floorOk && ratioOk(spec, s, 'worse') && s.pWorse <= alpha) {
    return { verdict: 'WARN', reason: `${summary}; beyond the ${formatTolerance(spec, spec.warn)} warning tolerance`, failConditions: false };
  }
  if (-s.worsening >= spec.warn && floorOk && ratioOk(spec, s, 'better') && s.pBetter <= alpha) {
    if (driver) return pass(`${summary}; lower because ${driver} got worse, not an improvement`);
    if (isCanary)
      return {
        verdict: 'IMPROVED',
        reason: `${summary}; ${a.cell.path} is the canary: the machine itself is faster than at the baseline`,
        failConditions: false,
      };
    return { verdict: 'IMPROVED', reason: `${summary}; significant improvement, consider re-baselining`, failConditions: false };
  }
  return unchangedOrNot(spec, s, summary, floorOk, failText);
}

/** PASS when the interval shows the cell stays within the fail tolerance; INCONCLUSIVE when it cannot. */
function unchangedOrNot(spec: MetricSpec, s: CellStatistics, summary: string, floorOk: boolean, failText: string): Classification {
  if (spec.fail === null || (s.worseningHigh !== null && s.worseningHigh < spec.fail) || !floorOk) return pass(`${summary}; within tolerance`);
  const reach = s.worseningHigh === null ? 'the interval is unbounded' : `the interval reaches ${formatTolerance(spec, s.worseningHigh)}`;
  return inconclusive(`${summary}; too noisy to show it stays within the ${failText} (${reach})`);
}

/** The worsening from which a shown shift can FAIL: the warn tolerance of a gated relative metric, else the fail (or, warn-only, the warn) tolerance. */
function failBar(spec: MetricSpec): number {
  if (spec.fail === null) return spec.warn;
  return spec.change === 'relative' ? spec.warn : spec.fail;
}

function pass(reason: string): Classification {
  return { verdict: 'PASS', reason, failConditions: false };
}

function inconclusive(reason: string): Classification {
  return { verdict: 'INCONCLUSIVE', reason, failConditions: false };
}

/**
 * Whether the change is large enough in the metric's unit to count at all: relative metrics
 * the shift taken at the baseline's median, absolute ones the change of medians.
 */
function floorReached(spec: MetricSpec, s: CellStatistics): boolean {
  const moved = spec.change === 'relative' ? Math.abs(s.medianBaseline * s.change) : Math.abs(s.medianCurrent - s.medianBaseline);
  return moved >= spec.absFloor;
}

/** For zero-inflated metrics: the worse median must be at least minRatio × the better one. */
function ratioOk(spec: MetricSpec, s: CellStatistics, side: 'worse' | 'better'): boolean {
  if (spec.minRatio <= 1) return true;
  const currentIsHigher = (spec.better === 'lower') === (side === 'worse');
  const [high, low] = currentIsHigher ? [s.medianCurrent, s.medianBaseline] : [s.medianBaseline, s.medianCurrent];
  return high >= spec.minRatio * low;
}

/**
 * "median 25.5 → 66.3 µs, ÷loopback 4.1 → 10.4 (+146%, 90% CI +120% … +170%, p 3.0e-4)";
 * on the raw basis without the ratio part.
 */
function describe(spec: MetricSpec, s: CellStatistics): string {
  const ratio = s.basis === 'canary-ratio' ? `, ÷canary ${formatNumber(s.ratioBaseline as number)} → ${formatNumber(s.ratioCurrent as number)}` : '';
  const interval = s.changeLow !== null && s.changeHigh !== null ? `, CI ${formatChange(spec, s.changeLow)} … ${formatChange(spec, s.changeHigh)}` : '';
  return `median ${formatNumber(s.medianBaseline)} → ${formatNumber(s.medianCurrent)} ${spec.unit}${ratio} (${formatChange(spec, s.change)}${interval}, p ${formatP(sideP(s))})`;
}

function applyConfirmations(first: readonly CellDecision[], confirmations: readonly CellSamples[], ctx: Context): CellDecision[] {
  const byKey = new Map(confirmations.map((c) => [cellKey(c.path, c.metric), c]));
  const flagged = first.filter((c) => c.flagged && byKey.has(c.key));
  const assessed = flagged.map((c) => assess(byKey.get(c.key) as CellSamples, ctx));
  const outcomes = new Map<CellKey, ConfirmationOutcome>();
  for (const a of assessed) {
    const key = cellKey(a.cell.path, a.cell.metric);
    if (a.blocked !== null || !a.stats) {
      outcomes.set(key, { n: a.n, stats: a.stats, held: false, reason: `re-run not comparable: ${a.blocked ?? 'no values'}` });
      continue;
    }
    const c = judge(a, null, { ...ctx, settings: { ...ctx.settings, alpha: ctx.settings.confirmAlpha } });
    outcomes.set(key, { n: a.n, stats: a.stats, held: c.failConditions, reason: `re-run: ${c.reason}` });
  }
  return first.map((cell) => {
    if (!cell.confirmationState) return cell;
    const original = cell.confirmationState.firstPassReason;
    const state = (stage: ConfirmationStage): ConfirmationState => ({ stage, firstPassReason: original });
    const outcome = outcomes.get(cell.key);
    if (!outcome) return { ...cell, reason: `${original}; FAIL conditions met but no confirmation re-run was made`, confirmationState: state('not-re-run') };
    if (outcome.held)
      return { ...cell, verdict: 'FAIL', reason: `${original}; confirmed by ${outcome.reason}`, confirmation: outcome, confirmationState: state('confirmed') };
    return {
      ...cell,
      verdict: 'WARN',
      reason: `${original}; not confirmed by ${outcome.reason}`,
      confirmation: outcome,
      confirmationState: state('not-confirmed'),
    };
  });
}

/** The most severe verdict among cells (PASS for none). */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  for (const v of VERDICTS) if (verdicts.includes(v)) return v;
  return 'PASS';
}
