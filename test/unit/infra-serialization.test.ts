/**
 * The libvirt dynamic providers survive Pulumi's function serialisation: each serialises (the
 * serialiser rejects captured native values), captures no module and no secret, and the
 * serialised text — loaded the way Pulumi's provider host loads it (require-from-string in a
 * plain `node` process, no tsx) — answers check/diff exactly like the original, and fails a
 * bad image with the same clear message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import test from 'ava';
import { cloudInitDiskProvider } from '../../infra/libvirt/cloud-init-disk.ts';
import { domainProvider } from '../../infra/libvirt/domain.ts';
import { networkProvider } from '../../infra/libvirt/network.ts';
import { poolProvider } from '../../infra/libvirt/pool.ts';
import { volumeProvider } from '../../infra/libvirt/volume.ts';

const requireFromStringPath = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi')).resolve('require-from-string');

const providers: Record<string, pulumi.dynamic.ResourceProvider> = {
  Network: networkProvider,
  Pool: poolProvider,
  Volume: volumeProvider,
  CloudInitDisk: cloudInitDiskProvider,
  Domain: domainProvider,
};

/** Serialises like pulumi.dynamic.Resource does (its serializeProvider). */
async function serialise(provider: pulumi.dynamic.ResourceProvider) {
  return pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
}

/** Loads serialised provider text in a fresh `node` process and calls one method. */
function callSerialised(text: string, method: string, args: unknown[]): { ok?: unknown; error?: string; hint?: string } {
  const script = `
    const load = require(${JSON.stringify(requireFromStringPath)});
    let input = '';
    process.stdin.on('data', (d) => (input += d)).on('end', async () => {
      const { text, method, args } = JSON.parse(input);
      const provider = load(text).handler();
      try { console.log(JSON.stringify({ ok: await provider[method](...args) })); }
      catch (e) { console.log(JSON.stringify({ error: e.message, hint: e.hint })); }
    });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    input: JSON.stringify({ text, method, args }),
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '' },
  });
  if (r.status !== 0) throw new Error(`child node failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ok?: unknown; error?: string; hint?: string };
}

for (const [kind, provider] of Object.entries(providers)) {
  test(`${kind} provider serialises without capturing modules or secrets`, async (t) => {
    const fn = await serialise(provider);
    t.false(fn.containsSecrets);
    t.true(fn.text.includes('exports.handler'));
    t.deepEqual(fn.text.match(/\brequire\(/g), null, 'the provider must import built-ins inside its methods, not capture modules');
    t.false(fn.text.includes('/node_modules/'));
  });
}

const network = {
  uri: 'qemu:///system',
  name: 'lab-lan',
  addresses: ['10.213.77.0/24'],
  dhcpHosts: [{ mac: '52:54:00:D5:4D:0C', name: 'hostA', ip: '10.213.77.12' }],
};
const domain = {
  uri: 'qemu:///system',
  name: 'lab-hosta',
  type: 'qemu',
  vcpu: 1,
  memory: 256,
  disks: [{ volumeId: '/p/a.qcow2' }],
  networkInterfaces: [{ networkName: 'lab-lan', mac: '52:54:00:d5:4d:0c' }],
};

const roundTrips: [string, string, string, unknown[]][] = [
  ['Network', 'check', 'valid', [{}, network]],
  ['Network', 'check', 'invalid', [{}, { ...network, mode: 'bridge', addresses: ['10.0.0.1/24'] }]],
  [
    'Network',
    'diff',
    'replace',
    [
      'u',
      { ...network, mode: 'nat', autostart: false, uuid: 'u', bridgeName: 'virbr9' },
      { ...network, mode: 'nat', autostart: false, addresses: ['10.0.0.0/24'] },
    ],
  ],
  ['Domain', 'check', 'defaults', [{}, domain]],
  ['Domain', 'diff', 'in place', ['d', { ...domain, uuid: 'd' }, { ...domain, memory: 512 }]],
  ['Volume', 'check', 'no checksum', [{}, { uri: 'u', name: 'v', pool: 'p', source: '/x.qcow2' }]],
  ['CloudInitDisk', 'check', 'valid', [{}, { uri: 'u', name: 's.iso', pool: 'p', userData: '#cloud-config\n', metaData: 'instance-id: a\n' }]],
  ['Pool', 'diff', 'replace', ['p', { uri: 'u', name: 'a', type: 'dir', path: '/a', uuid: 'p' }, { uri: 'u', name: 'a', type: 'dir', path: '/b' }]],
];
for (const [kind, method, label, args] of roundTrips) {
  test(`serialised ${kind}.${method} (${label}) in a plain node process answers like the original`, async (t) => {
    const provider = providers[kind]! as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const expected = JSON.parse(JSON.stringify(await provider[method]!(...args)));
    const fn = await serialise(providers[kind]!);
    t.deepEqual(callSerialised(fn.text, method, args), { ok: expected });
  });
}

test('serialised Volume.create fails a wrong checksum with the clear message, before touching libvirt', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ser-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'base.qcow2');
  writeFileSync(image, 'not really an image');
  const fn = await serialise(volumeProvider);
  // A hypervisor URI that cannot exist: reaching virsh would fail differently.
  const result = callSerialised(fn.text, 'create', [
    { uri: 'test+unix:///nonexistent', name: 'v', pool: 'p', format: 'qcow2', source: image, sha256: '0'.repeat(64) },
  ]);
  t.regex(result.error ?? '', new RegExp(`^sha256 mismatch for ${image}: expected 0{64}, got [0-9a-f]{64}`));
  t.regex(result.hint ?? '', /labbench:images/);
});
