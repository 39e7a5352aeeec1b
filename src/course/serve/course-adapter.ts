/**
 * The course mode's core (src/course/) behind the page's interface: the exercise started on the
 * lab, its steps with the document's text, and check / hint / solve / reset on the served lab.
 */
import { LabbenchError } from '../../errors.ts';
import {
  checkStep,
  type Exercise,
  findExercise,
  hintFor,
  hostsOf,
  readProgress,
  requireProgress,
  resetExercise,
  type StepCheck,
  solveStep,
  stepOf,
} from '../index.ts';
import type { CheckOutcome, CourseBackend, CourseState } from './course-backend.ts';
import type { LabConnection } from './lab-connection.ts';

export function courseBackend(labName: string, lab: LabConnection): CourseBackend {
  /** The last check of each step, for hints about what failed. */
  const lastChecks = new Map<string, StepCheck>();
  const current = async (): Promise<{ exercise: Exercise; step: number }> => {
    const progress = requireProgress(labName);
    return { exercise: await findExercise(progress.exercise), step: progress.step };
  };
  const pick = (exercise: Exercise, fallback: number, step?: number) => stepOf(exercise, step ?? fallback).index;
  const outcome = (r: StepCheck): CheckOutcome => ({
    step: r.step,
    passed: r.passed,
    checks: r.checks.map(({ label, ok, hint, hosts, elsewhere }) => ({
      label,
      ok,
      ...(hint ? { hint } : {}),
      ...(hosts ? { hosts } : {}),
      ...(elsewhere ? { elsewhere } : {}),
    })),
    ...(r.elsewhere ? { elsewhere: r.elsewhere } : {}),
  });

  return {
    async state(): Promise<CourseState> {
      const progress = readProgress(labName);
      if (!progress)
        return {
          steps: [],
          passed: [],
          message: `no exercise is started on lab "${labName}": run pnpm course start <exercise> --name ${labName} (pnpm course list shows them), then reload`,
        };
      const exercise = await findExercise(progress.exercise);
      return lab.use(async (l) => ({
        exercise: { name: exercise.name, section: exercise.section, title: exercise.title },
        steps: exercise.steps.map((s) => ({
          n: s.index,
          title: s.title.split(' — ')[0]!,
          text: [s.doc.heading, s.doc.text].filter(Boolean).join('\n'),
          english: s.summary,
          host: hostsOf(l, s.on)
            .map((h) => h.name)
            .join(', '),
        })),
        current: progress.step,
        passed: Object.entries(progress.steps)
          .filter(([, p]) => p.passed)
          .map(([n]) => Number(n)),
      }));
    },
    async check(step) {
      const { exercise, step: at } = await current();
      const n = pick(exercise, at, step);
      const result = await lab.use((l) => checkStep(l, exercise, n));
      lastChecks.set(`${exercise.name}/${n}`, result);
      return outcome(result);
    },
    async hint(step) {
      const { exercise, step: at } = await current();
      const n = pick(exercise, at, step);
      return { step: n, hints: hintFor(exercise, n, lastChecks.get(`${exercise.name}/${n}`)).filter(Boolean) };
    },
    async solve(step) {
      const { exercise, step: at } = await current();
      const n = pick(exercise, at, step);
      const result = await lab.use((l) => solveStep(l, exercise, n));
      lastChecks.set(`${exercise.name}/${n}`, result);
      if (!result.passed)
        throw new LabbenchError(
          `step ${n} was solved but its checks still fail: ${result.checks
            .filter((c) => !c.ok)
            .map((c) => c.label)
            .join('; ')}`,
        );
      return { step: n, message: `step ${n} solved with the document's commands; every check passes` };
    },
    async reset() {
      const { exercise } = await current();
      const progress = await lab.use((l) => resetExercise(l, exercise));
      lastChecks.clear();
      return { message: `${exercise.name} is back at step ${progress.step}` };
    },
  };
}
