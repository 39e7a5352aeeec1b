/**
 * Course mode's core, for `pnpm course` and anything built on it (a web page): exercises,
 * progress kept with the lab, and start / check / hint / solve / reset on an open lab.
 */
export { findExercise, listExercises, stepOf, type Exercise, type ExerciseStep } from './exercises.ts';
export { appendCheckHistory, assertNotSolving, courseDir, readCheckHistory, readProgress, requireProgress, solvingNow, withSolvingLock, writeProgress, type CheckHistoryEntry, type CourseProgress, type StepProgress } from './progress.ts';
export {
  checkStep, hintFor, hostsOf, resetExercise, shellCommands, solveStep, startExercise, startFromSnapshot, type CheckResult, type CourseOptions, type StepCheck,
} from './course.ts';
export { renderCheck, renderExerciseList, renderStatus, renderTask } from './render.ts';
