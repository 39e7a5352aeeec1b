/**
 * Standalone request-response client for the lab hosts (bundled by bundle.ts, run with
 * Debian's node 18):
 *   node rr-client.mjs --host 172.20.24.2 --port 7007 [--payload 64] [--time 2000]
 *     [--iterations 2000] [--warmup-time 500] [--warmup-iterations 200] [--timeout 5000]
 * Prints one JSON line: {"probe":"rr","unit":"us","p50":…,"p99":…,"mean":…,"samples":…,…}.
 * Exit 1 with the reason on stderr when the run fails, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_RR_OPTIONS, measureRoundTrips, type RrOptions } from './rr.ts';

const d = DEFAULT_RR_OPTIONS;
const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    payload: { type: 'string', default: String(d.payloadBytes) },
    time: { type: 'string', default: String(d.timeMs) },
    iterations: { type: 'string', default: String(d.iterations) },
    'warmup-time': { type: 'string', default: String(d.warmupTimeMs) },
    'warmup-iterations': { type: 'string', default: String(d.warmupIterations) },
    timeout: { type: 'string', default: String(d.timeoutMs) },
  },
});

function usage(message: string): never {
  process.stderr.write(
    `rr-client: ${message}\nusage: rr-client --host HOST --port PORT [--payload BYTES] [--time MS] [--iterations N] [--warmup-time MS] [--warmup-iterations N] [--timeout MS]\n`,
  );
  process.exit(2);
}

function count(name: keyof typeof values, min: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) usage(`--${name} must be a number ≥ ${min}, got ${String(values[name])}`);
  return n;
}

if (!values.host) usage('--host is required');
const options: RrOptions = {
  host: values.host,
  port: count('port', 1),
  payloadBytes: count('payload', 1),
  timeMs: count('time', 0),
  iterations: count('iterations', 1000),
  warmupTimeMs: count('warmup-time', 0),
  warmupIterations: count('warmup-iterations', 0),
  timeoutMs: count('timeout', 1),
};

try {
  const result = await measureRoundTrips(options);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (err) {
  process.stderr.write(`rr-client: ${(err as Error).message}\n`);
  process.exit(1);
}
