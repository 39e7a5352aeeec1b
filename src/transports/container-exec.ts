/**
 * Container exec transport: `docker exec` into a local host container. The fallback when the
 * host cannot be reached over SSH (e.g. an engine whose networks the machine cannot route to).
 */
import { spawn } from 'node:child_process';
import type { CommandResult } from '../errors.ts';
import type { ContainerEndpoint } from '../inventory.ts';
import { runLocal } from '../machine/run.ts';
import { boundedArgv, boundedResult, writeFileScript, type ExecOptions, type Transport } from './transport.ts';

export class ContainerExecTransport implements Transport {
  readonly description: string;

  constructor(
    private readonly hostName: string,
    private readonly endpoint: ContainerEndpoint,
  ) {
    this.description = `docker exec ${endpoint.container}`;
  }

  exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const argv = ['-H', this.endpoint.dockerHost, 'exec', '-i', this.endpoint.container, ...boundedArgv(command, options.timeoutMs)];
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn('docker', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const onAbort = () => child.kill('SIGKILL');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
        options.onStdout?.(c);
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        options.onStderr?.(c);
      });
      child.on('close', (code, signal) => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(boundedResult({ host: this.hostName, command, exitCode: code, signal, stdout, stderr, startedAt: started, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }));
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  }

  async put(remotePath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    await runLocal(['docker', '-H', this.endpoint.dockerHost, 'exec', '-i', this.endpoint.container, 'sh', '-c', writeFileScript(remotePath, mode)], {
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
