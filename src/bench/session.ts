/**
 * A whole `pnpm bench` session on the local lab: bring the lab up (or reuse it), configure the
 * overlay, set up the paths, run the bench, write the reports and the baseline, and remove
 * what the session created. Every failure before results exist is a BenchNotRunError (exit 2).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, LabbenchError } from '../errors.ts';
import type { Inventory } from '../inventory.ts';
import { type Lab, openLab } from '../lab.ts';
import { createProgress, type Progress } from '../progress.ts';
import { createProvider } from '../providers/registry.ts';
import type { RunObserver } from '../scenario/runner.ts';
import { documentSpec } from '../testbed/testbed.ts';
import { type NightRecord, nightId } from './history/night.ts';
import { appendNight, type History, readHistory } from './history/store.ts';
import type { NightsContext } from './judge/across-nights.ts';
import { type BaselineDocument, baselineAsNight, loadBaseline } from './judge/baseline.ts';
import { analyseHistory } from './judge/history-analysis.ts';
import { fieldsNotMeasured } from './measure/env-fingerprint.ts';
import { LabExecutor } from './measure/lab-executor.ts';
import { overlayState } from './measure/overlay.ts';
import type { BenchHosts } from './measure/paths.ts';
import { collectPackages, labbenchRevision } from './measure/provenance.ts';
import { backendsNeeded, CANARY_PATH, overlayNeeds, type ProbeSettings, type SuitePlan } from './plan/suite.ts';
import { baselineFromResults } from './report/baseline-record.ts';
import { EXIT_NOT_RUN, type ResultsDocument } from './report/results.ts';
import { type WrittenReports, writeHistoryPage, writeReports } from './report/write.ts';
import { type BenchPlan, nightOfResults, type RunnerObserver, runBench, type TonightFacts } from './runner.ts';

/** The bench could not run: no results, exit 2; the cause says why. */
export class BenchNotRunError extends LabbenchError {
  override readonly exitCode = EXIT_NOT_RUN;
}

/** Everything a session needs, already validated. */
export interface SessionOptions {
  suite: SuitePlan;
  probeSettings: ProbeSettings;
  runs: number;
  warmups: number;
  seed: number;
  testbed: string;
  lab: { name: string; subnet?: string };
  /** Baseline file to compare with (stored mode) and/or to write; in history mode the first night of its machine's series (null: none). */
  baselineFile: string | null;
  /** The baseline file was named on the command line: it must exist, also in history mode. */
  baselineNamed?: boolean;
  /** The history of nights to judge tonight with and to append it to (null: the single-night gate against the baseline only). */
  history: string | null;
  updateBaseline: boolean;
  reportDir: string | null;
  /** Leave the lab and the bench's containers up afterwards. */
  keep: boolean;
}

/** Where a session reports progress. */
export interface SessionObserver extends RunnerObserver {
  /** A line about setup or teardown. */
  onNote?(text: string): void;
  progress?: Progress;
  scenario?: RunObserver;
}

/** Wall-clock seconds of each phase (printed to show the suite's length). */
export interface SessionTimings {
  labUpS: number;
  setupS: number;
  measureS: number;
  teardownS: number;
  /** Setup + measurement (confirmation included) + teardown: the bench itself, without bringing up the lab. */
  suiteS: number;
}

/** What a finished session produced. */
export interface SessionOutcome {
  results: ResultsDocument;
  exitCode: number;
  timings: SessionTimings;
  reports: WrittenReports | null;
  baselineWritten: string | null;
  /** Why the stored comparison has no baseline (first run), or null. */
  baselineNote: string | null;
  /** The history file tonight was appended as, or null. */
  nightWritten: string | null;
}

/** labbench's own checkout: its commit is recorded with every night. */
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a session; throws BenchNotRunError when no results could be produced. */
export async function runSession(options: SessionOptions, observer: SessionObserver = {}): Promise<SessionOutcome> {
  const note = (text: string) => observer.onNote?.(text);
  const comparison = await loadComparison(options, note);
  const provider = await createProvider('local');
  const name = options.lab.name;
  const progress = observer.progress ?? createProgress();

  const t0 = performance.now();
  let lab: Lab | null = null;
  let executor: LabExecutor | null = null;
  let wasUp = false;
  let upAttempted = false;
  let tLab = t0;
  let tSetup = t0;
  let tMeasure = t0;
  let results: ResultsDocument;
  let tonight: TonightFacts | null = null;
  try {
    try {
      const existing = await provider.inventory(name);
      wasUp = existing !== undefined;
      const spec = documentSpec({ name, ...labSubnet(options.lab, existing) });
      await provider.preflight(spec);
      upAttempted = true;
      const inventory = await provider.up(spec, progress);
      lab = await openLab(inventory);
      tLab = performance.now();
      const hosts = benchHosts(lab);
      executor = new LabExecutor(lab, hosts, options.suite, options.probeSettings, {
        onSetup: note,
        ...(observer.scenario ? { scenario: observer.scenario } : {}),
      });
      const needed = backendsNeeded(options.suite);
      const state = needed.length > 0 ? await overlayState(hosts) : null;
      const first = state?.ready && state.backend && needed.includes(state.backend) ? state.backend : (needed[0] ?? null);
      await executor.setUp(first);
      if (comparison.history)
        tonight = { id: nightId(new Date().toISOString()), revision: await labbenchRevision(REPOSITORY), packages: await collectPackages([hosts.a, hosts.b]) };
      tSetup = performance.now();
    } catch (err) {
      throw new BenchNotRunError('the bench could not run', { cause: err });
    }
    const plan = benchPlan(
      options,
      comparison.document,
      executor.currentBackend,
      comparison.history && tonight ? { context: comparison.history, night: tonight } : null,
    );
    try {
      results = await runBench(plan, executor, observer);
    } catch (err) {
      throw new BenchNotRunError('the bench stopped before it had results', { cause: err });
    }
    tMeasure = performance.now();
  } finally {
    if (!options.keep) {
      await executor?.tearDown().catch(() => undefined);
    }
    await lab?.close();
    // A lab this run created (or half-created) goes again, unless --keep.
    if (!options.keep && !wasUp && upAttempted) {
      note(`taking down lab "${name}" (it was created for this run; --keep leaves it up)`);
      // Never let a failed teardown hide the run's own outcome or error: say so instead.
      await provider
        .down(name, progress)
        .catch((err: unknown) => note(`could not take down lab "${name}": ${firstLine(err)} (run \`pnpm lab down --name ${name}\`)`));
    }
  }
  const tEnd = performance.now();

  const failed = results.runs.filter((r) => r.error !== null);
  if (results.runs.length > 0 && failed.length === results.runs.length) {
    throw new BenchNotRunError(`every probe run failed (first: ${failed[0]?.error ?? 'unknown'})`, {
      hint: 'check the lab with `pnpm lab status` and the paths with `pnpm bench --keep`',
    });
  }

  const reports = options.reportDir ? await writeReports(options.reportDir, results) : null;
  let nightWritten: string | null = null;
  if (options.history && tonight && !options.suite.variants) {
    nightWritten = appendNight(options.history, nightOfResults(results, tonight));
    note(`tonight appended to the history of nights: ${nightWritten}`);
    if (options.reportDir) {
      const history = readHistory(options.history, options.testbed);
      const nights = withBaselineNight(history.nights, comparison.document);
      const page = await writeHistoryPage(
        options.reportDir,
        analyseHistory({ testbed: options.testbed, source: options.history, nights, marks: history.marks, canary: CANARY_PATH }),
      );
      note(`the history page: ${page}`);
    }
  }
  let baselineWritten: string | null = null;
  if (options.updateBaseline && options.baselineFile !== null) {
    await mkdir(dirname(options.baselineFile), { recursive: true });
    await writeFile(options.baselineFile, `${JSON.stringify(baselineFromResults(results), null, 2)}\n`);
    baselineWritten = options.baselineFile;
  }
  const s = (a: number, b: number) => (b - a) / 1000;
  return {
    results,
    // Recording a baseline accepts tonight's numbers: it does not gate.
    exitCode: options.updateBaseline ? 0 : results.summary.exitCode,
    timings: { labUpS: s(t0, tLab), setupS: s(tLab, tSetup), measureS: s(tSetup, tMeasure), teardownS: s(tMeasure, tEnd), suiteS: s(tLab, tEnd) },
    reports,
    baselineWritten,
    baselineNote: comparison.note,
    nightWritten,
  };
}

/**
 * The subnet to ask for: the one given, else the one of the lab of that name that exists (a lab
 * that is up is reused whatever its subnet), else the document's default.
 */
export function labSubnet(lab: SessionOptions['lab'], existing: Pick<Inventory, 'subnet'> | undefined): { subnet?: string } {
  if (lab.subnet !== undefined) return { subnet: lab.subnet };
  return existing ? { subnet: existing.subnet } : {};
}

/** Host A and host B of the lab: the etcd host first, as the course document orders them. */
export function benchHosts(lab: Lab): BenchHosts {
  const [a, b] = [...lab.hosts].sort((x, y) => Number(y.info.roles.includes('etcd')) - Number(x.info.roles.includes('etcd')));
  if (!a || !b) throw new LabbenchError(`lab "${lab.inventory.lab}" has ${lab.hosts.length} host(s); the bench needs two`);
  return { a, b };
}

interface Comparison {
  document: BaselineDocument | null;
  note: string | null;
  /** History mode: the nights before tonight (the committed baseline's among them). */
  history: NightsContext | null;
}

async function loadComparison(options: SessionOptions, note: (text: string) => void): Promise<Comparison> {
  if (options.suite.variants) return { document: null, note: null, history: null };
  if (options.history) return loadHistory(options.history, options, note);
  if (options.baselineFile === null) throw new BenchNotRunError('the bench could not run: no baseline and no history to compare with');
  try {
    return { document: await loadBaseline(options.baselineFile), note: null, history: null };
  } catch (err) {
    if (!options.updateBaseline) throw new BenchNotRunError('the bench could not run', { cause: err });
    const why = `no usable baseline at ${options.baselineFile} (${firstLine(err)}): this run records the first one`;
    note(why);
    return { document: null, note: why, history: null };
  }
}

/**
 * The history of nights, with the committed baseline as the first night of its machine's series
 * (unless the history has it already: the night that recorded it). A missing baseline file is
 * fine here: the history alone is enough, and its first night has nothing to compare with.
 */
async function loadHistory(dir: string, options: SessionOptions, note: (text: string) => void): Promise<Comparison> {
  let history: History;
  try {
    history = readHistory(dir, options.testbed);
  } catch (err) {
    throw new BenchNotRunError('the bench could not run: its history of nights cannot be read', { cause: err });
  }
  let baseline: BaselineDocument | null = null;
  if (options.baselineFile !== null) {
    try {
      baseline = await loadBaseline(options.baselineFile);
    } catch (err) {
      // A baseline file named on the command line must be there (unless this run writes it); the testbed's default may not be (yet).
      const missing = err instanceof ConfigError && err.message.startsWith('no baseline at');
      if (!missing || (options.baselineNamed && !options.updateBaseline)) throw new BenchNotRunError('the bench could not run', { cause: err });
      note(`no baseline at ${options.baselineFile}: the history of nights (${history.nights.length}) is all tonight is compared with`);
    }
  }
  return { document: baseline, note: null, history: { source: dir, nights: withBaselineNight(history.nights, baseline), marks: history.marks } };
}

/** The nights with the committed baseline's night among them, in time order, unless one of them recorded it. */
export function withBaselineNight(nights: readonly NightRecord[], baseline: BaselineDocument | null): NightRecord[] {
  if (!baseline) return [...nights];
  const night = baselineAsNight(baseline);
  const recorded = nights.some((n) => n.id === night.id || (n.startedAt <= baseline.createdAt && baseline.createdAt <= n.finishedAt));
  return recorded ? [...nights] : [night, ...nights].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

function benchPlan(
  options: SessionOptions,
  baseline: BaselineDocument | null,
  initialBackend: string | null,
  history: { context: NightsContext; night: TonightFacts } | null,
): BenchPlan {
  const { suite } = options;
  const comparison: BenchPlan['comparison'] = suite.variants
    ? { mode: 'ab', labels: { A: suite.variants.A.label, B: suite.variants.B.label } }
    : history
      ? { mode: 'history', ...history }
      : baseline
        ? { mode: 'stored', source: options.baselineFile ?? '(none)', baseline }
        : { mode: 'none' };
  return {
    testbed: options.testbed,
    paths: suite.paths,
    probes: suite.probes,
    runs: options.runs,
    warmups: options.warmups,
    seed: options.seed,
    probeSettings: options.probeSettings,
    comparison,
    requirementOf: (path, arm) => overlayNeeds(suite, path, arm)?.backend ?? null,
    initialRequirement: initialBackend,
    ignoreFields: fieldsNotMeasured,
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
