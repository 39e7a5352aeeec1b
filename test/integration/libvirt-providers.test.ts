/**
 * The libvirt dynamic providers against a real libvirtd, called DIRECTLY (no Pulumi engine):
 * a NAT network comes up, changes a lease in place and goes away; a pool and a base volume from
 * a local qcow2 (its sha256 checked; a wrong one fails with the clear error) with a qcow2 overlay;
 * a NoCloud seed ISO read back with isoinfo; an emulated (TCG, type qemu) domain defined, started,
 * resized in place and destroyed. Afterwards nothing of the test is left in libvirt or on disk.
 *
 * Needs root. Installs the Debian packages when missing, starts virtlogd/libvirtd when they are
 * not running (and stops them, and removes the iptables chains libvirt made, only then), and never
 * starts libvirt's `default` network. Skips visibly, with the reason, when libvirtd cannot run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { type CloudInitDiskOutputs, cloudInitDiskProvider } from '../../infra/libvirt/cloud-init-disk.ts';
import { type DomainInputs, type DomainOutputs, domainProvider } from '../../infra/libvirt/domain.ts';
import { parseVirshInfo } from '../../infra/libvirt/exec.ts';
import { type NetworkInputs, type NetworkOutputs, networkProvider } from '../../infra/libvirt/network.ts';
import { type PoolOutputs, poolProvider } from '../../infra/libvirt/pool.ts';
import { type VolumeInputs, type VolumeOutputs, volumeProvider } from '../../infra/libvirt/volume.ts';
import { type CloudInitSpec, renderMetaData, renderNetworkConfig, renderUserData } from '../../infra/render/cloud-init.ts';
import { runLocal } from '../../src/machine/run.ts';
import {
  LIBVIRT_DIRS,
  prepareLibvirtd,
  readdirSafe,
  removeLibvirtLogs,
  removeNetworkRuntimeLeftovers,
  restoreLibvirtd,
  sh,
  URI,
  virsh,
} from '../support/libvirtd.ts';

const prefix = `lbtest-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'labbench-libvirt-it-'));

const started = performance.now();
const prepared = await prepareLibvirtd(prefix, work);
const serial = 'skip' in prepared ? test.serial.skip : test.serial;
const why = 'skip' in prepared ? ` [skipped: ${prepared.skip}]` : '';

test.after.always(async (t) => {
  if ('env' in prepared) await restoreLibvirtd(prepared.env);
  rmSync(work, { recursive: true, force: true });
  if ('env' in prepared) t.log(`libvirt integration took ${((performance.now() - started) / 1000).toFixed(1)}s including daemon start/stop`);
});

// Shared by the serial steps below. The pool lives where libvirt keeps images: the emulator runs as
// libvirt-qemu and must be able to reach the files (a private temp directory would not do).
const poolDir = `/var/lib/libvirt/images/${prefix}`;
const networkInputs: NetworkInputs = {
  uri: URI,
  name: `${prefix}-lan`,
  mode: 'nat',
  addresses: ['10.213.77.0/24'],
  bridge: `lbv${process.pid % 1_000_000}`,
  autostart: false,
  dhcpHosts: [{ mac: '52:54:00:d5:4d:0c', name: 'hostA', ip: '10.213.77.12' }],
};
const state: { pool?: PoolOutputs; base?: VolumeOutputs; overlay?: VolumeOutputs; seed?: CloudInitDiskOutputs } = {};

async function check<T>(provider: { check?: (o: T, n: T) => Promise<{ inputs?: T; failures?: unknown[] }> }, news: Partial<T>): Promise<T> {
  const result = await provider.check!({} as T, news as T);
  if (result.failures?.length) throw new Error(`check failed: ${JSON.stringify(result.failures)}`);
  return result.inputs!;
}

serial(`a NAT network comes up, takes a new lease in place, and goes away${why}`, async (t) => {
  const inputs = await check(networkProvider, networkInputs);
  const { id, outs } = await networkProvider.create(inputs);
  const created = outs as NetworkOutputs;
  try {
    const info = parseVirshInfo((await virsh('net-info', networkInputs.name)).stdout);
    t.like(info, { Active: 'yes', Autostart: 'no', UUID: id, Bridge: networkInputs.bridge! });
    t.true((await virsh('net-dumpxml', id)).stdout.includes("<host mac='52:54:00:d5:4d:0c' name='hostA' ip='10.213.77.12'/>"));

    const news = await check(networkProvider, {
      ...networkInputs,
      dhcpHosts: [...networkInputs.dhcpHosts, { mac: '52:54:00:d5:4d:0d', name: 'hostB', ip: '10.213.77.13' }],
    });
    t.deepEqual(await networkProvider.diff!(id, created, news), { changes: true, replaces: [], deleteBeforeReplace: true });
    await networkProvider.update!(id, created, news);
    const live = (await virsh('net-dumpxml', id)).stdout;
    const persistent = (await virsh('net-dumpxml', '--inactive', id)).stdout;
    for (const xml of [live, persistent]) t.true(xml.includes("<host mac='52:54:00:d5:4d:0d' name='hostB' ip='10.213.77.13'/>"));
    t.deepEqual((await networkProvider.diff!(id, created, { ...news, addresses: ['10.213.78.0/24'] })).replaces, ['addresses']);
  } finally {
    await networkProvider.delete!(id, created);
  }
  t.not((await virsh('net-info', networkInputs.name)).exitCode, 0, 'network undefined');
  t.not((await sh(['ip', 'link', 'show', networkInputs.bridge!])).exitCode, 0, 'bridge removed');
  // Deleting again is a no-op (idempotent delete).
  await t.notThrowsAsync(networkProvider.delete!(id, created));
});

serial(`a pool, a base volume from a local qcow2 (sha256 checked), and a qcow2 overlay${why}`, async (t) => {
  const poolInputs = await check(poolProvider, { uri: URI, name: `${prefix}-pool`, path: poolDir });
  state.pool = (await poolProvider.create(poolInputs)).outs as PoolOutputs;
  t.like(parseVirshInfo((await virsh('pool-info', poolInputs.name)).stdout), { State: 'running' });

  const image = join(work, 'base.qcow2');
  await runLocal(['qemu-img', 'create', '-q', '-f', 'qcow2', image, '64M']);
  const digest = (await runLocal(['sha256sum', image])).stdout.split(' ')[0]!;
  const baseInputs: Partial<VolumeInputs> = { uri: URI, name: `${prefix}-base.qcow2`, pool: poolInputs.name, source: image, cacheDir: join(work, 'cache') };

  const wrong = 'a'.repeat(64);
  await t.throwsAsync(volumeProvider.create(await check(volumeProvider, { ...baseInputs, sha256: wrong })), {
    message: new RegExp(`^sha256 mismatch for ${image}: expected ${wrong}, got ${digest}\\n  hint: `),
  });
  t.is((await virsh('vol-list', '--pool', poolInputs.name, '--name')).stdout.trim(), '', 'nothing uploaded for a bad image');

  const base = await volumeProvider.create(await check(volumeProvider, { ...baseInputs, sha256: digest }));
  state.base = base.outs as VolumeOutputs;
  t.is(base.id, join(poolDir, `${prefix}-base.qcow2`));
  t.is(state.base.verifiedSha256, digest);
  t.true((await virsh('vol-dumpxml', base.id)).stdout.includes("<format type='qcow2'/>"));

  const overlay = await volumeProvider.create(
    await check(volumeProvider, { uri: URI, name: `${prefix}-disk.qcow2`, pool: poolInputs.name, baseVolumeId: base.id, size: 256 * 1024 ** 2 }),
  );
  state.overlay = overlay.outs as VolumeOutputs;
  const info = JSON.parse((await runLocal(['qemu-img', 'info', '--output=json', overlay.id])).stdout) as Record<string, unknown>;
  t.like(info, { format: 'qcow2', 'virtual-size': 256 * 1024 ** 2, 'backing-filename': base.id, 'backing-filename-format': 'qcow2' });
});

const seedSpec: CloudInitSpec = {
  instanceId: `${prefix}-vm`,
  hostname: 'hostA',
  sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-test'],
  mac: '52:54:00:d5:4d:0c',
  addressCidr: '10.213.77.12/24',
  gateway: '10.213.77.1',
  routed: true,
};

serial(`the seed ISO is labelled cidata and holds user-data, meta-data and network-config${why}`, async (t) => {
  const docs = { userData: renderUserData(seedSpec), metaData: renderMetaData(seedSpec), networkConfig: renderNetworkConfig(seedSpec) };
  const seed = await cloudInitDiskProvider.create(
    await check(cloudInitDiskProvider, { uri: URI, name: `${prefix}-seed.iso`, pool: `${prefix}-pool`, ...docs }),
  );
  state.seed = seed.outs as CloudInitDiskOutputs;
  const pvd = (await runLocal(['isoinfo', '-d', '-i', seed.id])).stdout;
  t.regex(pvd, /^Volume id: cidata$/m);
  const listing = (await runLocal(['isoinfo', '-R', '-f', '-i', seed.id])).stdout
    .split('\n')
    .filter((l) => l !== '')
    .sort();
  t.deepEqual(listing, ['/meta-data', '/network-config', '/user-data']);
  for (const [file, content] of [
    ['/user-data', docs.userData],
    ['/meta-data', docs.metaData],
    ['/network-config', docs.networkConfig],
  ] as const) {
    t.is((await runLocal(['isoinfo', '-R', '-i', seed.id, '-x', file])).stdout, content, file);
  }
});

serial(`an emulated (qemu/TCG) domain is defined, started, seen running, resized in place, and destroyed${why}`, async (t) => {
  if (!state.overlay || !state.seed) return t.fail('the volume and seed steps did not leave their volumes');
  const network = await networkProvider.create(await check(networkProvider, networkInputs));
  try {
    const inputs = await check(domainProvider, {
      uri: URI,
      name: `${prefix}-vm`,
      type: 'qemu',
      vcpu: 1,
      memory: 128,
      disks: [{ volumeId: state.overlay.path }],
      cloudinit: state.seed.path,
      networkInterfaces: [{ networkName: networkInputs.name, mac: '52:54:00:d5:4d:0c' }],
    } satisfies Partial<DomainInputs>);
    const { id, outs } = await domainProvider.create(inputs);
    const created = outs as DomainOutputs;
    try {
      t.is((await virsh('domstate', id)).stdout.trim(), 'running');
      const xml = (await virsh('dumpxml', id)).stdout;
      t.regex(xml, /<domain type='qemu'/);
      t.true(xml.includes("<mac address='52:54:00:d5:4d:0c'/>"));
      t.true(xml.includes(`<source file='${state.seed.path}'`));
      t.true(xml.includes("<serial type='pty'>"));

      const bigger = { ...inputs, vcpu: 2, memory: 192 };
      t.deepEqual(await domainProvider.diff!(id, created, bigger), { changes: true, replaces: [], deleteBeforeReplace: true });
      await domainProvider.update!(id, created, bigger);
      const info = parseVirshInfo((await virsh('dominfo', id)).stdout);
      t.like(info, { State: 'running', 'CPU(s)': '2', 'Max memory': `${192 * 1024} KiB`, UUID: id });
    } finally {
      await domainProvider.delete!(id, created);
    }
    t.not((await virsh('domstate', id)).exitCode, 0, 'domain undefined');
  } finally {
    await networkProvider.delete!(network.id, network.outs as NetworkOutputs);
  }
});

serial(`deleting the seed, overlay, base and pool leaves nothing of the test in libvirt or on disk${why}`, async (t) => {
  if (state.seed) await cloudInitDiskProvider.delete!(state.seed.path, state.seed);
  if (state.overlay) await volumeProvider.delete!(state.overlay.path, state.overlay);
  if (state.base) await volumeProvider.delete!(state.base.path, state.base);
  if (state.pool) await poolProvider.delete!(state.pool.uuid, state.pool);
  const ours = (text: string) => text.split('\n').filter((n) => n.includes(prefix));
  t.deepEqual(ours((await virsh('list', '--all', '--name')).stdout), [], 'domains');
  t.deepEqual(ours((await virsh('net-list', '--all', '--name')).stdout), [], 'networks');
  t.deepEqual(ours((await virsh('pool-list', '--all', '--name')).stdout), [], 'pools');
  t.false(existsSync(poolDir), 'pool directory removed');
  // Only libvirt's own runtime files of the stopped networks may remain; they are removed here.
  t.deepEqual(
    removeNetworkRuntimeLeftovers(prefix).filter((f) => f !== networkInputs.name && f !== `${networkInputs.name}.pid`),
    [],
  );
  removeLibvirtLogs(prefix);
  for (const dir of LIBVIRT_DIRS) {
    t.deepEqual(
      readdirSafe(dir).filter((f) => f.includes(prefix) || f.includes(networkInputs.bridge!)),
      [],
      dir,
    );
  }
  t.not((await sh(['ip', 'link', 'show', networkInputs.bridge!])).exitCode, 0, 'bridge removed');
  const defaultNet = await virsh('net-info', 'default');
  if (defaultNet.exitCode === 0 && 'env' in prepared && prepared.env.startedDaemons.length > 0)
    t.is(parseVirshInfo(defaultNet.stdout)['Active'], 'no', 'the default network was not started');
});
