/**
 * Commands that meet on one lab or on two, a host powered off from inside, and state files that
 * are cut short or not labbench's: the state each leaves and what the next command does.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { rootSkipReason } from '../support/cli.ts';
import { snapshotMachine } from '../support/machine-snapshot.ts';
import { assertNoResidue } from '../support/no-residue.ts';
import { labbench, labResources, labState, paths, startLabbench } from './fault-kit.ts';

const skip = rootSkipReason();
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);
const run = skip ? test.serial.skip : test.serial;

const ONE = { name: 'f21-one', subnet: '10.121.10.0/24' };
const TWO = { name: 'f21-two', subnet: '10.121.11.0/24' };
const flags = (lab: { name: string; subnet: string }) => ['--name', lab.name, '--subnet', lab.subnet];
let before: ReturnType<typeof snapshotMachine> | undefined;

test.before(async () => {
  if (skip) return;
  // Whatever an earlier run left of this file's labs goes first; the machine as it is then is the reference.
  for (const lab of [ONE, TWO]) await labbench(['lab', 'down', '--name', lab.name]);
  before = snapshotMachine(paths.root);
});

test.after.always(async () => {
  if (skip) return;
  for (const lab of [ONE, TWO]) await labbench(['lab', 'down', '--name', lab.name]);
});

run(title('`lab down` while `lab up` of the same lab runs: down waits for up, then removes the lab; the next `lab up` works'), async (t) => {
  const up = startLabbench(['lab', 'up', ...flags(ONE)]);
  await up.waitFor(/Starting hostA/);
  const down = startLabbench(['lab', 'down', '--name', ONE.name]);
  const [u, d] = await Promise.all([up.done, down.done]);
  t.is(u.code, 0, u.stderr);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stderr, new RegExp(`waiting for \`lab up\` \\(pid ${up.pid}\\) on lab ${ONE.name}`));
  t.is(await labResources(ONE.name), '');
  t.is((await labState(ONE.name)).state, 'down');
  const again = await labbench(['lab', 'up', ...flags(ONE)]);
  t.is(again.code, 0, again.stderr);
});

run(title('two labs brought up and taken down at the same moment: neither waits for the other, both come up, both go'), async (t) => {
  // ONE is up from the case before: take it down and bring it up beside TWO.
  t.is((await labbench(['lab', 'down', '--name', ONE.name])).code, 0);
  const [a, b] = await Promise.all([labbench(['lab', 'up', ...flags(ONE)]), labbench(['lab', 'up', ...flags(TWO)])]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  // Neither waits on the other's lab; both may wait while one of them starts the engine they share.
  t.notRegex(a.stderr + b.stderr, /waiting for .* on lab /);
  t.is((await labState(ONE.name)).state, 'up');
  t.is((await labState(TWO.name)).state, 'up');
  const ping = await labbench(['lab', 'exec', 'hostA', '--name', TWO.name, '--', 'ping', '-c', '1', '-W', '2', '10.121.11.13']);
  t.is(ping.code, 0, ping.stderr);
  const [c, d] = await Promise.all([labbench(['lab', 'down', '--name', ONE.name]), labbench(['lab', 'down', '--name', TWO.name])]);
  t.is(c.code, 0, c.stderr);
  t.is(d.code, 0, d.stderr);
  t.is(await labResources(ONE.name), '');
  t.is(await labResources(TWO.name), '');
});

run(title('`systemctl poweroff` inside a host: the lab is partial (one host exited, one running); `lab up` starts it again with its files'), async (t) => {
  t.is((await labbench(['lab', 'up', ...flags(ONE)])).code, 0);
  t.is((await labbench(['lab', 'exec', 'hostB', '--name', ONE.name, '--', 'echo kept > /root/poweroff-note && sync'])).code, 0);
  await labbench(['lab', 'exec', 'hostB', '--name', ONE.name, '--', 'systemctl', 'poweroff']);
  let status = await labState(ONE.name);
  for (let i = 0; i < 120 && status.hosts.find((h) => h.name === 'hostB')?.state !== 'exited'; i++) {
    await sleep(500);
    status = await labState(ONE.name);
  }
  t.deepEqual(
    status.hosts.map((h) => [h.name, h.state]),
    [
      ['hostA', 'running'],
      ['hostB', 'exited'],
    ],
  );
  t.is(status.state, 'partial');
  const text = await labbench(['lab', 'status', '--name', ONE.name]);
  t.regex(text.stdout, /hostB does not run: `pnpm lab start --name f21-one` \(or `pnpm lab up --name f21-one`\) starts it/);
  const up = await labbench(['lab', 'up', ...flags(ONE)]);
  t.is(up.code, 0, up.stderr);
  t.regex(up.stderr, /Starting hostB as they were/);
  const note = await labbench(['lab', 'exec', 'hostB', '--name', ONE.name, '--', 'cat', '/root/poweroff-note']);
  t.is(note.stdout.trim(), 'kept');
});

run(
  title('a lab record cut short or of another shape: one error naming the file and the fix; `lab list` goes on; `lab down` removes the lab by its labels'),
  async (t) => {
    const record = paths.lab(ONE.name).record;
    const whole = readFileSync(record, 'utf8');
    for (const broken of [whole.slice(0, Math.floor(whole.length / 2)), '', '{"hello": "world"}\n']) {
      writeFileSync(record, broken);
      for (const args of [
        ['lab', 'status', '--name', ONE.name],
        ['lab', 'up', ...flags(ONE)],
        ['lab', 'stop', '--name', ONE.name],
      ]) {
        const r = await labbench(args);
        t.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
        t.true(r.stderr.includes(record), `${args.join(' ')} names the file: ${r.stderr}`);
        t.regex(r.stderr, /pnpm lab down --name f21-one` removes the lab by its Docker labels/);
        t.is(
          r.stderr
            .trim()
            .split('\n')
            .filter((l) => /^error/i.test(l)).length,
          1,
          'one error',
        );
      }
      const list = await labbench(['lab', 'list']);
      t.is(list.code, 0, list.stderr);
      t.regex(list.stdout, /f21-one\s+local\s+\?\s+0\s+partial/);
    }
    const down = await labbench(['lab', 'down', '--name', ONE.name]);
    t.is(down.code, 0, down.stderr);
    t.regex(down.stderr, /removing the lab by its Docker labels/);
    t.is(await labResources(ONE.name), '');
    const up = await labbench(['lab', 'up', ...flags(ONE)]);
    t.is(up.code, 0, up.stderr);
    t.is((await labbench(['lab', 'down', '--name', ONE.name])).code, 0);
  },
);

run(title('nothing is left behind'), async (t) => {
  for (const lab of [ONE, TWO]) await labbench(['lab', 'down', '--name', lab.name]);
  assertNoResidue(t, before!, snapshotMachine(paths.root));
});
