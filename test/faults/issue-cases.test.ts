/**
 * The two faults that once locked users out, replayed as they happened:
 *  1. two `lab up` of one lab started 0.3 s and 1.2 s apart (a script, a second terminal): the
 *     second must wait for the first and find the lab up, its pinned host keys matching;
 *  2. a stale private dockerd still holding the data-root with its socket, exec-root and
 *     pidfile deleted: the next `lab up` must stop it, say so in one line, and come up.
 * Both failed before labs had locks and the engine was found by its data-root.
 */

import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { processAlive } from '../../src/machine/process.ts';
import { runLocal } from '../../src/machine/run.ts';
import { rootSkipReason } from '../support/cli.ts';
import { snapshotMachine } from '../support/machine-snapshot.ts';
import { assertNoResidue } from '../support/no-residue.ts';
import {
  engineKillSkipReason,
  engineNow,
  foreignRunningContainers,
  labbench,
  labResources,
  labState,
  paths,
  startContainers,
  startLabbench,
  withoutRestartedHosts,
} from './fault-kit.ts';

const skip = rootSkipReason();
const killSkip = engineKillSkipReason('f21-');
const title = (t: string, reason = skip) => (reason ? `${t} — skipped: ${reason}` : t);
const run = (reason: string | undefined) => (reason ? test.serial.skip : test.serial);

const TWIN = { name: 'f21-twin', subnet: '10.121.1.0/24' };
const STALE = { name: 'f21-stale', subnet: '10.121.2.0/24' };
const flags = (lab: { name: string; subnet: string }) => ['--name', lab.name, '--subnet', lab.subnet];
let before: ReturnType<typeof snapshotMachine> | undefined;
/** Hosts of other labs that ran before the stale engine was replaced (only with LABBENCH_FAULTS_KILL_SHARED_ENGINE=1). */
let othersRunning: string[] = [];

test.before(async () => {
  if (skip) return;
  // Whatever an earlier run left of this file's labs goes first; the machine as it is then is the reference.
  for (const lab of [TWIN, STALE]) await labbench(['lab', 'down', '--name', lab.name]);
  before = snapshotMachine(paths.root);
});

test.after.always(async () => {
  if (skip) return;
  for (const lab of [TWIN, STALE]) await labbench(['lab', 'down', '--name', lab.name]);
});

for (const gapMs of [300, 1_200]) {
  run(skip)(
    title(`two \`lab up\` of one lab ${gapMs / 1000} s apart: the second waits for the first, then finds the lab up with its pinned keys`),
    async (t) => {
      t.is((await labbench(['lab', 'down', '--name', TWIN.name])).code, 0);
      const first = startLabbench(['lab', 'up', ...flags(TWIN)]);
      await sleep(gapMs);
      const second = startLabbench(['lab', 'up', ...flags(TWIN)]);
      const [a, b] = await Promise.all([first.done, second.done]);
      t.is(a.code, 0, a.stderr);
      t.is(b.code, 0, b.stderr);
      t.regex(b.stderr, new RegExp(`waiting for \`lab up\` \\(pid ${first.pid}\\) on lab ${TWIN.name}`));
      t.regex(b.stderr, /is already up/);
      t.is((await labState(TWIN.name)).state, 'up');
      // The key pinned in known_hosts is the one each host has: SSH logins succeed.
      for (const host of ['hostA', 'hostB']) {
        const login = await labbench(['lab', 'exec', host, '--name', TWIN.name, '--', 'hostname']);
        t.is(login.code, 0, login.stderr);
        t.is(login.stdout.trim(), host);
      }
      t.is((await labResources(TWIN.name)).split('\n').length, 5, 'one set of resources: two host containers, their two volumes, one LAN');
      const down = await labbench(['lab', 'down', '--name', TWIN.name]);
      t.is(down.code, 0, down.stderr);
      t.is(await labResources(TWIN.name), '');
    },
  );
}

run(killSkip)(
  title(
    'a stale private dockerd (socket, exec-root and pidfile deleted, still holding the data-root) is stopped by the next `lab up`, which says so and comes up',
    killSkip,
  ),
  async (t) => {
    const up = await labbench(['lab', 'up', ...flags(STALE)]);
    t.is(up.code, 0, up.stderr);
    othersRunning = await foreignRunningContainers('f21-');
    const [stale] = engineNow().dockerd;
    t.truthy(stale);
    // What a concurrent start once did to a running engine: its exec-root, socket and pidfile gone.
    const mounts = (await runLocal(['cat', '/proc/self/mounts'])).stdout
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${paths.engine.execRoot}/`));
    for (const m of mounts.sort((x, y) => y.length - x.length)) await runLocal(['umount', '-l', m], { nothrow: true });
    rmSync(paths.engine.execRoot, { recursive: true, force: true });
    rmSync(paths.engine.socket, { force: true });
    rmSync(paths.engine.pidfile, { force: true });
    t.true(processAlive(stale!), 'the stale dockerd still runs');

    const again = await labbench(['lab', 'up', ...flags(STALE)]);
    t.is(again.code, 0, again.stderr);
    t.regex(
      again.stderr,
      new RegExp(`a stale labbench engine \\(dockerd pid ${stale}\\) holds ${paths.engine.dataRoot} but its socket .* is gone: stopping it`),
    );
    t.false(processAlive(stale!), 'the stale dockerd is gone');
    t.is(engineNow().dockerd.length, 1, 'one private dockerd');
    t.is((await labState(STALE.name)).state, 'up');
    await startContainers(othersRunning);
    const login = await labbench(['lab', 'exec', 'hostA', '--name', STALE.name, '--', 'hostname']);
    t.is(login.code, 0, login.stderr);
    const down = await labbench(['lab', 'down', '--name', STALE.name]);
    t.is(down.code, 0, down.stderr);
    t.true(existsSync(paths.engine.socket) || engineNow().dockerd.length === 0, 'the engine is either running with its socket or stopped');
  },
);

run(skip)(title('nothing is left behind'), async (t) => {
  for (const lab of [TWIN, STALE]) await labbench(['lab', 'down', '--name', lab.name]);
  // Other labs' hosts that were started again have new veth and namespace names; nothing else may differ.
  const tidy = othersRunning.length > 0 ? withoutRestartedHosts : <T>(x: T) => x;
  assertNoResidue(t, tidy(before!), tidy(snapshotMachine(paths.root)));
});
