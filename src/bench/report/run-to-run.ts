/**
 * Run-to-run spread of repeated bench runs of one unchanged testbed (A/A): per path × metric,
 * each run's median, how far those medians spread, and the typical spread inside a run. These
 * are the figures that calibrate the gate's tolerances (research/regression-detection.md
 * §3.5: δ_fail should sit above about 3 robust σ of the night-to-night spread). Pure.
 */

import { renderTable } from '../../text-table.ts';
import { formatNumber } from '../judge/format.ts';
import { MAD_TO_SIGMA, mad, median, robustCv } from '../judge/stats.ts';
import { DEFAULT_METRICS, type MetricId } from '../plan/metrics.ts';
import type { ResultsDocument } from './results.ts';

/** The spread of one path × metric over the runs. */
export interface SpreadRow {
  path: string;
  metric: MetricId;
  unit: string;
  /** Each run's median, in run order. */
  medians: number[];
  /** Whether range and robustSigma are fractions of the median (relative metrics) or in the unit (absolute ones, e.g. loss in pp). */
  relative: boolean;
  /** max − min of the medians (relative metrics: over their median; null when that median is 0). */
  range: number | null;
  /** Robust σ of the medians, 1.4826 · MAD (relative metrics: over their median; null when that median is 0). */
  robustSigma: number | null;
  /** Median over the runs of each run's robust CV (within-run spread); null when undefined. */
  withinRunCv: number | null;
  /** The metric's fail tolerance (relative metrics: a fraction; absolute: in the unit), null when warn-only. */
  failTolerance: number | null;
}

/** Spread rows for every path × metric present in every run, in the documents' cell order. */
export function runToRunSpread(runs: readonly ResultsDocument[]): SpreadRow[] {
  const first = runs[0];
  if (!first) return [];
  const rows: SpreadRow[] = [];
  for (const cell of first.cells) {
    const blocks = runs.map((doc) => doc.cells.find((c) => c.key === cell.key)?.current.samples ?? []);
    if (blocks.some((b) => b.length === 0)) continue;
    const medians = blocks.map((b) => median(b));
    const centre = median(medians);
    const cvs = blocks.map((b) => robustCv(b)).filter((v) => Number.isFinite(v));
    const spec = DEFAULT_METRICS[cell.metric];
    const relative = spec.change === 'relative';
    const scale = (v: number): number | null => (!relative ? v : centre === 0 ? null : v / centre);
    rows.push({
      path: cell.path,
      metric: cell.metric,
      unit: cell.unit,
      medians,
      relative,
      range: scale(Math.max(...medians) - Math.min(...medians)),
      robustSigma: scale(MAD_TO_SIGMA * mad(medians)),
      withinRunCv: cvs.length > 0 ? median(cvs) : null,
      failTolerance: spec.fail,
    });
  }
  return rows;
}

/** The rows as a fixed-width table. */
export function renderSpread(rows: readonly SpreadRow[]): string {
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
  const spread = (r: SpreadRow, v: number | null) => (r.relative ? pct(v) : v === null ? '–' : `${formatNumber(v)} ${r.unit === '%' ? 'pp' : r.unit}`);
  const table = [
    ['path', 'metric', 'unit', 'run medians', 'range', 'robust σ', 'within-run CV', 'fail tolerance'],
    ...rows.map((r) => {
      const spec = DEFAULT_METRICS[r.metric];
      const tolerance =
        r.failTolerance === null
          ? 'warn-only'
          : spec.change === 'relative'
            ? `${(r.failTolerance * 100).toFixed(0)}%`
            : `${r.failTolerance} ${spec.unit === '%' ? 'pp' : spec.unit}`;
      return [r.path, spec.label, r.unit, r.medians.map(formatNumber).join(' '), spread(r, r.range), spread(r, r.robustSigma), pct(r.withinRunCv), tolerance];
    }),
  ];
  return renderTable(table);
}
