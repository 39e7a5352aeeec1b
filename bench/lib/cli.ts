/**
 * Running labbench's own CLI from the bench scripts, exactly as a user would (`pnpm bench …`),
 * and reading back its JSON results. Progress goes to this process's stderr.
 */
import type { ResultsDocument } from '../../src/bench/report/results.ts';
import { InterruptedError } from '../../src/errors.ts';
import { runLabbench } from '../../src/machine/labbench-cli.ts';

/** What one CLI invocation gave back. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The results document when the command printed one (`bench --json`). */
  results: ResultsDocument | null;
  seconds: number;
}

/**
 * Runs `labbench <args>` from the repository root; stderr is echoed live unless `quiet`; `signal`
 * interrupts it (SIGINT), and the call rejects (InterruptedError) once the CLI has exited.
 */
export async function labbench(args: readonly string[], options: { quiet?: boolean; signal?: AbortSignal } = {}): Promise<CliOutcome> {
  const r = await runLabbench(args, { echoStderr: !options.quiet, ...(options.signal && { signal: options.signal }) });
  if (options.signal?.aborted) throw new InterruptedError(`labbench ${args.join(' ')} was interrupted`, { cause: options.signal.reason });
  let results: ResultsDocument | null = null;
  if (args[0] === 'bench' && args.includes('--json')) {
    try {
      results = JSON.parse(r.stdout) as ResultsDocument;
    } catch {
      results = null;
    }
  }
  return { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr, results, seconds: r.durationMs / 1000 };
}

/** The lines of the console report that name a cell's verdict (everything but PASS), from a bench's stderr/stdout. */
export function findingLines(text: string): string[] {
  return text.split('\n').filter((l) => /^(FAIL|WARN|INCONCLUSIVE|IMPROVED) +\S+\/\S+: /.test(l));
}

/** The "suite wall time" line a bench run prints. */
export function suiteTimeLine(text: string): string {
  return text.split('\n').find((l) => l.startsWith('suite wall time:')) ?? '(no suite time printed)';
}
