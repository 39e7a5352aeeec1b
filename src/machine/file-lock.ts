/**
 * Advisory locks between labbench commands: flock(2) on a file under the state root, held by a
 * small util-linux `flock` child whose only job is to keep the lock while this process's pipe to
 * it stays open. The kernel drops a flock(2) lock when the last holder of the open file goes, so
 * a holder that died (SIGKILL, OOM, a closed terminal, a CI timeout) never blocks anyone: the
 * child's `cat` sees end-of-file on its stdin and exits, or is killed with the process group.
 * Node has no flock of its own, and a pid file can outlive its process.
 *
 * Beside each lock a holder file says who holds it (`lab up`, pid, since when), for the message
 * of the command that waits; a holder file whose process is dead means that command was killed.
 * Locks are re-entrant within one process (a scenario holds its lab and calls `up` inside).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../errors.ts';
import { processAlive } from './process.ts';
import { readJsonState, writeFileAtomic } from './state-file.ts';

export interface LockHolder {
  /** The labbench command, as a user typed it: "lab up", "scenario flannel-two-host". */
  command: string;
  pid: number;
  since: string;
}

export interface HeldLock {
  release(): void;
  /** The holder before us when it had died holding the lock (its command was killed). */
  takenOverFrom?: LockHolder;
}

let thisCommand = 'labbench';

/** What this process is, for other commands' "waiting for …" line (set once by the CLI). */
export function setCommandDescription(command: string): void {
  thisCommand = command;
}

export function commandDescription(): string {
  return thisCommand;
}

const held = new Map<string, { count: number; child: ChildProcess }>();

const holderFile = (lockPath: string) => `${lockPath}.holder`;

function isHolder(v: unknown): v is LockHolder {
  const h = v as LockHolder;
  return typeof h === 'object' && h !== null && typeof h.command === 'string' && Number.isInteger(h.pid);
}

/** Who holds (or last held) the lock, if its holder file is readable. */
export function lockHolder(lockPath: string): LockHolder | undefined {
  try {
    return readJsonState(holderFile(lockPath), { what: 'lock holder file', isValid: isHolder, fix: '' });
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock at `lockPath`. Busy: with `wait`, calls onWait(holder) once and waits for it;
 * without, returns the holder (or undefined when the holder is unknown) in `busy`.
 */
export async function acquireFileLock(
  lockPath: string,
  options: { wait: boolean; onWait?: (holder: LockHolder | undefined) => void },
): Promise<{ lock: HeldLock } | { busy: LockHolder | undefined }> {
  const mine = held.get(lockPath);
  if (mine) {
    mine.count++;
    return { lock: { release: () => release(lockPath) } };
  }
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  let child = await spawnHolder(lockPath, false);
  // A lock released a moment ago is free once its holder child has seen its pipe close: a holder
  // that left no holder file is most likely that, so a few quick tries come before any message.
  for (let i = 0; !child && !liveHolder(lockPath) && i < 10; i++) {
    await sleep(30);
    child = await spawnHolder(lockPath, false);
  }
  if (!child) {
    const holder = liveHolder(lockPath);
    if (!options.wait) return { busy: holder };
    options.onWait?.(holder);
    child = (await spawnHolder(lockPath, true))!;
  }
  // A holder that lets go removes its file first, so a file naming another process, now that the
  // lock is ours, was left by a holder killed while it held the lock (maybe not quite dead yet:
  // its flock child can die, and free the lock, before a big process has finished exiting).
  const previous = lockHolder(lockPath);
  const takenOverFrom = previous && previous.pid !== process.pid ? previous : undefined;
  writeFileAtomic(holderFile(lockPath), JSON.stringify({ command: thisCommand, pid: process.pid, since: new Date().toISOString() } satisfies LockHolder));
  held.set(lockPath, { count: 1, child });
  return { lock: { release: () => release(lockPath), ...(takenOverFrom ? { takenOverFrom } : {}) } };
}

/** Whether any process (this one included) holds the lock now. */
export function isLocked(lockPath: string): boolean {
  if (held.has(lockPath)) return true;
  // flock -n exits 1 when the lock is held elsewhere; it creates a missing file, so check first.
  const r = spawnSync('flock', ['-xn', '-E', '75', lockPath, 'true'], { stdio: 'ignore' });
  return r.status === 75;
}

function liveHolder(lockPath: string): LockHolder | undefined {
  const h = lockHolder(lockPath);
  return h && processAlive(h.pid) ? h : undefined;
}

function release(lockPath: string): void {
  const entry = held.get(lockPath);
  if (!entry) return;
  if (--entry.count > 0) return;
  held.delete(lockPath);
  // The holder file goes first, while the lock is still ours, so a later reader never sees us.
  if (lockHolder(lockPath)?.pid === process.pid) rmSync(holderFile(lockPath), { force: true });
  entry.child.stdin?.end();
}

/** A `flock` child holding the lock (undefined when `nonblocking` and the lock is taken). */
function spawnHolder(lockPath: string, wait: boolean): Promise<ChildProcess | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [wait ? '-x' : '-xn', '-E', '75', lockPath, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let settled = false;
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(
        new ProviderError(`could not take the lock ${lockPath}: ${err.message}`, { hint: 'labbench needs util-linux `flock` (apt-get install util-linux)' }),
      );
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (code === 75) resolve(undefined);
      else reject(new ProviderError(`could not take the lock ${lockPath}: flock exited with ${code}`, { hint: `check that ${dirname(lockPath)} is writable` }));
    });
    child.stdout!.setEncoding('utf8').once('data', () => {
      if (settled) return;
      settled = true;
      child.stdout!.destroy();
      // Neither the child nor its pipe keeps this process alive; exiting closes the pipe and frees the lock.
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      resolve(child);
    });
  });
}
