/** Parser for the one JSON line the request-response client (probes/rr-client.ts) prints. */
import { excerpt, ProbeOutputError } from '../../../parsers/probe-output-error.ts';

/** One request-response run's summary, in microseconds. */
export interface RrRun {
  p50: number;
  p99: number;
  mean: number;
  samples: number;
  payloadBytes: number;
  /** Node.js version the client ran under (fingerprint material). */
  node: string;
}

/** Reads the client's JSON line (the last line that is a JSON object with probe "rr"). */
export function parseRrOutput(output: string): RrRun {
  const lines = output.trim().split('\n').reverse();
  for (const line of lines) {
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof doc !== 'object' || doc === null || (doc as { probe?: unknown }).probe !== 'rr') continue;
    const d = doc as Record<string, unknown>;
    const num = (k: string): number => {
      const v = d[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProbeOutputError(`request-response client output has no numeric "${k}": ${excerpt(line)}`);
      return v;
    };
    if (d['unit'] !== 'us') throw new ProbeOutputError(`request-response client reported unit ${String(d['unit'])}, expected "us"`);
    return {
      p50: num('p50'),
      p99: num('p99'),
      mean: num('mean'),
      samples: num('samples'),
      payloadBytes: num('payloadBytes'),
      node: String(d['node'] ?? 'unknown'),
    };
  }
  throw new ProbeOutputError(`request-response client printed no result line: ${excerpt(output) || '(empty)'}`, {
    hint: 'run the bundled rr-client with node ≥ 18 against a running echo server; its stderr says why it stopped',
  });
}
