/**
 * The history of nights on disk: a directory with one JSON file per night (`nights/<id>.json`)
 * and one per mark (`marks/<stamp>-<night>.json`).
 *
 * Why plain files: a night is written once and never changed, so appending is creating a new
 * file — atomic (written aside, fsynced, then hard-linked into place, which never overwrites)
 * and safe against two runs at once, which write two different files. A corrupt or foreign file
 * stops the reader with one error naming it and touches nothing else. The directory is what the
 * nightly workflow keeps on a branch of its own: every night adds one file, so two pushes never
 * conflict, and git shows what each night added. (An embedded database would make the history
 * one binary file that two CI runs rewrite at once.)
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { parseDocument } from '../shared/schema.ts';
import { byTime, MARK_KIND, MARK_SCHEMA_VERSION, type MarkRecord, type NightRecord, timeStamp } from './night.ts';

/** What a history directory holds (for one testbed, when asked). */
export interface History {
  dir: string;
  /** In time order. */
  nights: NightRecord[];
  /** In the order they were made. */
  marks: MarkRecord[];
}

const NIGHTS = 'nights';
const MARKS = 'marks';

function entries(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`cannot read the bench history at ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

function fixFor(file: string): string {
  return `move ${file} out of the history (every other night is kept and read), or restore it from where the history is kept (e.g. its git branch)`;
}

/** Reads a history directory; a missing directory is an empty history. Nights of other testbeds are left out when `testbed` is given. */
export function readHistory(dir: string, testbed?: string): History {
  const nights: NightRecord[] = [];
  for (const name of entries(join(dir, NIGHTS))) {
    const file = join(dir, NIGHTS, name);
    const night = parseDocument<NightRecord>('night', readFileSync(file, 'utf8'), `bench history entry ${file}`, fixFor(file));
    if (`${night.id}.json` !== name) {
      throw new ConfigError(`bench history entry ${file} holds night "${night.id}", not the night its name says`, { hint: fixFor(file) });
    }
    if (testbed === undefined || night.testbed === testbed) nights.push(night);
  }
  const marks: MarkRecord[] = [];
  for (const name of entries(join(dir, MARKS))) {
    const file = join(dir, MARKS, name);
    const mark = parseDocument<MarkRecord>('mark', readFileSync(file, 'utf8'), `bench history mark ${file}`, fixFor(file));
    if (testbed === undefined || mark.testbed === testbed) marks.push(mark);
  }
  marks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { dir, nights: nights.sort(byTime), marks };
}

/**
 * Writes `text` as `dir/name` atomically: aside first, flushed to disk, then linked into place.
 * link(2) fails instead of overwriting, so an entry, once there, is never replaced.
 */
function createAtomically(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, name);
  const aside = join(dir, `.${name}.${process.pid}.tmp`);
  const fd = openSync(aside, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigError(`bench history entry ${target} exists already; entries are never overwritten`);
    throw new ConfigError(`cannot write the bench history entry ${target}: ${(err as Error).message}`, { cause: err });
  } finally {
    unlinkSync(aside);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return target;
}

/** Appends a night; returns the file written. */
export function appendNight(dir: string, night: NightRecord): string {
  return createAtomically(join(dir, NIGHTS), `${night.id}.json`, `${JSON.stringify(night)}\n`);
}

/** Records that `night` is the new normal of its testbed's series. */
export function appendAcceptMark(dir: string, night: Pick<NightRecord, 'id' | 'testbed'>, note: string | null, at = new Date().toISOString()): string {
  const mark: MarkRecord = { kind: MARK_KIND, schemaVersion: MARK_SCHEMA_VERSION, mark: 'accept', night: night.id, testbed: night.testbed, at, note };
  return createAtomically(join(dir, MARKS), `${timeStamp(at)}-${night.id}.json`, `${JSON.stringify(mark, null, 2)}\n`);
}
