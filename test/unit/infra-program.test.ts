/**
 * The Pulumi program in infra/ run under `pulumi.runtime.setMocks`: the Pulumi ENGINE IS MOCKED
 * (no CLI, no state, no libvirt; the mock records each registration and answers with made-up
 * ids). It checks what the program declares — the LAN, two base volumes, two overlays, two seed
 * disks, two domains, one component per VM — with the document's names, addresses and images,
 * that config overrides reach the resources, and that the outputs map onto a valid Inventory.
 */
import * as pulumi from '@pulumi/pulumi';
import test from 'ava';
import { type ConfigSource, readLabConfig } from '../../infra/config.ts';
import { declareLab } from '../../infra/lab.ts';
import type { LabStackOutputs } from '../../infra/outputs.ts';
import { inventoryFromStackOutputs, LIBVIRT_HOST_OFFERS } from '../../src/providers/libvirt/stack-outputs.ts';
import { validateSpec } from '../../src/testbed/testbed.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ labbench-dev';
const HOST_KEYS = {
  hostA: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAhostA hostA.dev' },
  hostB: { privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nBBBB\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAhostB hostB.dev' },
};

const registered: pulumi.runtime.MockResourceArgs[] = [];
await pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push(args);
      const kind = args.type.split(':').pop();
      // Volumes and seeds are identified by their path, networks and domains by a UUID.
      const path = `/var/lib/libvirt/images/pool/${args.inputs.name}`;
      const id = kind === 'Volume' || kind === 'CloudInitDisk' ? path : `uuid-${args.name}`;
      return { id, state: { ...args.inputs, ...(kind === 'Volume' || kind === 'CloudInitDisk' ? { path } : { uuid: id }) } };
    },
    call: (args) => args.inputs,
  },
  'labbench',
  'dev',
  false,
);
pulumi.runtime.setAllConfig(
  {
    'labbench:sshPublicKey': KEY,
    'labbench:sshPrivateKeyPath': '/lab/dev/id_ed25519',
    'labbench:knownHostsPath': '/lab/dev/known_hosts',
    // No hypervisor in unit tests: the program's preflight (infra/preflight.ts) is tested on its own.
    'labbench:preflight': 'false',
    'labbench:hostKeys': JSON.stringify(HOST_KEYS),
  },
  ['labbench:hostKeys'],
);
const program = await import('../../infra/index.ts');

function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

async function stackOutputs(outputs: { [K in keyof LabStackOutputs]: pulumi.Output<LabStackOutputs[K]> }): Promise<Record<string, unknown>> {
  const entries = await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, await outputValue(v as pulumi.Output<unknown>)] as const));
  return Object.fromEntries(entries);
}

const defaultOutputs = await stackOutputs({
  lab: program.lab,
  subnet: program.subnet,
  hypervisorUri: program.hypervisorUri,
  domainType: program.domainType,
  sshKeyPath: program.sshKeyPath,
  knownHostsPath: program.knownHostsPath,
  hosts: program.hosts,
});

const ofLab = (lab: string, kind: string) => registered.filter((r) => r.type.endsWith(`:${kind}`) && r.name.startsWith(`${lab}-`));
const byName = (lab: string, kind: string, name: string) => {
  const found = ofLab(lab, kind).find((r) => r.name === name);
  if (!found) throw new Error(`no ${kind} ${name} registered`);
  return found;
};

test('the document lab declares a network, a pool, 2 base volumes, 2 overlays, 2 seeds, 2 domains in 2 components', (t) => {
  const counts = Object.fromEntries(['Network', 'Pool', 'Volume', 'CloudInitDisk', 'Domain', 'LabVm'].map((k) => [k, ofLab('dev', k).length]));
  t.deepEqual(counts, { Network: 1, Pool: 1, Volume: 4, CloudInitDisk: 2, Domain: 2, LabVm: 2 });
  t.is(ofLab('dev', 'Volume').filter((v) => v.inputs.source !== undefined).length, 2);
  t.is(ofLab('dev', 'Volume').filter((v) => v.inputs.baseVolumeId !== undefined).length, 2);
  for (const r of registered.filter((x) => x.custom)) t.true(r.type.startsWith('pulumi-nodejs:dynamic/libvirt:'), r.type);
});

test('the LAN: NAT on 192.168.100.0/24 with fixed leases hostA .12 and hostB .13', (t) => {
  t.like(byName('dev', 'Network', 'dev-lan').inputs, {
    uri: 'qemu:///system',
    name: 'dev-lan',
    mode: 'nat',
    addresses: ['192.168.100.0/24'],
    dhcpHosts: [
      { mac: '52:54:00:a8:64:0c', name: 'hostA', ip: '192.168.100.12' },
      { mac: '52:54:00:a8:64:0d', name: 'hostB', ip: '192.168.100.13' },
    ],
  });
  t.like(byName('dev', 'Pool', 'dev-pool').inputs, { name: 'dev', path: '/var/lib/libvirt/images/dev', type: 'dir' });
});

test('base images: Rocky 8.10 GenericCloud pinned by sha256, Ubuntu 24.04 verified by SHA256SUMS', (t) => {
  t.like(byName('dev', 'Volume', 'dev-hostA-base').inputs, {
    name: 'dev-hosta-base.qcow2',
    pool: 'dev',
    format: 'qcow2',
    source: 'https://dl.rockylinux.org/pub/rocky/8.10/images/x86_64/Rocky-8-GenericCloud-Base-8.10-20240528.0.x86_64.qcow2',
    sha256: 'e56066c58606191e96184de9a9183a3af33c59bcbd8740d8b10ca054a7a89c14',
  });
  t.like(byName('dev', 'Volume', 'dev-hostB-base').inputs, {
    name: 'dev-hostb-base.qcow2',
    source: 'https://cloud-images.ubuntu.com/releases/noble/release/ubuntu-24.04-server-cloudimg-amd64.img',
    checksumUrl: 'https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS',
  });
});

test('each VM boots a 20 GiB qcow2 overlay of its base image', (t) => {
  for (const host of ['hostA', 'hostB']) {
    const lower = host.toLowerCase();
    t.like(byName('dev', 'Volume', `dev-${host}-disk`).inputs, {
      name: `dev-${lower}.qcow2`,
      format: 'qcow2',
      baseVolumeId: `/var/lib/libvirt/images/pool/dev-${lower}-base.qcow2`,
      baseVolumeFormat: 'qcow2',
      size: 20 * 1024 ** 3,
    });
  }
});

/** The plain value of a secret input as the engine receives it; fails when the value is not marked secret. */
function secretValue(input: unknown): string {
  const wrapped = input as Record<string, unknown>;
  if (wrapped?.[pulumi.runtime.specialSigKey] !== pulumi.runtime.specialSecretSig) throw new Error('input is not a secret');
  return wrapped['value'] as string;
}

test('seeds carry hostname, login key, pinned host key (user-data kept secret) and the static address', (t) => {
  const seedA = byName('dev', 'CloudInitDisk', 'dev-hostA-seed').inputs;
  t.is(seedA.name, 'dev-hosta-seed.iso');
  const userData = secretValue(seedA.userData);
  t.regex(userData, /^#cloud-config\nhostname: hostA\n/);
  t.true(userData.includes(KEY));
  t.true(userData.includes('ed25519_public: ssh-ed25519 AAAAhostA hostA.dev\n'));
  t.true(userData.includes('    AAAA\n'));
  t.true(seedA.metaData.includes('instance-id: dev-hosta'));
  t.true(seedA.networkConfig.includes('macaddress: 52:54:00:a8:64:0c'), seedA.networkConfig);
  t.true(seedA.networkConfig.includes('- 192.168.100.12/24'), seedA.networkConfig);
  t.true(byName('dev', 'CloudInitDisk', 'dev-hostB-seed').inputs.networkConfig.includes('- 192.168.100.13/24'));
});

test('domains: KVM, 2 vCPUs, 2048 MiB, overlay disk, seed CD-ROM, NIC on the LAN with the fixed MAC', (t) => {
  for (const [host, mac] of [
    ['hostA', '52:54:00:a8:64:0c'],
    ['hostB', '52:54:00:a8:64:0d'],
  ] as const) {
    const lower = host.toLowerCase();
    t.like(byName('dev', 'Domain', `dev-${host}`).inputs, {
      name: `dev-${lower}`,
      type: 'kvm',
      vcpu: 2,
      memory: 2048,
      disks: [{ volumeId: `/var/lib/libvirt/images/pool/dev-${lower}.qcow2` }],
      cloudinit: `/var/lib/libvirt/images/pool/dev-${lower}-seed.iso`,
      networkInterfaces: [{ networkName: 'dev-lan', mac }],
      running: true,
    });
  }
});

test('stack outputs map onto a valid Inventory: rocky@.12 and ubuntu@.13, key and known_hosts pinned', (t) => {
  const inventory = inventoryFromStackOutputs(defaultOutputs);
  t.deepEqual(inventory, {
    lab: 'dev',
    provider: 'libvirt',
    subnet: '192.168.100.0/24',
    hosts: [
      {
        name: 'hostA',
        address: '192.168.100.12',
        os: 'rocky-8.10',
        platform: 'rocky-8.10 VM (libvirt kvm, domain dev-hosta)',
        roles: ['etcd', 'flannel'],
        ssh: { host: '192.168.100.12', port: 22, user: 'rocky', keyPath: '/lab/dev/id_ed25519', knownHostsPath: '/lab/dev/known_hosts' },
      },
      {
        name: 'hostB',
        address: '192.168.100.13',
        os: 'ubuntu-24.04',
        platform: 'ubuntu-24.04 VM (libvirt kvm, domain dev-hostb)',
        roles: ['flannel'],
        ssh: { host: '192.168.100.13', port: 22, user: 'ubuntu', keyPath: '/lab/dev/id_ed25519', knownHostsPath: '/lab/dev/known_hosts' },
      },
    ],
    offers: LIBVIRT_HOST_OFFERS,
  });
  // VMs of the OS their labels name, nothing of labbench's image on them.
  t.like(inventory.offers, { standIn: false, packages: { yumStandIn: false, flannel: false } });
  t.notThrows(() => validateSpec({ name: inventory.lab, subnet: inventory.subnet, hosts: inventory.hosts }));
});

function plainSource(values: Record<string, unknown>): ConfigSource {
  return {
    get: (key) => (values[key] === undefined ? undefined : String(values[key])),
    getObject: <T>(key: string) => values[key] as T | undefined,
  };
}

test('config overrides reach the resources: other CIDR, addresses, memory, domain type, existing pool', async (t) => {
  const config = readLabConfig(
    plainSource({
      sshPublicKey: KEY,
      labName: 'alt',
      lanCidr: '10.213.0.0/24',
      domainType: 'qemu',
      networkMode: 'none',
      memoryMiB: 4096,
      hosts: [
        { name: 'hostA', address: '10.213.0.20', os: 'rocky-8.10', roles: ['etcd', 'flannel'] },
        { name: 'hostB', address: '10.213.0.21', os: 'ubuntu-24.04', roles: ['flannel'], memoryMiB: 1024 },
      ],
      storagePool: 'default',
      storagePoolPath: '',
    }),
    'dev',
    '/root',
  );
  const lab = declareLab(config, undefined);
  const outputs = await stackOutputs(lab.outputs);
  t.is(lab.pool, undefined);
  t.is(ofLab('alt', 'Pool').length, 0);
  t.like(byName('alt', 'Network', 'alt-lan').inputs, { mode: 'none', addresses: ['10.213.0.0/24'], dhcpHosts: [{ ip: '10.213.0.20' }, { ip: '10.213.0.21' }] });
  t.like(byName('alt', 'Domain', 'alt-hostA').inputs, { type: 'qemu', memory: 4096 });
  t.like(byName('alt', 'Domain', 'alt-hostB').inputs, { type: 'qemu', memory: 1024 });
  t.like(byName('alt', 'Volume', 'alt-hostA-base').inputs, { pool: 'default' });
  // An isolated LAN gets no default route; without host keys cloud-init keeps the image's own.
  const seed = byName('alt', 'CloudInitDisk', 'alt-hostA-seed').inputs;
  t.false(seed.networkConfig.includes('routes'));
  t.false(seed.userData.includes('ssh_keys'));
  t.deepEqual(
    (outputs['hosts'] as { address: string }[]).map((h) => h.address),
    ['10.213.0.20', '10.213.0.21'],
  );
  // Each VM is one component: its domain is a child of the LabVm.
  const urn = await outputValue(lab.vms[0]!.domain.urn);
  t.regex(urn, /labbench:libvirt:LabVm\$pulumi-nodejs:dynamic\/libvirt:Domain::alt-hostA$/);
  // Without pinned host keys the outputs cannot become an Inventory, and say why.
  t.throws(() => inventoryFromStackOutputs(outputs), { message: /no pinned SSH host keys/ });
});
