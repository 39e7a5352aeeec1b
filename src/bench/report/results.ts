/**
 * The results document of a bench run (validated by bench/schema/results.schema.json): suite
 * parameters, environment fingerprint, per path × probe × metric the raw per-run values with
 * summaries and verdicts, derived figures, and the timing of every run. Pure builders from the
 * runner's run records; how the comparison was made (notes every report prints); the exit-code
 * rule of `pnpm bench` (0, 1 FAIL, 2 not run, 3 at most half of the cells judged).
 */

import type { CellReference, NightsOutcome } from '../judge/across-nights.ts';
import type { BaselineDocument, SuiteParameters } from '../judge/baseline.ts';
import { type SampleSummary, summarize } from '../judge/stats.ts';
import { type CellSamples, type CellStatistics, type ComparisonMode, type Decision, overallVerdict, VERDICTS, type Verdict } from '../judge/verdict.ts';
import { describeDifferences, diffFingerprints, type Fingerprint, type FingerprintDifference, splitDifferences } from '../measure/fingerprint.ts';
import type { RunRecord } from '../measure/run-record.ts';
import { type CellKey, cellKey, DEFAULT_METRICS, METRIC_IDS, type MetricId, type MetricTable, type ProbeKind } from '../plan/metrics.ts';
import { type DerivedFigure, deriveFigures } from './derived.ts';

/** `kind` of a results document. */
export const RESULTS_KIND = 'labbench.bench.results';
/** Version of the results document shape; bumped on any incompatible change. */
export const RESULTS_SCHEMA_VERSION = 3;

/** Exit code when no cell FAILed. */
export const EXIT_OK = 0;
/** Exit code when at least one cell FAILed (a confirmed regression). */
export const EXIT_REGRESSION = 1;
/** Exit code when the bench could not run (bad input, lab not up, probes missing). */
export const EXIT_NOT_RUN = 2;
/** Exit code when the bench ran but could judge at most half of its cells (no FAIL among the rest): not a pass. */
export const EXIT_UNJUDGED = 3;

/** Raw per-run values and their summary. */
export interface SampleBlock {
  samples: number[];
  /** The canary's value measured beside each run (aligned with `samples`; null: none), or null when the path had no canary. */
  canary: (number | null)[] | null;
  summary: SampleSummary | null;
}

/** One path × metric of the results. */
export interface ResultCell {
  key: CellKey;
  path: string;
  probe: ProbeKind;
  metric: MetricId;
  unit: string;
  better: 'higher' | 'lower';
  /** Tonight's runs (A/B: arm B). */
  current: SampleBlock;
  /** The baseline's runs (A/B: arm A). */
  baseline: SampleBlock;
  /** The confirmation re-run, when the cell was flagged and re-run. */
  confirmation: { current: SampleBlock; baseline: SampleBlock } | null;
  verdict: Verdict;
  reason: string;
  flagged: boolean;
  stats: CellStatistics | null;
  confirmationStats: CellStatistics | null;
}

/** Where a stored baseline came from and how its environment compares. */
export interface BaselineReference {
  source: string;
  createdAt: string;
  fingerprint: Fingerprint;
  differences: FingerprintDifference[];
  /** The differences in machine fields (kernel, CPU, cores): judged through the canary ratios. */
  machineDifferences: FingerprintDifference[];
  /** The differences in software and configuration: nothing can be judged. */
  softwareDifferences: FingerprintDifference[];
}

/** The two variants of an A/B run. */
export interface Variants {
  A: { label: string; fingerprint: Fingerprint };
  B: { label: string; fingerprint: Fingerprint };
  /** How the variants' environments differ (informational: the difference is the point of A/B). */
  differences: FingerprintDifference[];
}

/** How tonight was judged against the history of nights (history mode). */
export interface HistoryJudgement extends NightsOutcome {
  /** What each cell was compared with. */
  references: CellReference[];
}

/** The results document. */
export interface ResultsDocument {
  kind: typeof RESULTS_KIND;
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  testbed: string;
  mode: ComparisonMode;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  suite: SuiteParameters;
  /** Tonight's environment (A/B: arm B's). */
  fingerprint: Fingerprint;
  baseline: BaselineReference | null;
  /** History mode: the nights tonight was judged with, the change points, and what changed. */
  history: HistoryJudgement | null;
  variants: Variants | null;
  cells: ResultCell[];
  derived: DerivedFigure[];
  runs: RunRecord[];
  summary: {
    overall: Verdict;
    counts: Record<Verdict, number>;
    /** Cells with a verdict other than INCONCLUSIVE, of `cells.length`. */
    judged: number;
    /** How the comparison was made, for every report to state (e.g. through canary ratios because the machine differs). */
    notes: string[];
    /** Cells whose FAIL conditions held before confirmation. */
    flagged: CellKey[];
    confirmationApplied: boolean;
    exitCode: typeof EXIT_OK | typeof EXIT_REGRESSION | typeof EXIT_UNJUDGED;
  };
}

function block(values: readonly number[], canary?: readonly (number | null)[]): SampleBlock {
  return { samples: [...values], canary: canary ? [...canary] : null, summary: values.length > 0 ? summarize(values) : null };
}

/** Inputs of buildResults. */
export interface BuildResultsInput {
  testbed: string;
  mode: ComparisonMode;
  startedAt: string;
  finishedAt: string;
  suite: SuiteParameters;
  fingerprint: Fingerprint;
  /** The cells that were judged (comparisonCells of the first pass). */
  cells: readonly CellSamples[];
  /** Confirmation re-run cells, when there was one. */
  confirmations?: readonly CellSamples[];
  decision: Decision;
  runs: readonly RunRecord[];
  /** Stored mode. */
  baseline?: { source: string; document: BaselineDocument };
  /** A/B mode. */
  variants?: { A: { label: string; fingerprint: Fingerprint }; B: { label: string; fingerprint: Fingerprint } };
  /** History mode: the judgement across nights (its FAILs become the cells' FAILs). */
  history?: { outcome: NightsOutcome; references: CellReference[] };
  metrics?: MetricTable;
}

/** Assembles the results document from a decided run; cells in suite path order, then metric order. */
export function buildResults(input: BuildResultsInput): ResultsDocument {
  const metrics = input.metrics ?? DEFAULT_METRICS;
  const samples = new Map(input.cells.map((c) => [cellKey(c.path, c.metric), c]));
  const confirmations = new Map((input.confirmations ?? []).map((c) => [cellKey(c.path, c.metric), c]));
  const pathRank = (path: string) => {
    const i = input.suite.paths.indexOf(path);
    return i === -1 ? input.suite.paths.length : i;
  };
  const ordered = [...input.decision.cells].sort(
    (a, b) =>
      pathRank(a.path) - pathRank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || METRIC_IDS.indexOf(a.metric) - METRIC_IDS.indexOf(b.metric),
  );
  const cells: ResultCell[] = ordered.map((d) => {
    const spec = metrics[d.metric];
    const s = samples.get(d.key);
    const conf = confirmations.get(d.key);
    const across = input.history?.outcome.cells.find((c) => c.key === d.key);
    const failsAcross = across?.verdict === 'FAIL' && d.verdict !== 'FAIL';
    return {
      key: d.key,
      path: d.path,
      probe: spec.probe,
      metric: d.metric,
      unit: spec.unit,
      better: spec.better,
      current: block(s?.current ?? [], s?.currentCanary),
      baseline: block(s?.baseline ?? [], s?.baselineCanary),
      confirmation: conf && d.flagged ? { current: block(conf.current, conf.currentCanary), baseline: block(conf.baseline, conf.baselineCanary) } : null,
      verdict: failsAcross ? 'FAIL' : d.verdict,
      reason: [
        d.reason,
        d.verdict === 'FAIL' && across?.sinceReference ? `what changed since ${across.sinceReference}` : null,
        across?.reason ? `across nights: ${across.reason}` : null,
      ]
        .filter((x) => x !== null)
        .join('; '),
      flagged: d.flagged,
      stats: d.stats,
      confirmationStats: d.confirmation?.stats ?? null,
    };
  });
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, cells.filter((c) => c.verdict === v).length])) as Record<Verdict, number>;
  const overall = overallVerdict(cells.map((c) => c.verdict));
  const medians = cells.flatMap((c) => (c.current.summary ? [{ path: c.path, metric: c.metric, median: c.current.summary.median }] : []));
  const baseline = input.baseline;
  const differences = baseline ? diffFingerprints(baseline.document.fingerprint, input.fingerprint) : [];
  const { machine, software } = splitDifferences(differences);
  const judged = cells.filter((c) => c.verdict !== 'INCONCLUSIVE').length;
  const history = input.history ? { ...input.history.outcome, references: input.history.references } : null;
  const exitCode = history
    ? historyExitCode(cells, history)
    : counts.FAIL > 0
      ? EXIT_REGRESSION
      : cells.length > 0 && judged * 2 <= cells.length
        ? EXIT_UNJUDGED
        : EXIT_OK;
  return {
    kind: RESULTS_KIND,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    testbed: input.testbed,
    mode: input.mode,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: Date.parse(input.finishedAt) - Date.parse(input.startedAt),
    suite: input.suite,
    fingerprint: input.fingerprint,
    history,
    baseline: baseline
      ? {
          source: baseline.source,
          createdAt: baseline.document.createdAt,
          fingerprint: baseline.document.fingerprint,
          differences,
          machineDifferences: machine,
          softwareDifferences: software,
        }
      : null,
    variants: input.variants ? { ...input.variants, differences: diffFingerprints(input.variants.A.fingerprint, input.variants.B.fingerprint) } : null,
    cells,
    derived: deriveFigures(medians, metrics),
    runs: [...input.runs],
    summary: {
      overall,
      counts,
      judged,
      notes: history
        ? historyNotes(cells, history, exitCode)
        : comparisonNotes({ cells, machine, software, judged, exitCode, stored: input.mode === 'stored' && baseline !== undefined }),
      flagged: input.decision.cells.filter((c) => c.flagged).map((c) => c.key),
      confirmationApplied: input.decision.confirmationApplied,
      exitCode,
    },
  };
}

/** What every report says about how the run was compared. */
function comparisonNotes(r: {
  cells: readonly ResultCell[];
  machine: FingerprintDifference[];
  software: FingerprintDifference[];
  judged: number;
  exitCode: number;
  stored: boolean;
}): string[] {
  const notes: string[] = [];
  const canaryJudged = r.cells.some((c) => c.stats?.basis === 'canary-ratio');
  if (canaryJudged)
    notes.push('paths judged by their per-round ratio to the loopback canary measured beside them (the absolute figures are shown for reference)');
  if (r.stored && r.software.length > 0)
    notes.push(`software or configuration differs from the baseline (${describeDifferences(r.software)}): not comparable, re-baseline`);
  if (r.stored && r.machine.length > 0) {
    notes.push(
      `the machine differs from the baseline's (${describeDifferences(r.machine)}): compared through the canary ratios only; the canary's own cells are not judged`,
    );
  }
  if (r.exitCode === EXIT_UNJUDGED) notes.push(`only ${r.judged} of ${r.cells.length} cells could be judged: exit ${EXIT_UNJUDGED}, not a pass`);
  return notes;
}

/** Cells compared with their own series' latest nights (history mode): the ones a night is judged on. */
function seriesCells(cells: readonly ResultCell[], history: HistoryJudgement): ResultCell[] {
  const kinds = new Map(history.references.map((r) => [r.key, r.kind]));
  return cells.filter((c) => kinds.get(c.key) === 'series');
}

/**
 * History mode's exit code: 1 with a FAIL (tonight's or the series'); 3 on a runner whose machine
 * changes every night, or when at most half of the cells that have a series of their own could
 * be judged; 0 otherwise — also for the first night of a machine or of the history, whose
 * comparisons are for the record.
 */
function historyExitCode(cells: readonly ResultCell[], history: HistoryJudgement): typeof EXIT_OK | typeof EXIT_REGRESSION | typeof EXIT_UNJUDGED {
  if (cells.some((c) => c.verdict === 'FAIL')) return EXIT_REGRESSION;
  if (history.unjudgeableRunner) return EXIT_UNJUDGED;
  const own = seriesCells(cells, history);
  const judged = own.filter((c) => c.verdict !== 'INCONCLUSIVE').length;
  return own.length > 0 && judged * 2 <= own.length ? EXIT_UNJUDGED : EXIT_OK;
}

function historyNotes(cells: readonly ResultCell[], history: HistoryJudgement, exitCode: number): string[] {
  const notes: string[] = [];
  if (cells.some((c) => c.stats?.basis === 'canary-ratio'))
    notes.push('paths judged by their per-round ratio to the loopback canary measured beside them (the absolute figures are shown for reference)');
  notes.push(...history.notes);
  const own = seriesCells(cells, history);
  const judged = own.filter((c) => c.verdict !== 'INCONCLUSIVE').length;
  if (exitCode === EXIT_UNJUDGED && !history.unjudgeableRunner)
    notes.push(`only ${judged} of ${own.length} cells with a series of their own could be judged: exit ${EXIT_UNJUDGED}, not a pass`);
  return notes;
}

/**
 * `pnpm bench`'s exit code: 0 without FAIL, 1 with FAIL, 2 when there are no results (the bench
 * could not run), 3 when at most half of the cells could be judged and none FAILed.
 */
export function benchExitCode(results: ResultsDocument | null): number {
  return results === null ? EXIT_NOT_RUN : results.summary.exitCode;
}
