/**
 * Synthetic but realistic bench runs for report and pipeline tests: four paths measured with
 * all four probes, per-run values drawn (seeded) around figures measured on the development
 * machines, with a real overlay throughput regression and a bridge latency improvement.
 */

import { BASELINE_KIND, BASELINE_SCHEMA_VERSION, type BaselineDocument, type SuiteParameters } from '../../src/bench/judge/baseline.ts';
import { comparisonCells, samplesByCell } from '../../src/bench/judge/cells.ts';
import { DEFAULT_DECISION_SETTINGS, decide } from '../../src/bench/judge/verdict.ts';
import type { RunValues } from '../../src/bench/measure/extract.ts';
import type { Fingerprint } from '../../src/bench/measure/fingerprint.ts';
import type { RunRecord } from '../../src/bench/measure/run-record.ts';
import { type MetricId, PROBES, type ProbeKind, splitKey } from '../../src/bench/plan/metrics.ts';
import { type Arm, buildSchedule, mulberry32, suiteCells } from '../../src/bench/plan/schedule.ts';
import type { ProbeSettings } from '../../src/bench/plan/suite.ts';
import { buildResults, type ResultsDocument } from '../../src/bench/report/results.ts';

export const PATHS = ['loopback', 'host', 'bridge', 'overlay'] as const;

/** Typical medians per path and metric (loopback ceiling, LAN host path, docker0 bridge, vxlan overlay). */
const TYPICAL: Record<(typeof PATHS)[number], Record<MetricId, number>> = {
  loopback: {
    'tcp.throughput': 38,
    'tcp.retransmits': 0,
    'udp.goodput': 1000,
    'udp.loss': 0,
    'udp.jitter': 0.004,
    'ping.rtt': 22,
    'ping.loss': 0,
    'rr.p50': 30,
    'rr.p99': 95,
    'rr.mean': 35,
  },
  host: {
    'tcp.throughput': 12.8,
    'tcp.retransmits': 0,
    'udp.goodput': 998,
    'udp.loss': 0,
    'udp.jitter': 0.011,
    'ping.rtt': 80,
    'ping.loss': 0,
    'rr.p50': 70,
    'rr.p99': 160,
    'rr.mean': 78,
  },
  bridge: {
    'tcp.throughput': 21,
    'tcp.retransmits': 0,
    'udp.goodput': 999,
    'udp.loss': 0,
    'udp.jitter': 0.007,
    'ping.rtt': 45,
    'ping.loss': 0,
    'rr.p50': 52,
    'rr.p99': 130,
    'rr.mean': 58,
  },
  overlay: {
    'tcp.throughput': 9,
    'tcp.retransmits': 0,
    'udp.goodput': 995,
    'udp.loss': 0,
    'udp.jitter': 0.02,
    'ping.rtt': 200,
    'ping.loss': 0,
    'rr.p50': 180,
    'rr.p99': 420,
    'rr.mean': 195,
  },
};

/** Per-run coefficient of variation of each metric. */
const CV: Partial<Record<MetricId, number>> = {
  'tcp.throughput': 0.03,
  'udp.goodput': 0.002,
  'ping.rtt': 0.04,
  'rr.p50': 0.03,
  'rr.p99': 0.08,
  'rr.mean': 0.03,
  'udp.jitter': 0.1,
};

export const FINGERPRINT: Fingerprint = {
  kernel: '6.18.0-labbench',
  cpuModel: 'Intel(R) Xeon(R) CPU @ 2.20GHz',
  cpuCores: 2,
  os: 'Debian GNU/Linux 12',
  docker: '20.10.24+dfsg1',
  etcd: '3.4.23',
  flannel: 'labbench-agent 0.1.0',
  iperf3: 'iperf 3.12',
  ping: 'iputils 20221126',
  node: 'v18.20.4',
  mtu: 1500,
  'mtu.overlay': 1450,
  backend: 'vxlan',
};

function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A multiplier per path × metric applied to the current night (the injected changes). */
export type Effects = Partial<Record<string, number>>;

function runValues(path: (typeof PATHS)[number], probe: ProbeKind, factor: (metric: MetricId) => number, random: () => number): RunValues {
  const values: RunValues = {};
  for (const [metric, typical] of Object.entries(TYPICAL[path]) as [MetricId, number][]) {
    if (!metric.startsWith(`${probe}.`)) continue;
    const cv = CV[metric] ?? 0;
    values[metric] = Number((typical * factor(metric) * Math.exp(cv * gaussian(random))).toPrecision(6));
  }
  return values;
}

/** Run records of one night for a schedule (stored mode: arm null; A/B: both arms). */
export function simulateNight(options: {
  seed: number;
  effects?: Effects;
  arms?: Arm[];
  confirmation?: boolean;
  paths?: readonly (typeof PATHS)[number][];
  startedAt?: number;
}): RunRecord[] {
  const paths = options.paths ?? PATHS;
  const random = mulberry32(options.seed ^ 0x9e3779b9);
  const canary = options.arms ? {} : { canary: 'loopback' };
  const schedule = buildSchedule({ cells: suiteCells(paths, PROBES, options.arms ?? []), runs: 10, seed: options.seed, ...canary });
  let clock = options.startedAt ?? Date.parse('2026-03-02T01:00:00Z');
  return schedule.map((slot) => {
    const changed = slot.arm !== 'A';
    const factor = (metric: MetricId) => (changed ? (options.effects?.[`${slot.path}/${metric}`] ?? 1) : 1);
    const durationMs = slot.probe === 'tcp' || slot.probe === 'udp' ? 12_100 : slot.probe === 'ping' ? 1_200 : 2_600;
    const record: RunRecord = {
      order: slot.order,
      round: slot.round,
      path: slot.path,
      probe: slot.probe,
      arm: slot.arm,
      canaryOf: slot.canaryOf,
      warmup: slot.warmup,
      confirmation: options.confirmation ?? false,
      startedAt: new Date(clock).toISOString(),
      durationMs,
      values: runValues(slot.path as (typeof PATHS)[number], slot.probe, factor, random),
      error: null,
    };
    clock += durationMs + 150;
    return record;
  });
}

/** The long-run probe settings of research/regression-detection.md §3.2 (10-s iperf3 runs), which the fixture's run durations follow. */
const PROBE_SETTINGS: ProbeSettings = {
  tcp: { durationS: 10, omitS: 2, streams: 1, pinCpus: true },
  udp: { durationS: 10, omitS: 2, bitrate: '1G', lengthBytes: 1400 },
  ping: { count: 105, intervalS: 0.01, skipFirst: 5 },
  rr: { payloadBytes: 64, timeMs: 2000, iterations: 2000, warmupTimeMs: 500, warmupIterations: 200 },
};

export const SUITE: SuiteParameters = {
  paths: [...PATHS],
  probes: [...PROBES],
  runs: 10,
  warmups: 1,
  seed: 20260302,
  probeSettings: PROBE_SETTINGS,
  tolerances: {},
  decision: DEFAULT_DECISION_SETTINGS,
};

/** The regression and improvement the synthetic night carries. */
export const NIGHT_EFFECTS: Effects = { 'overlay/tcp.throughput': 0.78, 'bridge/ping.rtt': 0.8 };

/** A stored baseline recorded from an unchanged night. */
export function syntheticBaseline(): BaselineDocument {
  const records = simulateNight({ seed: 11, startedAt: Date.parse('2026-03-01T01:00:00Z') });
  const samples = [...samplesByCell(records, { arm: null, confirmation: false })].map(([key, runs]) => {
    const [path, metric] = splitKey(key);
    return { path, metric, values: runs.values, ...(runs.canary ? { canary: runs.canary } : {}) };
  });
  return {
    kind: BASELINE_KIND,
    schemaVersion: BASELINE_SCHEMA_VERSION,
    testbed: 'local',
    createdAt: '2026-03-01T01:45:00.000Z',
    suite: SUITE,
    fingerprint: FINGERPRINT,
    samples,
  };
}

/** A full stored-mode night against syntheticBaseline(), confirmation re-run included. */
export function syntheticResults(options: { effects?: Effects; fingerprint?: Fingerprint; testbed?: string } = {}): ResultsDocument {
  const baseline = syntheticBaseline();
  const effects = options.effects ?? NIGHT_EFFECTS;
  const fingerprint = options.fingerprint ?? FINGERPRINT;
  const records = simulateNight({ seed: 12, effects });
  const input = { mode: 'stored' as const, cells: comparisonCells('stored', records, { baseline }), fingerprintDifferences: [], canary: 'loopback' };
  const first = decide(input);
  const flaggedPaths = [...new Set(first.needsConfirmation.map((k) => k.split('/')[0] as (typeof PATHS)[number]))];
  const rerun = flaggedPaths.length > 0 ? simulateNight({ seed: 13, effects, confirmation: true, paths: flaggedPaths }) : [];
  const confirmations = comparisonCells('stored', rerun, { baseline, confirmation: true });
  const decision = decide(input, confirmations);
  return buildResults({
    testbed: options.testbed ?? 'local',
    mode: 'stored',
    startedAt: '2026-03-02T01:00:00.000Z',
    finishedAt: '2026-03-02T01:52:30.000Z',
    suite: SUITE,
    fingerprint,
    cells: input.cells,
    confirmations,
    decision,
    runs: [...records, ...rerun],
    baseline: { source: 'bench/baselines/local.json', document: baseline },
  });
}
