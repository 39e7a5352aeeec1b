/**
 * A probe run as a value: the command line to run in the source namespace, how long it may
 * take, and how its output becomes the run's metric values. The builders (run-iperf3.ts,
 * run-ping.ts, run-rr.ts) are pure; the lab executor runs what they return.
 */
import type { RunValues } from '../extract.ts';

/** Where a process runs on its host: how to enter its network namespace, and the CPU to pin it to. */
export interface Placement {
  /** argv prefix that enters the namespace (empty: the host's own namespace). */
  enter: readonly string[];
  /** CPU core to pin the process to with taskset, or null for no pinning. */
  core: number | null;
}

/** One probe run, ready to execute on the source side's host. */
export interface ProbeInvocation {
  argv: string[];
  /** Bound on the whole command. */
  timeoutMs: number;
  /** The run's metric values from the command's stdout (throws ProbeOutputError when unusable). */
  parse(stdout: string): RunValues;
}

/** A long-running server on the destination side (iperf3 -s, the echo server). */
export interface ServerCommand {
  /** Short name used in the server's unit name, e.g. "iperf3". */
  name: string;
  argv: string[];
  /** TCP port it listens on (readiness is "the port is listening"). */
  port: number;
}

/** `argv` placed: pinned with taskset when a core is given, inside the namespace. */
export function placed(placement: Placement, argv: readonly string[]): string[] {
  const pin = placement.core === null ? [] : ['taskset', '-c', String(placement.core)];
  return [...pin, ...placement.enter, ...argv];
}

/** The argv prefix that enters the network namespace of the process `pid` (a container's). */
export function enterNetns(pid: number): string[] {
  return ['nsenter', '-t', String(pid), '-n'];
}
