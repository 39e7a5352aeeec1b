/**
 * What one `ping -c N` from a container showed: the address the target resolved to, how many
 * replies came back, or why ping could not start (`ping: bad address 'server01'`). Builds on
 * the bench's ping parser for the statistics. Pure.
 */
import { parsePing } from '../../bench/measure/parsers/ping.ts';

/** The outcome of one ping run. */
export interface PingOutcome {
  /** The target as given (an address, a container name or ID). */
  target: string;
  /** The address ping resolved the target to (`PING server01 (172.10.0.2)`). */
  address?: string;
  transmitted: number;
  received: number;
  /** Why no packet was sent (name resolution failed, no route), from ping's own message. */
  error?: string;
}

/** Reads a ping run's stdout and stderr. */
export function pingOutcome(target: string, stdout: string, stderr: string): PingOutcome {
  const head = /^PING (\S+) \((\d+\.\d+\.\d+\.\d+)\)/m.exec(stdout);
  const address = head?.[2];
  if (!/packets transmitted/.test(stdout)) {
    const error = (stderr.trim() || stdout.trim()).split('\n').at(-1) || 'ping printed nothing';
    return { target, ...(address ? { address } : {}), transmitted: 0, received: 0, error };
  }
  const run = parsePing(stdout);
  return { target, ...(address ? { address } : {}), transmitted: run.transmitted, received: run.received };
}

/** "3/3 replies", "0/2 replies" or ping's error, for check labels. */
export function describePing(p: PingOutcome): string {
  return p.error ?? `${p.received}/${p.transmitted} replies`;
}
