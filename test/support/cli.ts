/** Running labbench's CLI as a user would, in a child process, for integration tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
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
export function cliInTerminal(args: string[], input: string, ready: RegExp, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let typed = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    output += c;
    if (!typed && ready.test(output)) {
      typed = true;
      child.stdin!.write(input);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      // Without carriage returns and terminal control sequences (bracketed paste, colours).
      resolve({ code, output: output.replaceAll('\r', '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') });
    }),
  );
}
