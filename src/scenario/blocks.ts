/**
 * A stable transcript for steps that work on several hosts at once. While a step runs its work
 * on each host side by side, whatever one host's work records (commands, notes, checks) is held
 * in that host's block; once every host finished, the blocks are handed on one after the other,
 * in host order. The transcript then reads the same however the hosts' work interleaved.
 * Which block an event belongs to follows the async call chain (AsyncLocalStorage), so the code
 * inside a block records as usual (host.$`…`, ctx.check, ctx.note).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultParallelism, settleBounded, valuesOrFirstFailure } from '../pool.ts';
import type { CheckRecord, CommandRecord } from './records.ts';

export type TranscriptEvent =
  | { kind: 'command-start'; host: string; command: string }
  | { kind: 'command-end'; record: CommandRecord }
  | { kind: 'note'; text: string }
  | { kind: 'check'; check: CheckRecord };

export interface EventSink {
  emit(event: TranscriptEvent): void;
}

export interface BlockOptions {
  /** At most this many items at once (default: cores × 4). */
  limit?: number;
  /**
   * The blocks' commands are kept in the report (and `--json`) but not echoed: the step prints a
   * summary of them instead (the connectivity matrix instead of every ping).
   */
  summarised?: boolean;
}

class Block implements EventSink {
  readonly events: TranscriptEvent[] = [];
  emit(event: TranscriptEvent): void {
    this.events.push(event);
  }
}

const currentBlock = new AsyncLocalStorage<Block>();

/** Where an event recorded now goes: the block of the item being worked on, else `outside`. */
export function sinkFor(outside: EventSink): EventSink {
  return currentBlock.getStore() ?? outside;
}

/**
 * Runs `fn` on every item side by side (bounded), each in its own block; then passes the blocks'
 * events on to the enclosing sink in item order. Resolves with the results in item order, or,
 * once every item finished and its block was passed on, rejects with the first failure in item
 * order.
 */
export async function runInBlocks<T, R>(outside: EventSink, items: readonly T[], fn: (item: T) => Promise<R>, options: BlockOptions = {}): Promise<R[]> {
  const parent = sinkFor(outside);
  const blocks = items.map(() => new Block());
  const settled = await settleBounded(items, (item, i) => currentBlock.run(blocks[i]!, () => fn(item)), options.limit ?? defaultParallelism());
  for (const block of blocks) {
    for (const event of block.events) {
      if (!options.summarised) parent.emit(event);
      else if (event.kind === 'command-end') parent.emit({ kind: 'command-end', record: { ...event.record, summarised: true } });
      else if (event.kind !== 'command-start') parent.emit(event);
    }
  }
  return valuesOrFirstFailure(settled);
}
