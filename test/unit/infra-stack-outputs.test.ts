/**
 * The libvirt provider's pure parts: stack outputs → Inventory (and its errors), and the stack
 * config labbench writes for a TestbedSpec, read back by the program's own config reader.
 */
import test from 'ava';
import { readLabConfig } from '../../infra/config.ts';
import { ProviderError } from '../../src/errors.ts';
import { describeEngineEvent } from '../../src/providers/libvirt/engine-events.ts';
import { type LabKeys, stackConfigFor } from '../../src/providers/libvirt/stack-config.ts';
import { inventoryFromStackOutputs, plainOutputs } from '../../src/providers/libvirt/stack-outputs.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';

const outputs = {
  lab: 'course',
  subnet: '10.213.77.0/24',
  hypervisorUri: 'qemu+ssh://root@hv/system',
  domainType: 'qemu',
  sshKeyPath: '/s/id_ed25519',
  knownHostsPath: '/s/known_hosts',
  hosts: [
    {
      name: 'hostA',
      address: '10.213.77.12',
      os: 'rocky-8.10',
      family: 'rhel',
      user: 'rocky',
      roles: ['etcd', 'flannel'],
      domain: 'course-hosta',
      mac: '52:54:00:d5:4d:0c',
    },
    {
      name: 'hostB',
      address: '10.213.77.13',
      os: 'ubuntu-24.04',
      family: 'debian',
      user: 'ubuntu',
      roles: ['flannel'],
      domain: 'course-hostb',
      mac: '52:54:00:d5:4d:0d',
    },
  ],
};

test('outputs become an Inventory of SSH hosts with the image users and the pinned known_hosts', (t) => {
  const inv = inventoryFromStackOutputs(outputs);
  t.is(inv.provider, 'libvirt');
  t.is(inv.lab, 'course');
  t.deepEqual(
    inv.hosts.map((h) => [h.name, h.ssh?.user, h.ssh?.host, h.ssh?.keyPath, h.ssh?.knownHostsPath, h.platform]),
    [
      ['hostA', 'rocky', '10.213.77.12', '/s/id_ed25519', '/s/known_hosts', 'rocky-8.10 VM (libvirt qemu, domain course-hosta)'],
      ['hostB', 'ubuntu', '10.213.77.13', '/s/id_ed25519', '/s/known_hosts', 'ubuntu-24.04 VM (libvirt qemu, domain course-hostb)'],
    ],
  );
});

test('the Automation API output map flattens to plain values', (t) => {
  t.deepEqual(plainOutputs({ lab: { value: 'x' }, hosts: { value: [1], secret: false } as { value: unknown } }), { lab: 'x', hosts: [1] });
});

const malformed: [string, Record<string, unknown>, RegExp][] = [
  ['no hosts', { ...outputs, hosts: [] }, /hosts is missing or empty/],
  ['a host without an address', { ...outputs, hosts: [{ ...outputs.hosts[0], address: 12 }] }, /hosts\[0\]\.address is not a string/],
  ['an unknown family', { ...outputs, hosts: [{ ...outputs.hosts[0], family: 'arch' }] }, /family "arch" is not rhel or debian/],
  ['an unknown role', { ...outputs, hosts: [{ ...outputs.hosts[0], roles: ['dns'] }] }, /unknown role "dns"/],
  ['no lab name', { ...outputs, lab: undefined }, /lab is not a string/],
  ['no pinned host keys', { ...outputs, knownHostsPath: '' }, /has no pinned SSH host keys/],
];
for (const [name, raw, message] of malformed) {
  test(`outputs rejected with a ProviderError: ${name}`, (t) => {
    const err = t.throws(() => inventoryFromStackOutputs(raw), { instanceOf: ProviderError, message });
    t.truthy(err!.hint);
  });
}

const keys: LabKeys = {
  privateKeyPath: '/state/lab/id_ed25519',
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-lab\n',
  knownHostsPath: '/state/lab/known_hosts',
  hostKeys: { hostA: { privateKey: 'PRIV-A', publicKey: 'ssh-ed25519 AAAA-A' }, hostB: { privateKey: 'PRIV-B', publicKey: 'ssh-ed25519 AAAA-B' } },
};

test('the config written for a spec is what the program reads: same hosts, sizes, keys', (t) => {
  const spec = documentSpec({ name: 'lab', subnet: '10.213.77.0/24' });
  const config = stackConfigFor(spec, { domainType: 'qemu', memoryMiB: 1024, hypervisorUri: 'qemu:///system' }, keys);
  t.true(config['labbench:hostKeys']!.secret);
  t.is(Object.values(config).filter((e) => e.secret).length, 1, 'only the host keys are secret');
  t.is(config['labbench:vcpus'], undefined, 'unset options keep the program defaults');
  // Read it back the way pulumi.Config would: strings, objects parsed from JSON.
  const values = Object.fromEntries(Object.entries(config).map(([k, e]) => [k.slice('labbench:'.length), e.value]));
  const read = readLabConfig(
    { get: (k) => values[k], getObject: <T>(k: string) => (values[k] === undefined ? undefined : (JSON.parse(values[k]!) as T)) },
    'other-stack',
    '/root',
  );
  t.like(read, {
    labName: 'lab',
    lanCidr: '10.213.77.0/24',
    domainType: 'qemu',
    sshPrivateKeyPath: '/state/lab/id_ed25519',
    knownHostsPath: '/state/lab/known_hosts',
  });
  t.is(read.sshPublicKey, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-lab');
  t.deepEqual(
    read.hosts.map((h) => [h.name, h.address, h.os, h.roles, h.memoryMiB, h.vcpus]),
    [
      ['hostA', '10.213.77.12', 'rocky-8.10', ['etcd', 'flannel'], 1024, 2],
      ['hostB', '10.213.77.13', 'ubuntu-24.04', ['flannel'], 1024, 2],
    ],
  );
  t.deepEqual(JSON.parse(config['labbench:hostKeys']!.value), keys.hostKeys);
});

test('engine events become one progress note per finished resource step', (t) => {
  const event = (op: string, type: string, name: string) =>
    ({ sequence: 1, timestamp: 0, resOutputsEvent: { metadata: { op, type, urn: `urn:pulumi:lab::labbench::${type}::${name}` } } }) as unknown as Parameters<
      typeof describeEngineEvent
    >[0];
  t.is(describeEngineEvent(event('create', 'pulumi-nodejs:dynamic/libvirt:Domain', 'lab-hostA')), 'create libvirt:Domain lab-hostA');
  t.is(describeEngineEvent(event('delete', 'labbench:libvirt:LabVm', 'lab-hostB')), 'delete labbench:libvirt:LabVm lab-hostB');
  t.is(describeEngineEvent(event('same', 'pulumi-nodejs:dynamic/libvirt:Network', 'lab-lan')), undefined);
  t.is(describeEngineEvent(event('create', 'pulumi:pulumi:Stack', 'labbench-lab')), undefined);
  t.is(describeEngineEvent({ sequence: 2, timestamp: 0 } as Parameters<typeof describeEngineEvent>[0]), undefined);
});
