/**
 * What the course page asks of the course mode: the exercise's steps with the document's text,
 * grading a step, a hint, solving a step, resetting. The server only speaks this interface; the
 * course mode's core provides it (see course-adapter.ts).
 */
import type { CheckResult } from '../course.ts';
export interface CourseStepView {
  n: number;
  title: string;
  /** The document's text for the step, Chinese as written. */
  text: string;
  /** One English line saying what the step asks. */
  english: string;
  /** The host to work on. */
  host?: string;
}

export interface CourseState {
  exercise?: { name: string; section: string; title: string };
  steps: CourseStepView[];
  /** The step the student is on. */
  current?: number;
  /** Steps whose checks last passed. */
  passed: number[];
  /** Why there is no exercise, or anything the student should know. */
  message?: string;
}

/** A check as the page shows it: the course's check result (the scenario's check record) without the raw expected/actual. */
export type CheckView = Pick<CheckResult, 'label' | 'ok' | 'hint' | 'hosts' | 'elsewhere'>;

export interface CheckOutcome {
  step: number;
  passed: boolean;
  checks: CheckView[];
  /** Every check passes with another host in the step's place (StepCheck.elsewhere). */
  elsewhere?: string;
}

export interface CourseBackend {
  state(): Promise<CourseState>;
  check(step?: number): Promise<CheckOutcome>;
  hint(step?: number): Promise<{ step: number; hints: string[] }>;
  solve(step?: number): Promise<{ step: number; message: string }>;
  reset(): Promise<{ message: string }>;
}
