/**
 * The flagship scenario on a real local lab: the document's configuration (udp, MTU 1472),
 * vxlan and host-gw, a kept lab re-run, flanneld and host restarts keeping their subnets, etcd
 * going away mid-scenario, and bad input rejected before any host is touched.
 */

import { dirname } from 'node:path';
import test from 'ava';
import flannel from '../../scenarios/flannel-two-host.ts';
import { type Lab, openLab } from '../../src/lab.ts';
import { docker } from '../../src/providers/local/docker-cli.ts';
import { statePaths } from '../../src/providers/local/paths.ts';
import { containerName, LocalProvider } from '../../src/providers/local/provider.ts';
import { type ScenarioDefinition, step } from '../../src/scenario/define.ts';
import { waitFor } from '../../src/scenario/lib/host-steps.ts';
import { startAndEnableBound } from '../../src/scenario/lib/unit-start.ts';
import type { ScenarioReport } from '../../src/scenario/report.ts';
import { runScenario } from '../../src/scenario/runner.ts';
import { cli, rootSkipReason } from '../support/cli.ts';
import { diff, snapshotMachine } from '../support/machine-snapshot.ts';

const skip = rootSkipReason();
const run = skip ? test.serial.skip : test.serial;
const title = (t: string) => (skip ? `${t} — skipped: ${skip}` : t);

const LAB = 'flannelit';
const SUBNET = '10.213.55.0/24';
const A = '10.213.55.12';
const B = '10.213.55.13';
const scenario = (...extra: string[]) => cli(['scenario', 'flannel-two-host', '--name', LAB, '--subnet', SUBNET, '--keep', '--json', ...extra]);

let lab: Lab | undefined;
async function theLab(): Promise<Lab> {
  lab ??= await openLab((await new LocalProvider().inventory(LAB))!);
  return lab;
}

async function leases(): Promise<Record<string, string>> {
  const a = (await theLab()).host('hostA');
  const keys = (await a.$`ETCDCTL_API=2 etcdctl ls /atomic.io/network/subnets`).lines();
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = (await a.$`ETCDCTL_API=2 etcdctl get ${k}`).text();
  return out;
}

async function subnetOf(host: string): Promise<string> {
  return (await (await theLab()).host(host).$`sed -n 's/^FLANNEL_SUBNET=//p' /run/flannel/subnet.env`).text();
}

async function testContainersPing(): Promise<void> {
  const l = await theLab();
  for (const h of l.hosts) await h.$`docker start test >/dev/null`;
  const ipB = (await l.host('hostB').$`docker inspect -f '{{.NetworkSettings.IPAddress}}' test`).text();
  const ipA = (await l.host('hostA').$`docker inspect -f '{{.NetworkSettings.IPAddress}}' test`).text();
  await l.host('hostA').$({ timeoutMs: 30_000 })`docker exec test ping -c 2 -W 2 ${ipB}`;
  await l.host('hostB').$({ timeoutMs: 30_000 })`docker exec test ping -c 2 -W 2 ${ipA}`;
}

test.after.always(async () => {
  await lab?.close();
  if (!skip) await cli(['lab', 'down', '--name', LAB]);
});

run(title("the document's configuration passes every step: etcd values, udp backend, FLANNEL_MTU=1472, cross-host ping"), async (t) => {
  const r = await scenario();
  t.is(r.code, 0, r.stderr + r.stdout.slice(-3000));
  const report = JSON.parse(r.stdout) as ScenarioReport;
  t.is(report.verdict, 'PASS');
  t.deepEqual(
    report.steps.map((s) => s.verdict),
    ['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS'],
  );
  const commands = report.steps.flatMap((s) => s.commands);
  const mk = commands.find((c) => c.command.includes('etcdctl mk'))!;
  // As the document prints it: the hosts' shells speak etcdctl's v2 API (ETCDCTL_API=2 from /etc/environment and profile.d).
  t.is(mk.command, `etcdctl mk /atomic.io/network/config '{"Network":"172.20.0.0/16"}'`);
  t.truthy(commands.find((c) => c.host === 'hostA' && c.command === 'yum -y install etcd flannel' && c.exitCode === 0));
  t.truthy(commands.find((c) => c.host === 'hostB' && c.command === 'apt -y install flannel' && c.exitCode === 0));
  t.truthy(commands.find((c) => c.command === 'docker run -it -d --name test centos:latest' && c.exitCode === 0));
  const envs = commands.filter((c) => c.command === 'cat /run/flannel/subnet.env');
  t.is(envs.length, 2);
  for (const e of envs) t.regex(e.stdout, /^FLANNEL_NETWORK=172\.20\.0\.0\/16\nFLANNEL_SUBNET=172\.20\.\d+\.1\/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n$/);
  const conf = commands.find((c) => c.command === 'cat /etc/etcd/etcd.conf')!;
  t.true(
    conf.stdout.includes(
      'ETCD_DATA_DIR="/var/lib/etcd/default.etcd"\nETCD_LISTEN_CLIENT_URLS="http://0.0.0.0:2379"\nETCD_NAME="default"\nETCD_ADVERTISE_CLIENT_URLS="http://0.0.0.0:2379"\n',
    ),
  );

  const values = Object.values(await leases()).sort();
  t.deepEqual(values, [`{"PublicIP":"${A}","PublicIPv6":null}`, `{"PublicIP":"${B}","PublicIPv6":null}`], 'udp leases: PublicIP only, no BackendType');
});

run(title('a kept lab runs the scenario again and passes (idempotent)'), async (t) => {
  const before = { a: await subnetOf('hostA'), b: await subnetOf('hostB') };
  const r = await scenario();
  t.is(r.code, 0, r.stdout.slice(-3000));
  t.deepEqual({ a: await subnetOf('hostA'), b: await subnetOf('hostB') }, before, 'leases are reused');
});

run(title('restarting flanneld on host B gives the same subnet back and ping recovers'), async (t) => {
  const b = (await theLab()).host('hostB');
  const before = await subnetOf('hostB');
  await b.$({ timeoutMs: 120_000 })`systemctl restart flanneld`;
  await waitFor(b, 'test -s /run/flannel/subnet.env && systemctl is-active --quiet flanneld docker', 60_000);
  t.is(await subnetOf('hostB'), before);
  await testContainersPing();
  t.pass();
});

run(title('restarting the whole host B gives the same subnet back and ping recovers'), async (t) => {
  const before = await subnetOf('hostB');
  const inventory = (await new LocalProvider().inventory(LAB))!;
  await lab?.close();
  lab = undefined;
  const engine = { host: inventory.hosts[1]!.container!.dockerHost };
  await docker(engine, ['restart', containerName(LAB, 'hostB')]);
  await docker(engine, [
    'exec',
    containerName(LAB, 'hostB'),
    'timeout',
    '90',
    'sh',
    '-c',
    'until systemctl is-active --quiet flanneld docker && test -s /run/flannel/subnet.env; do sleep 0.5; done',
  ]);
  t.is(await subnetOf('hostB'), before);
  await testContainersPing();
});

run(title('vxlan and host-gw pass too, and their leases have flannel exact JSON'), async (t) => {
  const vx = await scenario('--backend', 'vxlan');
  t.is(vx.code, 0, vx.stdout.slice(-3000));
  const macA = (await (await theLab()).host('hostA').$`cat /sys/class/net/flannel.1/address`).text();
  const macB = (await (await theLab()).host('hostB').$`cat /sys/class/net/flannel.1/address`).text();
  t.deepEqual(Object.values(await leases()).sort(), [
    `{"PublicIP":"${A}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${macA}"}}`,
    `{"PublicIP":"${B}","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${macB}"}}`,
  ]);
  t.true(
    JSON.parse(vx.stdout)
      .steps.flatMap((s: { commands: { stdout: string }[] }) => s.commands)
      .some((c: { stdout: string }) => c.stdout.includes('FLANNEL_MTU=1450')),
  );

  const hg = await scenario('--backend', 'host-gw');
  t.is(hg.code, 0, hg.stdout.slice(-3000));
  t.deepEqual(Object.values(await leases()).sort(), [
    `{"PublicIP":"${A}","PublicIPv6":null,"BackendType":"host-gw"}`,
    `{"PublicIP":"${B}","PublicIPv6":null,"BackendType":"host-gw"}`,
  ]);
  t.true(
    JSON.parse(hg.stdout)
      .steps.flatMap((s: { commands: { stdout: string }[] }) => s.commands)
      .some((c: { stdout: string }) => c.stdout.includes('FLANNEL_MTU=1500')),
  );
});

run(title('etcd down: flanneld cannot start and the step fails with a diagnosis within a bound'), async (t) => {
  // The scenario's own steps, with etcd stopped on host A before flanneld is (re)started.
  // flanneld's start timeout is shortened for this case (a runtime drop-in) so the bound it sets is reached sooner.
  const dropIn = '/run/systemd/system/flanneld.service.d/labbench-test-timeout.conf';
  const stopEtcd = step('etcd stops (injected failure)', async (ctx) => {
    const a = ctx.host('hostA');
    await a.$`mkdir -p ${dirname(dropIn)} && printf '[Service]\nTimeoutStartSec=20\n' > ${dropIn} && systemctl daemon-reload`;
    await a.$`systemctl stop etcd`;
  });
  const broken: ScenarioDefinition = { ...flannel, steps: [...flannel.steps.slice(0, 2), stopEtcd, ...flannel.steps.slice(2)] };
  const started = performance.now();
  const report = await runScenario(broken, await theLab(), { overrides: {} }, {}, { cleanup: false });
  const seconds = (performance.now() - started) / 1000;
  t.is(report.verdict, 'FAIL');
  const failed = report.steps.find((s) => s.verdict === 'FAIL')!;
  t.is(failed.index, 4, "host A's flanneld start step fails");
  // The bound is flanneld's own start timeout (systemd's TimeoutStartSec) plus a margin, so a slow machine is not cut short.
  const bound = await startAndEnableBound((await theLab()).host('hostA'), 'flanneld');
  t.regex(
    failed.reason ?? '',
    new RegExp(
      `flanneld did not start \\((systemctl start flanneld failed after \\d+s|not started within ${Math.round(bound / 1000)}s)\\) — flanneld is \\w+; etcd at http://10\\.213\\.55\\.12:2379 does not answer`,
    ),
  );
  t.true(seconds < bound / 1000 + 30, `bounded: ${seconds.toFixed(0)}s, bound ${bound / 1000}s`);
  t.log(`failed after ${seconds.toFixed(1)}s: ${failed.reason}`);
  t.is(bound, 20_000 + 30_000, "the bound follows the unit's own start timeout");
  await (await theLab()).host('hostA').$`rm -f ${dropIn} && systemctl daemon-reload && systemctl start etcd`;
});

run(title('bad input is rejected before any host is touched'), async (t) => {
  const before = snapshotMachine(statePaths().root);
  const cases: [string[], RegExp][] = [
    [['scenario', 'flannel-three-host'], /unknown scenario "flannel-three-host"[\s\S]*hint: scenarios are: .*flannel-two-host/],
    [['scenario', 'flannel-two-host', '--backend', 'ipip'], /unknown flannel backend "ipip"\n {2}hint: backends are udp, vxlan, host-gw/],
    [
      ['scenario', 'flannel-two-host', '--name', 'badnet', '--subnet', '10.213.56.0/24', '--set', 'network=10.213.0.0/16'],
      /flannel network 10\.213\.0\.0\/16 overlaps 10\.213\.56\.0\/24, the lab's LAN/,
    ],
    [
      ['scenario', 'flannel-two-host', '--name', 'badnet', '--set', 'network=172.16.0.0/12'],
      /flannel network 172\.16\.0\.0\/12 overlaps 172\.17\.0\.0\/16, Docker's default bridge/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, message);
  }
  const d = diff(before, snapshotMachine(statePaths().root));
  delete d.processes;
  t.deepEqual(d, {}, 'nothing was created');
});
