/**
 * One bench run from schedule to results: the randomised rounds (warm-up discarded), each path
 * run beside a loopback canary run in stored mode, executed in blocks where runs need different
 * testbed configurations, every run recorded; the decision core's first pass; a confirmation re-run of the flagged cells; the
 * final verdicts and the results document. The lab is behind the BenchExecutor seam, so the
 * whole flow runs against a fake in the unit tests.
 */

import type { NightRecord, Revision } from './history/night.ts';
import {
  decideAgainstReferences,
  judgeAcrossNights,
  type NightsContext,
  type NightsOutcome,
  planReferences,
  type ReferencePlan,
} from './judge/across-nights.ts';
import type { SuiteParameters } from './judge/baseline.ts';
import { BASELINE_KIND, BASELINE_SCHEMA_VERSION, type BaselineDocument } from './judge/baseline.ts';
import { comparisonCells } from './judge/cells.ts';
import { type NightFacts, nightFromRecords } from './judge/night-record.ts';
import { type CellSamples, DEFAULT_DECISION_SETTINGS, type Decision, decide } from './judge/verdict.ts';
import type { BenchExecutor } from './measure/executor.ts';
import type { RunValues } from './measure/extract.ts';
import { diffFingerprints, type Fingerprint, type FingerprintDifference, MACHINE_FIELDS } from './measure/fingerprint.ts';
import type { RunRecord } from './measure/run-record.ts';
import { blockOrder, type Requirement } from './plan/block-order.ts';
import { type Arm, buildSchedule, confirmationCells, type ScheduledRun, suiteCells } from './plan/schedule.ts';
import { CANARY_PATH } from './plan/suite.ts';
import { buildResults, type ResultsDocument } from './report/results.ts';

/** What the runner reports as it goes. */
export interface RunnerObserver {
  /** A run finished; `index`/`total` count within its phase. */
  onRun?(record: RunRecord, index: number, total: number): void;
  /** A phase starts: the main schedule or the confirmation re-run. */
  onPhase?(phase: 'measure' | 'confirm', runs: number, detail: string): void;
}

/** What a run measures, as its results record it. */
type MeasuredSuite = Pick<SuiteParameters, 'paths' | 'probes' | 'runs' | 'warmups' | 'seed' | 'probeSettings'>;

/** The run to make. */
export interface BenchPlan extends MeasuredSuite {
  testbed: string;
  /**
   * Stored mode: the baseline to compare with. History mode: the nights to judge tonight with
   * (the committed baseline among them) and tonight's facts as a night. A/B mode: the two
   * variants' labels.
   */
  comparison:
    | { mode: 'stored'; source: string; baseline: BaselineDocument }
    | { mode: 'history'; context: NightsContext; night: TonightFacts }
    | { mode: 'ab'; labels: { A: string; B: string } }
    | { mode: 'none' };
  /** The configuration a path × arm needs (e.g. its flannel backend); null: none. */
  requirementOf(path: string, arm: Arm | null): Requirement;
  /** The configuration the lab is in before the first run. */
  initialRequirement: Requirement;
  /** Fingerprint fields a stored-mode comparison leaves out (e.g. the overlay's when it is not measured). */
  ignoreFields?: (baseline: Fingerprint, current: Fingerprint) => string[];
}

/** What tonight's night records besides its runs and fingerprint (known before the run). */
export interface TonightFacts {
  id: string;
  revision: Revision;
  packages: Record<string, string> | null;
}

/** Seed of the confirmation re-run's order, derived so a replayed run replays its re-run too. */
export function confirmationSeed(seed: number): number {
  return (seed ^ 0x5bd1e995) >>> 0;
}

/** Runs the whole bench on the executor and returns the results document. */
export async function runBench(plan: BenchPlan, executor: BenchExecutor, observer: RunnerObserver = {}): Promise<ResultsDocument> {
  const startedAt = new Date().toISOString();
  const mode = plan.comparison.mode === 'ab' ? 'ab' : 'stored';
  const arms: Arm[] = mode === 'ab' ? ['A', 'B'] : [];
  // A canary run goes wherever the path it is paired with goes, so the pair stays side by side.
  const requirement = (run: ScheduledRun) => plan.requirementOf(run.canaryOf ?? run.path, run.arm);
  // The canary is measured beside every path cell in stored mode; an A/B run compares its arms within the run already.
  const canary = mode === 'stored' ? CANARY_PATH : undefined;
  const schedule = blockOrder(
    buildSchedule({ cells: suiteCells(plan.paths, plan.probes, arms), runs: plan.runs, warmups: plan.warmups, seed: plan.seed, ...(canary ? { canary } : {}) }),
    requirement,
    plan.initialRequirement,
  );
  const paired = canary && plan.paths.some((p) => p !== canary) ? `, each beside a ${canary} canary run` : '';
  observer.onPhase?.(
    'measure',
    schedule.length,
    `${plan.paths.length} paths × ${plan.probes.length} probes${arms.length ? ' × 2 arms' : ''} × (${plan.runs} rounds + ${plan.warmups} warm-up)${paired}, seed ${plan.seed}`,
  );
  const records = await execute(schedule, executor, requirement, false, observer);

  const fingerprint = await executor.fingerprint(mode === 'ab' ? 'B' : null);
  const variants =
    plan.comparison.mode === 'ab'
      ? { A: { label: plan.comparison.labels.A, fingerprint: await executor.fingerprint('A') }, B: { label: plan.comparison.labels.B, fingerprint } }
      : undefined;
  const { paths, probes, runs, warmups, seed, probeSettings } = plan;
  const suite: SuiteParameters = {
    paths,
    probes,
    runs,
    warmups,
    seed,
    probeSettings,
    tolerances: {},
    decision: DEFAULT_DECISION_SETTINGS,
  };
  const stored = plan.comparison.mode === 'stored' ? plan.comparison : null;
  const history = plan.comparison.mode === 'history' ? plan.comparison : null;
  // History mode: each cell's reference is the latest nights of its own series (pooled rounds).
  const tonight = history ? nightFromRecords(records, nightFacts(plan, history.night, fingerprint, suite, startedAt)) : null;
  const references: ReferencePlan | null = history && tonight ? planReferences(history.context, tonight, suite, CANARY_PATH) : null;
  const baseline = stored ? comparableBaseline(stored.baseline, plan, fingerprint) : (references?.baseline ?? undefined);
  const differences: FingerprintDifference[] = stored && baseline ? diffFingerprints(baseline.fingerprint, fingerprint) : [];
  const reference = baseline ?? (mode === 'stored' ? emptyBaseline(plan.testbed, fingerprint, suite) : undefined);
  const cells = comparisonCells(mode, records, reference ? { baseline: reference } : {});
  const input = { mode, cells, fingerprintDifferences: differences, ...(canary ? { canary } : {}) } as const;
  // The machine fields that differ from the previous machine's nights (history mode, a new machine).
  const machineDifferences = references?.previous
    ? diffFingerprints(references.previous.fingerprint, fingerprint).filter((d) => MACHINE_FIELDS.includes(d.field))
    : [];
  const decideNow = (confirmations?: readonly CellSamples[]): Decision =>
    references
      ? decideAgainstReferences(references, cells, { machineDifferences, ...(canary ? { canary } : {}) }, confirmations)
      : decide(input, confirmations);
  let decision: Decision = decideNow();
  let confirmations: CellSamples[] = [];
  const rerun: RunRecord[] = [];
  if (decision.needsConfirmation.length > 0) {
    const cellsToRerun = confirmationCells(decision.needsConfirmation, mode);
    const inPlace =
      [...schedule]
        .reverse()
        .map(requirement)
        .find((r) => r !== null) ?? plan.initialRequirement;
    const again = blockOrder(
      buildSchedule({ cells: cellsToRerun, runs: plan.runs, warmups: plan.warmups, seed: confirmationSeed(plan.seed), ...(canary ? { canary } : {}) }),
      requirement,
      inPlace,
    );
    observer.onPhase?.('confirm', again.length, `re-running ${decision.needsConfirmation.join(', ')}`);
    const offset = records.length;
    rerun.push(...(await execute(again, executor, requirement, true, observer)).map((r) => ({ ...r, order: r.order + offset })));
    confirmations = comparisonCells(mode, rerun, reference ? { baseline: reference, confirmation: true } : { confirmation: true });
    decision = decideNow(confirmations);
  }
  const nights: NightsOutcome | null = history && tonight && references ? judgeAcrossNights(history.context, tonight, references, CANARY_PATH) : null;

  const results = buildResults({
    testbed: plan.testbed,
    mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    suite,
    fingerprint,
    cells,
    confirmations,
    decision,
    runs: [...records, ...rerun],
    ...(stored && baseline ? { baseline: { source: stored.source, document: baseline } } : {}),
    ...(history && baseline ? { baseline: { source: `history ${history.context.source}`, document: baseline } } : {}),
    ...(nights && references ? { history: { outcome: nights, references: references.cells } } : {}),
    ...(variants ? { variants } : {}),
  });
  if (plan.comparison.mode !== 'none') return results;
  // Nothing to judge: every cell and the run's notes say why (the figures are all there).
  return { ...results, cells: results.cells.map((c) => ({ ...c, reason: NO_BASELINE })), summary: { ...results.summary, notes: [NO_BASELINE] } };
}

/** Tonight's night facts from the plan, the run's fingerprint and start. */
function nightFacts(plan: BenchPlan, night: TonightFacts, fingerprint: NightFacts['fingerprint'], suite: SuiteParameters, startedAt: string): NightFacts {
  return {
    id: night.id,
    testbed: plan.testbed,
    startedAt,
    finishedAt: new Date().toISOString(),
    revision: night.revision,
    fingerprint,
    packages: night.packages,
    suite,
  };
}

/** Tonight's night as the history keeps it: its measured rounds, its facts, and the verdicts it was given. */
export function nightOfResults(results: ResultsDocument, night: TonightFacts): NightRecord {
  const bare = nightFromRecords(results.runs, {
    id: night.id,
    testbed: results.testbed,
    startedAt: results.startedAt,
    finishedAt: results.finishedAt,
    revision: night.revision,
    fingerprint: results.fingerprint,
    packages: night.packages,
    suite: results.suite,
  });
  const verdicts = new Map(results.cells.map((c) => [c.key, c.verdict]));
  return {
    ...bare,
    cells: bare.cells.map((c) => ({ ...c, verdict: verdicts.get(`${c.path}/${c.metric}`) ?? null })),
    outcome: { verdict: results.summary.overall, exitCode: results.summary.exitCode },
  };
}

/** Reason of every cell of a run that had no baseline to compare with. */
export const NO_BASELINE = 'no baseline to compare with (pnpm bench --update-baseline records one)';

/**
 * The stored baseline restricted to what this run measured: its paths and probes, and the
 * fingerprint fields the run can speak for (`plan.ignoreFields` names the others, e.g. the
 * overlay's when no overlay is measured). A narrower run (e.g. `--paths overlay`) is then
 * compared on what it measured instead of being INCONCLUSIVE elsewhere.
 */
export function comparableBaseline(
  baseline: BaselineDocument,
  plan: Pick<BenchPlan, 'paths' | 'probes' | 'ignoreFields'>,
  current: Fingerprint,
): BaselineDocument {
  const samples = baseline.samples.filter(
    (s) => (plan.paths.includes(s.path) || s.path === CANARY_PATH) && plan.probes.some((p) => s.metric.startsWith(`${p}.`)),
  );
  const ignored = new Set(plan.ignoreFields?.(baseline.fingerprint, current) ?? []);
  const fingerprint = Object.fromEntries(Object.entries(baseline.fingerprint).filter(([field]) => !ignored.has(field)));
  return { ...baseline, samples, fingerprint };
}

/** A baseline without runs: with nothing to compare, every cell is INCONCLUSIVE (its figures are still reported). */
function emptyBaseline(testbed: string, fingerprint: Fingerprint, suite: SuiteParameters): BaselineDocument {
  return { kind: BASELINE_KIND, schemaVersion: BASELINE_SCHEMA_VERSION, testbed, createdAt: new Date().toISOString(), suite, fingerprint, samples: [] };
}

async function execute(
  schedule: readonly ScheduledRun[],
  executor: BenchExecutor,
  requirement: (run: ScheduledRun) => Requirement,
  confirmation: boolean,
  observer: RunnerObserver,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const [index, slot] of schedule.entries()) {
    const needed = requirement(slot);
    if (needed !== null) await executor.prepare(needed);
    const startedAt = new Date();
    const started = performance.now();
    let values: RunValues = {};
    let error: string | null = null;
    try {
      values = await executor.run({ path: slot.path, probe: slot.probe, arm: slot.arm });
    } catch (err) {
      error = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    }
    const record: RunRecord = {
      order: slot.order,
      round: slot.round,
      path: slot.path,
      probe: slot.probe,
      arm: slot.arm,
      canaryOf: slot.canaryOf,
      warmup: slot.warmup,
      confirmation,
      startedAt: startedAt.toISOString(),
      durationMs: performance.now() - started,
      values,
      error,
    };
    records.push(record);
    observer.onRun?.(record, index + 1, schedule.length);
  }
  return records;
}
