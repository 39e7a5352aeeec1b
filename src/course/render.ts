/** How the course commands print: the exercise list, a step's task, a check's results, the progress. Pure. */
import { renderTable } from '../text-table.ts';
import type { StepCheck } from './course.ts';
import type { Exercise } from './exercises.ts';
import type { CourseProgress } from './progress.ts';

export function renderExerciseList(exercises: readonly Exercise[]): string {
  return renderTable([
    ['EXERCISE', 'SECTION', 'STEPS', 'WHAT IT SHOWS'],
    ...exercises.map((e) => [e.name, `§${e.section}`, String(e.steps.length), e.summary]),
  ]);
}

/** The task of a step: the document's heading and text as written, the English summary, and where to work. */
export function renderTask(exercise: Exercise, step: number, shells: readonly string[]): string {
  const s = exercise.steps[step - 1]!;
  const text = s.doc.text
    .split('\n')
    .map((l) => `  │ ${l}`.trimEnd())
    .join('\n');
  return [
    `${exercise.name} — step ${step}/${exercise.steps.length}: ${s.title}`,
    '',
    `  ${s.doc.heading}`,
    text,
    '',
    `  Task: ${s.summary}`,
    `  Work on: ${shells.join('   ')}`,
    `  Then: pnpm course check   (stuck? pnpm course hint, or pnpm course solve)`,
    '',
  ].join('\n');
}

export function renderCheck(result: StepCheck): string {
  const lines = [`${result.exercise} — step ${result.step}: ${result.title}`];
  for (const c of result.checks) {
    const detail = c.ok || (c.expected === undefined && c.actual === undefined) ? '' : ` (expected ${c.expected ?? '?'}, got ${c.actual ?? '?'})`;
    const read = !c.ok && c.hosts?.length ? ` [read on ${c.hosts.join(', ')}]` : '';
    lines.push(`  ${c.ok ? '✓' : '✗'} ${c.label}${detail}${read}`);
    if (!c.ok && c.elsewhere) lines.push(`      ${c.elsewhere}`);
    if (!c.ok && c.hint) lines.push(`      hint: ${c.hint}`);
  }
  if (!result.passed && result.elsewhere) lines.push(`  ! ${result.elsewhere}`);
  lines.push(result.passed ? `  ⇒ step ${result.step} passes` : `  ⇒ step ${result.step} is not done yet`);
  return `${lines.join('\n')}\n`;
}

export function renderStatus(exercise: Exercise, progress: CourseProgress): string {
  const rows = [['STEP', 'TITLE', 'LAST CHECK']];
  for (const s of exercise.steps) {
    const p = progress.steps[String(s.index)];
    const mark = s.index === progress.step ? '→ ' : '  ';
    const state =
      s.index < progress.startedAt
        ? progress.fromSnapshot
          ? `in snapshot ${progress.fromSnapshot}`
          : 'solved by course start'
        : p
          ? `${p.passed ? 'passed' : 'failed'} ${p.checkedAt}`
          : '—';
    rows.push([`${mark}${s.index}`, s.summary, state]);
  }
  return `lab "${progress.lab}": ${exercise.name} (§${exercise.section}), on step ${progress.step} of ${exercise.steps.length}\n${renderTable(rows)}`;
}
