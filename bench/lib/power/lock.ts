/**
 * Holding a shared flock(1) lock for one step of a long sweep, so other users of the machine
 * can interleave between steps. A `flock FILE cat` child holds the lock until its stdin is
 * closed: released by us, or by the kernel when this process dies, never left behind.
 */
import { spawn } from 'node:child_process';
import { LabbenchError } from '../../../src/errors.ts';

/** Runs `step` while holding the lock on `file`; without a file, just runs it. `signal` stops the wait for the lock. */
export async function underLock<T>(file: string | null, step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (file === null) return step();
  signal?.throwIfAborted();
  const holder = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stopWaiting = () => holder.kill();
  signal?.addEventListener('abort', stopWaiting, { once: true });
  const closed = new Promise<void>((resolve) => holder.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.on('error', (err) => reject(new LabbenchError(`could not run flock on ${file}: ${err.message}`, { hint: 'install util-linux (flock) or run without --lock' })));
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && resolve());
    holder.on('close', (code) =>
      reject(new LabbenchError(signal?.aborted ? `interrupted while waiting for the lock on ${file}` : `flock on ${file} ended (exit ${code}) before taking the lock`)),
    );
  });
  signal?.removeEventListener('abort', stopWaiting);
  try {
    return await step();
  } finally {
    holder.stdin.end();
    await closed;
  }
}
