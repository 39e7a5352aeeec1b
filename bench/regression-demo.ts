/**
 * A real regression is caught: record a baseline (or take one), degrade flannel's overlay
 * device on both hosts (vxlan: flannel.1; udp: flannel0), run `pnpm bench` against the
 * baseline, and show that it exits 1 naming the overlay path and the metric while the
 * untouched paths stay PASS. The device is put back afterwards.
 *
 *   --inject gso   (default) segmentation offload off through the device (gso_max_segs 1): every
 *                  TCP segment is cut and encapsulated in software, as on a device without GSO
 *   --inject mtu   the device MTU lowered (--mtu, default 1450 → 600). On this kernel the
 *                  senders' GSO hides the smaller packets (measured: no slowdown), so the
 *                  bench rightly does not flag it; it is kept to show exactly that
 *   --inject both  both at once
 *
 * The fingerprint records the MTU flannel hands out (FLANNEL_MTU in subnet.env), which this
 * leaves alone: an overlay device that no longer matches flannel's configuration is a fault of
 * the path under test, not a different testbed, so it must FAIL, not be INCONCLUSIVE.
 *
 *   pnpm exec tsx bench/regression-demo.ts [--inject gso|mtu|both] [--mtu 600] [--runs 10] [--baseline FILE]
 *                                          [--name benchreg] [--subnet 10.213.73.0/24] [--keep-lab]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchHosts } from '../src/bench/session.ts';
import { openLab } from '../src/lab.ts';
import { createProvider } from '../src/providers/registry.ts';
import { findingLines, labbench, suiteTimeLine } from './lib/cli.ts';

const { values } = parseArgs({
  options: {
    inject: { type: 'string', default: 'gso' },
    mtu: { type: 'string', default: '600' },
    runs: { type: 'string', default: '10' },
    baseline: { type: 'string' },
    name: { type: 'string', default: 'benchreg' },
    subnet: { type: 'string', default: '10.213.73.0/24' },
    'keep-lab': { type: 'boolean', default: false },
  },
});
const name = values.name as string;
const inject = values.inject as string;
if (!['gso', 'mtu', 'both'].includes(inject)) throw new Error(`--inject must be gso, mtu or both, not ${inject}`);
const lab = ['--name', name, '--subnet', values.subnet as string, '--runs', values.runs as string, '--keep'];
const dir = mkdtempSync(join(tmpdir(), 'labbench-regression-'));
const baseline = values.baseline ?? join(dir, 'baseline.json');
const out = (line = '') => process.stdout.write(`${line}\n`);
/** Read only (inventory): the lab's lock is held by the `labbench` commands this script runs. */
const provider = await createProvider('local');

/** The overlay device of each backend that has one. */
const DEVICE: Record<string, string> = { vxlan: 'flannel.1', udp: 'flannel0' };

let exitCode = 1;
/** What to put back: host name, device, its MTU and GSO segment limit before. */
const restore: { host: string; device: string; mtu: string; gsoMaxSegs: string }[] = [];
try {
  if (!values.baseline) {
    out(`recording a baseline on lab ${name} …`);
    const r = await labbench(['bench', '--no-history', '--update-baseline', '--baseline', baseline, ...lab]);
    if (r.code !== 0) throw new Error(`recording the baseline failed (exit ${r.code})`);
    out(`baseline recorded: ${suiteTimeLine(r.stdout)}`);
  } else {
    // The lab and its overlay as the bench would set them up: the document's scenario, kept.
    out(`bringing up lab ${name} with flannel (vxlan) …`);
    const r = await labbench(['scenario', 'flannel-two-host', '--backend', 'vxlan', '--keep', '--name', name, '--subnet', values.subnet as string], {
      quiet: true,
    });
    if (r.code !== 0) throw new Error(`the flannel-two-host scenario failed (exit ${r.code}):\n${r.stdout.slice(-2000)}`);
  }

  const inventory = await provider.inventory(name);
  if (!inventory) throw new Error(`lab ${name} is not up`);
  const open = await openLab(inventory);
  try {
    const hosts = benchHosts(open);
    const backend = (await hosts.a.$`ETCDCTL_API=2 etcdctl get /atomic.io/network/config`).json<{ Backend?: { Type?: string } }>().Backend?.Type ?? 'udp';
    const device = DEVICE[backend];
    if (!device) throw new Error(`the ${backend} backend has no overlay device to lower the MTU of`);
    for (const host of [hosts.a, hosts.b]) {
      const mtu = (await host.$`cat /sys/class/net/${device}/mtu`).text();
      const gsoMaxSegs = /gso_max_segs (\d+)/.exec((await host.$`ip -d link show dev ${device}`).stdout)?.[1] ?? '65535';
      restore.push({ host: host.name, device, mtu, gsoMaxSegs });
      if (inject !== 'mtu') await host.$`ip link set dev ${device} gso_max_segs 1`;
      if (inject !== 'gso') await host.$`ip link set dev ${device} mtu ${values.mtu as string}`;
      const now = await host.$`ip -d link show dev ${device}`;
      const shown = `mtu ${/ mtu (\d+)/.exec(now.stdout)?.[1]}, gso_max_segs ${/gso_max_segs (\d+)/.exec(now.stdout)?.[1]}`;
      out(
        `injected on ${host.name}: ${device} mtu ${mtu}, gso_max_segs ${gsoMaxSegs} → ${shown} (${(await host.$`grep FLANNEL_MTU /run/flannel/subnet.env`).text()} unchanged)`,
      );
    }
  } finally {
    await open.close();
  }

  out('running pnpm bench against the baseline …');
  const r = await labbench(['bench', '--no-history', '--baseline', baseline, '--json', ...lab]);
  if (!r.results) throw new Error(`pnpm bench produced no results (exit ${r.code})`);
  out();
  out(`pnpm bench exit code: ${r.code}  (${suiteTimeLine(r.stderr)})`);
  out('verdict lines:');
  for (const f of findingLines(r.stderr)) out(`  ${f}`);
  out('TCP throughput per path:');
  for (const row of r.stderr.split('\n').filter((l) => /^\S+\s+TCP throughput\s/.test(l))) out(`  ${row}`);
  const cells = r.results.cells;
  const failed = cells.filter((c) => c.verdict === 'FAIL');
  const caught = r.code === 1 && failed.length > 0 && failed.every((c) => c.path === 'overlay');
  out();
  out(`caught: ${caught ? 'yes' : 'no'} (exit ${r.code}, FAIL on ${failed.map((c) => c.key).join(', ') || 'nothing'})`);
  for (const path of r.results.suite.paths.filter((p) => p !== 'overlay')) {
    const own = cells.filter((c) => c.path === path);
    const counts = ['PASS', 'WARN', 'INCONCLUSIVE', 'IMPROVED', 'FAIL']
      .map((v) => [v, own.filter((c) => c.verdict === v).length] as const)
      .filter(([, n]) => n > 0);
    out(`untouched ${path}: ${counts.map(([v, n]) => `${n} ${v}`).join(', ')}`);
  }
  exitCode = caught ? 0 : 1;
} finally {
  const inventory = restore.length > 0 ? await provider.inventory(name) : undefined;
  if (inventory) {
    const open = await openLab(inventory);
    try {
      for (const r of restore) {
        await open.host(r.host).$({ nothrow: true })`ip link set dev ${r.device} mtu ${r.mtu} gso_max_segs ${r.gsoMaxSegs}`;
        out(`restored: ${r.host} ${r.device} mtu ${r.mtu}, gso_max_segs ${r.gsoMaxSegs}`);
      }
    } finally {
      await open.close();
    }
  }
  if (!values['keep-lab']) await labbench(['lab', 'down', '--name', name], { quiet: true });
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = exitCode;
