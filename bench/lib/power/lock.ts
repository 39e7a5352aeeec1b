/**
 * Holding a shared flock(1) lock for one step of a long sweep, so other users of the machine
 * can interleave between steps. A `flock FILE cat` child holds the lock until its stdin is
 * closed: released by us, or by the kernel when this process dies, never left behind.
 */
import { spawn } from 'node:child_process';
import { LabbenchError } from '../../../src/errors.ts';

/** Runs `step` while holding the lock on `file`; without a file, just runs it. */
export async function underLock<T>(file: string | null, step: () => Promise<T>): Promise<T> {
  if (file === null) return step();
  const holder = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const closed = new Promise<void>((resolve) => holder.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.on('error', (err) => reject(new LabbenchError(`could not run flock on ${file}: ${err.message}`, { hint: 'install util-linux (flock) or run without --lock' })));
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && resolve());
    holder.on('close', (code) => reject(new LabbenchError(`flock on ${file} ended (exit ${code}) before taking the lock`)));
  });
  try {
    return await step();
  } finally {
    holder.stdin.end();
    await closed;
  }
}
