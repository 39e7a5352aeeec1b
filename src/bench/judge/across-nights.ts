/**
 * Judging a night against the history of nights.
 *
 * Before the verdicts (`planReferences`): each cell of tonight is compared with the latest
 * segment of its own series — the same machine measured the same way, since the last accepted
 * night, after the last change point — pooling the rounds of its last few nights as the
 * reference of the single-night gate. A cell whose machine has no night yet is compared with the
 * previous machine's latest nights through the canary ratios, for the record: a shift there came
 * with the machine change and is never a FAIL; that machine starts its own series.
 *
 * After them (`judgeAcrossNights`): change points over each gated cell's series, tonight
 * included (E-divisive, change-points.ts), each attributed to what changed between the nights
 * around it. A series that has moved away from its accepted normal (its first segment) by the
 * warning tolerance or more, in the worse direction, FAILs, naming the change points and what
 * changed at each, until the move is undone or accepted (`pnpm bench:history accept <night>`).
 */
import type { MarkRecord, NightRecord } from '../history/night.ts';
import { describeDifferences, type FingerprintDifference } from '../measure/fingerprint.ts';
import { type CellKey, cellKey, DEFAULT_METRICS, type MetricId, type MetricSpec, type MetricTable, splitKey } from '../plan/metrics.ts';
import { type Attribution, attribute, describeAttribution, machineChanged } from './attribution.ts';
import { BASELINE_KIND, BASELINE_SCHEMA_VERSION, type BaselineDocument, type SuiteParameters } from './baseline.ts';
import { type ChangePointSettings, DEFAULT_CHANGE_POINT_SETTINGS, eDivisive } from './change-points.ts';
import { formatTolerance } from './format.ts';
import { cellSeries, describeMachine, machineKey, type NightPoint, seriesKey } from './night-series.ts';
import { median } from './stats.ts';
import { type CellDecision, type CellSamples, type Decision, type DecisionInput, decide, type Verdict } from './verdict.ts';

/** Knobs of the judgement across nights. */
export interface NightsSettings {
  changePoints: ChangePointSettings;
  /** Nights of a cell's latest segment pooled as tonight's reference. */
  referenceNights: number;
  /** Change points are searched among a series' last this-many nights. */
  window: number;
  /** This many nights in a row, each the first of a new machine: nothing can be judged on such a runner (exit 3). */
  newMachineStreak: number;
}

export const DEFAULT_NIGHTS_SETTINGS: NightsSettings = {
  changePoints: DEFAULT_CHANGE_POINT_SETTINGS,
  referenceNights: 3,
  window: 60,
  newMachineStreak: 3,
};

/** The history tonight is judged with. */
export interface NightsContext {
  /** Where the history is kept (named in the reports). */
  source: string;
  /** The nights before tonight, in time order (the committed baseline's night included). */
  nights: readonly NightRecord[];
  marks: readonly MarkRecord[];
}

/**
 * What a cell of tonight is compared with: `series` its own series' latest nights; `other-machine`
 * the previous machine's latest nights (for the record only); `other-method` nothing (the probe
 * measured another way before); `none` nothing (no night measured the cell).
 */
export type ReferenceKind = 'series' | 'other-machine' | 'other-method' | 'none';

export interface CellReference {
  key: CellKey;
  kind: ReferenceKind;
  /** The nights whose rounds were pooled (ids). */
  nights: string[];
}

/** The references of tonight's cells. */
export interface ReferencePlan {
  cells: CellReference[];
  /** The pooled rounds of every cell with a reference, as a baseline document for the single-night gate. */
  baseline: BaselineDocument | null;
  /** The latest night before tonight, of any machine (null: the history is empty). */
  previous: NightRecord | null;
  /** The latest night of tonight's own machine (null: the machine is new). */
  lastOfMachine: NightRecord | null;
}

/** A cell's series, ready to judge: its points within the window, with the change points found. */
export interface SeriesAnalysis {
  key: CellKey;
  points: NightPoint[];
  changePoints: FoundChange[];
}

/** A change point, measured and attributed. */
export interface FoundChange {
  /** The first night of the new segment. */
  night: string;
  startedAt: string;
  index: number;
  p: number;
  /** Relative change of the segment medians across the point (−0.12: 12 % lower). */
  shift: number;
  /** The change oriented so that positive is worse. */
  worsening: number;
  attribution: Attribution;
  description: string;
}

/** The verdict across nights of one gated cell. */
export interface CellAcrossNights {
  key: CellKey;
  path: string;
  metric: MetricId;
  reference: CellReference;
  /** Nights in the cell's series (tonight included) and their change points; null for cells without a series of their own. */
  series: { nights: number; changePoints: FoundChange[]; net: number | null; netWorsening: number | null } | null;
  /** FAIL: the series moved beyond the warning tolerance; IMPROVED: it got better by as much; null: neither. */
  verdict: Verdict | null;
  reason: string | null;
  /** What changed from the newest night tonight was compared with to tonight (what a FAIL of tonight's own is attributed to). */
  sinceReference: string | null;
}

/** What the history said about tonight, for every report. */
export interface NightsOutcome {
  source: string;
  tonight: string;
  /** Nights of the history, tonight included. */
  nights: number;
  machine: string;
  /** Tonight starts the series of a machine the history has not seen. */
  newMachine: boolean;
  /** The last nights each ran on a new machine: nothing can be judged across nights on this runner. */
  unjudgeableRunner: boolean;
  /** What changed since the previous night (any machine). */
  sincePrevious: Attribution | null;
  cells: CellAcrossNights[];
  notes: string[];
}

const isGated = (spec: MetricSpec) => spec.change === 'relative' && spec.fail !== null;

/** The latest accepted night of a series' nights, or null. */
function acceptedIndex(nights: readonly NightRecord[], marks: readonly MarkRecord[]): number {
  const accepted = new Set(marks.filter((m) => m.mark === 'accept').map((m) => m.night));
  for (let i = nights.length - 1; i >= 0; i--) if (accepted.has((nights[i] as NightRecord).id)) return i;
  return 0;
}

/** The nights of tonight's series for a probe: same machine, same method, from the last accepted night on. */
export function seriesNights(nights: readonly NightRecord[], marks: readonly MarkRecord[], key: string, probe: string): NightRecord[] {
  const same = nights.filter((n) => seriesKey(n.fingerprint, probe) === key);
  return same.slice(acceptedIndex(same, marks));
}

/** Change points of a cell's series (within the window), measured and attributed. */
export function analyseSeries(key: CellKey, all: readonly NightPoint[], spec: MetricSpec, settings: NightsSettings): SeriesAnalysis {
  const points = all.slice(-settings.window);
  const found = eDivisive(
    points.map((p) => p.value),
    settings.changePoints,
  );
  const bounds = [0, ...found.map((c) => c.index), points.length];
  const changePoints = found.map((c, i): FoundChange => {
    const before = points.slice(bounds[i], c.index).map((p) => p.value);
    const after = points.slice(c.index, bounds[i + 2]).map((p) => p.value);
    const shift = relativeShift(spec, median(after) - median(before));
    const at = points[c.index] as NightPoint;
    const attribution = attribute((points[c.index - 1] as NightPoint).night, at.night);
    return {
      night: at.night.id,
      startedAt: at.night.startedAt,
      index: c.index,
      p: c.p,
      shift,
      worsening: spec.better === 'lower' ? shift : -shift,
      attribution,
      description: describeAttribution(attribution),
    };
  });
  return { key, points, changePoints };
}

function relativeShift(spec: MetricSpec, logShift: number): number {
  return spec.change === 'relative' ? Math.exp(logShift) - 1 : logShift;
}

/** Pools the rounds of `nights` for one cell: values and the canary beside each. */
function pooled(nights: readonly NightRecord[], path: string, metric: MetricId): { values: number[]; canary: (number | null)[] } | null {
  const values: number[] = [];
  const canary: (number | null)[] = [];
  let anyCanary = false;
  for (const n of nights) {
    const cell = n.cells.find((c) => c.path === path && c.metric === metric);
    if (!cell) continue;
    values.push(...cell.values);
    canary.push(...(cell.canary ?? cell.values.map(() => null)));
    anyCanary ||= cell.canary !== null;
  }
  return values.length === 0 ? null : { values, canary: anyCanary ? canary : [] };
}

/**
 * The latest `count` nights of a segment (after the last change point) that measured the cell,
 * leaving out the nights the cell FAILed on that nobody accepted: a regression that persists is
 * compared with the nights before it, night after night, not with itself (without any other
 * night in the segment, its FAILed nights are what there is).
 */
function latestSegment(points: readonly NightPoint[], spec: MetricSpec, key: CellKey, settings: NightsSettings, accepted: ReadonlySet<string>): NightRecord[] {
  const analysis = analyseSeries(key, points, spec, settings);
  const start = analysis.changePoints.at(-1)?.index ?? 0;
  const segment = analysis.points.slice(start).map((p) => p.night);
  const [path, metric] = splitKey(key);
  const normal = segment.filter((n) => accepted.has(n.id) || n.cells.find((c) => c.path === path && c.metric === metric)?.verdict !== 'FAIL');
  return (normal.length > 0 ? normal : segment).slice(-settings.referenceNights);
}

/** Chooses what each of tonight's cells is compared with, and pools those rounds. */
export function planReferences(
  context: NightsContext,
  tonight: NightRecord,
  suite: SuiteParameters,
  canary: string,
  metrics: MetricTable = DEFAULT_METRICS,
  settings: NightsSettings = DEFAULT_NIGHTS_SETTINGS,
): ReferencePlan {
  const nights = context.nights;
  const accepted = new Set(context.marks.filter((m) => m.mark === 'accept').map((m) => m.night));
  const mine = machineKey(tonight.fingerprint);
  const cells: CellReference[] = [];
  const samples: BaselineDocument['samples'] = [];
  for (const cell of tonight.cells) {
    const key = cellKey(cell.path, cell.metric);
    const spec = metrics[cell.metric];
    const series = seriesNights(nights, context.marks, seriesKey(tonight.fingerprint, spec.probe), spec.probe);
    const points = cellSeries(series, cell.path, cell.metric, spec, canary);
    let kind: ReferenceKind;
    let chosen: NightRecord[];
    if (points.length > 0) {
      kind = 'series';
      chosen = latestSegment(points, spec, key, settings, accepted);
    } else {
      const last = [...nights].reverse().find((n) => n.cells.some((c) => c.path === cell.path && c.metric === cell.metric));
      if (!last) {
        kind = 'none';
        chosen = [];
      } else if (machineKey(last.fingerprint) === mine) {
        kind = 'other-method';
        chosen = [];
      } else {
        kind = 'other-machine';
        const theirs = seriesNights(nights, context.marks, seriesKey(last.fingerprint, spec.probe), spec.probe);
        chosen = latestSegment(cellSeries(theirs, cell.path, cell.metric, spec, canary), spec, key, settings, accepted);
      }
    }
    const rounds = pooled(chosen, cell.path, cell.metric);
    if (rounds) samples.push({ path: cell.path, metric: cell.metric, values: rounds.values, ...(rounds.canary.length > 0 ? { canary: rounds.canary } : {}) });
    cells.push({ key, kind, nights: chosen.map((n) => n.id) });
  }
  const previous = nights.at(-1) ?? null;
  const lastOfMachine = [...nights].reverse().find((n) => machineKey(n.fingerprint) === mine) ?? null;
  const newest = [...nights].reverse().find((n) => cells.some((c) => c.nights.includes(n.id)));
  const baseline: BaselineDocument | null =
    samples.length === 0
      ? null
      : {
          kind: BASELINE_KIND,
          schemaVersion: BASELINE_SCHEMA_VERSION,
          testbed: tonight.testbed,
          createdAt: (newest ?? previous ?? tonight).finishedAt,
          suite,
          fingerprint: (newest ?? previous ?? tonight).fingerprint,
          samples,
        };
  return { cells, baseline, previous, lastOfMachine };
}

/** The single-night decision against the plan's references: each kind of reference judged as it allows. */
export function decideAgainstReferences(
  plan: ReferencePlan,
  cells: readonly CellSamples[],
  base: Pick<DecisionInput, 'metrics' | 'settings' | 'canary'> & { machineDifferences: readonly FingerprintDifference[] },
  confirmations?: readonly CellSamples[],
): Decision {
  const kindOf = new Map(plan.cells.map((c) => [c.key, c.kind]));
  const of = (kind: ReferenceKind) => cells.filter((c) => (kindOf.get(cellKey(c.path, c.metric)) ?? 'none') === kind);
  const { machineDifferences, ...common } = base;
  const series = decide({ mode: 'stored', cells: of('series'), ...common }, confirmations);
  const moved = `moved with the machine change (${describeDifferences(machineDifferences)}): reported, not judged; this machine starts its own series`;
  const otherMachine = decide({ mode: 'stored', cells: of('other-machine'), fingerprintDifferences: machineDifferences, capAtWarn: moved, ...common });
  const firstOf = (kind: ReferenceKind, reason: string): CellDecision[] =>
    of(kind).map((c) => ({
      key: cellKey(c.path, c.metric),
      path: c.path,
      metric: c.metric,
      verdict: 'INCONCLUSIVE',
      reason,
      n: { current: c.current.length, baseline: 0 },
      stats: null,
      flagged: false,
      confirmation: null,
      confirmationState: null,
    }));
  const order = new Map(cells.map((c, i) => [cellKey(c.path, c.metric), i]));
  const all = [
    ...series.cells,
    ...otherMachine.cells,
    ...firstOf('other-method', 'the first night measured this way on this machine (the probe settings changed): it starts a new series'),
    ...firstOf('none', 'the first night of this cell: nothing to compare with yet'),
  ].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  return {
    mode: 'stored',
    settings: series.settings,
    cells: all,
    needsConfirmation: series.needsConfirmation,
    confirmationApplied: series.confirmationApplied,
  };
}

/**
 * Change points over each gated cell's series with tonight in it, the verdicts across nights,
 * and what every report says about the history.
 */
export function judgeAcrossNights(
  context: NightsContext,
  tonight: NightRecord,
  plan: ReferencePlan,
  canary: string,
  metrics: MetricTable = DEFAULT_METRICS,
  settings: NightsSettings = DEFAULT_NIGHTS_SETTINGS,
): NightsOutcome {
  const cells: CellAcrossNights[] = [];
  for (const reference of plan.cells) {
    const [path, metric] = splitKey(reference.key);
    const spec = metrics[metric];
    const newest = [...context.nights].reverse().find((n) => reference.nights.includes(n.id));
    const base = {
      key: reference.key,
      path,
      metric,
      reference,
      sinceReference: newest ? `${newest.id}: ${describeAttribution(attribute(newest, tonight))}` : null,
    };
    if (reference.kind !== 'series' || path === canary || !isGated(spec)) {
      cells.push({ ...base, series: null, verdict: null, reason: null });
      continue;
    }
    const nights = [...seriesNights(context.nights, context.marks, seriesKey(tonight.fingerprint, spec.probe), spec.probe), tonight];
    const analysis = analyseSeries(reference.key, cellSeries(nights, path, metric, spec, canary), spec, settings);
    const found = analysis.changePoints;
    if (found.length === 0) {
      cells.push({ ...base, series: { nights: analysis.points.length, changePoints: [], net: null, netWorsening: null }, verdict: null, reason: null });
      continue;
    }
    const first = analysis.points.slice(0, (found[0] as FoundChange).index).map((p) => p.value);
    const last = analysis.points.slice((found.at(-1) as FoundChange).index).map((p) => p.value);
    const net = relativeShift(spec, median(last) - median(first));
    const netWorsening = spec.better === 'lower' ? net : -net;
    const since = (analysis.points[0] as NightPoint).night.id;
    const points = found.map((c) => `${signed(c.shift)} at night ${c.night} (p ${c.p.toPrecision(2)}; ${c.description})`).join('; ');
    const series = { nights: analysis.points.length, changePoints: found, net, netWorsening };
    if (netWorsening >= spec.warn) {
      const reason = `the series of nights moved ${signed(net)} from its accepted normal (since ${since}), beyond the ${formatTolerance(spec, spec.warn)} warning tolerance: ${points}; if this is the new normal: pnpm bench:history accept ${(found.at(-1) as FoundChange).night}`;
      cells.push({ ...base, series, verdict: 'FAIL', reason });
    } else if (-netWorsening >= spec.warn) {
      cells.push({
        ...base,
        series,
        verdict: 'IMPROVED',
        reason: `the series of nights improved ${signed(net)} since ${since}: ${points}; consider accepting it: pnpm bench:history accept ${(found.at(-1) as FoundChange).night}`,
      });
    } else {
      cells.push({ ...base, series, verdict: null, reason: `change points within the tolerance: ${points}` });
    }
  }
  const sincePrevious = plan.previous ? attribute(plan.previous, tonight) : null;
  const newMachine = context.nights.length > 0 && plan.lastOfMachine === null;
  const notes: string[] = [];
  const judged = plan.cells.filter((c) => c.kind === 'series').length;
  notes.push(
    `history ${context.source}: ${context.nights.length + 1} nights with tonight; ${judged} of ${plan.cells.length} cells compared with their own series' latest nights`,
  );
  if (newMachine && plan.previous) {
    notes.push(
      `a machine this history has not seen (${describeMachine(tonight.fingerprint)}; before: ${describeMachine(plan.previous.fingerprint)}): shifts against the previous machine's nights came with the machine change and are reported, not judged; tonight starts this machine's series`,
    );
    if (sincePrevious?.changes.some((c) => c.kind !== 'machine' && c.kind !== 'packages')) {
      notes.push(
        `the machine and the software changed together since ${plan.previous.id} (${describeAttribution(sincePrevious)}): their effects cannot be told apart; to separate them, run the previous night's labbench (${plan.previous.labbench.commit ?? 'its commit'}) on this machine with the same --history, so the software change is measured on one machine`,
      );
    }
  }
  const unjudgeableRunner = newMachineStreak(context.nights, tonight) >= settings.newMachineStreak;
  if (unjudgeableRunner) {
    notes.push(
      `the last ${settings.newMachineStreak} nights each ran on a machine the history had not seen: on a runner whose machine changes every night nothing can be judged across nights (exit 3); nightly CI needs a stable (self-hosted) runner`,
    );
  }
  for (const c of cells) if (c.verdict === 'FAIL') notes.push(`${c.key}: ${c.reason}`);
  return {
    source: context.source,
    tonight: tonight.id,
    nights: context.nights.length + 1,
    machine: describeMachine(tonight.fingerprint),
    newMachine,
    unjudgeableRunner,
    sincePrevious,
    cells,
    notes,
  };
}

/** How many nights in a row, ending tonight, each were the first of their machine. */
export function newMachineStreak(nights: readonly NightRecord[], tonight: NightRecord): number {
  const all = [...nights, tonight];
  let streak = 0;
  for (let i = all.length - 1; i >= 1; i--) {
    const key = machineKey((all[i] as NightRecord).fingerprint);
    if (all.slice(0, i).some((n) => machineKey(n.fingerprint) === key)) break;
    streak++;
  }
  return streak;
}

/** Whether the machine changed from the previous night to tonight. */
export function machineChangedSince(outcome: NightsOutcome): boolean {
  return outcome.sincePrevious !== null && machineChanged(outcome.sincePrevious);
}

function signed(change: number): string {
  return `${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(1)} %`;
}
