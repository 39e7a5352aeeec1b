/** The flock(2)-based lock between labbench commands, with real processes (util-linux flock). */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { acquireFileLock, isLocked, setCommandDescription } from '../../src/machine/file-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'labbench-lock-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that takes the lock as `command` and holds it until killed; resolves with it once it holds it. */
function holderProcess(lockPath: string, command: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const code = `import { acquireFileLock, setCommandDescription } from './src/machine/file-lock.ts';
setCommandDescription(${JSON.stringify(command)});
await acquireFileLock(${JSON.stringify(lockPath)}, { wait: true });
console.log('held');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  return new Promise((resolve) => {
    child.stdout!.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: () =>
          new Promise((done) => {
            child.once('close', () => done());
            // The whole group, as a CI timeout does: the node process and its flock child.
            process.kill(-child.pid!, 'SIGKILL');
          }),
      }),
    );
  });
}

/** Release closes the pipe to the holder child; the kernel frees the lock when that child has exited. */
async function freeSoon(path: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (!isLocked(path)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

test.serial('a held lock is busy for another process, which is told who holds it; it is free again once released', async (t) => {
  const path = join(dir, 'lab.a.lock');
  const other = await holderProcess(path, 'lab up');
  t.true(isLocked(path));
  const got = await acquireFileLock(path, { wait: false });
  t.deepEqual('busy' in got ? { command: got.busy?.command, pid: got.busy?.pid } : undefined, { command: 'lab up', pid: other.pid });
  await other.kill();
  t.false(isLocked(path), 'the kernel freed the lock of the killed holder');
});

test.serial('a waiting command is told once whom it waits for, and gets the lock when the holder dies, saying whom it took over from', async (t) => {
  const path = join(dir, 'lab.b.lock');
  const other = await holderProcess(path, 'scenario flannel-two-host');
  const waits: string[] = [];
  setCommandDescription('lab down');
  const pending = acquireFileLock(path, { wait: true, onWait: (h) => waits.push(`${h?.command} ${h?.pid}`) });
  await new Promise((r) => setTimeout(r, 300));
  await other.kill();
  const got = await pending;
  t.deepEqual(waits, [`scenario flannel-two-host ${other.pid}`]);
  t.true('lock' in got);
  if (!('lock' in got)) return;
  t.is(got.lock.takenOverFrom?.pid, other.pid);
  t.is(got.lock.takenOverFrom?.command, 'scenario flannel-two-host');
  got.lock.release();
  t.true(await freeSoon(path), 'free once the holder child has seen its pipe close');
});

test.serial('the lock is re-entrant within one process and free after the last release', async (t) => {
  const path = join(dir, 'lab.c.lock');
  const outer = await acquireFileLock(path, { wait: false });
  const inner = await acquireFileLock(path, { wait: false });
  t.true('lock' in outer && 'lock' in inner);
  if (!('lock' in outer) || !('lock' in inner)) return;
  inner.lock.release();
  t.true(isLocked(path), 'still held by the outer acquisition');
  outer.lock.release();
  t.true(await freeSoon(path));
});
