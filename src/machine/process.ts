/** Whether a process of this machine is still running. */
import { readFileSync } from 'node:fs';

/** True while `pid` runs; a zombie still answers kill(0) but has exited, so it counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
