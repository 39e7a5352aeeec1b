/**
 * Room for many system containers. Each host runs systemd, journald, dbus and a Docker engine,
 * and each holds inotify instances; they all count against the one user (root) that owns them,
 * up to fs.inotify.max_user_instances (128 by default). Past about twenty hosts on a machine a
 * new host's systemd cannot watch its paths and never finishes booting. Like kind's documented
 * fix, the limit is raised before the hosts start (when root), or the error says how.
 */
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';

const LIMIT_FILE = '/proc/sys/fs/inotify/max_user_instances';
/** inotify instances one booted lab host holds, with some room (here the 20th host exhausted the default 128). */
export const INOTIFY_PER_HOST = 8;

/** The limit needed for `newHosts` more hosts on top of `inUse` instances, rounded up to a multiple of 128. Pure. */
export function inotifyLimitNeeded(inUse: number, newHosts: number): number {
  const need = inUse + newHosts * INOTIFY_PER_HOST + INOTIFY_PER_HOST;
  return Math.ceil(need / 128) * 128;
}

/** inotify instances open on the machine now (every user's: an upper bound for root's). */
function inotifyInUse(): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify') count++;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return count;
}

/** Raises fs.inotify.max_user_instances when `newHosts` would not fit under it; says so. */
export function ensureInotifyRoom(newHosts: number, progress: Progress): void {
  let limit: number;
  try {
    limit = Number(readFileSync(LIMIT_FILE, 'utf8').trim());
  } catch {
    return; // not Linux procfs: nothing to check
  }
  const needed = inotifyLimitNeeded(inotifyInUse(), newHosts);
  if (needed <= limit) return;
  try {
    writeFileSync(LIMIT_FILE, `${needed}\n`);
  } catch {
    throw new ConfigError(
      `fs.inotify.max_user_instances is ${limit}: too low for ${newHosts} more lab host(s) (each holds about ${INOTIFY_PER_HOST}); their systemd would not finish booting`,
      {
        hint: `raise it as root: sysctl -w fs.inotify.max_user_instances=${needed} (nothing was created)`,
      },
    );
  }
  progress.note(
    `raised fs.inotify.max_user_instances from ${limit} to ${needed}: each lab host's systemd and engine hold about ${INOTIFY_PER_HOST} inotify instances`,
  );
}
