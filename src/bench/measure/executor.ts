/** The seam between the bench's flow and a lab: what the runner needs from whatever it measures. */
import type { Requirement } from '../plan/block-order.ts';
import type { Arm, ScheduleCell } from '../plan/schedule.ts';
import type { RunValues } from './extract.ts';
import type { Fingerprint } from './fingerprint.ts';

/** What the runner needs from a lab. */
export interface BenchExecutor {
  /** Brings the lab into the configuration some runs need (null: none in particular). */
  prepare(requirement: Requirement): Promise<void>;
  /** Measures one run; throws when the probe failed (the run is recorded with the error). */
  run(cell: ScheduleCell): Promise<RunValues>;
  /** The environment fingerprint of tonight (arm null) or of one A/B variant. */
  fingerprint(arm: Arm | null): Promise<Fingerprint>;
}
