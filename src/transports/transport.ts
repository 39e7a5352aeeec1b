/**
 * Transport runs shell commands on one host and copies files to it. Implementations:
 * ssh2 (the main one, src/transports/ssh.ts) and container exec (src/transports/container-exec.ts).
 * A transport knows nothing about labs or scenarios.
 */
import { posix } from 'node:path';
import type { CommandResult } from '../errors.ts';
import { quoteArg } from '../shell-quote.ts';

export interface ExecOptions {
  /** Kill the command after this many milliseconds (the result then has exitCode null). */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string | Buffer;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface Transport {
  /** Human name of the way in, for status output (e.g. "ssh root@192.168.100.12"). */
  readonly description: string;
  /** Runs `command` with bash on the host; resolves with the result whatever the exit code. */
  exec(command: string, options?: ExecOptions): Promise<CommandResult>;
  /** Writes a file on the host (parent directories created), with the given mode. */
  put(remotePath: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Opens an interactive login shell wired to this process's terminal; resolves with its exit code. */
  interactive(): Promise<number>;
  close(): Promise<void>;
}

/** Shell that writes its stdin to `remotePath` (parent directories created) with `mode`. */
export function writeFileScript(remotePath: string, mode: number): string {
  return `mkdir -p ${quoteArg(posix.dirname(remotePath))} && cat > ${quoteArg(remotePath)} && chmod ${mode.toString(8)} ${quoteArg(remotePath)}`;
}

/**
 * argv that runs `command` with bash on the host under GNU `timeout`, so the host itself stops
 * the command and what it started when the bound passes (a dropped connection cannot).
 */
export function boundedArgv(command: string, timeoutMs: number | undefined): string[] {
  const bash = ['bash', '-c', command];
  return timeoutMs ? ['timeout', '-k', '5', String(Math.ceil(timeoutMs / 1000)), ...bash] : bash;
}

/** boundedArgv as one shell line (for SSH, where the remote login shell parses it). */
export function boundedCommandLine(command: string, timeoutMs: number | undefined): string {
  return boundedArgv(command, timeoutMs)
    .map((a) => quoteArg(a))
    .join(' ');
}

/** The result of a bounded command: GNU timeout's exit codes 124/137 mean the bound stopped it. */
export function boundedResult(
  r: Omit<CommandResult, 'durationMs' | 'signal'> & { signal: string | null; startedAt: number; timeoutMs?: number; timedOutLocally?: boolean },
): CommandResult {
  const timedOut = r.timedOutLocally === true || (r.timeoutMs !== undefined && (r.exitCode === 124 || r.exitCode === 137));
  return {
    host: r.host,
    command: r.command,
    exitCode: timedOut ? null : r.exitCode,
    signal: timedOut ? `timeout after ${r.timeoutMs}ms` : r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: performance.now() - r.startedAt,
  };
}
