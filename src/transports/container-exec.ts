/**
 * Container exec transport: `docker exec` into a local host container. The fallback when the
 * host cannot be reached over SSH (e.g. an engine whose networks the machine cannot route to).
 */
import { spawn } from 'node:child_process';
import type { CommandResult } from '../errors.ts';
import type { ContainerEndpoint } from '../inventory.ts';
import { runLocal } from '../machine/run.ts';
import { boundedArgv, boundedResult, type ExecOptions, type Transport, writeFileScript } from './transport.ts';

export class ContainerExecTransport implements Transport {
  readonly description: string;

  constructor(
    private readonly hostName: string,
    private readonly endpoint: ContainerEndpoint,
  ) {
    this.description = `docker exec ${endpoint.container}`;
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const started = performance.now();
    // runLocal tracks the child, so an interrupt stops it; the bound itself is `timeout` on the host.
    const { timeoutMs, ...io } = options;
    const r = await runLocal(['docker', ...this.execArgs(), ...boundedArgv(command, timeoutMs)], { ...io, nothrow: true });
    return boundedResult({
      host: this.hostName,
      command,
      exitCode: r.exitCode,
      signal: r.signal ?? null,
      stdout: r.stdout,
      stderr: r.stderr,
      startedAt: started,
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }

  /** `docker -H <engine> exec -i <container>`'s arguments after `docker`. */
  private execArgs(): string[] {
    return ['-H', this.endpoint.dockerHost, 'exec', '-i', this.endpoint.container];
  }

  async put(remotePath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    await runLocal(['docker', ...this.execArgs(), 'sh', '-c', writeFileScript(remotePath, mode)], {
      input: content,
      timeoutMs: 60_000,
    });
  }

  interactive(): Promise<number> {
    return new Promise((resolve) => {
      const tty = process.stdin.isTTY ? ['-it'] : ['-i'];
      const child = spawn('docker', ['-H', this.endpoint.dockerHost, 'exec', ...tty, this.endpoint.container, 'bash', '-l'], { stdio: 'inherit' });
      child.on('close', (code) => resolve(code ?? 1));
    });
  }

  async close(): Promise<void> {}
}
