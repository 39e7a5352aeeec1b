/**
 * Running labbench's own CLI from the bench scripts, exactly as a user would (`pnpm bench …`),
 * and reading back its JSON results. Progress goes to this process's stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResultsDocument } from '../../src/bench/report/results.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one CLI invocation gave back. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
  /** The results document when the command printed one (`bench --json`). */
  results: ResultsDocument | null;
  seconds: number;
}

/** Runs `labbench <args>` from the repository root; stderr is echoed live unless `quiet`; `signal` interrupts it (SIGINT). */
export function labbench(args: readonly string[], options: { quiet?: boolean; signal?: AbortSignal } = {}): Promise<CliOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal, killSignal: 'SIGINT' as const } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (!options.quiet) process.stderr.write(c);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      let results: ResultsDocument | null = null;
      if (args[0] === 'bench' && args.includes('--json')) {
        try {
          results = JSON.parse(stdout) as ResultsDocument;
        } catch {
          results = null;
        }
      }
      resolve({ code: code ?? 1, stdout, stderr, results, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** The lines of the console report that name a cell's verdict (everything but PASS), from a bench's stderr/stdout. */
export function findingLines(text: string): string[] {
  return text.split('\n').filter((l) => /^(FAIL|WARN|INCONCLUSIVE|IMPROVED) +\S+\/\S+: /.test(l));
}

/** The "suite wall time" line a bench run prints. */
export function suiteTimeLine(text: string): string {
  return text.split('\n').find((l) => l.startsWith('suite wall time:')) ?? '(no suite time printed)';
}
