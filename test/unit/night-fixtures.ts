/**
 * Synthetic nights for the history's tests: per cell a night-level factor and seeded lognormal
 * rounds around it, each path round paired with a loopback canary round, on a named machine.
 */
import { NIGHT_KIND, NIGHT_SCHEMA_VERSION, type NightRecord } from '../../src/bench/history/night.ts';
import type { Fingerprint } from '../../src/bench/measure/fingerprint.ts';
import type { MetricId } from '../../src/bench/plan/metrics.ts';
import { mulberry32 } from '../../src/bench/plan/schedule.ts';

export const MACHINE_A: Fingerprint = { kernel: '6.18.44-fc-v669', cpuModel: 'AMD EPYC', cpuCores: 2, machineId: 'aaaaaaaaaaaa' };
export const MACHINE_B: Fingerprint = { kernel: '6.18.44-fc-v1272', cpuModel: 'AMD EPYC', cpuCores: 2, machineId: 'bbbbbbbbbbbb' };
export const SOFTWARE: Fingerprint = {
  docker: '20.10.24+dfsg1',
  etcd: '3.4.23',
  iperf3: 'iperf 3.12',
  backend: 'vxlan',
  'mtu.overlay': 1450,
  'probe.tcp': 'iperf3 -t 1',
  'probe.rr': 'rr 64 B',
};

/** Typical loopback (canary) figures, and each path's ratio to it. */
const CANARY: Partial<Record<MetricId, number>> = { 'tcp.throughput': 21, 'rr.p50': 100 };
const RATIO: Record<string, Partial<Record<MetricId, number>>> = {
  overlay: { 'tcp.throughput': 0.52, 'rr.p50': 1.5 },
  bridge: { 'tcp.throughput': 0.78, 'rr.p50': 1.15 },
};

export interface NightSpec {
  day: number;
  machine?: Fingerprint;
  software?: Fingerprint;
  commit?: string | null;
  packages?: Record<string, string> | null;
  /** Multiplies a path's value (not the canary's): `overlay/tcp.throughput` → 0.9. */
  effect?: Record<string, number>;
  /** Multiplies the canary's value (the machine itself), e.g. 1.12 on a faster loopback. */
  canaryFactor?: number;
  /** Night-level log-noise of the ratio and per-round log-noise. */
  nightNoise?: number;
  roundNoise?: number;
  /** Heavy tails: with this probability a round is off by ×/÷ 1.5. */
  outliers?: number;
  rounds?: number;
  seed?: number;
  paths?: string[];
  metrics?: MetricId[];
}

function gauss(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** One synthetic night. */
export function syntheticNight(spec: NightSpec): NightRecord {
  const random = mulberry32(spec.seed ?? spec.day * 7919 + 13);
  const paths = spec.paths ?? ['overlay'];
  const metrics = spec.metrics ?? ['tcp.throughput'];
  const rounds = spec.rounds ?? 10;
  const at = new Date(Date.UTC(2026, 10, 1) + spec.day * 86_400_000).toISOString();
  const cells: NightRecord['cells'] = [];
  for (const metric of metrics) {
    const canaryRounds = Array.from(
      { length: paths.length * rounds },
      () => (CANARY[metric] as number) * (spec.canaryFactor ?? 1) * Math.exp(0.05 * gauss(random)),
    );
    cells.push({ path: 'loopback', metric, values: canaryRounds, canary: null, verdict: null });
    paths.forEach((path, p) => {
      const night = Math.exp((spec.nightNoise ?? 0.01) * gauss(random));
      const effect = spec.effect?.[`${path}/${metric}`] ?? 1;
      const canary = canaryRounds.slice(p * rounds, (p + 1) * rounds);
      const values = canary.map((c) => {
        const tail = random() < (spec.outliers ?? 0) ? (random() < 0.5 ? 1.5 : 1 / 1.5) : 1;
        // The path does not follow the machine's canary factor: the ratio moves with the machine.
        return (c / (spec.canaryFactor ?? 1)) * (RATIO[path]?.[metric] as number) * effect * night * tail * Math.exp((spec.roundNoise ?? 0.03) * gauss(random));
      });
      cells.push({ path, metric, values, canary, verdict: null });
    });
  }
  return {
    kind: NIGHT_KIND,
    schemaVersion: NIGHT_SCHEMA_VERSION,
    id: `night-${String(spec.day).padStart(3, '0')}`,
    origin: 'bench',
    testbed: 'local',
    startedAt: at,
    finishedAt: at,
    labbench: { commit: spec.commit === undefined ? 'c0ffee000000' : spec.commit, dirty: false },
    fingerprint: { ...(spec.machine ?? MACHINE_A), ...(spec.software ?? SOFTWARE) },
    packages: spec.packages === undefined ? { 'docker.io': '20.10.24+dfsg1-1', iperf3: '3.12-1' } : spec.packages,
    suite: { paths: ['loopback', ...paths], probes: [...new Set(metrics.map((m) => m.split('.')[0] as 'tcp' | 'rr'))], runs: rounds, warmups: 1, seed: 1 },
    cells,
    outcome: null,
  };
}

/** Nights day 0 … n−1 from one spec function. */
export function nights(n: number, spec: (day: number) => Omit<NightSpec, 'day'> = () => ({})): NightRecord[] {
  return Array.from({ length: n }, (_, day) => syntheticNight({ day, ...spec(day) }));
}
