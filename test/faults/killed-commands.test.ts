/**
 * SIGKILL of a labbench command's whole process group (a CI timeout, a closed terminal) at
 * several points: `lab up` while it creates the hosts and while they boot, `lab down` while it
 * removes them, `scenario` in the middle of a chapter, `course start` while it solves the first
 * steps, and `bench` while its lab comes up and while it measures. For each: what the lab looks
 * like after, and that the next user command recovers by itself.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { rootSkipReason } from '../support/cli.ts';
import { snapshotMachine } from '../support/machine-snapshot.ts';
import { assertNoResidue } from '../support/no-residue.ts';
import { labbench, labResources, labState, paths, startLabbench } from './fault-kit.ts';

const skip = rootSkipReason();
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);
const run = skip ? test.serial.skip : test.serial;

const UP = { name: 'f21-kill', subnet: '10.121.20.0/24' };
const SCENARIO = { name: 'f21-kscen', subnet: '10.121.21.0/24' };
const COURSE = { name: 'f21-kcourse', subnet: '10.121.22.0/24' };
const BENCH = { name: 'f21-kbench', subnet: '10.121.23.0/24' };
const LABS = [UP, SCENARIO, COURSE, BENCH];
const flags = (lab: { name: string; subnet: string }) => ['--name', lab.name, '--subnet', lab.subnet];
let before: ReturnType<typeof snapshotMachine> | undefined;
const work = mkdtempSync('/tmp/labbench-faults-');

test.before(async () => {
  if (skip) return;
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
  before = snapshotMachine(paths.root);
});

test.after.always(async () => {
  rmSync(work, { recursive: true, force: true });
  if (skip) return;
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
});

/** The next `lab up` brings the lab up whatever the killed command left, and its hosts answer over SSH. */
async function nextUpRecovers(t: import('ava').ExecutionContext, lab: { name: string; subnet: string }): Promise<string> {
  const up = await labbench(['lab', 'up', ...flags(lab)]);
  t.is(up.code, 0, up.stderr);
  t.is((await labState(lab.name)).state, 'up');
  const login = await labbench(['lab', 'exec', 'hostB', '--name', lab.name, '--', 'hostname']);
  t.is(login.code, 0, login.stderr);
  return up.stderr;
}

// Without a terminal a step's line is printed when it ends: the LAN's line means the hosts are being created.
const upPoints: [string, RegExp, number][] = [
  ['while it creates the hosts', /Creating the LAN/, 0],
  ['while the hosts boot', /Starting hostA/, 200],
];
for (const [when, point, delayMs] of upPoints) {
  run(title(`\`lab up\` killed ${when}: the lab is partial, and the next \`lab up\` removes what it left and comes up`), async (t) => {
    const up = startLabbench(['lab', 'up', ...flags(UP)]);
    await up.waitFor(point);
    await sleep(delayMs);
    const killed = await up.killGroup();
    t.is(killed.code, null, 'killed');
    t.is((await labState(UP.name)).state, 'partial');
    const next = await nextUpRecovers(t, UP);
    t.regex(next, /is partial \(an earlier up was interrupted\): removing what it left first/);
    t.is((await labbench(['lab', 'down', '--name', UP.name])).code, 0);
  });
}

run(
  title('`lab down` killed while it removes the hosts: the next `lab up` finishes the removal and creates the lab anew; `lab down` leaves nothing'),
  async (t) => {
    t.is((await labbench(['lab', 'up', ...flags(UP)])).code, 0);
    const down = startLabbench(['lab', 'down', '--name', UP.name]);
    await down.waitFor(/Removing 2 host container/);
    await down.killGroup();
    const state = (await labState(UP.name)).state;
    t.true(['partial', 'down'].includes(state), state);
    const next = await nextUpRecovers(t, UP);
    t.regex(next, /removing what it left first|no record but its containers or LAN are still there|Creating the LAN/);
    t.is((await labbench(['lab', 'down', '--name', UP.name])).code, 0);
    t.is(await labResources(UP.name), '');
  },
);

run(
  title('`scenario flannel-two-host` killed in the middle of the chapter: the next run recreates the half-configured lab, passes, and takes it down'),
  async (t) => {
    const first = startLabbench(['scenario', 'flannel-two-host', ...flags(SCENARIO)]);
    await first.waitFor(/── \[3\/\d+\]/);
    await first.killGroup();
    t.is((await labState(SCENARIO.name)).state, 'up', 'the killed run leaves its lab up, half configured');
    const next = await labbench(['scenario', 'flannel-two-host', ...flags(SCENARIO)]);
    t.is(next.code, 0, next.stdout.slice(-2000) + next.stderr);
    t.regex(next.stderr, /was left half-way through `scenario flannel-two-host` \(pid \d+\), which was killed: recreating it/);
    t.regex(next.stdout, /PASS/);
    t.is(await labResources(SCENARIO.name), '');
  },
);

run(
  title('`course start` killed while it solves the first steps: the next `course start` starts the exercise again and `course check` grades it'),
  async (t) => {
    const first = startLabbench(['course', 'start', 'flannel-two-host', '--at', '5', ...flags(COURSE)]);
    await first.waitFor(/Solving steps 1–4/);
    await first.waitFor(/hostA # /);
    await sleep(1_000);
    await first.killGroup();
    const next = await labbench(['course', 'start', 'flannel-two-host', '--at', '5', ...flags(COURSE)]);
    t.is(next.code, 0, next.stdout.slice(-2000) + next.stderr);
    const status = await labbench(['course', 'status', '--name', COURSE.name]);
    t.is(status.code, 0, status.stderr);
    t.regex(status.stdout, /step 5/i);
    const solved = await labbench(['course', 'solve', '--name', COURSE.name]);
    t.is(solved.code, 0, solved.stdout.slice(-2000) + solved.stderr);
    t.is((await labbench(['lab', 'down', '--name', COURSE.name])).code, 0);
  },
);

// Judged against the committed baseline's host/ping cells: two rounds are enough to reach a verdict or an honest "not judged".
const benchArgs = () => [
  'bench',
  ...flags(BENCH),
  '--runs',
  '2',
  '--warmups',
  '0',
  '--paths',
  'host',
  '--probes',
  'ping',
  '--report',
  join(work, 'report'),
  '--history',
  join(work, 'history'),
];
for (const [when, point] of [
  ['while its lab comes up', /Creating the LAN/],
  ['while it measures', /measuring/],
] as const) {
  run(title(`\`bench\` killed ${when}: the next \`bench\` runs and judges (not exit 2)`), async (t) => {
    const first = startLabbench(benchArgs());
    await first.waitFor(point);
    await first.killGroup();
    const next = await labbench(benchArgs());
    t.not(next.code, 2, next.stdout.slice(-2000) + next.stderr);
    t.true(existsSync(join(work, 'report', 'report.json')), 'the next bench wrote its report');
    t.is((await labbench(['lab', 'down', '--name', BENCH.name])).code, 0);
  });
}

run(title('nothing is left behind'), async (t) => {
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
  assertNoResidue(t, before!, snapshotMachine(paths.root));
});
