/**
 * What the course page asks of the course mode: the exercise's steps with the document's text,
 * grading a step, a hint, solving a step, resetting. The server only speaks this interface; the
 * course mode's core provides it (see course-adapter.ts).
 */
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

export interface CheckView {
  label: string;
  ok: boolean;
  hint?: string;
}

export interface CheckOutcome {
  step: number;
  passed: boolean;
  checks: CheckView[];
}

export interface CourseBackend {
  state(): Promise<CourseState>;
  check(step?: number): Promise<CheckOutcome>;
  hint(step?: number): Promise<{ step: number; hints: string[] }>;
  solve(step?: number): Promise<{ step: number; message: string }>;
  reset(): Promise<{ message: string }>;
}
