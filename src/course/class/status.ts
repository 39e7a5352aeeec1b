/**
 * What the teacher's dashboard shows of one student: each step's live check state, the last
 * activity, and whether the student is stuck. Pure: the student's progress, check history and
 * activity times in, a row out.
 *
 * The stuck rule: a student who has joined and not finished is stuck after `failedChecks`
 * failed checks in a row on the step they are on, or after `quietMinutes` without passing a
 * step (counted from the later of their last passed check and the moment they joined).
 */
import type { CheckHistoryEntry, CourseProgress } from '../progress.ts';

export interface StuckRule {
  failedChecks: number;
  quietMinutes: number;
}

export const DEFAULT_STUCK_RULE: StuckRule = { failedChecks: 3, quietMinutes: 10 };

export type CellState = 'passed' | 'failed' | 'unchecked' | 'solved-at-start' | 'checking';

export interface StepCell {
  n: number;
  state: CellState;
  /** When the step was last checked (ISO). */
  at?: string;
  /** The labels of the checks that failed last time. */
  failed?: string[];
}

export type LabPhase = 'waiting' | 'starting' | 'ready' | 'failed';

export interface StudentRow {
  student: string;
  lab: string;
  subnet: string;
  phase: LabPhase;
  /** Why the lab could not be prepared, or what it is doing now. */
  detail?: string;
  exercise?: string;
  /** The step the student is on. */
  current?: number;
  steps: StepCell[];
  /** ISO times: first seen on the page, last keystroke or check. */
  joined?: string;
  lastActivity?: string;
  /** Open terminals. */
  terminals: number;
  failedInARow: number;
  stuck?: string;
  finished: boolean;
}

export interface StudentFacts {
  student: string;
  lab: string;
  subnet: string;
  phase: LabPhase;
  detail?: string;
  stepCount?: number;
  progress?: CourseProgress;
  history: readonly CheckHistoryEntry[];
  /** Steps being checked right now. */
  checking: ReadonlySet<number>;
  joined?: number;
  lastActivity?: number;
  terminals: number;
}

/** Failed checks at the end of the history on `step` (a pass on it, or any check of another exercise, ends the run). */
export function failedInARow(history: readonly CheckHistoryEntry[], exercise: string, step: number): number {
  let n = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!;
    if (e.exercise !== exercise) break;
    if (e.step !== step) continue;
    if (e.passed) break;
    n++;
  }
  return n;
}

export function studentRow(f: StudentFacts, now: number, rule: StuckRule = DEFAULT_STUCK_RULE): StudentRow {
  const p = f.progress;
  const steps: StepCell[] = [];
  const count = f.stepCount ?? 0;
  for (let n = 1; n <= count; n++) {
    const last = p?.steps[String(n)];
    const state: CellState = f.checking.has(n)
      ? 'checking'
      : last
        ? last.passed
          ? 'passed'
          : 'failed'
        : p && n < p.startedAt
          ? 'solved-at-start'
          : 'unchecked';
    steps.push({ n, state, ...(last ? { at: last.checkedAt } : {}), ...(last && !last.passed ? { failed: last.failed } : {}) });
  }
  const finished = count > 0 && steps.every((s) => s.state === 'passed' || s.state === 'solved-at-start');
  const inARow = p ? failedInARow(f.history, p.exercise, p.step) : 0;
  const lastCheck = f.history.length > 0 ? Date.parse(f.history[f.history.length - 1]!.at) : undefined;
  const lastActivity = Math.max(f.lastActivity ?? 0, lastCheck ?? 0) || undefined;
  const row: StudentRow = {
    student: f.student,
    lab: f.lab,
    subnet: f.subnet,
    phase: f.phase,
    ...(f.detail ? { detail: f.detail } : {}),
    ...(p ? { exercise: p.exercise, current: p.step } : {}),
    steps,
    ...(f.joined ? { joined: new Date(f.joined).toISOString() } : {}),
    ...(lastActivity ? { lastActivity: new Date(lastActivity).toISOString() } : {}),
    terminals: f.terminals,
    failedInARow: inARow,
    finished,
  };
  const stuck = stuckReason(f, row, now, rule);
  if (stuck) row.stuck = stuck;
  return row;
}

function stuckReason(f: StudentFacts, row: StudentRow, now: number, rule: StuckRule): string | undefined {
  if (row.finished || f.phase !== 'ready' || !f.progress) return undefined;
  if (row.failedInARow >= rule.failedChecks) return `${row.failedInARow} failed checks in a row on step ${f.progress.step}`;
  if (f.joined === undefined) return undefined;
  const passes = f.history.filter((e) => e.passed && e.exercise === f.progress!.exercise).map((e) => Date.parse(e.at));
  const since = Math.max(f.joined, ...passes);
  const quiet = (now - since) / 60_000;
  if (quiet >= rule.quietMinutes) return `no step passed for ${Math.floor(quiet)} min`;
  return undefined;
}
