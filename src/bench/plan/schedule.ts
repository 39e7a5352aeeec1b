/**
 * The run order of a bench: warm-up rounds (discarded), then `runs` rounds, each round a
 * random permutation of every path × probe (× A/B arm) cell. Randomised round-robin spreads
 * slow drift evenly over all cells and arms; a seeded PRNG makes the order reproducible.
 */
import { DEFAULT_METRICS, isMetricId, type ProbeKind, splitKey } from './metrics.ts';

/** Arm of an A/B comparison: A is the baseline variant, B the candidate. */
export type Arm = 'A' | 'B';

/** One thing to measure repeatedly. `arm` is null outside A/B mode. */
export interface ScheduleCell {
  path: string;
  probe: ProbeKind;
  arm: Arm | null;
}

/** One slot of the run order. */
export interface ScheduledRun extends ScheduleCell {
  /** Position in the whole schedule, from 0. */
  order: number;
  /** Round number, from 0; warm-up rounds come first. */
  round: number;
  /** Warm-up runs are executed and discarded. */
  warmup: boolean;
}

/** Shape of a schedule. */
export interface ScheduleOptions {
  cells: readonly ScheduleCell[];
  /** Measured runs per cell (default 10). */
  runs?: number;
  /** Discarded warm-up runs per cell (default 1). */
  warmups?: number;
  /** PRNG seed (an unsigned 32-bit integer). */
  seed: number;
}

/** Default measured runs per cell. */
export const DEFAULT_RUNS = 10;

/** Every path × probe cell, times both arms when `arms` is given. */
export function suiteCells(paths: readonly string[], probes: readonly ProbeKind[], arms: readonly Arm[] = []): ScheduleCell[] {
  const cells: ScheduleCell[] = [];
  for (const path of paths) {
    for (const probe of probes) {
      if (arms.length === 0) cells.push({ path, probe, arm: null });
      else for (const arm of arms) cells.push({ path, probe, arm });
    }
  }
  return cells;
}

/**
 * The cells to re-run to confirm flagged path × metric keys (`<path>/<metric>`): each flagged
 * path × probe once, with both arms in A/B mode (the re-run compares fresh A with fresh B).
 */
export function confirmationCells(flaggedKeys: readonly string[], mode: 'stored' | 'ab'): ScheduleCell[] {
  const seen = new Set<string>();
  const cells: ScheduleCell[] = [];
  for (const key of flaggedKeys) {
    const [path, metric] = splitKey(key);
    if (!isMetricId(metric)) throw new RangeError(`not a cell key: ${key}`);
    const probe = DEFAULT_METRICS[metric].probe;
    if (seen.has(`${path}/${probe}`)) continue;
    seen.add(`${path}/${probe}`);
    if (mode === 'ab') cells.push({ path, probe, arm: 'A' }, { path, probe, arm: 'B' });
    else cells.push({ path, probe, arm: null });
  }
  return cells;
}

/** The randomised interleaved run order. */
export function buildSchedule(options: ScheduleOptions): ScheduledRun[] {
  const { cells, runs = DEFAULT_RUNS, warmups = 1, seed } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!Number.isInteger(warmups) || warmups < 0) throw new RangeError(`warmups must be an integer ≥ 0, got ${warmups}`);
  const random = mulberry32(seed);
  const schedule: ScheduledRun[] = [];
  for (let round = 0; round < warmups + runs; round++) {
    for (const cell of shuffle(cells, random)) {
      schedule.push({ ...cell, order: schedule.length, round, warmup: round < warmups });
    }
  }
  return schedule;
}

/** Mulberry32: a small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed for a run that was not given one (recorded in the results so it can be replayed). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

/** Fisher–Yates shuffle into a new array. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
