/**
 * Baseline documents (`bench/baselines/<testbed>.json`): the per-run values of an accepted run,
 * its environment fingerprint and suite parameters, and the accepted nightly medians the
 * history guard reads. Pure builders plus one thin loader.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import type { Fingerprint } from './fingerprint.ts';
import type { MetricId } from './metrics.ts';
import type { ResultsDocument, SuiteParameters } from './results.ts';
import { parseDocument } from './schema.ts';
import type { HistoryNight } from './verdict.ts';

/** `kind` of a baseline document. */
export const BASELINE_KIND = 'labbench.bench.baseline';
/** Version of the baseline document shape. */
export const BASELINE_SCHEMA_VERSION = 1;
/** Accepted nights kept for the history guard. */
export const HISTORY_NIGHTS_KEPT = 14;

/** A stored baseline. */
export interface BaselineDocument {
  kind: typeof BASELINE_KIND;
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  testbed: string;
  createdAt: string;
  suite: SuiteParameters;
  fingerprint: Fingerprint;
  samples: { path: string; metric: MetricId; values: number[] }[];
  /** Accepted nights' medians, oldest first, at most HISTORY_NIGHTS_KEPT. */
  history: HistoryNight[];
}

/** Where a testbed's baseline lives, relative to the repository root. */
export function baselinePath(testbed: string): string {
  return `bench/baselines/${testbed}.json`;
}

const REBASELINE_HINT = 'record a new baseline with `pnpm bench --update-baseline` (or restore the file from git)';

/** Parses and validates a baseline's text; ConfigError (with hint) when it is unusable. */
export function parseBaseline(text: string, source: string): BaselineDocument {
  return parseDocument<BaselineDocument>('baseline', text, source, REBASELINE_HINT);
}

/** Reads and validates a baseline file; a missing file is a ConfigError that says how to create one. */
export async function loadBaseline(path: string): Promise<BaselineDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`no baseline at ${path}`, { hint: 'record one with `pnpm bench --update-baseline`, or run an A/B comparison', cause: err });
    }
    throw new ConfigError(`cannot read baseline ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseBaseline(text, path);
}

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
