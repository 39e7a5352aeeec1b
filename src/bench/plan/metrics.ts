/**
 * The metrics the bench judges: unit, which direction is better, and the tolerances of the
 * regression gate (DESIGN §5; research/regression-detection.md §3.4). Every one of them can be
 * overridden.
 */
import { ConfigError } from '../../errors.ts';

/** The four probes of the bench. */
export type ProbeKind = 'tcp' | 'udp' | 'ping' | 'rr';

/** All probes, in report order. */
export const PROBES: readonly ProbeKind[] = ['tcp', 'udp', 'ping', 'rr'];

/** Every metric a probe run yields, as `<probe>.<name>`. */
export const METRIC_IDS = [
  'tcp.throughput',
  'tcp.retransmits',
  'udp.goodput',
  'udp.loss',
  'udp.jitter',
  'ping.rtt',
  'ping.loss',
  'rr.p50',
  'rr.p99',
  'rr.mean',
] as const;

/** Identifier of a metric. */
export type MetricId = (typeof METRIC_IDS)[number];

/**
 * How a metric is allowed to move. For `relative` metrics warn/fail are fractions of the
 * baseline (0.10 = 10 %) in the worse direction; for `absolute` metrics they are in the metric's
 * unit (e.g. percentage points of loss).
 */
export interface Tolerance {
  /**
   * The smallest worsening the gate acts on: shown beyond the noise it is a WARN, and for a gated
   * relative metric a FAIL once the confirmation re-run shows it again (a shift estimated from
   * ten noisy rounds must be caught at the fail tolerance, not only well beyond it).
   */
  warn: number;
  /**
   * The regression the gate must catch: never PASS, and FAILed as often as `pnpm bench:power`
   * measures. Absolute (zero-inflated) metrics FAIL only beyond it. null: a warn-only metric.
   */
  fail: number | null;
  /** Smallest |median change| in the metric's unit that counts at all (guards timer/print quantisation). */
  absFloor: number;
  /** For zero-inflated absolute metrics: the worse median must also be ≥ minRatio × the better one. */
  minRatio: number;
}

/** A metric with its meaning and its tolerance. */
export interface MetricSpec extends Tolerance {
  id: MetricId;
  probe: ProbeKind;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  change: 'relative' | 'absolute';
  /** Whether "fraction of loopback" and "ratio to host" make sense for it. */
  derived: boolean;
  /**
   * A metric that moves because this one did (fewer TCP retransmits when less is sent): its
   * improvement is not reported as IMPROVED while the driver got worse.
   */
  follows?: MetricId;
}

/** The metric table. */
export type MetricTable = Readonly<Record<MetricId, MetricSpec>>;

/** Per-metric tolerance overrides, e.g. from the bench config. */
export type ToleranceOverrides = Partial<Record<MetricId, Partial<Tolerance>>>;

const spec = (s: MetricSpec): MetricSpec => s;

/** Default metric table. */
export const DEFAULT_METRICS: MetricTable = {
  'tcp.throughput': spec({
    id: 'tcp.throughput',
    probe: 'tcp',
    label: 'TCP throughput',
    unit: 'Gbit/s',
    better: 'higher',
    change: 'relative',
    warn: 0.05,
    fail: 0.1,
    absFloor: 0.05,
    minRatio: 1,
    derived: true,
  }),
  'tcp.retransmits': spec({
    // Warn-only: 0 → >0 (or a doubling) is worth a look, never a gate.
    id: 'tcp.retransmits',
    probe: 'tcp',
    label: 'TCP retransmits',
    unit: 'segments',
    better: 'lower',
    change: 'absolute',
    warn: 1,
    fail: null,
    absFloor: 1,
    minRatio: 2,
    derived: false,
    follows: 'tcp.throughput',
  }),
  'udp.goodput': spec({
    id: 'udp.goodput',
    probe: 'udp',
    label: 'UDP goodput',
    unit: 'Mbit/s',
    better: 'higher',
    change: 'relative',
    warn: 0.02,
    fail: 0.05,
    absFloor: 0,
    minRatio: 1,
    derived: false,
  }),
  'udp.loss': spec({
    // Zero-inflated: judged in percentage points, and the loss must at least double.
    id: 'udp.loss',
    probe: 'udp',
    label: 'UDP loss',
    unit: '%',
    better: 'lower',
    change: 'absolute',
    warn: 0.1,
    fail: 1,
    absFloor: 0.1,
    minRatio: 2,
    derived: false,
  }),
  'udp.jitter': spec({
    id: 'udp.jitter',
    probe: 'udp',
    label: 'UDP jitter',
    unit: 'ms',
    better: 'lower',
    change: 'relative',
    warn: 0.25,
    fail: null,
    absFloor: 0.02,
    minRatio: 1,
    derived: false,
  }),
  'ping.rtt': spec({
    // Per-run median of the replies; ping prints 1 µs resolution, hence the 3 µs floor.
    id: 'ping.rtt',
    probe: 'ping',
    label: 'ping RTT p50',
    unit: 'µs',
    better: 'lower',
    change: 'relative',
    warn: 0.075,
    fail: 0.15,
    absFloor: 3,
    minRatio: 1,
    derived: true,
  }),
  'ping.loss': spec({
    id: 'ping.loss',
    probe: 'ping',
    label: 'ping loss',
    unit: '%',
    better: 'lower',
    change: 'absolute',
    warn: 1,
    fail: null,
    absFloor: 1,
    minRatio: 2,
    derived: false,
  }),
  'rr.p50': spec({
    id: 'rr.p50',
    probe: 'rr',
    label: 'request-response p50',
    unit: 'µs',
    better: 'lower',
    change: 'relative',
    warn: 0.075,
    fail: 0.15,
    absFloor: 2,
    minRatio: 1,
    derived: true,
  }),
  'rr.p99': spec({
    id: 'rr.p99',
    probe: 'rr',
    label: 'request-response p99',
    unit: 'µs',
    better: 'lower',
    change: 'relative',
    warn: 0.15,
    fail: 0.3,
    absFloor: 10,
    minRatio: 1,
    derived: true,
  }),
  'rr.mean': spec({
    id: 'rr.mean',
    probe: 'rr',
    label: 'request-response mean',
    unit: 'µs',
    better: 'lower',
    change: 'relative',
    warn: 0.15,
    fail: null,
    absFloor: 2,
    minRatio: 1,
    derived: true,
  }),
};

/** Identifies a cell: `<path>/<metric>`. */
export type CellKey = string;

/** The key of a path × metric cell. */
export function cellKey(path: string, metric: MetricId): CellKey {
  return `${path}/${metric}`;
}

/** Splits `<path>/<metric>` (paths may not contain "/"; metric ids never do). */
export function splitKey(key: CellKey): [string, MetricId] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), key.slice(at + 1) as MetricId];
}

/** Whether a string names a known metric. */
export function isMetricId(value: string): value is MetricId {
  return (METRIC_IDS as readonly string[]).includes(value);
}

/** Metrics a probe yields, in table order. */
export function metricsOfProbe(probe: ProbeKind): MetricId[] {
  return METRIC_IDS.filter((id) => DEFAULT_METRICS[id].probe === probe);
}

/**
 * The metric table with overrides applied; raises ConfigError listing every bad override
 * (unknown metric, negative or non-finite value, fail below warn).
 */
export function resolveMetrics(overrides: ToleranceOverrides = {}, base: MetricTable = DEFAULT_METRICS): MetricTable {
  const problems: string[] = [];
  const table = { ...base } as Record<MetricId, MetricSpec>;
  for (const [id, override] of Object.entries(overrides)) {
    if (!isMetricId(id)) {
      problems.push(`unknown metric "${id}" (known: ${METRIC_IDS.join(', ')})`);
      continue;
    }
    const merged: MetricSpec = { ...base[id], ...override };
    for (const key of ['warn', 'absFloor', 'minRatio'] as const) {
      if (!(Number.isFinite(merged[key]) && merged[key] >= 0)) problems.push(`${id}.${key} must be a number ≥ 0, got ${String(merged[key])}`);
    }
    if (merged.fail !== null && !(Number.isFinite(merged.fail) && merged.fail > 0))
      problems.push(`${id}.fail must be a number > 0 or null, got ${String(merged.fail)}`);
    if (merged.change === 'relative' && merged.better === 'higher' && (merged.warn >= 1 || (merged.fail ?? 0) >= 1)) {
      problems.push(`${id}: a drop of 100 % or more cannot happen; use fractions below 1`);
    }
    if (merged.fail !== null && merged.fail < merged.warn) problems.push(`${id}: fail (${merged.fail}) is below warn (${merged.warn})`);
    table[id] = merged;
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid bench tolerances:\n  - ${problems.join('\n  - ')}`, {
      hint: 'relative tolerances are fractions (0.1 = 10 %), absolute ones are in the metric unit; fail must be ≥ warn',
    });
  }
  return table;
}
