/**
 * A lab keeps its hosts' work across `lab stop` / `lab start`, a killed engine followed by
 * `lab up`, and a host that is gone; only `lab up --recreate` throws it away. One lab is shared
 * by the cases (in order), configured by the flannel scenario first, and `lab down` at the end
 * must leave the machine as it was.
 *
 * The scenario's `test` containers are run as the document runs them (`docker run -itd`, no
 * restart policy), so after a restart they are exited, as on the document's machines after a
 * reboot, and are started again with `docker start test`. The `keeper` container has a restart
 * policy and must come back by itself.
 */

import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { type Lab, openLab } from '../../src/lab.ts';
import { processAlive } from '../../src/machine/process.ts';
import { docker } from '../../src/providers/local/docker-cli.ts';
import { allLabRecords } from '../../src/providers/local/lab-record.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { containerName, LocalProvider } from '../../src/providers/local/provider.ts';
import { BOX_IMAGE } from '../../src/scenario/lib/box.ts';
import { waitFor } from '../../src/scenario/lib/host-steps.ts';
import { type CliResult, cli, rootSkipReason } from '../support/cli.ts';
import { diff, type MachineSnapshot, snapshotMachine } from '../support/machine-snapshot.ts';

const LAB = 'persist';
const SUBNET = '10.213.58.0/24';
const NOTE = '/root/note.txt';
const paths = statePaths();

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string, reason = skip) => (reason ? `${t} — skipped: ${reason}` : t);
const otherLabs = allLabRecords(paths)
  .map((r) => r.name)
  .filter((n) => n !== LAB);
const killSkip =
  skip ??
  (process.env.DOCKER_HOST || existsSync('/var/run/docker.sock')
    ? "the lab runs on the user's Docker engine, which this test does not kill"
    : otherLabs.length > 0
      ? `other labs (${otherLabs.join(', ')}) share labbench's private engine; killing it would stop them too`
      : undefined);

const runKill = killSkip ? test.serial.skip : test.serial;
const lab = ['--name', LAB];
let before: MachineSnapshot | undefined;
let hostEngine: { host: string } | undefined;

async function withLab<T>(use: (l: Lab) => Promise<T>): Promise<T> {
  const l = await openLab((await new LocalProvider().inventory(LAB))!, { transport: 'ssh' });
  try {
    return await use(l);
  } finally {
    await l.close();
  }
}

/** The host containers' IDs: the same IDs mean the hosts were started, not recreated. */
async function hostIds(): Promise<string[]> {
  return Promise.all(['hostA', 'hostB'].map(async (h) => (await docker(hostEngine!, ['inspect', '-f', '{{.Id}}', containerName(LAB, h)])).stdout.trim()));
}

async function state(): Promise<{ state: string; hosts: { state: string }[]; details: Record<string, string> }> {
  return JSON.parse((await cli(['lab', 'status', ...lab, '--json'])).stdout);
}

/** Subnets and leases as flannel holds them, and whether the scenario's containers ping across hosts. */
async function flannelState(l: Lab): Promise<{ subnets: string[]; leases: string[] }> {
  const subnets: string[] = [];
  for (const h of l.hosts) {
    await waitFor(h, 'test -s /run/flannel/subnet.env && systemctl is-active --quiet flanneld docker', 90_000);
    subnets.push((await h.$`sed -n 's/^FLANNEL_SUBNET=//p' /run/flannel/subnet.env`).text());
  }
  const a = l.host('hostA');
  const keys = (await a.$`ETCDCTL_API=2 etcdctl ls /atomic.io/network/subnets`).lines().sort();
  const leases = await Promise.all(keys.map(async (k) => `${k} ${(await a.$`ETCDCTL_API=2 etcdctl get ${k}`).text()}`));
  return { subnets, leases };
}

async function testContainersPing(t: ExecutionContext, l: Lab): Promise<void> {
  const ips: string[] = [];
  for (const h of l.hosts) {
    await h.$`docker start test >/dev/null`;
    ips.push((await h.$`docker inspect -f '{{.NetworkSettings.IPAddress}}' test`).text());
  }
  const ab = await l.host('hostA').$({ timeoutMs: 30_000, nothrow: true })`docker exec test ping -c 2 -W 2 ${ips[1]!}`;
  const ba = await l.host('hostB').$({ timeoutMs: 30_000, nothrow: true })`docker exec test ping -c 2 -W 2 ${ips[0]!}`;
  t.regex(ab.stdout, / 2 packets received/, `test@hostA → test@hostB ${ips[1]}`);
  t.regex(ba.stdout, / 2 packets received/, `test@hostB → test@hostA ${ips[0]}`);
}

/** What hostA holds: the note, and the keeper container running by its restart policy. */
async function hostAWork(l: Lab): Promise<{ note: string; keeper: string }> {
  const a = l.host('hostA');
  await waitFor(a, `test "$(docker inspect -f '{{.State.Running}}' keeper 2>/dev/null)" = true`, 60_000).catch(() => {});
  return {
    note: (await a.$({ nothrow: true })`cat ${NOTE}`).text(),
    keeper: (await a.$({ nothrow: true })`docker inspect -f '{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}' keeper`).text(),
  };
}

test.after.always(async () => {
  if (!skip) await cli(['lab', 'down', ...lab]);
});

run(
  title(
    'flannel-two-host --keep, lab stop, lab start: same hosts, keys, subnets and leases; the note and the keeper container stay; test containers ping across hosts',
  ),
  async (t) => {
    before = snapshotMachine(paths.root);
    const scenario = await cli(['scenario', 'flannel-two-host', ...lab, '--subnet', SUBNET, '--keep', '--json']);
    t.is(scenario.code, 0, scenario.stderr.slice(-2000));
    hostEngine = { host: (await new LocalProvider().inventory(LAB))!.hosts[0]!.container!.dockerHost };
    const flannel = await withLab(async (l) => {
      await l.host('hostA').$`echo kept across restarts > ${NOTE}`;
      await l.host('hostA').$`docker run -d --restart unless-stopped --name keeper ${BOX_IMAGE} sleep 1000000 >/dev/null`;
      return flannelState(l);
    });
    const ids = await hostIds();
    const knownHosts = readFileSync(paths.lab(LAB).knownHosts, 'utf8');

    const stop = await cli(['lab', 'stop', ...lab]);
    t.is(stop.code, 0, stop.stderr);
    t.regex(stop.stdout, /lab "persist" is stopped .*keep their files and containers/);
    const stopped = await state();
    t.is(stopped.state, 'stopped');
    t.deepEqual(
      stopped.hosts.map((h) => h.state),
      ['exited', 'exited'],
    );
    t.regex(stopped.details.next!, /pnpm lab start --name persist/);
    const again = await cli(['lab', 'stop', ...lab]);
    t.is(again.code, 0, 'stopping a stopped lab changes nothing');
    t.regex(again.stderr, /already stopped/);

    // The host image is only needed to create hosts: without its tag the stopped hosts still start.
    // (The image itself stays under another name: other labs of the machine may share it.)
    const image = stopped.details.image!;
    const aside = `labbench/host-aside:${LAB}`;
    await docker(hostEngine, ['tag', image, aside]);
    await docker(hostEngine, ['rmi', image]);
    let start: CliResult;
    try {
      t.is((await docker(hostEngine, ['image', 'inspect', image], { nothrow: true })).exitCode, 1, 'the host image tag is gone');
      start = await cli(['lab', 'start', ...lab]);
    } finally {
      await docker(hostEngine, ['tag', aside, image]);
      await docker(hostEngine, ['rmi', aside]);
    }
    t.is(start.code, 0, start.stderr);
    t.regex(start.stdout, /its hosts were started, nothing was recreated/);
    t.is((await state()).state, 'up');
    t.deepEqual(await hostIds(), ids, 'the same host containers');
    t.is(readFileSync(paths.lab(LAB).knownHosts, 'utf8'), knownHosts, 'the same pinned host keys');

    await withLab(async (l) => {
      t.deepEqual(await hostAWork(l), { note: 'kept across restarts', keeper: 'running unless-stopped' });
      t.deepEqual(await flannelState(l), flannel, 'flannel re-acquired the same subnets from its leases in etcd');
      for (const h of l.hosts)
        t.is((await h.$`docker inspect -f '{{.State.Status}}' test`).text(), 'exited', `${h.name}: test has no restart policy, as in the document`);
      await testContainersPing(t, l);
    });

    const startUp = await cli(['lab', 'start', ...lab]);
    t.is(startUp.code, 1);
    t.regex(startUp.stderr, /^error: lab "persist" is already up: there is nothing to start\n {2}hint: /);
  },
);

runKill(title('a killed private engine: status says engine down, lab up starts the engine and the same hosts, nothing recreated', killSkip), async (t) => {
  const ids = await hostIds();
  const pid = (JSON.parse(readFileSync(paths.engine.record, 'utf8')) as { pid: number }).pid;
  process.kill(pid, 'SIGKILL');
  while (processAlive(pid)) await sleep(100);
  const down = await state();
  t.is(down.state, 'engine down');
  t.regex(down.details.next!, /starts labbench's private engine again, then the hosts/);

  const up = await cli(['lab', 'up', ...lab, '--subnet', SUBNET]);
  t.is(up.code, 0, up.stderr);
  t.regex(up.stderr, /Starting labbench's private Docker engine again/);
  t.regex(up.stderr, /lab "persist" exists and is stopped: starting its hosts as they were \(nothing is recreated/);
  t.notRegex(up.stderr, /Creating|removing/i);
  t.deepEqual(await hostIds(), ids, 'the same host containers');
  await withLab(async (l) => {
    t.deepEqual(await hostAWork(l), { note: 'kept across restarts', keeper: 'running unless-stopped' });
    await flannelState(l);
    await testContainersPing(t, l);
  });
});

run(title('a host that is gone: lab up refuses and says what --recreate would lose; lab up --recreate is what removes the note'), async (t) => {
  const ids = await hostIds();
  await docker(hostEngine!, ['rm', '-f', containerName(LAB, 'hostB')]);
  t.is((await state()).state, 'partial');
  const up = await cli(['lab', 'up', ...lab, '--subnet', SUBNET]);
  t.is(up.code, 1);
  t.regex(
    up.stderr,
    /error: lab "persist" cannot be started: hostB is gone\n {2}hint: `pnpm lab up --recreate --name persist` removes the lab and creates it again; what hostA holds \(files, Docker containers, images and volumes, etcd's data\) would be lost/,
  );
  t.is((await docker(hostEngine!, ['exec', containerName(LAB, 'hostA'), 'cat', NOTE])).stdout.trim(), 'kept across restarts', 'refusing kept hostA as it was');

  const recreate = await cli(['lab', 'up', ...lab, '--subnet', SUBNET, '--recreate']);
  t.is(recreate.code, 0, recreate.stderr);
  t.regex(recreate.stderr, /--recreate removes it first/);
  const fresh = await hostIds();
  t.not(fresh[0], ids[0], 'hostA was created anew');
  t.is((await docker(hostEngine!, ['exec', containerName(LAB, 'hostA'), 'test', '-e', NOTE], { nothrow: true })).exitCode, 1, 'the note is gone');
});

run(title('start and stop of a lab that does not exist say so; lab down leaves nothing behind'), async (t) => {
  for (const command of ['start', 'stop']) {
    const r = await cli(['lab', command, '--name', 'nosuchlab']);
    t.is(r.code, 1, command);
    t.regex(
      r.stderr,
      new RegExp(`^error: lab "nosuchlab" does not exist: there is nothing to ${command}\\n {2}hint: \`pnpm lab up --name nosuchlab\` creates it\\n$`),
    );
  }
  const down = await cli(['lab', 'down', ...lab]);
  t.is(down.code, 0, down.stderr);
  const changed = diff(before!, snapshotMachine(paths.root));
  t.deepEqual(changed, {}, `the machine changed: ${JSON.stringify(changed, null, 2)}`);
});
