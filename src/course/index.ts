/**
 * Course mode's core, for `pnpm course` and anything built on it (a web page): exercises,
 * progress kept with the lab, and start / check / hint / solve / reset on an open lab.
 */

export {
  type CheckResult,
  type CourseOptions,
  checkStep,
  hintFor,
  hostsOf,
  resetExercise,
  type StepCheck,
  shellCommands,
  solveStep,
  startExercise,
  startFromSnapshot,
} from './course.ts';
export { type Exercise, type ExerciseStep, findExercise, listExercises, stepOf } from './exercises.ts';
export {
  appendCheckHistory,
  assertNotSolving,
  type CheckHistoryEntry,
  type CourseProgress,
  courseDir,
  readCheckHistory,
  readProgress,
  requireProgress,
  type StepProgress,
  solvingNow,
  withSolvingLock,
  writeProgress,
} from './progress.ts';
export { renderCheck, renderExerciseList, renderStatus, renderTask } from './render.ts';
