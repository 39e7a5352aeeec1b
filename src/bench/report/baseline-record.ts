/**
 * A baseline document from a run's results (`--update-baseline`), and the accepted nights'
 * medians its history keeps. Pure.
 */
import { BASELINE_KIND, BASELINE_SCHEMA_VERSION, HISTORY_NIGHTS_KEPT, type BaselineDocument } from '../judge/baseline.ts';
import type { HistoryNight } from '../judge/verdict.ts';
import type { ResultsDocument } from './results.ts';

/**
 * A new baseline from a run's results: tonight's runs (A/B: arm B's), fingerprint and suite,
 * with that night as the first history entry. `history` carries over earlier accepted nights.
 */
export function baselineFromResults(results: ResultsDocument, history: readonly HistoryNight[] = []): BaselineDocument {
  const samples = results.cells
    .filter((c) => c.current.samples.length > 0)
    .map((c) => ({ path: c.path, metric: c.metric, values: [...c.current.samples] }));
  return {
    kind: BASELINE_KIND,
    schemaVersion: BASELINE_SCHEMA_VERSION,
    testbed: results.testbed,
    createdAt: results.finishedAt,
    suite: results.suite,
    fingerprint: results.fingerprint,
    samples,
    history: appendNight(history, nightOf(results)),
  };
}

/** The baseline with an accepted night's medians appended to its history (keeping the newest `keep`). */
export function recordNight(baseline: BaselineDocument, results: ResultsDocument, keep = HISTORY_NIGHTS_KEPT): BaselineDocument {
  return { ...baseline, history: appendNight(baseline.history, nightOf(results), keep) };
}

function nightOf(results: ResultsDocument): HistoryNight {
  const medians: Record<string, number> = {};
  for (const c of results.cells) if (c.current.summary) medians[c.key] = c.current.summary.median;
  return { recordedAt: results.finishedAt, medians };
}

function appendNight(history: readonly HistoryNight[], night: HistoryNight, keep = HISTORY_NIGHTS_KEPT): HistoryNight[] {
  return [...history, night].slice(-keep);
}
