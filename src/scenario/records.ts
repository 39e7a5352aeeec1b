/**
 * What a scenario run records, below everything that produces or shows it (steps and their
 * checks, per-host blocks, the report, the transcript, the course): a step's verdict, a check
 * and a command. Pure types.
 */

/** A step's or a scenario's outcome. */
export type Verdict = 'PASS' | 'FAIL' | 'SKIPPED';

/** One check of a step: what it looked at, what it expected and found, and a hint for a student. */
export interface CheckRecord {
  label: string;
  ok: boolean;
  expected?: string;
  actual?: string;
  /** For a student whose check failed: what is wrong and where to look (not the whole answer). */
  hint?: string;
  /** The hosts whose commands this check read (filled in by the runner). */
  hosts?: string[];
}

/** One command run on a host, with its output. */
export interface CommandRecord {
  host: string;
  command: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Kept for the record but not echoed: the step printed a summary of it (e.g. a ping in the connectivity matrix). */
  summarised?: true;
}
