/**
 * Host is the live handle of one lab machine: its identity from the inventory, the OS the
 * machine says it runs, and a way in. `host.$\`…\`` runs a command there with zx-style
 * quoting, a timeout and a typed error.
 */
import { CommandError, type CommandResult } from './errors.ts';
import type { InventoryHost } from './inventory.ts';
import type { HostOs } from './os/releases.ts';
import { buildCommand, type Interpolation } from './shell-quote.ts';
import type { ExecOptions, Transport } from './transports/transport.ts';

/** Default bound for one command; long operations pass their own. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

export interface RunOptions {
  /** Resolve with a failed result instead of throwing CommandError. */
  nothrow?: boolean;
  timeoutMs?: number;
  input?: string;
  /** Do not report the command to observers (secrets, noisy polling). */
  quiet?: boolean;
}

/** What a finished command gives back: the raw result plus handy views of stdout. */
export class Output implements CommandResult {
  readonly host: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal?: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;

  constructor(r: CommandResult) {
    this.host = r.host;
    this.command = r.command;
    this.exitCode = r.exitCode;
    this.signal = r.signal ?? null;
    this.stdout = r.stdout;
    this.stderr = r.stderr;
    this.durationMs = r.durationMs;
  }

  get ok(): boolean {
    return this.exitCode === 0;
  }
  text(): string {
    return this.stdout.trim();
  }
  lines(): string[] {
    const t = this.stdout.replace(/\n$/, '');
    return t === '' ? [] : t.split('\n');
  }
  json<T = unknown>(): T {
    return JSON.parse(this.stdout) as T;
  }
  toString(): string {
    return this.text();
  }
}

/** Something that wants to see every command a host runs (the scenario transcript, the TTY log). */
export interface CommandObserver {
  onStart?(host: Host, command: string): void;
  onOutput?(host: Host, stream: 'stdout' | 'stderr', chunk: string): void;
  onEnd?(host: Host, output: Output): void;
}

type TaggedRun = (pieces: TemplateStringsArray, ...args: Interpolation[]) => Promise<Output>;

export interface Dollar extends TaggedRun {
  (options: RunOptions): TaggedRun;
}

export class Host {
  readonly name: string;
  readonly address: string;
  readonly info: InventoryHost;
  /** What the machine runs, from its /etc/os-release (read once when the lab is opened); scenarios branch on os.family. */
  readonly os: HostOs;
  readonly transport: Transport;
  private readonly observers = new Set<CommandObserver>();

  constructor(info: InventoryHost, transport: Transport, os: HostOs) {
    this.info = info;
    this.os = os;
    this.name = info.name;
    this.address = info.address;
    this.transport = transport;
  }

  /** Runs a command line built from a template; interpolations are quoted. */
  readonly $: Dollar = ((first: TemplateStringsArray | RunOptions, ...args: Interpolation[]) => {
    if (isTemplate(first)) return this.run(buildCommand(first, args));
    const options = first;
    return (pieces: TemplateStringsArray, ...rest: Interpolation[]) => this.run(buildCommand(pieces, rest), options);
  }) as Dollar;

  /** Runs an already-built command line. */
  async run(command: string, options: RunOptions = {}): Promise<Output> {
    const notify = !options.quiet;
    if (notify) for (const o of this.observers) o.onStart?.(this, command);
    const exec: ExecOptions = { timeoutMs: options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS };
    if (options.input !== undefined) exec.input = options.input;
    if (notify && this.observers.size > 0) {
      exec.onStdout = (c) => {
        for (const o of this.observers) o.onOutput?.(this, 'stdout', c);
      };
      exec.onStderr = (c) => {
        for (const o of this.observers) o.onOutput?.(this, 'stderr', c);
      };
    }
    const output = new Output(await this.transport.exec(command, exec));
    if (notify) for (const o of this.observers) o.onEnd?.(this, output);
    if (!output.ok && !options.nothrow) throw new CommandError(output);
    return output;
  }

  /** Writes a file on the host. */
  put(remotePath: string, content: string | Buffer, mode?: number): Promise<void> {
    return this.transport.put(remotePath, content, mode);
  }

  observe(observer: CommandObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function isTemplate(x: unknown): x is TemplateStringsArray {
  return Array.isArray(x) && 'raw' in (x as object);
}
