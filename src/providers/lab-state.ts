/**
 * What state a lab is in, from what its provider observed of its hosts. Pure, so `lab status`,
 * `lab up`, `lab start` and `lab stop` all read a lab the same way:
 *   up          every host exists and runs;
 *   stopped     every host exists and none runs (`lab stop`, an engine restarted): `lab start`
 *               or `lab up` starts them, keeping everything;
 *   partial     some hosts run and some do not (one powered off from inside, one crashed):
 *               `lab start` or `lab up` starts the others, keeping everything; or an `up` or
 *               `down` that never finished, or hosts that are gone (`missing`): then only
 *               `lab up` (finishing what was interrupted) or `lab up --recreate` helps;
 *   engine down the engine (or hypervisor) that holds the hosts does not answer.
 */

export type LabState = 'up' | 'stopped' | 'engine down' | 'partial';

export interface ObservedHost {
  name: string;
  exists: boolean;
  running: boolean;
}

export interface ObservedLab {
  /** The `up` that created the lab (or the `down` removing it) did not finish. */
  interrupted: boolean;
  /** Whether the engine holding the hosts answered (when it did not, `hosts` says nothing). */
  engineAnswers: boolean;
  hosts: readonly ObservedHost[];
}

export interface LabCondition {
  state: LabState;
  /** Hosts that exist but do not run: what `lab start` starts. */
  notRunning: string[];
  /** Hosts the lab should have that are gone. */
  missing: string[];
}

export function labConditionOf(lab: ObservedLab): LabCondition {
  const missing = lab.engineAnswers ? lab.hosts.filter((h) => !h.exists).map((h) => h.name) : [];
  const notRunning = lab.engineAnswers ? lab.hosts.filter((h) => h.exists && !h.running).map((h) => h.name) : lab.hosts.map((h) => h.name);
  const state: LabState =
    lab.interrupted || missing.length > 0 || lab.hosts.length === 0
      ? 'partial'
      : !lab.engineAnswers
        ? 'engine down'
        : notRunning.length === lab.hosts.length
          ? 'stopped'
          : notRunning.length > 0
            ? 'partial'
            : 'up';
  return { state, notRunning, missing };
}
