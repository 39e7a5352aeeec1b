/**
 * Figures derived from one run's medians: each path as a fraction of the same-namespace
 * `loopback` ceiling and as a ratio to `host`. Both come from the same run, so machine-wide
 * drift cancels out of them.
 */
import type { MetricId, MetricTable } from '../plan/metrics.ts';
import { cellKey } from '../plan/metrics.ts';

/** The path that measures the machine's own limit. */
export const LOOPBACK_PATH = 'loopback';
/** The path every container path is compared with. */
export const HOST_PATH = 'host';

/** Derived figures of one path × metric. */
export interface DerivedFigure {
  path: string;
  metric: MetricId;
  median: number;
  /** Share of loopback's performance, oriented so 1 = as good as loopback (throughput: m/loopback; latency: loopback/m). */
  fractionOfLoopback: number | null;
  /** Plain ratio m/host in the metric's own unit (latency 2.0 = twice host's). */
  ratioToHost: number | null;
}

/** Derived figures for every cell of a metric marked `derived`, given each cell's median. */
export function deriveFigures(medians: readonly { path: string; metric: MetricId; median: number }[], metrics: MetricTable): DerivedFigure[] {
  const lookup = new Map(medians.map((m) => [cellKey(m.path, m.metric), m.median]));
  return medians
    .filter((m) => metrics[m.metric].derived)
    .map(({ path, metric, median }) => {
      const loopback = lookup.get(cellKey(LOOPBACK_PATH, metric));
      const host = lookup.get(cellKey(HOST_PATH, metric));
      const usable = (v: number | undefined): v is number => v !== undefined && v > 0 && median > 0;
      const fractionOfLoopback = usable(loopback) ? (metrics[metric].better === 'higher' ? median / loopback : loopback / median) : null;
      return { path, metric, median, fractionOfLoopback, ratioToHost: usable(host) ? median / host : null };
    });
}
