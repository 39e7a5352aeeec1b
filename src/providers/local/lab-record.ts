/**
 * lab.json: what the local provider knows about one lab between commands. Written before the
 * first resource is created (state "creating") and marked "up" at the end, so an interrupted
 * `lab up` is recognisable. Discovery and cleanup still go by Docker labels, never only by
 * this file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { TestbedSpec } from '../../spec/testbed-spec.ts';
import type { DockerEngine } from './docker-cli.ts';
import type { LabPaths, StatePaths } from './paths.ts';

export interface LabRecord {
  name: string;
  provider: 'local';
  state: 'creating' | 'up';
  spec: TestbedSpec;
  engine: Pick<DockerEngine, 'host' | 'kind'>;
  image: string;
  network: string;
  /** Why the host containers got the flags they have (privileged or an explicit capability set). */
  flagsReason: string;
  createdAt: string;
}

export function readLabRecord(lab: LabPaths): LabRecord | undefined {
  if (!existsSync(lab.record)) return undefined;
  return JSON.parse(readFileSync(lab.record, 'utf8')) as LabRecord;
}

export function writeLabRecord(lab: LabPaths, record: LabRecord): void {
  mkdirSync(lab.dir, { recursive: true, mode: 0o700 });
  writeFileSync(lab.record, JSON.stringify(record, null, 2));
}

/** Every lab this machine has a record of. */
export function allLabRecords(paths: StatePaths): LabRecord[] {
  if (!existsSync(paths.labs)) return [];
  return readdirSync(paths.labs)
    .map((name) => readLabRecord(paths.lab(name)))
    .filter((r): r is LabRecord => r !== undefined);
}
