/**
 * One operation per lab at a time. Every command that changes a lab (`lab up|down|stop|start`,
 * `scenario`, `course start|solve|reset`, `bench`) holds the lab's lock for as long as it works
 * on it; a second one waits, saying once who it waits for:
 *
 *   waiting for `lab up` (pid 4242) on lab twin
 *
 * and then finds the lab as the first left it (`lab up` after `lab up`: "already up"). Waiting
 * is right for these: the holder finishes, and the user can ^C. Commands that only read a lab
 * (`lab status|list|exec|shell`, `course check|status|hint`) take no lock; `course check`
 * refuses while another command changes the lab, since grading a half-solved step means nothing.
 * A lock whose holder died (SIGKILL, a closed terminal) is free at once, and the next command
 * says it took over from it. Lock files live in `$LABBENCH_HOME/locks/` and stay there (empty
 * files: removing one while another command waits on it would let a third in).
 */
import { BusyError } from '../errors.ts';
import { acquireFileLock, commandDescription, isLocked, type LockHolder, lockHolder } from '../machine/file-lock.ts';
import { stateRoot } from '../machine/state-root.ts';

export function labLockPath(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return stateRoot(env).labLock(lab);
}

/** Runs `fn` holding lab `lab`'s lock, waiting for another command that holds it. */
export async function withLabLock<T>(lab: string, fn: () => Promise<T>, options: { env?: NodeJS.ProcessEnv; note?: (text: string) => void } = {}): Promise<T> {
  const note = options.note ?? ((text: string) => process.stderr.write(`${text}\n`));
  const got = await acquireFileLock(labLockPath(lab, options.env), {
    wait: true,
    onWait: (holder) => note(`waiting for ${describeHolder(holder)} on lab ${lab}`),
  });
  if (!('lock' in got)) throw new Error('unreachable: a waiting lock is always taken');
  const { lock } = got;
  if (lock.takenOverFrom)
    note(`lab ${lab}: ${describeHolder(lock.takenOverFrom)} was killed while working on it; this ${commandDescription()} takes over from what it left`);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Throws BusyError when another command changes the lab right now (for commands that only read it). */
export function assertLabNotBusy(lab: string, env: NodeJS.ProcessEnv = process.env): void {
  const path = labLockPath(lab, env);
  const holder = lockHolder(path);
  if (holder?.pid === process.pid || !isLocked(path)) return;
  throw new BusyError(`${describeHolder(holder)} is changing lab ${lab} right now`, { hint: 'run this again when that command has finished' });
}

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `\`${holder.command}\` (pid ${holder.pid})` : 'another labbench command';
}
