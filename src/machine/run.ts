/**
 * Running programs on the machine labbench itself runs on (argv form, no shell). The one
 * place that spawns local processes for providers; results have the same shape as a host's.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CommandError, type CommandResult } from '../errors.ts';
import { quoteArg } from '../shell-quote.ts';

export interface LocalRunOptions {
  /** The program's stdin, closed after it; a stream is piped in (stdin stays open until the stream ends). */
  input?: string | Buffer | NodeJS.ReadableStream;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the failed result instead of throwing. */
  nothrow?: boolean;
  cwd?: string;
  /** Output as it arrives (it is collected into the result as well). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Aborting kills the program (SIGKILL, or `killSignal`). */
  signal?: AbortSignal;
  /** What aborting sends: SIGINT lets labbench's own CLI clean up as after Ctrl-C. */
  killSignal?: NodeJS.Signals;
  /** The started program, for a caller that signals it or reads its output as it comes. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

export const MACHINE = 'local machine';

/** Children still running, so an interrupt (Ctrl-C) can stop them instead of orphaning them. */
const running = new Set<ReturnType<typeof spawn>>();

/** Stops every child labbench started that is still running (called on SIGINT/SIGTERM). */
export function terminateChildren(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** Runs argv[0] with the rest as arguments; throws CommandError on a non-zero exit unless nothrow. */
export function runLocal(argv: readonly string[], options: LocalRunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runLocal needs a program');
  const command = argv.map((a) => quoteArg(a)).join(' ');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      options.onStdout?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      options.onStderr?.(c);
    });
    const onAbort = () => child.kill(options.killSignal ?? 'SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (err) => {
      running.delete(child);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const result: CommandResult = { host: MACHINE, command, exitCode: 127, stdout, stderr: String(err.message), durationMs: performance.now() - started };
      if (options.nothrow) resolve(result);
      else reject(new CommandError(result, { hint: `is ${file} installed and on PATH?` }));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const result: CommandResult = {
        host: MACHINE,
        command,
        exitCode: code,
        signal: timedOut ? `timeout after ${options.timeoutMs}ms` : signal,
        stdout,
        stderr,
        durationMs: performance.now() - started,
      };
      if (code === 0 || options.nothrow) resolve(result);
      else reject(new CommandError(result));
    });
    child.stdin.on('error', () => {});
    const input = options.input ?? '';
    if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else input.pipe(child.stdin);
    options.onSpawn?.(child);
  });
}

export interface PipeOptions {
  /** Fed to the program's stdin (it gets an empty stdin without). */
  stdin?: Readable;
  /** Receives the program's stdout as it comes, with backpressure (for binary streams: archives). */
  stdout?: Writable;
  timeoutMs?: number;
}

/**
 * Runs argv[0] with its stdin and stdout connected to streams (docker save, a tar of a volume),
 * collecting only stderr; throws CommandError on a non-zero exit. Resolves once the program has
 * exited; a consumer of `stdout` finishes on its own.
 */
export function pipeLocal(argv: readonly string[], options: PipeOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('pipeLocal needs a program');
  const command = argv.map((a) => quoteArg(a)).join(' ');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    if (options.stdout) child.stdout.pipe(options.stdout);
    else child.stdout.resume();
    child.stdin.on('error', () => {});
    if (options.stdin) {
      options.stdin.on('error', () => child.kill('SIGKILL'));
      options.stdin.pipe(child.stdin);
    } else child.stdin.end();
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    const finish = (exitCode: number | null, signal: string | null, error?: string) => {
      running.delete(child);
      clearTimeout(timer);
      const result: CommandResult = {
        host: MACHINE,
        command,
        exitCode,
        signal: timedOut ? `timeout after ${options.timeoutMs}ms` : signal,
        stdout: '',
        stderr: error ?? stderr,
        durationMs: performance.now() - started,
      };
      if (exitCode === 0) resolve(result);
      else reject(new CommandError(result));
    };
    child.on('error', (err) => finish(127, null, err.message));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** True when `program` is found on PATH. */
export async function onPath(program: string): Promise<boolean> {
  const r = await runLocal(['bash', '-c', `command -v ${quoteArg(program)}`], { nothrow: true });
  return r.exitCode === 0;
}
