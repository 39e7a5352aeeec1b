/**
 * Progress reports the phases of a long operation (`lab up`, `lab down`) as titled steps with
 * timings. The TTY renderer prints a step list; the JSON mode collects them silently.
 */
import { throwIfInterrupted } from './interrupt.ts';

export interface StepRecord {
  title: string;
  ok: boolean;
  durationMs: number;
  detail?: string;
}

export interface Progress {
  /** Runs one titled phase; the phase is recorded (and shown) whether it succeeds or throws. */
  step<T>(title: string, run: () => Promise<T>): Promise<T>;
  /** A one-line remark about the current operation (e.g. "lab already up"). */
  note(text: string): void;
  readonly steps: readonly StepRecord[];
}

export interface ProgressSink {
  start(title: string): void;
  end(record: StepRecord): void;
  note(text: string): void;
}

export function createProgress(sink?: ProgressSink): Progress {
  const steps: StepRecord[] = [];
  return {
    steps,
    async step<T>(title: string, run: () => Promise<T>): Promise<T> {
      throwIfInterrupted();
      sink?.start(title);
      const started = performance.now();
      try {
        const value = await run();
        throwIfInterrupted();
        const record = { title, ok: true, durationMs: performance.now() - started };
        steps.push(record);
        sink?.end(record);
        return value;
      } catch (err) {
        const record = { title, ok: false, durationMs: performance.now() - started, detail: err instanceof Error ? err.message.split('\n')[0] : String(err) };
        steps.push(record);
        sink?.end(record);
        throw err;
      }
    },
    note(text: string) {
      sink?.note(text);
    },
  };
}

/** Renders steps as they happen: "✓ Building host image  51.2s". */
export function consoleSink(stream: NodeJS.WritableStream = process.stderr): ProgressSink {
  const tty = 'isTTY' in stream && Boolean((stream as { isTTY?: boolean }).isTTY);
  return {
    start(title) {
      if (tty) stream.write(` • ${title} …\r`);
    },
    end(r) {
      const mark = r.ok ? '✓' : '✗';
      const line = ` ${mark} ${r.title}  ${formatDuration(r.durationMs)}`;
      stream.write(tty ? `\x1b[2K${line}\n` : `${line}\n`);
    },
    note(text) {
      stream.write(` · ${text}\n`);
    },
  };
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}
