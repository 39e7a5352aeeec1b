/**
 * A student's progress, kept with the lab (in its state directory): which exercise, the step
 * they are on, and what each check run found. And the lock that keeps `course check` from
 * grading a lab while `course start|solve|reset` is still changing it.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { processAlive } from '../machine/process.ts';
import { writeFileAtomic } from '../machine/state-file.ts';
import { stateRoot } from '../machine/state-root.ts';
import type { CheckRecord } from '../scenario/records.ts';

export interface StepProgress {
  passed: boolean;
  checkedAt: string;
  failed: string[];
}

export interface CourseProgress {
  lab: string;
  exercise: string;
  /** The step the student works on (1-based). */
  step: number;
  /** The step the exercise was started at (`course reset` goes back there). */
  startedAt: number;
  started: string;
  /** Per step number: the last check's outcome. */
  steps: Record<string, StepProgress>;
  /** The lab snapshot the exercise was started from (`course start --from FILE`): `course reset` restores it. */
  fromSnapshot?: string;
}

/** One `course check` as it was graded, kept in the order they ran (the dashboard shows them beside a recording, by time). */
export interface CheckHistoryEntry {
  at: string;
  exercise: string;
  step: number;
  passed: boolean;
  checks: (CheckRecord & { elsewhere?: string })[];
  elsewhere?: string;
}

/** The directory of the lab's course files: progress, check history, terminal recordings. */
export function courseDir(lab: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(stateRoot(env).labDir(lab), 'course');
}

/** The lab's progress, or undefined when no exercise was started on it. */
export function readProgress(lab: string, env: NodeJS.ProcessEnv = process.env): CourseProgress | undefined {
  const file = join(courseDir(lab, env), 'progress.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CourseProgress;
  } catch {
    throw new ConfigError(`the course progress of lab "${lab}" is unreadable (${file})`, { hint: 'start the exercise again: pnpm course start <exercise>' });
  }
}

export function writeProgress(progress: CourseProgress, env: NodeJS.ProcessEnv = process.env): void {
  const dir = courseDir(progress.lab, env);
  writeFileAtomic(join(dir, 'progress.json'), `${JSON.stringify(progress, null, 2)}\n`);
}

/** The progress, or one clear error when no exercise runs on this lab. */
export function requireProgress(lab: string, env: NodeJS.ProcessEnv = process.env): CourseProgress {
  const p = readProgress(lab, env);
  if (!p) throw new ConfigError(`no exercise is started on lab "${lab}"`, { hint: 'start one: pnpm course start <exercise> (pnpm course list shows them)' });
  return p;
}

const HISTORY = 'checks.jsonl';

export function appendCheckHistory(lab: string, entry: CheckHistoryEntry, env: NodeJS.ProcessEnv = process.env): void {
  const dir = courseDir(lab, env);
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, HISTORY), `${JSON.stringify(entry)}\n`);
}

/** Every check graded on the lab, oldest first (a line cut short by a crash is skipped). */
export function readCheckHistory(lab: string, env: NodeJS.ProcessEnv = process.env): CheckHistoryEntry[] {
  const file = join(courseDir(lab, env), HISTORY);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return line.trim() ? [JSON.parse(line) as CheckHistoryEntry] : [];
      } catch {
        return [];
      }
    });
}

const LOCK = 'solving.lock';

/** Who is changing the lab right now (pid and what), or undefined. */
export function solvingNow(lab: string, env: NodeJS.ProcessEnv = process.env): { pid: number; what: string } | undefined {
  const file = join(courseDir(lab, env), LOCK);
  if (!existsSync(file)) return undefined;
  const [pid = '0', ...what] = readFileSync(file, 'utf8').trim().split(' ');
  if (!processAlive(Number(pid))) return undefined;
  return { pid: Number(pid), what: what.join(' ') };
}

/** Throws when another course command is changing the lab (a check would grade a half-done step). */
export function assertNotSolving(lab: string, env: NodeJS.ProcessEnv = process.env): void {
  const busy = solvingNow(lab, env);
  if (busy) {
    throw new ConfigError(`lab "${lab}" is being changed right now (pid ${busy.pid}: ${busy.what})`, {
      hint: 'wait until that command has finished, then check again',
    });
  }
}

/** Runs `fn` holding the lab's solving lock (a stale lock of a dead process is taken over). */
export async function withSolvingLock<T>(lab: string, what: string, fn: () => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  assertNotSolving(lab, env);
  const dir = courseDir(lab, env);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK);
  writeFileSync(file, `${process.pid} ${what}\n`);
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
