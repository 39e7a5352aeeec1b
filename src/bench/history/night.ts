/**
 * A night: what one `pnpm bench` run measured, kept in the history of nights (bench/schema/
 * night.schema.json). Per cell the per-round values and the canary value measured beside each,
 * the environment (fingerprint, labbench's commit, the hosts' package versions), and the
 * verdicts the gate gave that night. Nights are immutable once written; a "mark" records a
 * decision about the series afterwards (`pnpm bench:history accept <night>`).
 *
 * The committed baseline is the first night of its machine's series (judge/baseline.ts
 * `baselineAsNight`; it has no commit or package list: those read as unknown).
 */
import type { Fingerprint } from '../measure/fingerprint.ts';
import type { Revision } from '../measure/provenance.ts';
import type { MetricId, ProbeKind } from '../plan/metrics.ts';

export type { Revision };

/** `kind` of a night record. */
export const NIGHT_KIND = 'labbench.bench.night';
/** Version of the night record's shape; bumped on any incompatible change. */
export const NIGHT_SCHEMA_VERSION = 1;
/** `kind` of a mark. */
export const MARK_KIND = 'labbench.bench.mark';
/** Version of the mark's shape. */
export const MARK_SCHEMA_VERSION = 1;

/** Where a night came from: a bench run, or the committed baseline read as the first night of its series. */
export type NightOrigin = 'bench' | 'baseline';

/** One path × metric of a night: the measured rounds (warm-ups and confirmation re-runs left out). */
export interface NightCell {
  path: string;
  metric: MetricId;
  values: number[];
  /** The canary's value measured beside each round (aligned with `values`; null: none), or null without a canary. */
  canary: (number | null)[] | null;
  /** The verdict the gate gave the cell that night (null: not judged, e.g. the first night). */
  verdict: string | null;
}

/** A night record. */
export interface NightRecord {
  kind: typeof NIGHT_KIND;
  schemaVersion: typeof NIGHT_SCHEMA_VERSION;
  /** Unique and sortable by time: `2026-12-07T03-12-44Z-7f3a` (bench) or `baseline-2026-11-30T14-06-02Z`. */
  id: string;
  origin: NightOrigin;
  testbed: string;
  startedAt: string;
  finishedAt: string;
  labbench: Revision;
  fingerprint: Fingerprint;
  /** Package name → version on the lab's hosts (hosts that differ: "hostA: v1; hostB: v2"); null: unknown. */
  packages: Record<string, string> | null;
  suite: { paths: string[]; probes: ProbeKind[]; runs: number; warmups: number; seed: number };
  cells: NightCell[];
  /** The night's overall verdict and exit code (null: a night that was not judged). */
  outcome: { verdict: string; exitCode: number } | null;
}

/** A decision about the series, made after the fact. */
export interface MarkRecord {
  kind: typeof MARK_KIND;
  schemaVersion: typeof MARK_SCHEMA_VERSION;
  /** `accept`: the named night is the new normal; change points up to it are known and the series is judged from it on. */
  mark: 'accept';
  night: string;
  testbed: string;
  at: string;
  note: string | null;
}

/** A file-name-safe, time-sortable stamp of an ISO time: 2026-12-07T03:12:44.123Z → 2026-12-07T03-12-44Z. */
export function timeStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replaceAll(':', '-');
}

/** A new night's id: its start time and a random suffix, so two runs started in the same second differ. */
export function nightId(startedAt: string, random: () => number = Math.random): string {
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${timeStamp(startedAt)}-${suffix}`;
}

/** Nights in time order (start time, then id). */
export function byTime(a: Pick<NightRecord, 'startedAt' | 'id'>, b: Pick<NightRecord, 'startedAt' | 'id'>): number {
  return a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
