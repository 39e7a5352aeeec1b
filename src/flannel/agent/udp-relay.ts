/**
 * Driving the udp backend's python3 relay (udp-relay.py): start it, wait until flannel0 exists,
 * send it the subnet→PublicIP table whenever that changes, restart it if it dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { LabbenchError, TimeoutError } from '../../errors.ts';
import type { RelayRoute } from '../dataplane/plan.ts';
import type { AgentLog } from './log.ts';

/** The line that replaces the relay's table. Pure. */
export function relayRoutesMessage(routes: readonly RelayRoute[]): string {
  return `${JSON.stringify({ routes: routes.map((r) => [r.subnet, r.publicIp]) })}\n`;
}

/** How the relay is started. */
export interface RelaySettings {
  scriptPath: string;
  device: string;
  bindAddress: string;
  port: number;
  /** This host's flannel0 address (source of ICMP errors). */
  tunAddress: string;
}

/** How long the relay may take to open the TUN and bind its socket. */
export const RELAY_START_TIMEOUT_MS = 10_000;

/** One relay process at a time, restarted on demand. */
export class UdpRelay {
  private child: ChildProcess | undefined;
  private sentTable: string | undefined;

  constructor(
    private readonly settings: RelaySettings,
    private readonly log: AgentLog,
  ) {}

  /** True while the relay process runs. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the relay unless it runs; resolves once it reports ready (flannel0 exists). */
  async ensureRunning(): Promise<void> {
    if (this.running) return;
    const s = this.settings;
    const child = spawn('python3', [s.scriptPath, '--dev', s.device, '--bind', s.bindAddress, '--port', String(s.port), '--address', s.tunAddress], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.sentTable = undefined;
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
      for (const line of chunk.trimEnd().split('\n')) this.log.warn(`udp relay: ${line}`);
    });
    // A write to a relay that just died must not crash the agent; the next reconcile restarts it.
    child.stdin!.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      if (this.child === child) this.log.warn(`udp relay exited (${signal ?? `code ${code}`}); it is restarted on the next sync`);
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new TimeoutError(`udp relay did not open ${s.device} within ${RELAY_START_TIMEOUT_MS / 1000}s`, {
            hint: 'check that python3 is installed and /dev/net/tun exists',
          }),
        );
      }, RELAY_START_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('"ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new LabbenchError(`cannot start the udp relay: ${err.message}`, { hint: 'install python3 on this host', cause: err }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new LabbenchError(`udp relay exited before it was ready (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`, {
            hint: `check ${s.scriptPath}, /dev/net/tun, and that nothing else uses ${s.device} or UDP port ${s.port}`,
          }),
        );
      });
    });
    this.log.info(`udp relay started: ${s.device} ⇄ udp ${s.bindAddress}:${s.port}`);
  }

  /** Sends the table if it differs from the last one sent to this relay process. */
  setRoutes(routes: readonly RelayRoute[]): void {
    const message = relayRoutesMessage(routes);
    if (!this.running || message === this.sentTable) return;
    this.child!.stdin!.write(message);
    this.sentTable = message;
    this.log.info(`udp relay table: ${routes.length === 0 ? '(empty)' : routes.map((r) => `${r.subnet}→${r.publicIp}`).join(', ')}`);
  }

  /** Stops the relay (flannel0 goes with it). */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
  }
}
