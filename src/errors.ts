/**
 * The one error family of labbench. Every error a user can see is a LabbenchError:
 * it says what went wrong and, where there is one, how to fix it. Layers add context
 * with `cause`; only the CLI root prints errors (src/cli/main.ts).
 */
export class LabbenchError extends Error {
  /** What the user can do about it, one line. */
  readonly hint?: string;
  /** Process exit code the CLI uses when this error reaches it. */
  readonly exitCode: number = 1;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** Bad input: a spec, flag, file or argument the user gave. Raised before anything is created. */
export class ConfigError extends LabbenchError {}

/** A state file of labbench's (lab.json, engine.json, …) is cut short, corrupt or not labbench's. */
export class StateFileError extends LabbenchError {}

/** Another labbench command holds the lab (or the engine) and this one does not wait for it. */
export class BusyError extends LabbenchError {}

/** A provider could not create, find or destroy what it manages. */
export class ProviderError extends LabbenchError {}

/** Something did not happen within its time bound. */
export class TimeoutError extends LabbenchError {}

/** A host's identity did not match what was pinned (SSH host key). */
export class HostKeyError extends LabbenchError {}

/** The outcome of one command, success or failure alike. */
export interface CommandResult {
  host: string;
  command: string;
  exitCode: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A command exited non-zero (or was killed). Carries the whole result. */
export class CommandError extends LabbenchError {
  readonly result: CommandResult;

  constructor(result: CommandResult, options: { hint?: string; cause?: unknown } = {}) {
    super(describeFailure(result), options);
    this.result = result;
  }
}

/** The run was interrupted (SIGINT/SIGTERM). */
export class InterruptedError extends LabbenchError {
  override readonly exitCode = 130;
}

const TAIL_LINES = 12;

/** Last lines of a command's output, for error messages. */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function describeFailure(r: CommandResult): string {
  const how = r.exitCode === null ? `was killed (${r.signal ?? 'signal'})` : `exited with code ${r.exitCode}`;
  const head = `command on ${r.host} ${how}: ${r.command}`;
  const stderr = tail(r.stderr);
  return stderr ? `${head}\n${indent(stderr, '  │ ')}` : head;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/**
 * Renders an error for the terminal: the message, the hint, and the chain of causes.
 * Pure, so the CLI and tests share it. Stacks only when `verbose`.
 */
export function formatError(err: unknown, verbose = false): string {
  const lines: string[] = [];
  let current: unknown = err;
  let depth = 0;
  while (current !== undefined && current !== null && depth < 8) {
    const prefix = depth === 0 ? 'error: ' : 'caused by: ';
    if (current instanceof Error) {
      lines.push(prefix + current.message);
      if (current instanceof LabbenchError && current.hint) lines.push(`  hint: ${current.hint}`);
      if (verbose && current.stack) lines.push(indent(current.stack.split('\n').slice(1).join('\n'), '  '));
      current = (current as { cause?: unknown }).cause;
    } else {
      lines.push(prefix + String(current));
      current = undefined;
    }
    depth++;
  }
  return lines.join('\n');
}

/** Exit code for an error reaching the CLI root. */
export function exitCodeOf(err: unknown): number {
  return err instanceof LabbenchError ? err.exitCode : 1;
}
