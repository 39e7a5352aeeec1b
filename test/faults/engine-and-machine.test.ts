/**
 * Faults of the machine under the labs: labbench's private engine killed while a scenario runs,
 * the machine's "reboot" (every container and the engine gone at once) followed by a `lab up`
 * killed while it starts the engine again, a host whose disk is full, and an engine record that
 * is not readable. These kill the engine every lab of the machine shares, so they run only
 * where no other lab lives in it (see engineKillSkipReason).
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { processAlive } from '../../src/machine/process.ts';
import { snapshotMachine } from '../support/machine-snapshot.ts';
import { assertNoResidue } from '../support/no-residue.ts';
import {
  engineKillSkipReason,
  engineNow,
  foreignLabs,
  foreignRunningContainers,
  labbench,
  labResources,
  labState,
  paths,
  powerCut,
  startContainers,
  startLabbench,
  withoutRestartedHosts,
} from './fault-kit.ts';

const skip = engineKillSkipReason('f21-');
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);
const run = skip ? test.serial.skip : test.serial;

const ENGINE_LAB = { name: 'f21-engine', subnet: '10.121.30.0/24' };
const BOOT = { name: 'f21-boot', subnet: '10.121.31.0/24' };
const DISK = { name: 'f21-disk', subnet: '10.121.32.0/24' };
const LABS = [ENGINE_LAB, BOOT, DISK];
const flags = (lab: { name: string; subnet: string }) => ['--name', lab.name, '--subnet', lab.subnet];
let before: ReturnType<typeof snapshotMachine> | undefined;
/** Hosts of other labs that ran before (only with LABBENCH_FAULTS_KILL_SHARED_ENGINE=1): started again after each kill. */
let othersRunning: string[] = [];

test.before(async () => {
  if (skip) return;
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
  othersRunning = await foreignRunningContainers('f21-');
  before = snapshotMachine(paths.root);
});

test.after.always(async () => {
  if (skip) return;
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
});

run(
  title(
    'the private engine killed (SIGKILL of dockerd and containerd) while a scenario runs: the run ends with one clear message or passes; the next run starts the engine again, recreates the lab and passes',
  ),
  async (t) => {
    const first = startLabbench(['scenario', 'flannel-two-host', ...flags(ENGINE_LAB)]);
    await first.waitFor(/── \[2\/\d+\]/);
    const { dockerd, containerd } = engineNow();
    for (const pid of [...dockerd, ...containerd]) process.kill(pid, 'SIGKILL');
    const ended = await first.done;
    t.not(ended.code, null, 'it ended by itself');
    t.true([0, 1].includes(ended.code!), `exit ${ended.code}: ${ended.stderr.slice(-1500)}`);
    t.is(ended.stderr.split('\n').filter((l) => /^error: /.test(l)).length <= 1, true, 'at most one error');
    await startContainers(othersRunning);
    const next = await labbench(['scenario', 'flannel-two-host', ...flags(ENGINE_LAB)]);
    t.is(next.code, 0, next.stdout.slice(-2000) + next.stderr);
    t.regex(next.stdout + next.stderr, /Starting (a|labbench's) private Docker engine/);
    // The engine stops with the last lab that needs it.
    t.is(engineNow().dockerd.length, foreignLabs('f21-').length > 0 ? 1 : 0);
    t.is(await labResources(ENGINE_LAB.name), '');
  },
);

run(
  title(
    'the machine "reboots" (engine and every container gone at once): status says engine down; a `lab up` killed while it starts the engine again, then the next `lab up` brings the lab back with its files',
  ),
  async (t) => {
    const first = await labbench(['lab', 'up', ...flags(BOOT)]);
    t.is(first.code, 0, first.stderr);
    t.is((await labbench(['lab', 'exec', 'hostA', '--name', BOOT.name, '--', 'echo survived > /root/reboot-note && sync'])).code, 0);
    await powerCut();
    t.deepEqual(engineNow(), { dockerd: [], containerd: [], shims: [] });
    t.is((await labState(BOOT.name)).state, 'engine down');

    const killed = startLabbench(['lab', 'up', ...flags(BOOT)]);
    await killed.waitFor(/Starting labbench's private Docker engine again|Starting a private Docker engine/, 60_000).catch(() => undefined);
    // Non-terminal output shows a step when it ends: kill a moment after the engine was spawned.
    const deadline = Date.now() + 30_000;
    while (engineNow().dockerd.length === 0 && Date.now() < deadline) await sleep(20);
    await sleep(300);
    await killed.killGroup();

    const up = await labbench(['lab', 'up', ...flags(BOOT)]);
    t.is(up.code, 0, up.stderr);
    t.is(engineNow().dockerd.length, 1, 'one private dockerd');
    const note = await labbench(['lab', 'exec', 'hostA', '--name', BOOT.name, '--', 'cat', '/root/reboot-note']);
    t.is(note.stdout.trim(), 'survived');
    await startContainers(othersRunning);
    t.is((await labbench(['lab', 'down', '--name', BOOT.name])).code, 0);
  },
);

run(
  title(
    "a host's disk full (etcd's data directory on a 1 MiB file system, filled): the scenario FAILs at that step with what the host said, still takes its lab down cleanly; the next run passes",
  ),
  async (t) => {
    const up = await labbench(['lab', 'up', ...flags(DISK)]);
    t.is(up.code, 0, up.stderr);
    const fill = await labbench([
      'lab',
      'exec',
      'hostA',
      '--name',
      DISK.name,
      '--',
      'mkdir -p /var/lib/etcd && mount -t tmpfs -o size=1m tmpfs /var/lib/etcd && (dd if=/dev/zero of=/var/lib/etcd/filler bs=64k 2>/dev/null; true) && df -h /var/lib/etcd',
    ]);
    t.is(fill.code, 0, fill.stderr);
    t.regex(fill.stdout, /100%/);
    const full = await labbench(['scenario', 'flannel-two-host', ...flags(DISK)]);
    t.is(full.code, 1, full.stdout.slice(-2000) + full.stderr);
    t.regex(full.stdout, /FAIL/);
    t.regex(full.stdout, /Job for etcd\.service failed/, 'the report shows the step that failed and what the host said');
    t.is(await labResources(DISK.name), '', 'the failed run took its lab down');
    const next = await labbench(['scenario', 'flannel-two-host', ...flags(DISK)]);
    t.is(next.code, 0, next.stdout.slice(-2000) + next.stderr);
  },
);

// The engine stops with its last lab: with other labs in it there is no stop to try.
const stopSkip =
  skip ?? (foreignLabs('f21-').length > 0 ? `other labs (${foreignLabs('f21-').join(', ')}) keep the engine running: there is no stop to try` : undefined);
(stopSkip ? test.serial.skip : test.serial)(
  `an engine record that is not readable (cut short): lab down and lab up each say so in one line and go on without it; the engine is found by its data-root and stopped cleanly${stopSkip ? ` — skipped: ${stopSkip}` : ''}`,
  async (t) => {
    const cutShort = (record: string) => writeFileSync(paths.engine.record, record.slice(0, 40));
    const said = (r: { stdout: string; stderr: string }) =>
      (r.stdout + r.stderr).includes(`${paths.engine.record} is not a readable record of labbench's private Docker engine`) &&
      /removed it; labbench finds its engine by its data-root/.test(r.stdout + r.stderr);

    // Stopping: the record is cut short while the engine runs.
    t.is((await labbench(['lab', 'up', ...flags(ENGINE_LAB)])).code, 0);
    const record = readFileSync(paths.engine.record, 'utf8');
    const pids = engineNow().dockerd;
    cutShort(record);
    const down = await labbench(['lab', 'down', '--name', ENGINE_LAB.name]);
    t.is(down.code, 0, down.stderr);
    t.true(said(down), down.stdout + down.stderr);
    t.is(await labResources(ENGINE_LAB.name), '');
    t.false(pids.some(processAlive), 'the engine is stopped');
    t.false(existsSync(paths.engine.record));

    // Starting: a cut-short record left by an engine that is gone (what a full disk leaves) does not lock anyone out.
    cutShort(record);
    const up = await labbench(['lab', 'up', ...flags(ENGINE_LAB)]);
    t.is(up.code, 0, up.stderr);
    t.true(said(up), up.stdout + up.stderr);
    t.is(engineNow().dockerd.length, 1);
    t.is((await labbench(['lab', 'down', '--name', ENGINE_LAB.name])).code, 0);
    t.is(engineNow().dockerd.length, 0, 'the engine stops with its last lab');
  },
);

run(title('nothing is left behind'), async (t) => {
  for (const lab of LABS) await labbench(['lab', 'down', '--name', lab.name]);
  await startContainers(othersRunning);
  // Other labs' hosts that were started again have new veth and namespace names; nothing else may differ.
  const tidy = othersRunning.length > 0 ? withoutRestartedHosts : <T>(x: T) => x;
  assertNoResidue(t, tidy(before!), tidy(snapshotMachine(paths.root)));
});
