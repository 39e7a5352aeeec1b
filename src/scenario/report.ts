/**
 * What a scenario run produced: per step, the commands with their outputs, the checks and a
 * verdict. The same value feeds the live transcript, the summary and `--json`. Pure.
 */
import type { OsFamily } from '../os/releases.ts';
import type { CheckRecord, CommandRecord, Verdict } from './records.ts';

export interface StepReport {
  index: number;
  title: string;
  verdict: Verdict;
  /** Why the step failed or was skipped. */
  reason?: string;
  durationMs: number;
  commands: CommandRecord[];
  checks: CheckRecord[];
  notes: string[];
}

/** A host the scenario ran on: its label and what the machine said it runs. */
export interface ScenarioHost {
  name: string;
  /** The OS label, e.g. "rocky-8.10". */
  os: string;
  /** The machine stands in for the labelled OS (local provider). */
  standIn?: boolean;
  /** What the machine runs, NAME and VERSION_ID: "Debian GNU/Linux 12". */
  machine: string;
  /** The family the scenario drove it as. */
  family: OsFamily;
}

export interface ScenarioReport {
  scenario: string;
  section: string;
  title: string;
  lab: string;
  provider: string;
  hosts?: ScenarioHost[];
  params: Record<string, unknown>;
  verdict: Verdict;
  durationMs: number;
  steps: StepReport[];
  cleanup?: { ok: boolean; error?: string };
}

/** A scenario passes when no step failed and at least one ran; it is SKIPPED when every step was. */
export function scenarioVerdict(steps: readonly StepReport[], cleanupOk = true): Verdict {
  if (!cleanupOk || steps.some((s) => s.verdict === 'FAIL')) return 'FAIL';
  if (steps.length > 0 && steps.every((s) => s.verdict === 'SKIPPED')) return 'SKIPPED';
  return 'PASS';
}

export function stepVerdict(checks: readonly CheckRecord[], error: string | undefined): Verdict {
  return error !== undefined || checks.some((c) => !c.ok) ? 'FAIL' : 'PASS';
}
