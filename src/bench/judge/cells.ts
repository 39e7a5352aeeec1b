/**
 * The cells to judge, from the run records: per path × metric the current runs' values and the
 * reference's (a stored baseline's, or arm A's in an A/B run), each path value paired with the
 * canary value measured beside it in the same round. Pure.
 */
import type { RunRecord } from '../measure/run-record.ts';
import { type CellKey, cellKey, METRIC_IDS, splitKey } from '../plan/metrics.ts';
import type { Arm } from '../plan/schedule.ts';
import type { BaselineDocument } from './baseline.ts';
import type { CellSamples, ComparisonMode } from './verdict.ts';

/** One cell's values in run order, and the canary value measured beside each (null: none). */
export interface CellRuns {
  values: number[];
  /** Aligned with `values`; null when no run of the cell had a canary beside it. */
  canary: (number | null)[] | null;
}

/**
 * Per-cell values of the measured (non-warm-up, successful) runs of one arm, in run order. A
 * canary run counts twice: as a sample of the canary path's own cell, and as the partner of
 * the path run it was measured beside.
 */
export function samplesByCell(records: readonly RunRecord[], select: { arm: Arm | null; confirmation: boolean }): Map<CellKey, CellRuns> {
  const chosen = [...records].sort((a, b) => a.order - b.order).filter((r) => !r.warmup && r.arm === select.arm && r.confirmation === select.confirmation);
  const partner = (r: RunRecord) => `${r.path}|${r.probe}|${r.round}`;
  const canaries = new Map(chosen.filter((r) => r.canaryOf !== null).map((r) => [`${r.canaryOf}|${r.probe}|${r.round}`, r]));
  const out = new Map<CellKey, { values: number[]; canary: (number | null)[] }>();
  for (const r of chosen) {
    const beside = r.canaryOf === null ? canaries.get(partner(r)) : undefined;
    for (const metric of METRIC_IDS) {
      const v = r.values[metric];
      if (v === undefined) continue;
      const key = cellKey(r.path, metric);
      const runs = out.get(key) ?? { values: [], canary: [] };
      runs.values.push(v);
      runs.canary.push(beside?.values[metric] ?? null);
      out.set(key, runs);
    }
  }
  return new Map([...out].map(([key, runs]) => [key, { values: runs.values, canary: runs.canary.some((c) => c !== null) ? runs.canary : null }]));
}

/** Samples of a stored baseline, by cell. */
export function baselineSamples(baseline: BaselineDocument): Map<CellKey, CellRuns> {
  return new Map(baseline.samples.map((s) => [cellKey(s.path, s.metric), { values: [...s.values], canary: s.canary ? [...s.canary] : null }]));
}

/**
 * The cells to judge, from the run records: stored mode compares tonight's runs with the
 * baseline document's, A/B mode arm B with arm A. `confirmation: true` picks the re-run.
 * Every cell seen on either side is included (a missing side gives INCONCLUSIVE).
 */
export function comparisonCells(
  mode: ComparisonMode,
  records: readonly RunRecord[],
  options: { baseline?: BaselineDocument; confirmation?: boolean } = {},
): CellSamples[] {
  const confirmation = options.confirmation ?? false;
  const current = samplesByCell(records, { arm: mode === 'ab' ? 'B' : null, confirmation });
  let reference: Map<CellKey, CellRuns>;
  if (mode === 'ab') reference = samplesByCell(records, { arm: 'A', confirmation });
  else if (options.baseline) reference = baselineSamples(options.baseline);
  else throw new RangeError('stored mode needs a baseline document');
  const keys = new Set(confirmation ? current.keys() : [...current.keys(), ...reference.keys()]);
  return [...keys].sort(compareKeys).map((key) => {
    const [path, metric] = splitKey(key);
    const now = current.get(key);
    const then = reference.get(key);
    return {
      path,
      metric,
      current: now?.values ?? [],
      baseline: then?.values ?? [],
      ...(now?.canary ? { currentCanary: now.canary } : {}),
      ...(then?.canary ? { baselineCanary: then.canary } : {}),
    };
  });
}

function compareKeys(a: CellKey, b: CellKey): number {
  const [pa, ma] = splitKey(a);
  const [pb, mb] = splitKey(b);
  return pa === pb ? METRIC_IDS.indexOf(ma) - METRIC_IDS.indexOf(mb) : pa < pb ? -1 : 1;
}
