/** Running labbench's CLI as a user would, in a child process, for integration tests. */
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { CommandResult } from '../../src/errors.ts';
import { labbenchArgv, REPO_ROOT, runLabbench } from '../../src/machine/labbench-cli.ts';
import { runLocal } from '../../src/machine/run.ts';
import { quote } from '../../src/shell-quote.ts';

export const REPO = REPO_ROOT;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const asCliResult = (r: CommandResult): CliResult => ({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr });

/** Starts `labbench <args>`: the child (to signal it or read its output as it comes) and its outcome. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  let child: ChildProcess | undefined;
  const run = runLabbench(args, { env: { ...process.env, ...env }, onSpawn: (c) => (child = c) });
  if (!child) throw new Error(`labbench ${args.join(' ')} did not start`);
  return { child, done: run.then(asCliResult) };
}

export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return asCliResult(await runLabbench(args, { env: { ...process.env, ...env } }));
}

/** Why an integration test cannot run here, or undefined when it can. */
export function rootSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (it starts a Docker engine and system containers)';
  return undefined;
}

/**
 * Runs the CLI in a pseudo-terminal (util-linux `script`), as a user at a terminal would, types
 * `input` once `ready` shows up in what it printed, and resolves with its exit code and output.
 */
export async function cliInTerminal(args: string[], input: string, ready: RegExp, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const command = labbenchArgv(args).map(quote).join(' ');
  const keyboard = new PassThrough();
  let output = '';
  let typed = false;
  const r = await runLocal(['script', '-qec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    input: keyboard,
    timeoutMs,
    nothrow: true,
    onStdout: (c) => {
      output += c;
      if (!typed && ready.test(output)) {
        typed = true;
        keyboard.write(input);
      }
    },
    onStderr: (c) => {
      output += c;
    },
  });
  keyboard.end();
  // Without carriage returns and terminal control sequences (bracketed paste, colours).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the control sequences removed here
  return { code: r.exitCode, output: output.replaceAll('\r', '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}
