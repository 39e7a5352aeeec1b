/**
 * A cell's series of nights, and which nights belong to one series.
 *
 * Each night is summarised by the median of its judged per-round values, on the gate's own scale:
 * the log of the per-round ratio path/canary where a canary was measured beside the path, the
 * log of the value for the canary itself (and a path measured without one), the raw value for
 * absolute metrics. The quartiles of the rounds give the night's spread.
 *
 * A series is the nights of one machine measured one way: the machine fields (kernel build, CPU,
 * cores, the machine's id) and the probe's settings. The canary ratios do not travel between
 * machines (measured: loopback +12 %, bridge −10 % between two kernel builds of one CPU kind), and
 * a probe measured another way measures something else; so either starts a new series. Software
 * and configuration do not: their changes are what the series is there to attribute.
 */
import type { NightCell, NightRecord } from '../history/night.ts';
import { type Fingerprint, MACHINE_FIELDS } from '../measure/fingerprint.ts';
import type { MetricId, MetricSpec } from '../plan/metrics.ts';
import { median, quantile } from './stats.ts';
import type { Basis } from './verdict.ts';

/** One night of a cell's series. */
export interface NightPoint {
  night: NightRecord;
  basis: Basis;
  /** Judged per-round values (log scale for relative metrics). */
  rounds: number[];
  /** The night's summary: the median of `rounds`. */
  value: number;
  /** Quartiles of the rounds. */
  low: number;
  high: number;
}

/** The judged per-round values of a night's cell (the gate's scale), or null when the cell has no usable rounds. */
export function judgedRounds(cell: Pick<NightCell, 'path' | 'values' | 'canary'>, spec: MetricSpec, canary: string): { basis: Basis; rounds: number[] } | null {
  if (spec.change === 'absolute') return cell.values.length > 0 ? { basis: 'raw', rounds: [...cell.values] } : null;
  if (cell.path !== canary && cell.canary) {
    const beside = cell.canary;
    const rounds = cell.values.flatMap((v, i) => {
      const c = beside[i];
      return c != null && c > 0 && v > 0 ? [Math.log(v / c)] : [];
    });
    return rounds.length > 0 ? { basis: 'canary-ratio', rounds } : null;
  }
  const rounds = cell.values.filter((v) => v > 0).map(Math.log);
  return rounds.length > 0 ? { basis: 'raw', rounds } : null;
}

/** A night's point of one cell, or null when the night did not measure it. */
export function nightPoint(night: NightRecord, path: string, metric: MetricId, spec: MetricSpec, canary: string): NightPoint | null {
  const cell = night.cells.find((c) => c.path === path && c.metric === metric);
  if (!cell) return null;
  const judged = judgedRounds(cell, spec, canary);
  if (!judged) return null;
  return { night, ...judged, value: median(judged.rounds), low: quantile(judged.rounds, 0.25), high: quantile(judged.rounds, 0.75) };
}

/** The nights' points of one cell, in the nights' order, skipping nights that did not measure it. */
export function cellSeries(nights: readonly NightRecord[], path: string, metric: MetricId, spec: MetricSpec, canary: string): NightPoint[] {
  return nights.flatMap((n) => {
    const p = nightPoint(n, path, metric, spec, canary);
    return p ? [p] : [];
  });
}

/** The fingerprint field of a probe's settings. */
export function methodField(probe: string): string {
  return `probe.${probe}`;
}

/** Identifies the machine a night ran on (its machine fields, unknown ones included). */
export function machineKey(fingerprint: Fingerprint): string {
  return MACHINE_FIELDS.map((f) => `${f}=${fingerprint[f] ?? '?'}`).join(' · ');
}

/** Identifies a cell's series: the machine, and how the cell's probe measured. */
export function seriesKey(fingerprint: Fingerprint, probe: string): string {
  return `${machineKey(fingerprint)} · ${methodField(probe)}=${fingerprint[methodField(probe)] ?? '?'}`;
}

/** The machine's fields as shown to people: "kernel 6.18.44-fc-v669, AMD EPYC, 2 cores". */
export function describeMachine(fingerprint: Fingerprint): string {
  const f = (field: string) => fingerprint[field] ?? '(unknown)';
  return `kernel ${f('kernel')}, ${f('cpuModel')}, ${f('cpuCores')} cores${fingerprint.machineId ? `, machine ${String(fingerprint.machineId)}` : ''}`;
}
