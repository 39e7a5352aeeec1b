/** Tonight as a night of the history, from the runner's records (first pass only). Pure. */
import { NIGHT_KIND, NIGHT_SCHEMA_VERSION, type NightCell, type NightRecord, type Revision } from '../history/night.ts';
import type { Fingerprint } from '../measure/fingerprint.ts';
import type { RunRecord } from '../measure/run-record.ts';
import { splitKey } from '../plan/metrics.ts';
import type { SuiteParameters } from './baseline.ts';
import { samplesByCell } from './cells.ts';

/** What a night records besides its runs. */
export interface NightFacts {
  id: string;
  testbed: string;
  startedAt: string;
  finishedAt: string;
  revision: Revision;
  fingerprint: Fingerprint;
  packages: Record<string, string> | null;
  suite: Pick<SuiteParameters, 'paths' | 'probes' | 'runs' | 'warmups' | 'seed'>;
}

/** Tonight's night: per cell the measured rounds (warm-ups and re-runs left out) and the canary beside each; no verdicts yet. */
export function nightFromRecords(records: readonly RunRecord[], facts: NightFacts): NightRecord {
  const cells: NightCell[] = [...samplesByCell(records, { arm: null, confirmation: false })].map(([key, runs]) => {
    const [path, metric] = splitKey(key);
    return { path, metric, values: runs.values, canary: runs.canary, verdict: null };
  });
  const { paths, probes, runs, warmups, seed } = facts.suite;
  return {
    kind: NIGHT_KIND,
    schemaVersion: NIGHT_SCHEMA_VERSION,
    id: facts.id,
    origin: 'bench',
    testbed: facts.testbed,
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    labbench: facts.revision,
    fingerprint: facts.fingerprint,
    packages: facts.packages,
    suite: { paths: [...paths], probes: [...probes], runs, warmups, seed },
    cells,
    outcome: null,
  };
}
