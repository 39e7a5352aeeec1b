/**
 * The class as the teacher's dashboard reads it: one row per student (status.ts), sent again
 * whenever it changes. Rows are recomputed when a desk reports a change (a check, typing, a
 * terminal) and every few seconds from the files kept with each lab (a check run from the
 * command line, a reset, and the stuck rule's clock).
 */
import { findExercise, readCheckHistory, readProgress } from '../index.ts';
import type { Desk } from '../serve/desk.ts';
import type { ClassFeed } from '../serve/server.ts';
import type { StudentPlan } from './roster.ts';
import { DEFAULT_STUCK_RULE, type StuckRule, type StudentRow, studentRow } from './status.ts';

export interface ExerciseColumns {
  name: string;
  section: string;
  title: string;
  steps: { n: number; title: string; host: string }[];
}

export interface ClassSnapshot {
  title: string;
  rule: StuckRule;
  exercises: ExerciseColumns[];
  students: StudentRow[];
  at: string;
}

export interface Classroom extends ClassFeed {
  snapshot(): ClassSnapshot;
  /** Recompute one student's row now (a desk changed). */
  touched(student: string): void;
  close(): void;
}

const POLL_MS = 2000;

export async function createClassroom(options: {
  title: string;
  plans: readonly StudentPlan[];
  desks: ReadonlyMap<string, Desk>;
  rule?: StuckRule;
  env?: NodeJS.ProcessEnv;
}): Promise<Classroom> {
  const rule = options.rule ?? DEFAULT_STUCK_RULE;
  const exercises: ExerciseColumns[] = [];
  for (const name of new Set(options.plans.map((p) => p.exercise))) {
    const e = await findExercise(name);
    // The hosts a step is on, as the document's two-host lab names them (its Ubuntu host B is the single-host chapters' host).
    const names = { document: 'hostB', A: 'hostA', B: 'hostB', 'A+B': 'hostA, hostB' } as const;
    exercises.push({ name: e.name, section: e.section, title: e.title, steps: e.steps.map((s) => ({ n: s.index, title: s.summary, host: names[s.on] })) });
  }
  const rows = new Map<string, string>();
  const listeners = new Set<(row: unknown) => void>();

  const rowOf = (plan: StudentPlan): StudentRow => {
    const desk = options.desks.get(plan.student);
    const progress = readProgress(plan.lab, options.env);
    const exercise = exercises.find((e) => e.name === (progress?.exercise ?? plan.exercise));
    return studentRow(
      {
        student: plan.student,
        lab: plan.lab,
        subnet: plan.subnet,
        phase: desk?.phase ?? 'waiting',
        ...(desk?.detail ? { detail: desk.detail } : {}),
        ...(exercise ? { stepCount: exercise.steps.length } : {}),
        ...(progress ? { progress } : {}),
        history: readCheckHistory(plan.lab, options.env),
        checking: desk?.checking ?? new Set(),
        ...(desk?.joined ? { joined: desk.joined } : {}),
        ...(desk?.lastActivity ? { lastActivity: desk.lastActivity } : {}),
        terminals: desk?.terminals.open ?? 0,
      },
      Date.now(),
      rule,
    );
  };

  const refresh = (plan: StudentPlan) => {
    let row: StudentRow;
    try {
      row = rowOf(plan);
    } catch {
      return; // a progress file being rewritten: the next poll reads it
    }
    const text = JSON.stringify(row);
    if (rows.get(plan.student) === text) return;
    rows.set(plan.student, text);
    for (const l of listeners) l(row);
  };
  options.plans.forEach(refresh);
  const timer = setInterval(() => options.plans.forEach(refresh), POLL_MS);
  timer.unref();

  return {
    snapshot: () => ({
      title: options.title,
      rule,
      exercises,
      students: options.plans.map((p) => JSON.parse(rows.get(p.student) ?? JSON.stringify(rowOf(p))) as StudentRow),
      at: new Date().toISOString(),
    }),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    desk: (student) => options.desks.get(student),
    checks(student) {
      const plan = options.plans.find((p) => p.student === student);
      return plan ? readCheckHistory(plan.lab, options.env) : [];
    },
    touched(student) {
      const plan = options.plans.find((p) => p.student === student);
      if (plan) refresh(plan);
    },
    close: () => clearInterval(timer),
  };
}
