/**
 * The request-response latency probe: over one TCP connection to an echo server, time round
 * trips of a small fixed payload with one tinybench Bench (one Bench per run, ≥ 1000 samples)
 * and summarise them in microseconds. Node 18 APIs only (it runs on the lab hosts).
 */
import { connect, type Socket } from 'node:net';
import { Bench } from 'tinybench';
import type { RrRun } from '../parsers/rr.ts';

/** How one run is measured. */
export interface RrOptions {
  host: string;
  port: number;
  payloadBytes: number;
  /** Minimum measuring time (ms); the run goes on until both this and `iterations` are reached. */
  timeMs: number;
  /** Minimum round trips measured; at least MIN_SAMPLES so p99 rests on ≥ 10 tail samples. */
  iterations: number;
  warmupTimeMs: number;
  warmupIterations: number;
  /** Bound on connecting and on any single round trip (ms). */
  timeoutMs: number;
}

/** The line the client prints (all times in µs): the run summary the parser reads back. */
export interface RrResult extends RrRun {
  probe: 'rr';
  unit: 'us';
}

/** Fewest samples a run may have. */
export const MIN_SAMPLES = 1000;

/** Defaults of research/regression-detection.md §3.2. */
export const DEFAULT_RR_OPTIONS: Omit<RrOptions, 'host' | 'port'> = {
  payloadBytes: 64,
  timeMs: 2000,
  iterations: 2000,
  warmupTimeMs: 500,
  warmupIterations: 200,
  timeoutMs: 5000,
};

/** Runs one measurement: one connection, one Bench, one result. */
export async function measureRoundTrips(options: RrOptions): Promise<RrResult> {
  if (options.iterations < MIN_SAMPLES) throw new RangeError(`iterations must be ≥ ${MIN_SAMPLES} (got ${options.iterations})`);
  if (!(options.payloadBytes >= 1)) throw new RangeError(`payload must be ≥ 1 byte (got ${options.payloadBytes})`);
  const socket = await openConnection(options.host, options.port, options.timeoutMs);
  try {
    const roundTrip = echoRoundTrip(socket, options.payloadBytes, options.timeoutMs);
    const bench = new Bench({
      time: options.timeMs,
      iterations: options.iterations,
      warmupTime: options.warmupTimeMs,
      warmupIterations: options.warmupIterations,
      timestampProvider: 'hrtimeNow',
      throws: true,
    });
    bench.add('round-trip', roundTrip, { async: true });
    await bench.run();
    const result = bench.getTask('round-trip')?.result;
    if (!result || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
      throw new Error(`the round-trip task ended in state ${result?.state ?? 'unknown'}`);
    }
    const latency = result.latency; // milliseconds
    return {
      probe: 'rr',
      unit: 'us',
      p50: latency.p50 * 1000,
      p99: latency.p99 * 1000,
      mean: latency.mean * 1000,
      samples: latency.samplesCount,
      payloadBytes: options.payloadBytes,
      node: process.version,
    };
  } finally {
    socket.destroy();
  }
}

function openConnection(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to echo server ${host}:${port}: ${err.message}`));
    });
  });
}

/**
 * A function that sends the payload and resolves when as many bytes have come back. TCP may
 * split or merge segments, so it counts bytes rather than 'data' events.
 */
function echoRoundTrip(socket: Socket, size: number, timeoutMs: number): () => Promise<void> {
  const payload = Buffer.alloc(size, 0x61);
  let waiting: { resolve: () => void; reject: (err: Error) => void } | null = null;
  let received = 0;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure = err;
    waiting?.reject(err);
    waiting = null;
  };
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (waiting && received >= size) {
      received -= size;
      const w = waiting;
      waiting = null;
      w.resolve();
    }
  });
  socket.on('error', (err) => fail(new Error(`echo connection failed: ${err.message}`)));
  socket.on('close', () => fail(new Error('echo server closed the connection')));
  return () =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      const timer = setTimeout(() => fail(new Error(`no echo within ${timeoutMs} ms`)), timeoutMs);
      waiting = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      socket.write(payload);
    });
}
