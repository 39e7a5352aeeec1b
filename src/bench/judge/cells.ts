/**
 * The cells to judge, from the run records: per path × metric the current runs' values and the
 * reference's (a stored baseline's, or arm A's in an A/B run). Pure.
 */
import type { RunRecord } from '../measure/run-record.ts';
import { cellKey, METRIC_IDS, splitKey, type CellKey } from '../plan/metrics.ts';
import type { Arm } from '../plan/schedule.ts';
import type { BaselineDocument } from './baseline.ts';
import type { CellSamples, ComparisonMode } from './verdict.ts';

/** Per-cell values of the measured (non-warm-up, successful) runs of one arm, in run order. */
export function samplesByCell(records: readonly RunRecord[], select: { arm: Arm | null; confirmation: boolean }): Map<CellKey, number[]> {
  const out = new Map<CellKey, number[]>();
  const ordered = [...records].sort((a, b) => a.order - b.order);
  for (const r of ordered) {
    if (r.warmup || r.arm !== select.arm || r.confirmation !== select.confirmation) continue;
    for (const metric of METRIC_IDS) {
      const v = r.values[metric];
      if (v === undefined) continue;
      const key = cellKey(r.path, metric);
      const list = out.get(key) ?? [];
      list.push(v);
      out.set(key, list);
    }
  }
  return out;
}

/** Samples of a stored baseline, by cell. */
export function baselineSamples(baseline: BaselineDocument): Map<CellKey, number[]> {
  return new Map(baseline.samples.map((s) => [cellKey(s.path, s.metric), [...s.values]]));
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
  let reference: Map<CellKey, number[]>;
  if (mode === 'ab') reference = samplesByCell(records, { arm: 'A', confirmation });
  else if (options.baseline) reference = baselineSamples(options.baseline);
  else throw new RangeError('stored mode needs a baseline document');
  const keys = new Set(confirmation ? current.keys() : [...current.keys(), ...reference.keys()]);
  return [...keys].sort(compareKeys).map((key) => {
    const [path, metric] = splitKey(key);
    return { path, metric, current: current.get(key) ?? [], baseline: reference.get(key) ?? [] };
  });
}

function compareKeys(a: CellKey, b: CellKey): number {
  const [pa, ma] = splitKey(a);
  const [pb, mb] = splitKey(b);
  return pa === pb ? METRIC_IDS.indexOf(ma) - METRIC_IDS.indexOf(mb) : pa < pb ? -1 : 1;
}

