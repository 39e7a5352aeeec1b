/**
 * Parsers for `iperf3 -J` client output (iperf 3.11+ field names; Debian 12 ships 3.12).
 * TCP throughput is the receiver's goodput (`end.sum_received`); the `end` sums already leave
 * out the `-O` omitted seconds, and so do the interval lists returned here.
 */
import { excerpt, ProbeOutputError } from './probe-output-error.ts';

/** One reporting interval of a run, outside the omitted warm-up window. */
export interface Iperf3Interval {
  start: number;
  end: number;
  bitsPerSecond: number;
}

/** Fields shared by TCP and UDP runs. */
interface Iperf3RunBase {
  /** `start.version`, e.g. "iperf 3.12" (part of the environment fingerprint). */
  version: string | null;
  /** Measured seconds (without the omitted ones). */
  seconds: number;
  /** Intervals that count, i.e. with `omitted: false`. */
  intervals: Iperf3Interval[];
  /** How many intervals iperf3 marked as omitted (`-O`). */
  omittedIntervals: number;
  /** `end.cpu_utilization_percent` host_total/remote_total, when reported: shows a CPU-bound run. */
  cpu: { hostTotal: number; remoteTotal: number } | null;
}

/** A TCP run (`iperf3 -J -c …`). */
export interface Iperf3TcpRun extends Iperf3RunBase {
  protocol: 'TCP';
  /** Receiver goodput, `end.sum_received.bits_per_second`. */
  receivedBitsPerSecond: number;
  /** Sender rate, `end.sum_sent.bits_per_second`. */
  sentBitsPerSecond: number;
  /** `end.sum_sent.retransmits`; null when the sender does not report it (non-Linux). */
  retransmits: number | null;
}

/** A UDP run (`iperf3 -J -u -b … -c …`). */
export interface Iperf3UdpRun extends Iperf3RunBase {
  protocol: 'UDP';
  /** Received rate at the fixed offered load. */
  bitsPerSecond: number;
  jitterMs: number;
  lostPackets: number;
  packets: number;
  lostPercent: number;
  /** Which `end` object the figures came from: the receiver's (3.11+) or the legacy `sum`. */
  source: 'sum_received' | 'sum';
}

type Json = Record<string, unknown>;

/** Parses TCP `iperf3 -J` output; raises ProbeOutputError for an iperf3 error or another protocol. */
export function parseIperf3Tcp(output: string): Iperf3TcpRun {
  const doc = readDocument(output);
  const protocol = testProtocol(doc);
  if (protocol !== 'TCP') throw wrongProtocol('TCP', protocol);
  const end = object(doc['end'], 'end');
  const received = object(end['sum_received'], 'end.sum_received');
  const sent = object(end['sum_sent'], 'end.sum_sent');
  const retransmits = sent['retransmits'];
  return {
    protocol: 'TCP',
    ...common(doc, end, received),
    receivedBitsPerSecond: number(received['bits_per_second'], 'end.sum_received.bits_per_second'),
    sentBitsPerSecond: number(sent['bits_per_second'], 'end.sum_sent.bits_per_second'),
    retransmits: retransmits === undefined ? null : number(retransmits, 'end.sum_sent.retransmits'),
  };
}

/**
 * Parses UDP `iperf3 -J -u` output. Loss and jitter come from the receiver's `end.sum_received`
 * when present (3.11+), else from the legacy `end.sum`.
 */
export function parseIperf3Udp(output: string): Iperf3UdpRun {
  const doc = readDocument(output);
  const protocol = testProtocol(doc);
  if (protocol !== 'UDP') throw wrongProtocol('UDP', protocol);
  const end = object(doc['end'], 'end');
  const source = isObject(end['sum_received']) ? 'sum_received' : 'sum';
  const sum = object(end[source], `end.${source}`);
  const field = (name: string) => number(sum[name], `end.${source}.${name}`);
  return {
    protocol: 'UDP',
    ...common(doc, end, sum),
    bitsPerSecond: field('bits_per_second'),
    jitterMs: field('jitter_ms'),
    lostPackets: field('lost_packets'),
    packets: field('packets'),
    lostPercent: field('lost_percent'),
    source,
  };
}

function readDocument(output: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(output);
  } catch {
    throw new ProbeOutputError(`iperf3 output is not JSON: ${excerpt(output) || '(empty)'}`, {
      hint: 'run iperf3 with -J and capture stdout only',
    });
  }
  if (!isObject(doc)) throw new ProbeOutputError(`iperf3 output is not a JSON object: ${excerpt(output)}`);
  const error = doc['error'];
  if (typeof error === 'string') {
    throw new ProbeOutputError(`iperf3 failed: ${error}`, {
      hint: 'check that the iperf3 server (iperf3 -s) runs on the destination and is reachable over this path',
    });
  }
  return doc;
}

function testProtocol(doc: Json): string {
  const start = object(doc['start'], 'start');
  const testStart = object(start['test_start'], 'start.test_start');
  const protocol = testStart['protocol'];
  if (typeof protocol !== 'string') throw missing('start.test_start.protocol');
  return protocol;
}

function common(doc: Json, end: Json, sum: Json): Iperf3RunBase {
  const start = object(doc['start'], 'start');
  const version = typeof start['version'] === 'string' ? start['version'] : null;
  const rawIntervals = Array.isArray(doc['intervals']) ? doc['intervals'] : [];
  const intervals: Iperf3Interval[] = [];
  let omittedIntervals = 0;
  rawIntervals.forEach((raw, i) => {
    const s = object(object(raw, `intervals[${i}]`)['sum'], `intervals[${i}].sum`);
    if (s['omitted'] === true) {
      omittedIntervals++;
      return;
    }
    intervals.push({
      start: number(s['start'], `intervals[${i}].sum.start`),
      end: number(s['end'], `intervals[${i}].sum.end`),
      bitsPerSecond: number(s['bits_per_second'], `intervals[${i}].sum.bits_per_second`),
    });
  });
  const cpuRaw = end['cpu_utilization_percent'];
  const cpu = isObject(cpuRaw)
    ? { hostTotal: number(cpuRaw['host_total'], 'cpu host_total'), remoteTotal: number(cpuRaw['remote_total'], 'cpu remote_total') }
    : null;
  return { version, seconds: number(sum['seconds'], 'end sum seconds'), intervals, omittedIntervals, cpu };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw missing(path);
  return value;
}

function number(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw missing(path);
  return value;
}

function missing(path: string): ProbeOutputError {
  return new ProbeOutputError(`iperf3 output has no numeric/object field ${path}`, {
    hint: 'labbench reads iperf3 3.11 or newer -J output; check the iperf3 version on the hosts',
  });
}

function wrongProtocol(expected: string, got: string): ProbeOutputError {
  return new ProbeOutputError(`iperf3 output is a ${got} test where a ${expected} test was expected`, {
    hint: expected === 'UDP' ? 'pass -u to iperf3 for the UDP probe' : 'drop -u from the TCP probe',
  });
}
