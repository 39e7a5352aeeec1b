/**
 * The row model every tabular report shares: one row per path × metric, with the figures
 * already formatted, so console and Markdown show the same text.
 */
import { describeAttribution } from '../judge/attribution.ts';
import { formatChange, formatNumber, formatP } from '../judge/format.ts';
import { sideP, type Verdict } from '../judge/verdict.ts';
import { describeDifferences } from '../measure/fingerprint.ts';
import { cellKey, DEFAULT_METRICS } from '../plan/metrics.ts';
import type { ResultCell, ResultsDocument } from './results.ts';

/** One formatted row. */
export interface ReportRow {
  path: string;
  metric: string;
  unit: string;
  verdict: Verdict;
  baseline: string;
  current: string;
  /** The judged change (canary basis: of the per-round ratio to the canary) and its confidence interval. */
  change: string;
  interval: string;
  /** What the change was judged on: the ratio to the canary, or the raw runs. */
  basis: string;
  /** One-sided p of the side the change points to. */
  p: string;
  ofLoopback: string;
  toHost: string;
}

/** Column titles, in display order. */
export const COLUMNS: readonly { key: keyof ReportRow; title: string; align: 'left' | 'right' }[] = [
  { key: 'path', title: 'path', align: 'left' },
  { key: 'metric', title: 'metric', align: 'left' },
  { key: 'verdict', title: 'verdict', align: 'left' },
  { key: 'baseline', title: 'baseline', align: 'right' },
  { key: 'current', title: 'current', align: 'right' },
  { key: 'unit', title: 'unit', align: 'left' },
  { key: 'change', title: 'change', align: 'right' },
  { key: 'interval', title: 'interval', align: 'right' },
  { key: 'basis', title: 'judged on', align: 'left' },
  { key: 'p', title: 'p', align: 'right' },
  { key: 'ofLoopback', title: 'of loopback', align: 'right' },
  { key: 'toHost', title: '× host', align: 'right' },
];

const DASH = '–';

/** Rows of a results document, in document order (path, then metric). */
export function reportRows(doc: ResultsDocument): ReportRow[] {
  const derived = new Map(doc.derived.map((d) => [cellKey(d.path, d.metric), d]));
  return doc.cells.map((cell) => {
    const spec = DEFAULT_METRICS[cell.metric];
    const d = derived.get(cell.key);
    return {
      path: cell.path,
      metric: spec.label,
      unit: cell.unit,
      verdict: cell.verdict,
      baseline: cell.baseline.summary ? formatNumber(cell.baseline.summary.median) : DASH,
      current: cell.current.summary ? formatNumber(cell.current.summary.median) : DASH,
      change: cell.stats ? formatChange(spec, cell.stats.change) : DASH,
      interval:
        cell.stats && cell.stats.changeLow !== null && cell.stats.changeHigh !== null
          ? `${formatChange(spec, cell.stats.changeLow)} … ${formatChange(spec, cell.stats.changeHigh)}`
          : DASH,
      basis: cell.stats ? (cell.stats.basis === 'canary-ratio' ? '÷ canary' : 'raw') : DASH,
      p: pText(cell),
      ofLoopback: d?.fractionOfLoopback != null ? `${(d.fractionOfLoopback * 100).toFixed(0)}%` : DASH,
      toHost: d?.ratioToHost != null ? `${d.ratioToHost.toFixed(2)}×` : DASH,
    };
  });
}

function pText(cell: ResultCell): string {
  return cell.stats ? formatP(sideP(cell.stats)) : DASH;
}

/** The run's context on one line: testbed, mode, baseline or variants, runs, seed. */
export function contextLine(doc: ResultsDocument): string {
  const compared =
    doc.mode === 'ab' && doc.variants
      ? `A/B: A = ${doc.variants.A.label}, B = ${doc.variants.B.label}`
      : doc.history
        ? `history ${doc.history.source} (${doc.history.nights} nights with tonight, ${doc.history.tonight})`
        : doc.baseline
          ? `baseline ${doc.baseline.source} (${doc.baseline.createdAt})`
          : 'no baseline';
  const { runs, warmups, seed } = doc.suite;
  return `testbed ${doc.testbed} · ${compared} · ${runs} rounds + ${warmups} warm-up · seed ${seed}`;
}

/** "38 of 40 cells judged" */
export function judgedLine(doc: ResultsDocument): string {
  return `${doc.summary.judged} of ${doc.cells.length} cells judged`;
}

/** "1 FAIL, 2 WARN, 30 PASS" (verdicts with a count of zero left out). */
export function countsLine(doc: ResultsDocument): string {
  const parts = Object.entries(doc.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`);
  return parts.length > 0 ? parts.join(', ') : 'no cells';
}

/** The cells that need a reader's attention (all but PASS), most severe first. */
export function findings(doc: ResultsDocument): ResultCell[] {
  const order: Verdict[] = ['FAIL', 'WARN', 'INCONCLUSIVE', 'IMPROVED'];
  return order.flatMap((v) => doc.cells.filter((c) => c.verdict === v));
}

/** What the environment check found: "matches the baseline" or the differing fields. */
export function environmentLine(doc: ResultsDocument): string {
  const show = (v: unknown) => (v === null ? '(unknown)' : String(v));
  if (doc.mode === 'ab' && doc.variants) {
    const diffs = doc.variants.differences;
    return diffs.length === 0
      ? 'variants share one environment'
      : `variants differ in ${diffs.map((d) => `${d.field} (A ${show(d.baseline)}, B ${show(d.current)})`).join(', ')}`;
  }
  if (doc.history) {
    const since = doc.history.sincePrevious;
    return since ? `since the previous night (${since.from}): ${describeAttribution(since)}` : 'the first night of this history';
  }
  if (!doc.baseline) return 'no baseline to compare the environment with';
  const diffs = doc.baseline.differences;
  return diffs.length === 0 ? 'environment matches the baseline' : `environment differs from the baseline: ${describeDifferences(diffs)}`;
}
