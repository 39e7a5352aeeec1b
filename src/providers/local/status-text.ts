/**
 * What `lab status` and `lab list` say about a local lab in words: the engine that holds it, the
 * command to run next for the state it is in, and the row of a lab whose record cannot be read.
 * Pure.
 */
import { StateFileError } from '../../errors.ts';
import { nameFlag } from '../../testbed/testbed.ts';
import type { LabCondition } from '../lab-state.ts';
import type { LabStatus } from '../provider.ts';
import type { DockerEngine } from './docker-cli.ts';
import type { LabRecord } from './lab-record.ts';

/** The engine that holds the lab: its kind, version and address, or that it is not running. */
export function engineLine(engine: DockerEngine | undefined, record: LabRecord | undefined): string {
  return engine
    ? `${engine.kind === 'private' ? "labbench's private dockerd" : 'Docker engine'} ${engine.version} at ${engine.host}`
    : `${record?.engine.kind === 'private' ? "labbench's private dockerd" : 'the Docker engine'} at ${record?.engine.host} is not running`;
}

/** What to run next for a lab in this condition, for `lab status`. */
export function nextStep(record: LabRecord, condition: LabCondition): string | undefined {
  const flag = nameFlag(record.name);
  switch (condition.state) {
    case 'up':
      return undefined;
    case 'stopped':
      return `\`pnpm lab start${flag}\` (or \`pnpm lab up${flag}\`) starts ${condition.notRunning.join(', ')} as they were`;
    case 'engine down':
      return record.engine.kind === 'private'
        ? `\`pnpm lab start${flag}\` (or \`pnpm lab up${flag}\`) starts labbench's private engine again, then the hosts as they were`
        : `start that engine (e.g. \`systemctl start docker\`), then \`pnpm lab start${flag}\``;
    case 'partial':
      if (record.state === 'creating') return `\`pnpm lab up${flag}\` removes what an interrupted up left and creates the lab again`;
      if (record.state === 'removing')
        return `\`pnpm lab down${flag}\` finishes removing it (an earlier down was interrupted); \`pnpm lab up${flag}\` creates it anew`;
      if (condition.missing.length > 0)
        return `${condition.missing.join(', ')} ${condition.missing.length === 1 ? 'is' : 'are'} gone: \`pnpm lab up --recreate${flag}\` creates the lab anew`;
      return `${condition.notRunning.join(', ')} ${condition.notRunning.length === 1 ? 'does' : 'do'} not run: \`pnpm lab start${flag}\` (or \`pnpm lab up${flag}\`) starts ${condition.notRunning.length === 1 ? 'it' : 'them'} as before`;
  }
}

/** `lab list` row of a lab whose record cannot be read: the error, and that `lab down` removes it. */
export function unreadableLab(name: string, err: unknown): LabStatus {
  if (!(err instanceof StateFileError)) throw err;
  return {
    name,
    provider: 'local',
    subnet: '?',
    state: 'partial',
    hosts: [],
    details: { problem: err.message, next: `\`pnpm lab down${nameFlag(name)}\` removes it` },
  };
}
