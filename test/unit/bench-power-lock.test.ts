import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { LockBudget, underLock } from '../../bench/lib/power/lock.ts';

const hasFlock = (() => {
  try {
    execFileSync('flock', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const run = hasFlock ? test : test.skip;
const title = (t: string) => (hasFlock ? t : `${t} — skipped: flock(1) is not installed`);
const dir = mkdtempSync(join(tmpdir(), 'labbench-lock-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

run(title('underLock holds the lock for the step only: a second step waits for the first, then runs'), async (t) => {
  const file = join(dir, 'a.lock');
  const events: string[] = [];
  const first = underLock(file, async () => {
    events.push('first in');
    await new Promise((r) => setTimeout(r, 300));
    events.push('first out');
  });
  await new Promise((r) => setTimeout(r, 100));
  const second = underLock(file, async () => {
    events.push('second in');
    return 42;
  });
  await first;
  t.is(await second, 42);
  t.deepEqual(events, ['first in', 'first out', 'second in']);
  // Released: flock -n gets it at once.
  t.notThrows(() => execFileSync('flock', ['-n', file, 'true']));
});

run(title('underLock releases the lock when the step throws, and an abort stops the wait for it'), async (t) => {
  const file = join(dir, 'b.lock');
  await t.throwsAsync(
    underLock(file, async () => Promise.reject(new Error('step failed'))),
    { message: 'step failed' },
  );
  t.notThrows(() => execFileSync('flock', ['-n', file, 'true']));
  const abort = new AbortController();
  let ran = false;
  const holding = underLock(file, () => new Promise((r) => setTimeout(r, 500)));
  await new Promise((r) => setTimeout(r, 100));
  const waiting = underLock(
    file,
    async () => {
      ran = true;
    },
    abort.signal,
  );
  abort.abort();
  await t.throwsAsync(waiting, { message: /interrupted while waiting for the lock/ });
  await holding;
  t.false(ran);
});

test('without a lock file the step just runs', async (t) => {
  t.is(await underLock(null, async () => 'ran'), 'ran');
});

const free = (file: string) => {
  try {
    execFileSync('flock', ['-n', file, 'true']);
    return true;
  } catch {
    return false;
  }
};

run(title('LockBudget keeps one hold for steps that fit the budget, and lets go after a step when the next would not fit'), async (t) => {
  const file = join(dir, 'c.lock');
  const long = new LockBudget(file, 60_000);
  await long.run(async () => t.false(free(file)));
  t.true(long.holding);
  t.false(free(file), 'held between steps that fit');
  await long.run(async () => 'second step', { last: true });
  t.false(long.holding);
  t.true(free(file));

  const perStep = new LockBudget(file, 0);
  t.is(await perStep.run(async () => (free(file) ? 'free' : 'held')), 'held');
  t.false(perStep.holding);
  t.true(free(file), 'budget 0: released after every step');
});
