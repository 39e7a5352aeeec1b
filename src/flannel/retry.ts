/**
 * Backoff for the agent's retries while etcd or the kernel refuses: 1 s doubling to 10 s, so a
 * returning etcd is noticed within seconds. Pure, plus an abortable sleep.
 */

/** Delay before retry number `attempt` (0-based). */
export function backoffDelayMs(attempt: number, initialMs = 1_000, maxMs = 10_000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

/** Waits `ms`, or less when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
