/**
 * Running the agent's kernel tools (ip, bridge, iptables) as child processes: no shell, a bound
 * on every command, the outcome as a CommandResult.
 */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { CommandError, type CommandResult } from '../../errors.ts';

/** Options of one command. */
export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Resolve with the failed result instead of throwing CommandError. */
  nothrow?: boolean;
}

/** Runs an argv and reports its outcome. */
export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** Default bound on one kernel tool invocation. */
export const COMMAND_TIMEOUT_MS = 15_000;

/** Runs commands on this machine with execFile. */
export function localRunner(): CommandRunner {
  const host = hostname();
  return {
    run(argv, options = {}) {
      const [file, ...args] = argv;
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const child = execFile(
          file!,
          args,
          { timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
          (error, stdout, stderr) => {
            const failure = error as (NodeJS.ErrnoException & { code?: number | string; signal?: string | null }) | null;
            if (failure && typeof failure.code === 'string') {
              reject(
                new CommandError(
                  { host, command: argv.join(' '), exitCode: null, signal: null, stdout: '', stderr: failure.message, durationMs: Date.now() - started },
                  { hint: failure.code === 'ENOENT' ? `install ${file} (iproute2 / iptables) on this host` : undefined },
                ),
              );
              return;
            }
            const result: CommandResult = {
              host,
              command: argv.join(' '),
              exitCode: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
              signal: failure?.signal ?? null,
              stdout,
              stderr,
              durationMs: Date.now() - started,
            };
            if (result.exitCode !== 0 && !options.nothrow) reject(new CommandError(result));
            else resolve(result);
          },
        );
        if (options.input !== undefined) child.stdin?.end(options.input);
      });
    },
  };
}
