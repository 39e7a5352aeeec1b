/**
 * A desk: one student's lab as the course server sees it — the lab connection, the course
 * actions on it, the topology, the terminal sessions (recorded, watchable) and the activity
 * clock. `course serve` has one desk; `course serve --class` one per student. Every grading
 * goes through the desk, so the recordings get a marker and the dashboard hears of it.
 */
import { join } from 'node:path';
import { readTopology, singleFlight, type TopologyView } from '../../topology/view.ts';
import { courseDir, readProgress } from '../progress.ts';
import type { CheckOutcome, CourseBackend } from './course-backend.ts';
import type { LabConnection } from './lab-connection.ts';
import { type RecordingStore, recordingStore } from './recording.ts';
import { TerminalHub } from './terminal-hub.ts';

export type DeskPhase = 'ready' | 'failed';

export interface Desk {
  /** The student's name as the roster gives it (the lab name when serving one lab). */
  student: string;
  labName: string;
  lab: LabConnection;
  course?: CourseBackend;
  terminals: TerminalHub;
  recordings: RecordingStore;
  topology(): Promise<TopologyView>;
  phase: DeskPhase;
  /** Why the lab could not be prepared. */
  detail?: string;
  /** ms: first request from the student's page, last keystroke or check. */
  joined?: number;
  lastActivity?: number;
  /** Steps whose check runs now. */
  checking: Set<number>;
  /** The student's page was opened (first visit: joined). */
  visited(): void;
}

export interface DeskOptions {
  student: string;
  labName: string;
  lab: LabConnection;
  course?: (labName: string, lab: LabConnection) => CourseBackend;
  phase?: DeskPhase;
  detail?: string;
  env?: NodeJS.ProcessEnv;
  /** Something the dashboard shows changed (a check started or ended, typing, a terminal). */
  onChange?(): void;
}

export function createDesk(options: DeskOptions): Desk {
  const changed = () => options.onChange?.();
  const recordings = recordingStore(join(courseDir(options.labName, options.env), 'recordings'));
  let lastTypingNotice = 0;
  const terminals = new TerminalHub({
    recordings: recordings.dir,
    title: (host) => `${options.student} on ${host} (lab ${options.labName})`,
    onActivity(kind) {
      const now = Date.now();
      desk.joined ??= now;
      desk.lastActivity = now;
      // Keystrokes come many a second: the dashboard hears of them at most every few seconds.
      if (kind !== 'input' || now - lastTypingNotice > 3000) {
        lastTypingNotice = now;
        changed();
      }
    },
  });
  const desk: Desk = {
    student: options.student,
    labName: options.labName,
    lab: options.lab,
    phase: options.phase ?? 'ready',
    ...(options.detail ? { detail: options.detail } : {}),
    checking: new Set(),
    recordings,
    terminals,
    topology: singleFlight(() => options.lab.use(readTopology)),
    visited() {
      const now = Date.now();
      desk.joined ??= now;
      desk.lastActivity = Math.max(desk.lastActivity ?? 0, now);
      changed();
    },
  };
  if (options.course) desk.course = observedCourse(desk, options.course(options.labName, options.lab), options.env, changed);
  return desk;
}

/** The course actions, with the dashboard told when a check starts and ends and each graded check marked in the recordings. */
function observedCourse(desk: Desk, inner: CourseBackend, env: NodeJS.ProcessEnv | undefined, changed: () => void): CourseBackend {
  const marked = (label: string, outcome: CheckOutcome) => {
    const failed = outcome.checks.filter((c) => !c.ok).length;
    desk.terminals.mark(`${label} step ${outcome.step}: ${outcome.passed ? '✓ passes' : `✗ ${failed} check(s) fail`}`);
  };
  return {
    state: () => inner.state(),
    async check(step) {
      const n = step ?? readProgress(desk.labName, env)?.step ?? 0;
      desk.checking.add(n);
      desk.lastActivity = Date.now();
      changed();
      try {
        const outcome = await inner.check(step);
        marked('check', outcome);
        return outcome;
      } finally {
        desk.checking.delete(n);
        changed();
      }
    },
    hint: (step) => inner.hint(step),
    async solve(step) {
      const r = await inner.solve(step);
      desk.terminals.mark(`solved step ${r.step} with the reference commands`);
      changed();
      return r;
    },
    async reset() {
      const r = await inner.reset();
      desk.terminals.mark('reset to the start of the exercise');
      changed();
      return r;
    },
  };
}
