/**
 * Baseline documents (`bench/baselines/<testbed>.json`): the per-run values of an accepted run,
 * each paired with the canary value measured beside it, its environment fingerprint and suite
 * parameters. Pure parsing plus one thin loader.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.ts';
import { NIGHT_KIND, NIGHT_SCHEMA_VERSION, type NightRecord, timeStamp } from '../history/night.ts';
import type { Fingerprint } from '../measure/fingerprint.ts';
import type { MetricId, ProbeKind, ToleranceOverrides } from '../plan/metrics.ts';
import type { ProbeSettings } from '../plan/suite.ts';
import { parseDocument } from '../shared/schema.ts';
import type { DecisionSettings } from './verdict.ts';

/** `kind` of a baseline document. */
export const BASELINE_KIND = 'labbench.bench.baseline';
/** Version of the baseline document shape (2: runs paired with their canary; 1 had no canary and cannot be judged by this gate). */
export const BASELINE_SCHEMA_VERSION = 2;

/** What was measured and how it was judged. */
export interface SuiteParameters {
  paths: string[];
  probes: ProbeKind[];
  runs: number;
  warmups: number;
  seed: number;
  probeSettings: ProbeSettings;
  /** Tolerance overrides in effect (empty: the defaults of metrics.ts). */
  tolerances: ToleranceOverrides;
  decision: DecisionSettings;
}

/** A stored baseline. */
export interface BaselineDocument {
  kind: typeof BASELINE_KIND;
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  testbed: string;
  createdAt: string;
  suite: SuiteParameters;
  fingerprint: Fingerprint;
  /** Per cell the runs' values, and the canary's value measured beside each run (null: none) when the path had one. */
  samples: { path: string; metric: MetricId; values: number[]; canary?: (number | null)[] }[];
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

/** The committed baseline as a night: its runs are the rounds of the first night of its machine's series. */
export function baselineAsNight(baseline: BaselineDocument): NightRecord {
  const { paths, probes, runs, warmups, seed } = baseline.suite;
  return {
    kind: NIGHT_KIND,
    schemaVersion: NIGHT_SCHEMA_VERSION,
    id: `baseline-${timeStamp(baseline.createdAt)}`,
    origin: 'baseline',
    testbed: baseline.testbed,
    startedAt: baseline.createdAt,
    finishedAt: baseline.createdAt,
    labbench: { commit: null, dirty: null },
    fingerprint: { ...baseline.fingerprint },
    packages: null,
    suite: { paths: [...paths], probes: [...probes], runs, warmups, seed },
    cells: baseline.samples.map((s) => ({ path: s.path, metric: s.metric, values: [...s.values], canary: s.canary ? [...s.canary] : null, verdict: null })),
    outcome: null,
  };
}
