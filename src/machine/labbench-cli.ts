/**
 * Running labbench's own CLI in a child process, exactly as a user does (`pnpm lab …`): the bench
 * scripts and the integration tests drive labbench through here, so one place knows how it is
 * started. Built on runLocal; the CLI's exit code is part of the result, never thrown, because
 * it is what callers check.
 */
import { fileURLToPath } from 'node:url';
import type { CommandResult } from '../errors.ts';
import { type LocalRunOptions, runLocal } from './run.ts';

/** The repository labbench runs from: its dependencies (tsx among them) are found from there. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The command line that starts labbench's CLI with this Node and the tsx loader, run from REPO_ROOT. */
export function labbenchArgv(args: readonly string[]): string[] {
  return [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args];
}

export interface LabbenchRunOptions {
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Echo its stderr (progress) to this process's stderr as it comes. */
  echoStderr?: boolean;
  /** Aborting sends SIGINT: the CLI stops and cleans up as after Ctrl-C. */
  signal?: AbortSignal;
  /** The started child, for a caller that signals it or reads its output as it comes. */
  onSpawn?: LocalRunOptions['onSpawn'];
}

/** Runs `labbench <args>` to its end and collects its output; a non-zero exit is in `exitCode`. */
export function runLabbench(args: readonly string[], options: LabbenchRunOptions = {}): Promise<CommandResult> {
  const { env, echoStderr, signal, onSpawn } = options;
  return runLocal(labbenchArgv(args), {
    cwd: REPO_ROOT,
    nothrow: true,
    killSignal: 'SIGINT',
    ...(env && { env }),
    ...(signal && { signal }),
    ...(onSpawn && { onSpawn }),
    ...(echoStderr && { onStderr: (chunk: string) => process.stderr.write(chunk) }),
  });
}
