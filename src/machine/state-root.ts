/**
 * Where labbench keeps its state on this machine. Everything lives under one root,
 * `$LABBENCH_HOME` (default `$XDG_STATE_HOME/labbench`, else `~/.local/state/labbench`):
 *
 *   labs/<name>/     one lab, whichever provider made it: what the provider keeps of it (the local
 *                    provider's record, keys and snapshots), the course's progress, a running
 *                    scenario's mark
 *   locks/           one lock per lab (src/providers/lab-lock.ts) and those of providers' own resources
 *   debs/            downloaded .deb files, reused by every image build (a download cache only)
 *   tmp/             work space of commands that remove theirs when they end
 *   logs/            journals kept for a look after the fact (a host's failed boot)
 *   …                each part's own directory: bench-history/, classes/, vm-images/, and the local
 *                    provider's engine/ and images/ (src/providers/local/paths.ts)
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StateRoot {
  root: string;
  labs: string;
  debs: string;
  tmp: string;
  logs: string;
  /** The directory of one lab. */
  labDir(name: string): string;
  /** The lock of one lab, held by whichever command works on it. */
  labLock(name: string): string;
  /** The lab locks that exist (held or not); other locks under locks/ are not among them. */
  labLocks(): string[];
  /** Another lock under locks/ (a provider's own resource). */
  lock(name: string): string;
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env): StateRoot {
  const root = env.LABBENCH_HOME ?? join(env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'labbench');
  const locks = join(root, 'locks');
  const lock = (name: string) => join(locks, `${name}.lock`);
  return {
    root,
    labs: join(root, 'labs'),
    debs: join(root, 'debs'),
    tmp: join(root, 'tmp'),
    logs: join(root, 'logs'),
    labDir: (name: string) => join(root, 'labs', name),
    // Any name: a lock is taken before the name is validated (`lab down --name ../x` must not escape).
    labLock: (name: string) => lock(`lab.${encodeURIComponent(name)}`),
    labLocks: () =>
      existsSync(locks)
        ? readdirSync(locks)
            .filter((f) => f.startsWith('lab.') && f.endsWith('.lock'))
            .map((f) => join(locks, f))
        : [],
    lock,
  };
}
