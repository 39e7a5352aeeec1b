/** The record of one executed probe run: where it sat in the schedule, what it measured, how long it took. */

import type { ProbeKind } from '../plan/metrics.ts';
import type { Arm } from '../plan/schedule.ts';
import type { RunValues } from './extract.ts';

/** One executed run, as the runner records it. */
export interface RunRecord {
  order: number;
  round: number;
  path: string;
  probe: ProbeKind;
  arm: Arm | null;
  /** A canary run: the path whose cell it was measured beside (same round, same probe); null otherwise. */
  canaryOf: string | null;
  warmup: boolean;
  /** Part of the confirmation re-run of flagged cells. */
  confirmation: boolean;
  startedAt: string;
  durationMs: number;
  /** Metric values of the run (empty when it failed). */
  values: RunValues;
  /** Why the run yielded nothing, or null. */
  error: string | null;
}
