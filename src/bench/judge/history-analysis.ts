/**
 * The whole history of a testbed, analysed for people and programs (`pnpm bench:history`): per
 * path × metric every night's summary (median and quartiles of its judged rounds), the series
 * it belongs to (machine × how the probe measured), the change points of each series with what
 * changed at each, the jumps where the machine changed, and the latest night's verdict. The
 * same functions the gate uses (across-nights.ts), so the page shows what the gate saw. Pure.
 */
import type { MarkRecord, NightRecord } from '../history/night.ts';
import { type CellKey, cellKey, DEFAULT_METRICS, METRIC_IDS, type MetricId, type MetricTable } from '../plan/metrics.ts';
import { analyseSeries, DEFAULT_NIGHTS_SETTINGS, type FoundChange, type NightsSettings } from './across-nights.ts';
import { type Attribution, attribute, describeAttribution } from './attribution.ts';
import { cellSeries, describeMachine, machineKey, type NightPoint, seriesKey } from './night-series.ts';
import { median } from './stats.ts';
import type { Basis } from './verdict.ts';

export const HISTORY_KIND = 'labbench.bench.history';
export const HISTORY_SCHEMA_VERSION = 1;

/** One night, as the page lists it. */
export interface NightSummary {
  id: string;
  startedAt: string;
  origin: NightRecord['origin'];
  machine: string;
  commit: string | null;
  verdict: string | null;
  exitCode: number | null;
  accepted: boolean;
}

/** Consecutive nights of one machine. */
export interface MachineSpan {
  machine: string;
  first: string;
  last: string;
  nights: number;
}

/** A night's point of a cell, in the metric's display scale (a ratio to the canary, or the metric's unit). */
export interface DisplayPoint {
  night: string;
  startedAt: string;
  value: number;
  low: number;
  high: number;
  /** The median of the night's raw values, in the metric's unit. */
  median: number;
  rounds: number;
  series: string;
  verdict: string | null;
}

/** Where a cell moved from one series to the next (the machine or the probe's method changed). */
export interface Transition {
  night: string;
  startedAt: string;
  /** Relative change of the nights' medians across it (the last nights before, the first after). */
  shift: number;
  attribution: Attribution;
  description: string;
}

export interface CellHistory {
  key: CellKey;
  path: string;
  metric: MetricId;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  basis: Basis;
  /** The value shown: "÷ loopback" ratio or the unit. */
  scale: string;
  /** Judged across nights (a gated relative metric of a path other than the canary). */
  gated: boolean;
  /** Drawn on the page: the gated metrics, and the same metrics of the canary (the machine itself). */
  charted: boolean;
  points: DisplayPoint[];
  changePoints: (FoundChange & { series: string })[];
  transitions: Transition[];
  latest: { night: string; verdict: string | null } | null;
}

export interface HistoryAnalysis {
  kind: typeof HISTORY_KIND;
  schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  testbed: string;
  source: string;
  settings: NightsSettings;
  nights: NightSummary[];
  machines: MachineSpan[];
  cells: CellHistory[];
}

/** Analyses the nights of one testbed (in time order). */
export function analyseHistory(
  input: { testbed: string; source: string; nights: readonly NightRecord[]; marks: readonly MarkRecord[]; canary: string },
  metrics: MetricTable = DEFAULT_METRICS,
  settings: NightsSettings = DEFAULT_NIGHTS_SETTINGS,
): HistoryAnalysis {
  const { nights, marks, canary } = input;
  const accepted = new Set(marks.filter((m) => m.mark === 'accept').map((m) => m.night));
  const keys = [...new Set(nights.flatMap((n) => n.cells.map((c) => cellKey(c.path, c.metric))))];
  const pathOrder = [...new Set(nights.flatMap((n) => n.suite.paths))];
  keys.sort((a, b) => {
    const [pa, ma] = split(a);
    const [pb, mb] = split(b);
    return pathOrder.indexOf(pa) - pathOrder.indexOf(pb) || METRIC_IDS.indexOf(ma) - METRIC_IDS.indexOf(mb);
  });
  const cells = keys.map((key) => cellHistory(key, nights, accepted, canary, metrics, settings));
  return {
    kind: HISTORY_KIND,
    schemaVersion: HISTORY_SCHEMA_VERSION,
    testbed: input.testbed,
    source: input.source,
    settings,
    nights: nights.map((n) => ({
      id: n.id,
      startedAt: n.startedAt,
      origin: n.origin,
      machine: describeMachine(n.fingerprint),
      commit: n.labbench.commit,
      verdict: n.outcome?.verdict ?? null,
      exitCode: n.outcome?.exitCode ?? null,
      accepted: accepted.has(n.id),
    })),
    machines: machineSpans(nights),
    cells,
  };
}

function split(key: CellKey): [string, MetricId] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1) as MetricId];
}

function machineSpans(nights: readonly NightRecord[]): MachineSpan[] {
  const spans: (MachineSpan & { key: string })[] = [];
  for (const n of nights) {
    const key = machineKey(n.fingerprint);
    const last = spans.at(-1);
    if (last && last.key === key) {
      last.last = n.id;
      last.nights++;
    } else {
      spans.push({ key, machine: describeMachine(n.fingerprint), first: n.id, last: n.id, nights: 1 });
    }
  }
  return spans.map(({ key: _key, ...span }) => span);
}

function cellHistory(
  key: CellKey,
  nights: readonly NightRecord[],
  accepted: ReadonlySet<string>,
  canary: string,
  metrics: MetricTable,
  settings: NightsSettings,
): CellHistory {
  const [path, metric] = split(key);
  const spec = metrics[metric];
  const points = cellSeries(nights, path, metric, spec, canary);
  const seriesOf = (p: NightPoint) => seriesKey(p.night.fingerprint, spec.probe);
  const display = (v: number) => (spec.change === 'relative' ? Math.exp(v) : v);
  const basis: Basis = points.some((p) => p.basis === 'canary-ratio') ? 'canary-ratio' : 'raw';
  // Each series (machine × method; its nights need not be consecutive) is searched alone, from
  // each accepted night on, as the gate searches it.
  const groups = new Map<string, NightPoint[][]>();
  for (const p of points) {
    const runs = groups.get(seriesOf(p)) ?? [];
    if (runs.length === 0 || accepted.has(p.night.id)) runs.push([]);
    (runs.at(-1) as NightPoint[]).push(p);
    groups.set(seriesOf(p), runs);
  }
  const changePoints = [...groups].flatMap(([series, runs]) =>
    runs.flatMap((run) => analyseSeries(key, run, spec, { ...settings, window: Number.MAX_SAFE_INTEGER }).changePoints.map((c) => ({ ...c, series }))),
  );
  // Where consecutive nights belong to different series: the jump that came with the change
  // (the first nights after it against the last nights before it).
  const stretches: NightPoint[][] = [];
  for (const p of points) {
    const last = stretches.at(-1);
    if (last && seriesOf(last[0] as NightPoint) === seriesOf(p)) last.push(p);
    else stretches.push([p]);
  }
  const transitions: Transition[] = stretches.slice(1).map((after, k) => {
    const before = stretches[k] as NightPoint[];
    const first = after[0] as NightPoint;
    const jump = median(after.slice(0, 3).map((q) => q.value)) - median(before.slice(-3).map((q) => q.value));
    const attribution = attribute((before.at(-1) as NightPoint).night, first.night);
    return {
      night: first.night.id,
      startedAt: first.night.startedAt,
      shift: spec.change === 'relative' ? Math.exp(jump) - 1 : jump,
      attribution,
      description: describeAttribution(attribution),
    };
  });
  const verdictOf = (n: NightRecord) => n.cells.find((c) => c.path === path && c.metric === metric)?.verdict ?? null;
  const lastNight = [...nights].reverse().find((n) => n.cells.some((c) => c.path === path && c.metric === metric));
  return {
    key,
    path,
    metric,
    label: spec.label,
    unit: spec.unit,
    better: spec.better,
    basis,
    scale: basis === 'canary-ratio' ? `÷ ${canary}` : spec.unit,
    gated: spec.change === 'relative' && spec.fail !== null && path !== canary,
    charted: spec.change === 'relative' && spec.fail !== null,
    points: points.map((p) => {
      const cell = p.night.cells.find((c) => c.path === path && c.metric === metric);
      return {
        night: p.night.id,
        startedAt: p.night.startedAt,
        value: display(p.value),
        low: display(p.low),
        high: display(p.high),
        median: cell && cell.values.length > 0 ? median(cell.values) : Number.NaN,
        rounds: p.rounds.length,
        series: seriesOf(p),
        verdict: verdictOf(p.night),
      };
    }),
    changePoints,
    transitions,
    latest: lastNight ? { night: lastNight.id, verdict: verdictOf(lastNight) } : null,
  };
}
