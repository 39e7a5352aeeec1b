/**
 * A mark on a lab while a scenario changes it: written (atomically) once the lab is up, removed
 * when the run ends, however it ends, short of being killed. A mark found by the next scenario
 * on that lab means a run was killed half-way (SIGKILL, a closed terminal, the engine or the
 * machine gone): its hosts hold half of a chapter's configuration, so the lab is recreated
 * before the next run rather than graded in an unknown state. The lab's lock (lab-lock.ts)
 * guarantees that a mark found by a command holding it belongs to no live run.
 */
import { rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commandDescription, type LockHolder } from '../machine/file-lock.ts';
import { readJsonState, writeFileAtomic } from '../machine/state-file.ts';
import { stateRoot } from '../machine/state-root.ts';

const markFile = (lab: string, env: NodeJS.ProcessEnv) => join(stateRoot(env).labDir(lab), 'scenario-running.json');

/** The run that left its mark on the lab (a killed one, when the caller holds the lab's lock). */
export function leftScenarioMark(lab: string, env: NodeJS.ProcessEnv = process.env): LockHolder | undefined {
  try {
    return readJsonState(markFile(lab, env), {
      what: 'scenario mark',
      isValid: (v): v is LockHolder => typeof v === 'object' && v !== null && typeof (v as LockHolder).command === 'string',
      fix: '',
    });
  } catch {
    // Unreadable: a run was killed while writing it. Recreating is the safe answer all the same.
    return { command: 'scenario', pid: 0, since: '' };
  }
}

export function markScenarioRunning(lab: string, env: NodeJS.ProcessEnv = process.env): void {
  writeFileAtomic(
    markFile(lab, env),
    JSON.stringify({ command: commandDescription(), pid: process.pid, since: new Date().toISOString() } satisfies LockHolder),
    { dirMode: 0o700 },
  );
}

export function clearScenarioMark(lab: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = markFile(lab, env);
  rmSync(file, { force: true });
  // A lab of the ssh or libvirt provider has no directory of its own here but for the mark.
  try {
    rmdirSync(dirname(file));
  } catch {
    // not empty (a local lab's directory, course progress) or already gone
  }
}
