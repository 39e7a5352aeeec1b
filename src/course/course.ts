/**
 * What the course commands do on an open lab: start an exercise at a step (the steps before it
 * solved by the reference commands), check a step read-only, give its hint, solve it for a
 * stuck student, and reset the exercise. Progress is kept with the lab (progress.ts); every
 * change to the lab holds the solving lock, so a check never grades a half-done step.
 */
import { LabbenchError } from '../errors.ts';
import { Host } from '../host.ts';
import type { Lab } from '../lab.ts';
import type { ScenarioParams, StepHosts } from '../scenario/define.ts';
import { rememberWholeEngine, restoreEngine } from '../scenario/lib/docker-engine.ts';
import type { CheckRecord } from '../scenario/records.ts';
import type { StepReport } from '../scenario/report.ts';
import { type RunObserver, runStep } from '../scenario/runner.ts';
import { nameFlag } from '../testbed/testbed.ts';
import { type Exercise, findExercise, stepOf } from './exercises.ts';
import { appendCheckHistory, assertNotSolving, type CourseProgress, readProgress, requireProgress, withSolvingLock, writeProgress } from './progress.ts';

/**
 * One check as a student sees it: the scenario's check record (with the hosts it read); a failed
 * one always carries a hint, and says where else in the lab it would hold when it does.
 */
export interface CheckResult extends CheckRecord {
  /** A failed check that holds on another host of the lab: "holds on hostA; this step is on hostB". */
  elsewhere?: string;
}

export interface StepCheck {
  exercise: string;
  step: number;
  title: string;
  passed: boolean;
  checks: CheckResult[];
  /** When every check of the step passes with another host in the step's place: where the work was done. */
  elsewhere?: string;
}

export interface CourseOptions {
  params?: ScenarioParams;
  /** Sees the commands the reference solution runs (the terminal transcript). */
  observer?: RunObserver;
  env?: NodeJS.ProcessEnv;
}

const NO_PARAMS: ScenarioParams = { overrides: {} };

/** The lab's hosts a step works on. */
export function hostsOf(lab: Lab, on: StepHosts): Host[] {
  const [a, b] = lab.hosts;
  const documentHost = lab.hosts.find((h) => h.info.os.startsWith('ubuntu')) ?? a;
  const picked = on === 'document' ? [documentHost] : on === 'A' ? [a] : on === 'B' ? [b] : [a, b];
  return picked.filter((h): h is Host => h !== undefined);
}

/** `pnpm lab shell <host>` lines for the step's hosts. */
export function shellCommands(lab: Lab, on: StepHosts): string[] {
  return hostsOf(lab, on).map((h) => `pnpm lab shell ${h.name}${nameFlag(lab.inventory.lab)}`);
}

/** A host a student broke so that nothing can be checked there: one clear message instead of a pile of failures. */
async function assertHostsUsable(lab: Lab, on: StepHosts): Promise<void> {
  for (const h of hostsOf(lab, on)) {
    const docker = await h.$({ nothrow: true, quiet: true })`systemctl is-active docker`;
    if (!docker.ok) {
      throw new LabbenchError(`docker is not running on ${h.name} (systemctl is-active docker: ${docker.text() || 'unknown'})`, {
        hint: `start it on ${h.name} (systemctl start docker; after several restarts in a minute systemd refuses until systemctl reset-failed docker), or put the exercise back to its start: pnpm course reset`,
      });
    }
  }
}

/** Runs one part (solve or check) of a step; returns its report. */
async function runPart(lab: Lab, exercise: Exercise, step: number, part: 'solve' | 'check', options: CourseOptions): Promise<StepReport> {
  const definition = exercise.scenario.steps[step - 1]!;
  const body = part === 'solve' ? definition.solve : definition.check!;
  return runStep(step, definition.title, (ctx) => body.call(definition, ctx), lab, options.params ?? NO_PARAMS, new Map(), options.observer ?? {});
}

/** Solves steps from..to with the reference commands; a step that fails ends it with one clear error. */
async function solveRange(lab: Lab, exercise: Exercise, from: number, to: number, options: CourseOptions): Promise<void> {
  for (let i = from; i <= to; i++) {
    options.observer?.onStepStart?.(i, exercise.steps.length, exercise.steps[i - 1]!.title);
    const report = await runPart(lab, exercise, i, 'solve', options);
    options.observer?.onStepEnd?.(report);
    if (report.verdict === 'FAIL') {
      throw new LabbenchError(`solving step ${i} of ${exercise.name} failed: ${report.reason ?? 'a check failed'}`, {
        hint: 'put the exercise back to its start with pnpm course reset',
      });
    }
  }
}

/**
 * Puts the lab back as it was before the exercise now on it (or `exercise`) started: docker
 * running again, that exercise's and this one's cleanup, and daemon.json and docker0 as
 * recorded at the start (the student may have edited daemon.json by hand).
 */
async function cleanLab(lab: Lab, exercise: Exercise, options: CourseOptions): Promise<void> {
  for (const h of lab.hosts) {
    await h.$({ nothrow: true })`systemctl is-active docker >/dev/null || { systemctl reset-failed docker.service docker.socket; systemctl start docker; }`;
  }
  const previous = readProgress(lab.inventory.lab, options.env)?.exercise;
  const scenarios = [previous && previous !== exercise.name ? (await findExercise(previous)).scenario : undefined, exercise.scenario];
  for (const s of scenarios) {
    const cleanup = s?.cleanup;
    if (!cleanup) continue;
    const report = await runStep(0, 'cleanup', (ctx) => cleanup(ctx), lab, options.params ?? NO_PARAMS, new Map(), {});
    if (report.verdict === 'FAIL')
      throw new LabbenchError(`putting the lab back failed: ${report.reason}`, { hint: 'bring up a fresh lab: pnpm lab down, then pnpm course start again' });
  }
  for (const h of lab.hosts) await restoreEngine(h);
}

/** Starts an exercise at step `at`: cleans the lab, solves steps 1..at−1, records the progress. */
export async function startExercise(lab: Lab, exercise: Exercise, at = 1, options: CourseOptions = {}): Promise<CourseProgress> {
  stepOf(exercise, at);
  return withSolvingLock(
    lab.inventory.lab,
    `course start ${exercise.name}`,
    async () => {
      await cleanLab(lab, exercise, options);
      for (const h of lab.hosts) await rememberWholeEngine(h);
      await solveRange(lab, exercise, 1, at - 1, options);
      const progress: CourseProgress = {
        lab: lab.inventory.lab,
        exercise: exercise.name,
        step: at,
        startedAt: at,
        started: new Date().toISOString(),
        steps: {},
      };
      writeProgress(progress, options.env);
      return progress;
    },
    options.env,
  );
}

/**
 * Starts an exercise on a lab just restored from a snapshot (`course start --from FILE`): the
 * snapshot is the lab at step `at`, so nothing is cleaned or solved; daemon.json and docker0
 * are remembered as they are, as at any start, and `course reset` restores the snapshot.
 */
export async function startFromSnapshot(lab: Lab, exercise: Exercise, at: number, snapshot: string, options: CourseOptions = {}): Promise<CourseProgress> {
  stepOf(exercise, at);
  return withSolvingLock(
    lab.inventory.lab,
    `course start ${exercise.name} from snapshot ${snapshot}`,
    async () => {
      for (const h of lab.hosts) await rememberWholeEngine(h);
      const progress: CourseProgress = {
        lab: lab.inventory.lab,
        exercise: exercise.name,
        step: at,
        startedAt: at,
        started: new Date().toISOString(),
        steps: {},
        fromSnapshot: snapshot,
      };
      writeProgress(progress, options.env);
      return progress;
    },
    options.env,
  );
}

/**
 * Grades a step as the lab is now, changing nothing on any host. Records the outcome; a pass
 * on the student's current step moves them on to the next one.
 */
export async function checkStep(lab: Lab, exercise: Exercise, step: number, options: CourseOptions = {}): Promise<StepCheck> {
  const s = stepOf(exercise, step);
  assertNotSolving(lab.inventory.lab, options.env);
  await assertHostsUsable(lab, s.on);
  const report = await runPart(lab, exercise, step, 'check', { ...options, observer: {} });
  const checks: CheckResult[] = report.checks.map((c) => ({ ...c, ...(c.ok ? {} : { hint: c.hint ?? s.hint }) }));
  if (report.verdict === 'FAIL' && !report.checks.some((c) => !c.ok)) {
    checks.push({ label: `the check could not finish: ${report.reason ?? 'unknown error'}`, ok: false, hint: s.hint });
  }
  const result: StepCheck = { exercise: exercise.name, step, title: s.title, passed: checks.length > 0 && checks.every((c) => c.ok), checks };
  if (!result.passed && report.checks.length > 0) await lookElsewhere(lab, exercise, step, result, options);
  const progress = readProgress(lab.inventory.lab, options.env);
  if (progress && progress.exercise === exercise.name) {
    const checkedAt = new Date().toISOString();
    progress.steps[String(step)] = { passed: result.passed, checkedAt, failed: checks.filter((c) => !c.ok).map((c) => c.label) };
    if (result.passed && progress.step === step && step < exercise.steps.length) progress.step = step + 1;
    writeProgress(progress, options.env);
    appendCheckHistory(
      lab.inventory.lab,
      { at: checkedAt, exercise: exercise.name, step, passed: result.passed, checks, ...(result.elsewhere ? { elsewhere: result.elsewhere } : {}) },
      options.env,
    );
  }
  return result;
}

/** At most this many other seats are tried for a failed step (a lab of many hosts would otherwise multiply a check's time). */
const MAX_SEATS_TRIED = 3;

/**
 * A student's slip: the step's commands typed on the wrong host. For a failed check, runs the
 * step's own read-only check again with each of the step's hosts swapped with another host of
 * the lab (the step's host keeps its name and OS label; its commands go to the other machine),
 * and marks each failed check that holds there, so the student reads "holds on hostA; this step
 * is on hostB". Works for every exercise: it uses nothing but the step's check.
 */
async function lookElsewhere(lab: Lab, exercise: Exercise, step: number, result: StepCheck, options: CourseOptions): Promise<void> {
  const own = hostsOf(lab, exercise.steps[step - 1]!.on);
  const seats: [Host, Host][] = [];
  for (const h of own) {
    for (const other of lab.hosts) {
      if (other !== h && !seats.some(([x, y]) => x === other && y === h)) seats.push([h, other]);
    }
  }
  for (const [h, other] of seats.slice(0, MAX_SEATS_TRIED)) {
    const report = await runPart(swapped(lab, h, other), exercise, step, 'check', { ...options, observer: {} });
    const held = new Set(report.checks.filter((c) => c.ok).map((c) => c.label));
    const where = own.includes(other)
      ? `holds with ${h.name} and ${other.name} the other way round: what this step asks of ${h.name} was done on ${other.name}`
      : `holds on ${other.name}; this step is on ${h.name}`;
    for (const c of result.checks) if (!c.ok && !c.elsewhere && held.has(c.label)) c.elsewhere = where;
    if (!result.elsewhere && report.verdict === 'PASS' && report.checks.length > 0) {
      result.elsewhere = own.includes(other)
        ? `every check of this step passes with ${h.name} and ${other.name} the other way round: do ${h.name}'s part on ${h.name} and ${other.name}'s on ${other.name}`
        : `every check of this step passes on ${other.name}, but this step is on ${h.name}: type its commands in ${h.name}'s terminal`;
    }
  }
}

/** The lab with two hosts' machines exchanged: each keeps its name, address and labels, and its commands run on the other's machine. Read-only use only. */
function swapped(lab: Lab, a: Host, b: Host): Lab {
  const stand = new Map<Host, Host>([
    [a, new Host(a.info, b.transport, a.os)],
    [b, new Host(b.info, a.transport, b.os)],
  ]);
  const hosts = lab.hosts.map((h) => stand.get(h) ?? h);
  return {
    inventory: lab.inventory,
    hosts,
    host(name) {
      const real = lab.host(name);
      return stand.get(real) ?? real;
    },
    // The transports are the lab's own: the lab closes them.
    close: async () => undefined,
  };
}

/** Runs a step's reference commands (for a stuck student), then checks it. */
export async function solveStep(lab: Lab, exercise: Exercise, step: number, options: CourseOptions = {}): Promise<StepCheck> {
  stepOf(exercise, step);
  await withSolvingLock(
    lab.inventory.lab,
    `course solve ${exercise.name} --step ${step}`,
    async () => {
      await solveRange(lab, exercise, step, step, options);
    },
    options.env,
  );
  return checkStep(lab, exercise, step, options);
}

/** Back to where the exercise was started: docker running again, the lab cleaned, the earlier steps solved. */
export async function resetExercise(lab: Lab, exercise: Exercise, options: CourseOptions = {}): Promise<CourseProgress> {
  const progress = requireProgress(lab.inventory.lab, options.env);
  if (progress.fromSnapshot) {
    // The lab's hosts are replaced by a restore, so it is done where the provider is at hand (the CLI).
    throw new LabbenchError(`${exercise.name} was started from snapshot "${progress.fromSnapshot}": a reset restores that snapshot`, {
      hint: `run pnpm course reset --name ${lab.inventory.lab} (or pnpm lab snapshot restore ${progress.fromSnapshot} --name ${lab.inventory.lab})`,
    });
  }
  return startExercise(lab, exercise, progress.startedAt, options);
}

/** The hint for a step: the step's own, and those of the checks that failed when it was last checked. */
export function hintFor(exercise: Exercise, step: number, lastCheck?: StepCheck): string[] {
  const s = stepOf(exercise, step);
  const failed = (lastCheck?.checks ?? []).filter((c) => !c.ok && c.hint && c.hint !== s.hint).map((c) => `${c.label}: ${c.hint}`);
  return [s.hint, ...failed];
}
