/**
 * A scenario is one chapter of the course document as an ordered list of named steps. Each
 * step has `solve` (the document's commands, run on the lab's hosts) and `check` (read-only:
 * it looks at the hosts and records checks, changing nothing), the document section it
 * follows, the host to work on and a hint for a student whose check fails. `pnpm scenario`
 * runs solve then check per step; `pnpm course` lets a student do the solving by hand.
 * Scenario files (scenarios/*.ts) only declare; src/scenario/runner.ts runs them.
 */
import type { Host } from '../host.ts';
import type { Lab } from '../lab.ts';
import type { BlockOptions } from './blocks.ts';

/** Parameters a scenario accepts from the command line (validated before any host is touched). */
export interface ScenarioParams {
  backend?: 'udp' | 'vxlan' | 'host-gw';
  /** Path of a real flanneld binary or release tarball to use instead of labbench's agent. */
  flanneld?: string;
  /** Overrides of the scenario's own settings (tests use these to break a premise on purpose). */
  overrides: Record<string, string>;
}

/** Details of a check: what was expected, what was found, and a hint for when it fails. */
export interface CheckDetail {
  expected?: unknown;
  actual?: unknown;
  hint?: string;
}

export interface StepContext {
  lab: Lab;
  /** The lab's hosts in inventory order (the document's host A first). */
  hosts: Host[];
  host(name: string): Host;
  /** Hosts carrying a role, in inventory order. */
  withRole(role: 'etcd' | 'flannel'): Host[];
  params: ScenarioParams;
  /** Values steps hand to later steps (e.g. each host's FLANNEL_SUBNET). */
  state: Map<string, unknown>;
  /** Records a check; returns `ok` so a step can branch on it. */
  check(label: string, ok: boolean, detail?: CheckDetail): boolean;
  /** Records `actual === expected` as a check. */
  expectEqual<T>(label: string, actual: T, expected: T, hint?: string): boolean;
  /** A line of commentary in the transcript (what the document says happens here). */
  note(text: string): void;
  /**
   * Runs `fn` on each host side by side (at most cores × 4 at once). What each host's work
   * records (commands, notes, checks) appears as one block per host, in the order of `hosts`,
   * whatever order they finished in. Resolves with fn's results in that order; when a host
   * failed, rejects with the first failure in that order once every host finished.
   */
  onEachHost<R>(hosts: readonly Host[], fn: (host: Host) => Promise<R>, options?: BlockOptions): Promise<R[]>;
  /** Marks the step as not applicable here, with the reason (e.g. a kernel feature missing). */
  skip(reason: string): never;
}

/** Which of the lab's hosts a step works on: the single-host chapters' host, host A, host B, or both. */
export type StepHosts = 'document' | 'A' | 'B' | 'A+B';

/** Where a step is in the course document: its section heading and text, as written (Chinese). */
export interface DocReference {
  heading: string;
  text: string;
}

/** A step as a scenario file declares it. */
export interface StepSpec {
  doc: DocReference;
  /** One line in English: what the student does in this step. */
  summary: string;
  on: StepHosts;
  /** The document's commands. */
  solve(ctx: StepContext): Promise<void>;
  /** Read-only: looks at the hosts and records checks; never changes anything. */
  check(ctx: StepContext): Promise<void>;
  /** The step's hint, for a failed check that has none of its own. */
  hint: string;
}

export interface StepDefinition {
  title: string;
  /** Runs the step's commands (for a step without a separate check, also its checks). */
  solve(ctx: StepContext): Promise<void>;
  /** Absent on steps that check while they run (scenarios that are not course exercises). */
  check?(ctx: StepContext): Promise<void>;
  doc?: DocReference;
  summary?: string;
  on?: StepHosts;
  hint?: string;
}

export interface ScenarioDefinition {
  name: string;
  /** Section of the course document, e.g. "4" or "3.5". */
  section: string;
  title: string;
  summary: string;
  /** Rejects bad parameters before anything runs (throw ConfigError). */
  validate?(params: ScenarioParams, inventorySubnet: string | undefined): void;
  steps: StepDefinition[];
  /** Puts the lab back as the scenario found it; runs even when a step failed. */
  cleanup?(ctx: StepContext): Promise<void>;
}

export function defineScenario(definition: ScenarioDefinition): ScenarioDefinition {
  return definition;
}

/** A step with solve and check (a course exercise's step), or one body that runs and checks at once. */
export function step(title: string, spec: StepSpec | ((ctx: StepContext) => Promise<void>)): StepDefinition {
  return typeof spec === 'function' ? { title, solve: spec } : { title, ...spec };
}

/** True when every step has a separate read-only check and a document reference: a student can do it by hand. */
export function isExercise(s: ScenarioDefinition): boolean {
  return s.steps.every((st) => st.check !== undefined && st.doc !== undefined);
}

/** Thrown by ctx.skip(); the runner turns it into a SKIPPED step. */
export class StepSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
