/**
 * The run order of a bench: warm-up rounds (discarded), then `runs` rounds, each round a
 * random permutation of every path × probe (× A/B arm) cell — randomized multiple interleaved
 * trials (Abedi & Brecht, ICPE 2017). With a canary path, each cell of another path is a pair:
 * the canary measured with the same probe right before or after it (the side drawn at random),
 * so a burst of machine-wide noise hits both halves of the pair alike and their ratio cancels
 * it (duet benchmarking, Bulej et al., ICPE 2020). A seeded PRNG makes the order reproducible.
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
  /** For a canary run: the path of the cell it is paired with; null otherwise. */
  canaryOf: string | null;
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
  /** Measured rounds: runs per cell (default 10). */
  runs?: number;
  /** Discarded warm-up rounds (default 1). */
  warmups?: number;
  /** PRNG seed (an unsigned 32-bit integer). */
  seed: number;
  /** The path measured beside every other path's cell of the same probe (the bench's `loopback`). */
  canary?: string;
}

/**
 * Default measured rounds. With a canary beside each path run a round is 24 runs (3 paths × 4
 * probes × 2); 10 rounds + 1 warm-up (264 short runs) keep the default suite within 5 minutes on
 * a shared 2-core machine (8 rounds measured 3m27s there, setup included).
 */
export const DEFAULT_RUNS = 10;

/** Rounds of a recorded baseline: recorded once, its noise enters every comparison as much as tonight's. */
export const BASELINE_RUNS = 2 * DEFAULT_RUNS;

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

/**
 * The randomised interleaved run order. With a canary, the canary's own cells are not scheduled
 * alone when another path of their probe is measured: the canary runs paired with those paths
 * are its samples.
 */
export function buildSchedule(options: ScheduleOptions): ScheduledRun[] {
  const { cells, runs = DEFAULT_RUNS, warmups = 1, seed, canary } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  if (!Number.isInteger(warmups) || warmups < 0) throw new RangeError(`warmups must be an integer ≥ 0, got ${warmups}`);
  const random = mulberry32(seed);
  const units = scheduleUnits(cells, canary);
  const schedule: ScheduledRun[] = [];
  for (let round = 0; round < warmups + runs; round++) {
    for (const unit of shuffle(units, random)) {
      const pair = unit.canary ? (random() < 0.5 ? [unit.canary, unit.cell] : [unit.cell, unit.canary]) : [unit.cell];
      for (const cell of pair) {
        schedule.push({ ...cell, canaryOf: cell === unit.canary ? unit.cell.path : null, order: schedule.length, round, warmup: round < warmups });
      }
    }
  }
  return schedule;
}

interface ScheduleUnit {
  cell: ScheduleCell;
  /** The canary cell measured beside `cell`, or undefined. */
  canary?: ScheduleCell;
}

function scheduleUnits(cells: readonly ScheduleCell[], canary: string | undefined): ScheduleUnit[] {
  if (canary === undefined) return cells.map((cell) => ({ cell }));
  const paired = (cell: ScheduleCell) => cell.path !== canary;
  return cells.flatMap((cell): ScheduleUnit[] => {
    if (paired(cell)) return [{ cell, canary: { path: canary, probe: cell.probe, arm: cell.arm } }];
    // The canary's own cell runs alone only when no other path of its probe brings canary runs.
    return cells.some((other) => paired(other) && other.probe === cell.probe) ? [] : [{ cell }];
  });
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
