/** `pnpm lab snapshot save|restore|list|rm|export|import`: checkpoints of a lab, kept with it or carried as a file. */

import { type CourseProgress, readProgress, writeProgress } from '../course/progress.ts';
import { ConfigError } from '../errors.ts';
import { formatDuration, type Progress } from '../progress.ts';
import type { LabSnapshots, Provider } from '../providers/provider.ts';
import { nameFlag } from '../testbed/testbed.ts';
import { renderTable } from '../text-table.ts';

export const SNAPSHOT_USAGE = `usage: pnpm lab snapshot save|restore|list|rm|export|import …
  save    NAME [--name LAB]                 save what the lab's hosts hold now as snapshot NAME
  restore NAME [--name LAB]                 put the lab's hosts back as they were saved
  list    [--name LAB] [--json]
  rm      NAME [--name LAB]
  export  NAME FILE [--name LAB] [--with-base]   write the snapshot to a file (for other labs and machines)
  import  FILE [--as NAME] [--name LAB]     add a file's snapshot to the lab (then restore it)`;

export interface SnapshotFlags {
  as?: string;
  'with-base'?: boolean;
  json?: boolean;
}

/** The provider's snapshots, or one clear error saying why it has none. */
export function snapshotsOf(provider: Provider): LabSnapshots {
  const support = provider.snapshots;
  if (support.available) return support.snapshots;
  throw new ConfigError(`lab snapshots are not available with the ${provider.kind} provider: ${support.reason}`, {
    hint: 'labs of the local provider (the default) have them',
  });
}

export async function runSnapshot(args: string[], flags: SnapshotFlags, provider: Provider, lab: string, progress: Progress): Promise<number> {
  const [action, ...rest] = args;
  const expect = (n: number, what: string): string[] => {
    if (rest.length !== n)
      throw new ConfigError(`lab snapshot ${action} takes ${what}`, {
        hint: SNAPSHOT_USAGE.split('\n').find((l) => l.trim().startsWith(`${action} `)) ?? SNAPSHOT_USAGE,
      });
    return rest;
  };
  if (!action) throw new ConfigError('lab snapshot needs an action', { hint: SNAPSHOT_USAGE });
  const snapshots = snapshotsOf(provider);
  const started = performance.now();
  const took = () => formatDuration(performance.now() - started);
  const out = (text: string, json: unknown) => process.stdout.write(flags.json ? `${JSON.stringify(json, null, 2)}\n` : text);
  switch (action) {
    case 'save': {
      const [name] = expect(1, 'a NAME');
      const course = readProgress(lab);
      const m = await snapshots.save(lab, name!, progress, course ? { course } : undefined);
      out(
        `snapshot "${m.name}" of lab "${lab}" saved (${took()}): ${m.hosts.map((h) => h.name).join(', ')}; put it back with: pnpm lab snapshot restore ${m.name}${nameFlag(lab)}\n`,
        { snapshot: m, steps: progress.steps },
      );
      return 0;
    }
    case 'restore': {
      const [name] = expect(1, 'a NAME');
      const inventory = await snapshots.restore(lab, name!, progress);
      const m = snapshots.manifest(lab, name!);
      const course = restoreCourseProgress(lab, m.meta, (n) => snapshotExists(snapshots, lab, n));
      out(
        `lab "${lab}" is back at snapshot "${m.name}" (saved ${m.savedAt} from lab "${m.lab.name}") (${took()})${course ? `; course progress: ${course.exercise}, step ${course.step}` : ''}\n`,
        { lab: inventory, snapshot: m.name, steps: progress.steps },
      );
      return 0;
    }
    case 'list': {
      expect(0, 'no other argument');
      const list = await snapshots.list(lab);
      out(
        list.length === 0
          ? `lab "${lab}" has no snapshots (pnpm lab snapshot save NAME${nameFlag(lab)})\n`
          : renderTable([
              ['SNAPSHOT', 'SAVED', 'FROM LAB', 'HOSTS', 'SIZE (layers + Docker volumes)'],
              ...list.map((s) => [
                s.name,
                s.savedAt.replace('T', ' ').slice(0, 19),
                s.fromLab,
                s.hosts.join(','),
                `${megabytes(s.bytes.layers + s.bytes.volumes)} (${megabytes(s.bytes.layers)} + ${megabytes(s.bytes.volumes)})`,
              ]),
            ]),
        list,
      );
      return 0;
    }
    case 'rm': {
      const [name] = expect(1, 'a NAME');
      await snapshots.remove(lab, name!, progress);
      out(`snapshot "${name}" of lab "${lab}" removed\n`, { removed: name, lab });
      return 0;
    }
    case 'export': {
      const [name, file] = expect(2, 'a NAME and a FILE');
      const { bytes } = await snapshots.exportFile(lab, name!, file!, progress, { withBase: Boolean(flags['with-base']) });
      out(
        `snapshot "${name}" of lab "${lab}" exported to ${file} (${megabytes(bytes)}, ${took()}); on any lab of the same hosts: pnpm lab snapshot import ${file} --name LAB\n`,
        { file, bytes, steps: progress.steps },
      );
      return 0;
    }
    case 'import': {
      const [file] = expect(1, 'a FILE');
      const { manifest, reused } = await snapshots.importFile(lab, file!, progress, { ...(flags.as !== undefined ? { as: flags.as } : {}) });
      out(
        `${file} ${reused ? 'was already' : 'is'} imported into lab "${lab}" as snapshot "${manifest.name}" (${took()}); put the lab in that state with: pnpm lab snapshot restore ${manifest.name}${nameFlag(lab)}\n`,
        { snapshot: manifest, steps: progress.steps },
      );
      return 0;
    }
    default:
      throw new ConfigError(`unknown lab snapshot action "${action}"`, { hint: SNAPSHOT_USAGE });
  }
}

/** A snapshot saved during a course exercise carries the progress of then: the lab gets it back with its hosts. */
function restoreCourseProgress(lab: string, meta: Record<string, unknown> | undefined, exists: (snapshot: string) => boolean): CourseProgress | undefined {
  const saved = meta?.course as CourseProgress | undefined;
  if (!saved || typeof saved.exercise !== 'string') return undefined;
  const { fromSnapshot, ...rest } = saved;
  // A reset goes back to the snapshot the exercise was started from, if this lab has it (another lab's may not).
  const progress: CourseProgress = { ...rest, lab, ...(fromSnapshot && exists(fromSnapshot) ? { fromSnapshot } : {}) };
  writeProgress(progress);
  return progress;
}

function snapshotExists(snapshots: LabSnapshots, lab: string, name: string): boolean {
  try {
    snapshots.manifest(lab, name);
    return true;
  } catch {
    return false;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
