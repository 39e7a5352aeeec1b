/**
 * The course's exercises: the scenarios whose every step has a read-only check and a document
 * reference, so a student can do each step by hand and have it graded.
 */

import { SCENARIOS } from '../../scenarios/index.ts';
import { ConfigError } from '../errors.ts';
import { type DocReference, isExercise, type ScenarioDefinition, type StepHosts } from '../scenario/define.ts';

/** One step as a student sees it. */
export interface ExerciseStep {
  /** 1-based. */
  index: number;
  title: string;
  doc: DocReference;
  summary: string;
  on: StepHosts;
  hint: string;
}

export interface Exercise {
  name: string;
  section: string;
  title: string;
  summary: string;
  steps: ExerciseStep[];
  scenario: ScenarioDefinition;
}

function toExercise(s: ScenarioDefinition): Exercise {
  return {
    name: s.name,
    section: s.section,
    title: s.title,
    summary: s.summary,
    scenario: s,
    steps: s.steps.map((st, i) => ({
      index: i + 1,
      title: st.title,
      doc: st.doc!,
      summary: st.summary ?? st.title,
      on: st.on ?? 'document',
      hint: st.hint ?? '',
    })),
  };
}

/** Every exercise, in the document's order. */
export async function listExercises(): Promise<Exercise[]> {
  const out: Exercise[] = [];
  for (const entry of SCENARIOS) {
    const s = await entry.load();
    if (isExercise(s)) out.push(toExercise(s));
  }
  return out;
}

/** The exercise by name, or one clear error naming those there are. */
export async function findExercise(name: string): Promise<Exercise> {
  const all = await listExercises();
  const found = all.find((e) => e.name === name);
  if (found) return found;
  const isScenario = SCENARIOS.some((s) => s.name === name);
  throw new ConfigError(isScenario ? `scenario "${name}" is not a course exercise (its steps check while they run)` : `unknown exercise "${name}"`, {
    hint: `exercises are: ${all.map((e) => e.name).join(', ')} (pnpm course list)`,
  });
}

/** The step by 1-based number, or one clear error with the valid range. */
export function stepOf(exercise: Exercise, step: number): ExerciseStep {
  const found = Number.isInteger(step) ? exercise.steps[step - 1] : undefined;
  if (!found) throw new ConfigError(`${exercise.name} has no step ${step}`, { hint: `its steps are 1–${exercise.steps.length}` });
  return found;
}
