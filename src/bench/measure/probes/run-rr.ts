/**
 * The request-response probe's command lines: the bundled tinybench client in the source
 * namespace and the bundled echo server in the destination, both run by the host's node.
 */

import type { ProbeSettings } from '../../plan/suite.ts';
import { rrRunValues } from '../extract.ts';
import { parseRrOutput } from '../parsers/rr.ts';
import { type Placement, type ProbeInvocation, placed, type ServerCommand } from './invocation.ts';

/** Where the runner copies the probe bundles on every host. */
export const PROBE_DIR = '/opt/labbench/bench';
/** Port of the echo server in every destination namespace. */
export const ECHO_PORT = 7007;
/** Bound on connecting and on a single round trip, passed to the client. */
const ROUND_TRIP_TIMEOUT_MS = 5000;

/** One request-response run: one connection, one tinybench Bench, ≥ `iterations` round trips. */
export function rrRun(source: Placement, address: string, s: ProbeSettings['rr']): ProbeInvocation {
  const args = [
    'node',
    `${PROBE_DIR}/rr-client.mjs`,
    '--host',
    address,
    '--port',
    String(ECHO_PORT),
    '--payload',
    String(s.payloadBytes),
    '--time',
    String(s.timeMs),
    '--iterations',
    String(s.iterations),
    '--warmup-time',
    String(s.warmupTimeMs),
    '--warmup-iterations',
    String(s.warmupIterations),
    '--timeout',
    String(ROUND_TRIP_TIMEOUT_MS),
  ];
  return {
    argv: placed(source, args),
    // node's start, the warm-up, the measuring time, and room for a slow path to reach `iterations`.
    timeoutMs: s.warmupTimeMs + s.timeMs + 30_000,
    parse: (stdout) => rrRunValues(parseRrOutput(stdout)),
  };
}

/** The echo server of a destination namespace. */
export function echoServer(destination: Placement, bind: string): ServerCommand {
  return { name: 'echo', argv: placed(destination, ['node', `${PROBE_DIR}/echo-server.mjs`, '--host', bind, '--port', String(ECHO_PORT)]), port: ECHO_PORT };
}
