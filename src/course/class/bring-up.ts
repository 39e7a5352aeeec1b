/**
 * Brings a class's labs up side by side before the server listens: each student's lab (own
 * name and LAN) up, and their exercise started at their step. A lab that is up with the same
 * exercise started is kept as it is (a restarted server keeps every student's work). One
 * student's lab that fails does not stop the others: it is reported, and that student's page
 * says so.
 */
import { ConfigError } from '../../errors.ts';
import { openLab } from '../../lab.ts';
import { settleBounded } from '../../pool.ts';
import { createProgress, formatDuration } from '../../progress.ts';
import type { Provider } from '../../providers/provider.ts';
import { documentSpec } from '../../testbed/testbed.ts';
import { findExercise, readProgress, startExercise } from '../index.ts';
import type { StudentPlan } from './roster.ts';

export type LabOutcome = { ok: true; kept: boolean; seconds: number } | { ok: false; error: string; seconds: number };

/**
 * Starts a student from a saved lab (`plan.from`) instead of solving the steps before theirs.
 * Lab snapshots plug in here; without one, a plan that names a saved lab is refused.
 */
export type FromSnapshot = (plan: StudentPlan, provider: Provider) => Promise<void>;

export interface BringUpOptions {
  provider: Provider;
  /** Labs prepared at once (the first one alone, so the engine and host image are ready for the rest). */
  parallel: number;
  out: NodeJS.WritableStream;
  fromSnapshot?: FromSnapshot;
  env?: NodeJS.ProcessEnv;
}

/** One student's lab, ready for their exercise. */
export async function prepareStudentLab(plan: StudentPlan, options: Pick<BringUpOptions, 'provider' | 'fromSnapshot' | 'env'>): Promise<{ kept: boolean }> {
  const { provider } = options;
  const running = await provider.inventory(plan.lab);
  const progress = running ? readProgress(plan.lab, options.env) : undefined;
  if (running && progress?.exercise === plan.exercise) return { kept: true };
  if (plan.from) {
    if (!options.fromSnapshot)
      throw new ConfigError(`starting ${plan.student} from ${plan.from} needs lab snapshots, which this build does not have`, {
        hint: 'leave --from out: the steps before the start step are solved with the reference commands',
      });
    await options.fromSnapshot(plan, provider);
    return { kept: false };
  }
  const exercise = await findExercise(plan.exercise);
  const inventory = running ?? (await provider.up(documentSpec({ name: plan.lab, subnet: plan.subnet }), createProgress()));
  const lab = await openLab(inventory);
  try {
    await startExercise(lab, exercise, plan.at, { ...(options.env ? { env: options.env } : {}) });
  } finally {
    await lab.close();
  }
  return { kept: false };
}

/** Every student's lab, `parallel` at a time, a line per lab as it is ready; the outcome per student. */
export async function bringUpClass(plans: readonly StudentPlan[], options: BringUpOptions): Promise<Map<string, LabOutcome>> {
  const out = options.out;
  const outcomes = new Map<string, LabOutcome>();
  const width = Math.max(...plans.map((p) => p.student.length));
  let done = 0;
  const one = async (plan: StudentPlan): Promise<void> => {
    const started = performance.now();
    try {
      const { kept } = await prepareStudentLab(plan, options);
      const seconds = (performance.now() - started) / 1000;
      outcomes.set(plan.student, { ok: true, kept, seconds });
      done++;
      const what = kept
        ? `kept as it was (${plan.exercise}, ${readProgress(plan.lab, options.env)?.step ? `on step ${readProgress(plan.lab, options.env)!.step}` : 'started'})`
        : `${plan.exercise} from step ${plan.at}`;
      out.write(` ✓ [${done}/${plans.length}] ${plan.student.padEnd(width)}  lab ${plan.lab} ${plan.subnet}  ${what}  ${formatDuration(seconds * 1000)}\n`);
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      const error = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      outcomes.set(plan.student, { ok: false, error, seconds });
      done++;
      out.write(` ✗ [${done}/${plans.length}] ${plan.student.padEnd(width)}  lab ${plan.lab} ${plan.subnet}  ${error}\n`);
    }
  };
  const [first, ...rest] = plans;
  if (first) await one(first);
  await settleBounded(rest, one, options.parallel);
  return outcomes;
}
