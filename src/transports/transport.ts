/**
 * Transport runs shell commands on one host and copies files to it. Implementations:
 * ssh2 (the main one, src/transports/ssh.ts) and container exec (src/transports/container-exec.ts).
 * A transport knows nothing about labs or scenarios.
 */
import type { CommandResult } from '../errors.ts';

export interface ExecOptions {
  /** Kill the command after this many milliseconds (the result then has exitCode null). */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
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
