/**
 * lab.json: what the local provider knows about one lab between commands. Written before the
 * first resource is created (state "creating"), marked "up" at the end, and "removing" before
 * `lab down` removes anything, so a command that was killed half-way is recognisable and the
 * next one finishes or undoes its work. Discovery and cleanup still go by Docker labels, never
 * only by this file. Written atomically (state-file.ts): a reader never sees half a record.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readJsonState, writeFileAtomic } from '../../machine/state-file.ts';
import { nameFlag, type TestbedSpec } from '../../testbed/testbed.ts';
import type { DockerEngine } from './docker-cli.ts';
import type { LabPaths, StatePaths } from './paths.ts';

export interface LabRecord {
  name: string;
  provider: 'local';
  state: 'creating' | 'up' | 'removing';
  spec: TestbedSpec;
  engine: Pick<DockerEngine, 'host' | 'kind'>;
  image: string;
  network: string;
  /** Why the host containers got the flags they have (privileged or an explicit capability set). */
  flagsReason: string;
  createdAt: string;
}

function isLabRecord(v: unknown): v is LabRecord {
  const r = v as LabRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.provider === 'local' &&
    typeof r.name === 'string' &&
    ['creating', 'up', 'removing'].includes(r.state) &&
    typeof r.spec === 'object' &&
    r.spec !== null &&
    Array.isArray(r.spec.hosts) &&
    typeof r.spec.subnet === 'string' &&
    typeof r.engine === 'object' &&
    r.engine !== null &&
    typeof r.engine.host === 'string'
  );
}

/** The lab's record; a StateFileError naming the file when it is unreadable. */
export function readLabRecord(lab: LabPaths, name: string): LabRecord | undefined {
  return readJsonState(lab.record, {
    what: `record of lab "${name}"`,
    isValid: isLabRecord,
    fix: `\`pnpm lab down${nameFlag(name)}\` removes the lab by its Docker labels whatever the file says (then \`pnpm lab up${nameFlag(name)}\` creates it anew)`,
  });
}

export function writeLabRecord(lab: LabPaths, record: LabRecord): void {
  writeFileAtomic(lab.record, JSON.stringify(record, null, 2), { dirMode: 0o700 });
}

/** Names of the labs that have a record on this machine, readable or not. */
export function labNamesWithRecords(paths: StatePaths): string[] {
  if (!existsSync(paths.labs)) return [];
  return readdirSync(paths.labs)
    .filter((name) => existsSync(paths.lab(name).record))
    .sort();
}

/** Every lab this machine has a readable record of (an unreadable one is its own lab's problem). */
export function allLabRecords(paths: StatePaths): LabRecord[] {
  return labNamesWithRecords(paths).flatMap((name) => {
    try {
      const r = readLabRecord(paths.lab(name), name);
      return r ? [r] : [];
    } catch {
      return [];
    }
  });
}
