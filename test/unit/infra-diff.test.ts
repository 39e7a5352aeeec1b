/**
 * Diff and check decisions of the libvirt dynamic providers, pure: which input changes are made
 * in place, which force a replacement (`replaces`), and how inputs are defaulted and validated.
 */
import test from 'ava';
import { CLOUD_INIT_DISK_DIFF, checkCloudInitDiskInputs } from '../../infra/libvirt/cloud-init-disk.ts';
import { canonicalJson, decideDiff } from '../../infra/libvirt/diff.ts';
import { checkDomainInputs, DOMAIN_DIFF, type DomainInputs, domainProvider } from '../../infra/libvirt/domain.ts';
import { checkNetworkInputs, NETWORK_DIFF, type NetworkInputs, networkProvider } from '../../infra/libvirt/network.ts';
import { checkPoolInputs, POOL_DIFF } from '../../infra/libvirt/pool.ts';
import { checkVolumeInputs, VOLUME_DIFF, type VolumeOutputs, volumeProvider } from '../../infra/libvirt/volume.ts';

const network: NetworkInputs = {
  uri: 'qemu:///system',
  name: 'labbench-lan',
  mode: 'nat',
  addresses: ['192.168.100.0/24'],
  autostart: false,
  dhcpHosts: [{ mac: '52:54:00:a8:64:0c', name: 'hostA', ip: '192.168.100.12' }],
};
const networkState = { ...network, uuid: 'u-1', bridgeName: 'virbr1' };

const networkCases: [string, Partial<NetworkInputs>, { changes: boolean; replaces: string[] }][] = [
  ['nothing changed', {}, { changes: false, replaces: [] }],
  [
    'a DHCP lease added: in place',
    { dhcpHosts: [...network.dhcpHosts, { mac: '52:54:00:a8:64:0d', name: 'hostB', ip: '192.168.100.13' }] },
    { changes: true, replaces: [] },
  ],
  ['autostart toggled: in place', { autostart: true }, { changes: true, replaces: [] }],
  ['another subnet: replace', { addresses: ['10.0.0.0/24'] }, { changes: true, replaces: ['addresses'] }],
  ['another name and mode: replace both', { name: 'x', mode: 'none' }, { changes: true, replaces: ['name', 'mode'] }],
  ['a bridge name requested: replace', { bridge: 'br9' }, { changes: true, replaces: ['bridge'] }],
  ['another hypervisor: replace', { uri: 'qemu+ssh://root@h/system' }, { changes: true, replaces: ['uri'] }],
];
for (const [name, change, expected] of networkCases) {
  test(`network diff: ${name}`, async (t) => {
    const result = await networkProvider.diff!('u-1', networkState, { ...network, ...change });
    t.deepEqual(result, { ...expected, deleteBeforeReplace: true });
  });
}

test('network diff ignores key order inside leases (gRPC does not keep it)', async (t) => {
  const reordered = { ...network, dhcpHosts: [{ ip: '192.168.100.12', name: 'hostA', mac: '52:54:00:a8:64:0c' }] };
  t.is((await networkProvider.diff!('u-1', networkState, reordered)).changes, false);
  t.is(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
});

const domain: DomainInputs = {
  uri: 'qemu:///system',
  name: 'labbench-hosta',
  type: 'kvm',
  vcpu: 2,
  memory: 2048,
  arch: 'x86_64',
  machine: 'q35',
  disks: [{ volumeId: '/p/labbench-hosta.qcow2' }],
  cloudinit: '/p/labbench-hosta-seed.iso',
  networkInterfaces: [{ networkName: 'labbench-lan', mac: '52:54:00:a8:64:0c' }],
  running: true,
  autostart: false,
};
const domainCases: [string, Partial<DomainInputs>, string[], boolean][] = [
  ['more memory: in place', { memory: 4096 }, [], true],
  ['more vCPUs: in place', { vcpu: 4 }, [], true],
  ['stopped: in place', { running: false }, [], true],
  ['another disk: replace', { disks: [{ volumeId: '/p/other.qcow2' }] }, ['disks'], true],
  ['another seed: replace', { cloudinit: '/p/other-seed.iso' }, ['cloudinit'], true],
  ['another MAC: replace', { networkInterfaces: [{ networkName: 'labbench-lan', mac: '52:54:00:00:00:01' }] }, ['networkInterfaces'], true],
  ['kvm → qemu: replace', { type: 'qemu' }, ['type'], true],
  ['same: no change', {}, [], false],
];
for (const [name, change, replaces, changes] of domainCases) {
  test(`domain diff: ${name}`, async (t) => {
    t.deepEqual(await domainProvider.diff!('d-1', { ...domain, uuid: 'd-1' }, { ...domain, ...change }), { changes, replaces, deleteBeforeReplace: true });
  });
}

const base: VolumeOutputs = {
  uri: 'qemu:///system',
  name: 'labbench-hosta-base.qcow2',
  pool: 'labbench',
  format: 'qcow2',
  source: 'https://example.invalid/rocky.qcow2',
  sha256: 'e'.repeat(64),
  cacheDir: '/root/.cache/labbench/images',
  path: '/p/labbench-hosta-base.qcow2',
  verifiedSha256: 'e'.repeat(64),
};
const volumeCases: [string, Partial<VolumeOutputs>, string[], boolean][] = [
  ['another image checksum: replace', { sha256: 'f'.repeat(64) }, ['sha256'], true],
  ['another source: replace', { source: '/images/rocky.qcow2' }, ['source'], true],
  ['another pool: replace', { pool: 'default' }, ['pool'], true],
  ['only the download cache moved: in place', { cacheDir: '/var/cache/images' }, [], true],
  ['same: no change', {}, [], false],
];
for (const [name, change, replaces, changes] of volumeCases) {
  test(`volume diff: ${name}`, async (t) => {
    const { path: _p, verifiedSha256: _v, ...inputs } = { ...base, ...change };
    t.deepEqual(await volumeProvider.diff!(base.path, base, inputs), { changes, replaces, deleteBeforeReplace: true });
  });
}

test('every input of a seed or a pool replaces it', (t) => {
  t.deepEqual(CLOUD_INIT_DISK_DIFF.updatable, []);
  t.deepEqual(POOL_DIFF.updatable, []);
  const seed = { uri: 'u', name: 'n', pool: 'p', userData: '#cloud-config\n', metaData: 'instance-id: a\n' };
  t.deepEqual(decideDiff(seed, { ...seed, userData: '#cloud-config\nhostname: b\n' }, CLOUD_INIT_DISK_DIFF).replaces, ['userData']);
  // Outputs in the old state (path) are not inputs and never cause a change.
  t.false(decideDiff({ ...seed, path: '/p/x.iso' }, seed, CLOUD_INIT_DISK_DIFF).changes);
});

test('diff policies list only inputs their check knows', (t) => {
  for (const [policy, inputs] of [
    [NETWORK_DIFF, checkNetworkInputs(network).inputs],
    [DOMAIN_DIFF, checkDomainInputs(domain).inputs],
    [VOLUME_DIFF, { ...checkVolumeInputs({ ...base, baseVolumeId: undefined }).inputs, baseVolumeId: '', baseVolumeFormat: '', size: 0, checksumUrl: '' }],
  ] as const) {
    for (const key of Object.keys(inputs ?? {})) t.true(policy.inputs.includes(key), `${key} is not compared by the diff`);
  }
});

test('network check: defaults and failures', (t) => {
  const ok = checkNetworkInputs({
    uri: 'qemu:///system',
    name: 'lab-lan',
    addresses: ['10.0.0.0/24'],
    dhcpHosts: [{ mac: '52:54:00:AA:BB:CC', name: 'h', ip: '10.0.0.2' }],
  });
  t.is(ok.failures, undefined);
  t.like(ok.inputs, { mode: 'nat', autostart: false });
  t.is(ok.inputs!.dhcpHosts[0]!.mac, '52:54:00:aa:bb:cc');
  const bad = checkNetworkInputs({ uri: '', name: 'bad name', mode: 'bridge' as never, addresses: ['10.0.0.1/24'], bridge: 'a-very-long-bridge-name' });
  t.deepEqual(
    bad.failures!.map((f) => f.property),
    ['uri', 'name', 'mode', 'addresses', 'bridge'],
  );
});

const volumeChecks: [string, Parameters<typeof checkVolumeInputs>[0], string[]][] = [
  ['base image with a pinned digest', { uri: 'u', name: 'b.qcow2', pool: 'p', source: '/i.qcow2', sha256: 'a'.repeat(64) }, []],
  ['base image with a checksum file', { uri: 'u', name: 'b.qcow2', pool: 'p', source: 'https://x/i.img', checksumUrl: 'https://x/SHA256SUMS' }, []],
  ['overlay', { uri: 'u', name: 'o.qcow2', pool: 'p', baseVolumeId: '/p/b.qcow2', size: 1024 }, []],
  ['image without a checksum', { uri: 'u', name: 'b.qcow2', pool: 'p', source: '/i.qcow2' }, ['sha256']],
  ['both source and base', { uri: 'u', name: 'b', pool: 'p', source: '/i', sha256: 'a'.repeat(64), baseVolumeId: '/b', size: 1 }, ['source', 'size']],
  ['neither source nor base', { uri: 'u', name: 'b', pool: 'p' }, ['source']],
  ['overlay without size, raw', { uri: 'u', name: 'o', pool: 'p', baseVolumeId: '/b', format: 'raw' }, ['format', 'size']],
  ['fractional size', { uri: 'u', name: 'o', pool: 'p', baseVolumeId: '/b', size: 1.5 }, ['size']],
  ['size on a base image', { uri: 'u', name: 'b', pool: 'p', source: '/i', sha256: 'a'.repeat(64), size: 1024 }, ['size']],
];
for (const [name, news, failing] of volumeChecks) {
  test(`volume check: ${name}`, (t) => {
    t.deepEqual(
      (checkVolumeInputs(news).failures ?? []).map((f) => f.property),
      failing,
    );
  });
}

test('volume check defaults an overlay to qcow2 over a qcow2 base', (t) => {
  t.like(checkVolumeInputs({ uri: 'u', name: 'o', pool: 'p', baseVolumeId: '/b', size: 1 }).inputs, { format: 'qcow2', baseVolumeFormat: 'qcow2' });
});

test('domain check: defaults like @pulumi/libvirt (512 MiB, 1 vCPU, running) and failures', (t) => {
  const ok = checkDomainInputs({ uri: 'u', name: 'vm', disks: [{ volumeId: '/d' }], networkInterfaces: [] });
  t.is(ok.failures, undefined);
  t.like(ok.inputs, { type: 'kvm', vcpu: 1, memory: 512, arch: 'x86_64', machine: 'q35', running: true, autostart: false });
  const bad = checkDomainInputs({
    uri: 'u',
    name: 'vm',
    type: 'xen' as never,
    vcpu: 0,
    memory: 16,
    disks: [],
    networkInterfaces: [{ networkName: 'n', mac: 'zz' }],
  });
  t.deepEqual(
    bad.failures!.map((f) => f.property),
    ['type', 'vcpu', 'memory', 'disks', 'networkInterfaces'],
  );
});

test('seed and pool checks', (t) => {
  t.is(checkCloudInitDiskInputs({ uri: 'u', name: 's.iso', pool: 'p', userData: '#cloud-config\n', metaData: 'instance-id: x\n' }).failures, undefined);
  t.deepEqual(
    checkCloudInitDiskInputs({ uri: 'u', name: 's.iso', pool: 'p', userData: 'hostname: x', metaData: 'local-hostname: x' }).failures!.map((f) => f.property),
    ['userData', 'metaData'],
  );
  t.is(checkPoolInputs({ uri: 'u', name: 'lab', path: '/var/lib/libvirt/images/lab' }).failures, undefined);
  t.deepEqual(
    checkPoolInputs({ uri: 'u', name: 'lab', path: 'relative/dir' }).failures!.map((f) => f.property),
    ['path'],
  );
});

test('domain check: direct kernel boot needs the kernel and a command line; a new kernel replaces the VM', (t) => {
  const vm = { uri: 'u', name: 'vm', disks: [{ volumeId: '/d' }], networkInterfaces: [] };
  const direct = checkDomainInputs({ ...vm, kernel: '/p/k', initrd: '/p/i', cmdline: 'root=/dev/vda rw' });
  t.is(direct.failures, undefined);
  t.like(direct.inputs, { kernel: '/p/k', initrd: '/p/i', cmdline: 'root=/dev/vda rw' });
  t.deepEqual(
    checkDomainInputs({ ...vm, initrd: '/p/i' }).failures!.map((f) => f.property),
    ['kernel'],
  );
  t.deepEqual(
    checkDomainInputs({ ...vm, kernel: '/p/k' }).failures!.map((f) => f.property),
    ['cmdline'],
  );
  t.deepEqual(decideDiff({ ...direct.inputs! }, { ...direct.inputs!, kernel: '/p/k2' }, DOMAIN_DIFF).replaces, ['kernel']);
});
