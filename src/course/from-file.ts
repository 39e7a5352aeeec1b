/**
 * Starting an exercise from a snapshot file (`course start --from FILE`, and each student of
 * `course serve --class … --from FILE`): the file is read whole and checked against the lab's
 * shape before anything is created or changed; the lab is brought up when it is not; the file's
 * snapshot is imported (the same file again reuses what is there) and restored; the exercise
 * starts at `at`, else at the step the snapshot was saved on during this exercise, else step 1.
 */
import type { Inventory } from '../inventory.ts';
import { openLab } from '../lab.ts';
import type { Progress } from '../progress.ts';
import type { LabSnapshots, Provider } from '../providers/provider.ts';
import type { SnapshotManifest } from '../snapshot/manifest.ts';
import type { TestbedSpec } from '../testbed/testbed.ts';
import { startFromSnapshot } from './course.ts';
import { type Exercise, stepOf } from './exercises.ts';
import type { CourseProgress } from './progress.ts';

export interface StartFromFile {
  provider: Provider;
  snapshots: LabSnapshots;
  /** The lab's spec: the running lab's, or the one to bring up. */
  spec: TestbedSpec;
  /** The lab is up already. */
  running: boolean;
  exercise: Exercise;
  file: string;
  /** The step to start at; undefined: the step the snapshot was saved on (this exercise), else 1. */
  at: number | undefined;
  progress: Progress;
}

/** What the lab is now: its inventory, the snapshot restored, the step the exercise is at. */
export interface StartedFromFile {
  inventory: Inventory;
  imported: SnapshotManifest;
  at: number;
}

export async function startFromFile(o: StartFromFile): Promise<StartedFromFile> {
  const { snapshots, spec, progress } = o;
  const name = spec.name;
  const manifest = await snapshots.checkFile(o.file, spec);
  const saved = manifest.meta?.course as CourseProgress | undefined;
  const at = o.at ?? (saved?.exercise === o.exercise.name ? saved.step : 1);
  stepOf(o.exercise, at);
  if (!o.running) {
    await o.provider.preflight(spec);
    await o.provider.up(spec, progress);
  }
  // The same file again on this lab is the same snapshot; another one under that name gets its own.
  const there = (await snapshots.list(name)).some((s) => s.name === manifest.name) ? snapshots.manifest(name, manifest.name) : undefined;
  const taken = there !== undefined && there.id !== manifest.id;
  const { manifest: imported } = await snapshots.importFile(name, o.file, progress, {
    reuse: true,
    ...(taken ? { as: `${manifest.name}-${manifest.id.slice(0, 8)}` } : {}),
  });
  const inventory = await snapshots.restore(name, imported.name, progress);
  const lab = await openLab(inventory);
  try {
    await startFromSnapshot(lab, o.exercise, at, imported.name);
  } finally {
    await lab.close();
  }
  return { inventory, imported, at };
}
