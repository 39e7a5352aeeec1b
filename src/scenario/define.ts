/**
 * A scenario is one chapter of the course document as an ordered list of named steps. Each
 * step runs the document's commands on the lab's hosts and checks what they printed. Scenario
 * files (scenarios/*.ts) only declare; src/scenario/runner.ts runs them.
 */
import type { Host } from '../host.ts';
import type { Lab } from '../lab.ts';
import type { BlockOptions } from './blocks.ts';

export type Verdict = 'PASS' | 'FAIL' | 'SKIPPED';

/** Parameters a scenario accepts from the command line (validated before any host is touched). */
export interface ScenarioParams {
  backend?: 'udp' | 'vxlan' | 'host-gw';
  /** Path of a real flanneld binary or release tarball to use instead of labbench's agent. */
  flanneld?: string;
  /** Overrides of the scenario's own settings (tests use these to break a premise on purpose). */
  overrides: Record<string, string>;
}

export interface CheckRecord {
  label: string;
  ok: boolean;
  expected?: string;
  actual?: string;
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
  check(label: string, ok: boolean, detail?: { expected?: unknown; actual?: unknown }): boolean;
  /** Records `actual === expected` as a check. */
  expectEqual<T>(label: string, actual: T, expected: T): boolean;
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

export interface StepDefinition {
  title: string;
  run(ctx: StepContext): Promise<void>;
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

export function step(title: string, run: (ctx: StepContext) => Promise<void>): StepDefinition {
  return { title, run };
}

/** Thrown by ctx.skip(); the runner turns it into a SKIPPED step. */
export class StepSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
