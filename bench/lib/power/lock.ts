/**
 * Holding a shared flock(1) lock for the steps of a long sweep, not for the whole sweep, so other
 * users of the machine interleave. A `flock FILE cat` child holds the lock until its stdin is
 * closed: released by us, or by the kernel when this process dies, never left behind.
 */
import { spawn } from 'node:child_process';
import { LabbenchError } from '../../../src/errors.ts';

/** Runs `step` while holding the lock on `file`; without a file, just runs it. `signal` stops the wait for the lock. */
export async function underLock<T>(file: string | null, step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (file === null) return step();
  const release = await acquire(file, signal);
  try {
    return await step();
  } finally {
    await release();
  }
}

/**
 * Steps under one lock for as long as a budget allows: after a step, the hold is kept only when
 * its age plus the longest step so far stays within `budgetMs`; otherwise the lock is released
 * (others waiting get it) and taken again by the next step. A budget of 0: one hold per step.
 */
export class LockBudget {
  private release: (() => Promise<void>) | null = null;
  private heldSince = 0;
  private longestStepMs = 0;

  constructor(
    private readonly file: string | null,
    private readonly budgetMs: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs a step under the lock; `last`: release the lock after it whatever the budget. */
  async run<T>(step: () => Promise<T>, options: { last?: boolean } = {}): Promise<T> {
    if (this.file === null) return step();
    if (!this.release) {
      this.release = await acquire(this.file, this.signal);
      this.heldSince = Date.now();
    }
    const started = Date.now();
    try {
      return await step();
    } finally {
      this.longestStepMs = Math.max(this.longestStepMs, Date.now() - started);
      if (options.last || Date.now() - this.heldSince + this.longestStepMs > this.budgetMs) await this.done();
    }
  }

  /** Whether the lock is held now (between steps that fit the budget). */
  get holding(): boolean {
    return this.release !== null;
  }

  /** Releases the lock if held. */
  async done(): Promise<void> {
    const release = this.release;
    this.release = null;
    if (release) await release();
  }
}

async function acquire(file: string, signal?: AbortSignal): Promise<() => Promise<void>> {
  signal?.throwIfAborted();
  const holder = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stopWaiting = () => holder.kill();
  signal?.addEventListener('abort', stopWaiting, { once: true });
  const closed = new Promise<void>((resolve) => holder.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.on('error', (err) =>
      reject(new LabbenchError(`could not run flock on ${file}: ${err.message}`, { hint: 'install util-linux (flock) or run without --lock' })),
    );
    holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && resolve());
    holder.on('close', (code) =>
      reject(
        new LabbenchError(
          signal?.aborted ? `interrupted while waiting for the lock on ${file}` : `flock on ${file} ended (exit ${code}) before taking the lock`,
        ),
      ),
    );
  });
  signal?.removeEventListener('abort', stopWaiting);
  return async () => {
    holder.stdin.end();
    await closed;
  };
}
