/**
 * Container exec transport: `docker exec` into a local host container. The fallback when the
 * host cannot be reached over SSH (e.g. an engine whose networks the machine cannot route to).
 */
import { spawn } from 'node:child_process';
import type { CommandResult } from '../errors.ts';
import type { ContainerEndpoint } from '../inventory.ts';
import { runLocal } from '../machine/run.ts';
import { quoteArg } from './quote.ts';
import type { ExecOptions, Transport } from './transport.ts';

export class ContainerExecTransport implements Transport {
  readonly description: string;

  constructor(
    private readonly hostName: string,
    private readonly endpoint: ContainerEndpoint,
  ) {
    this.description = `docker exec ${endpoint.container}`;
  }

  exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    const argv = ['-H', this.endpoint.dockerHost, 'exec', '-i', this.endpoint.container];
    if (options.timeoutMs) argv.push('timeout', '-k', '5', String(Math.ceil(options.timeoutMs / 1000)));
    argv.push('bash', '-c', command);
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
        const timedOut = options.timeoutMs !== undefined && (code === 124 || code === 137);
        resolve({
          host: this.hostName,
          command,
          exitCode: timedOut ? null : code,
          signal: timedOut ? `timeout after ${options.timeoutMs}ms` : signal,
          stdout,
          stderr,
          durationMs: performance.now() - started,
        });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  }

  async put(remotePath: string, content: string | Buffer, mode = 0o644): Promise<void> {
    const dir = remotePath.replace(/\/[^/]*$/, '') || '/';
    const script = `mkdir -p ${quoteArg(dir)} && cat > ${quoteArg(remotePath)} && chmod ${mode.toString(8)} ${quoteArg(remotePath)}`;
    await runLocal(['docker', '-H', this.endpoint.dockerHost, 'exec', '-i', this.endpoint.container, 'sh', '-c', script], {
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
