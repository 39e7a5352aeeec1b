/** A baseline document from a run's results (`--update-baseline`). Pure. */
import { BASELINE_KIND, BASELINE_SCHEMA_VERSION, type BaselineDocument } from '../judge/baseline.ts';
import type { ResultsDocument } from './results.ts';

/**
 * A new baseline from a run's results: tonight's runs (A/B: arm B's), with the canary value
 * measured beside each run where there was one, the fingerprint and the suite.
 */
export function baselineFromResults(results: ResultsDocument): BaselineDocument {
  const samples = results.cells
    .filter((c) => c.current.samples.length > 0)
    .map((c) => ({ path: c.path, metric: c.metric, values: [...c.current.samples], ...(c.current.canary ? { canary: [...c.current.canary] } : {}) }));
  return {
    kind: BASELINE_KIND,
    schemaVersion: BASELINE_SCHEMA_VERSION,
    testbed: results.testbed,
    createdAt: results.finishedAt,
    suite: results.suite,
    fingerprint: results.fingerprint,
    samples,
  };
}
