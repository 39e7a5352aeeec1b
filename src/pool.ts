/**
 * Running one operation over many items side by side, at most `limit` at a time. Used where a
 * step applies to several hosts (scenario steps, creating a lab's host containers): the work is
 * mostly waiting on other processes, so a few times the core count keeps the machine busy
 * without flooding it.
 */
import { cpus } from 'node:os';

/** How many host operations run at once by default: the core count times four. */
export function defaultParallelism(): number {
  const fromEnv = Number(process.env.LABBENCH_PARALLEL);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, cpus().length) * 4;
}

/**
 * Runs `fn` on every item, at most `limit` at once, and resolves once every call settled, with
 * the outcomes in item order (never rejects: the caller decides what a failure means).
 */
export async function settleBounded<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  limit = defaultParallelism(),
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

/** Like settleBounded, but resolves with the values, or rejects with the first failure in item order once all settled. */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>, limit = defaultParallelism()): Promise<R[]> {
  return valuesOrFirstFailure(await settleBounded(items, fn, limit));
}

/** The values of settled outcomes, or the first failure (in item order) thrown. */
export function valuesOrFirstFailure<R>(settled: readonly PromiseSettledResult<R>[]): R[] {
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}
