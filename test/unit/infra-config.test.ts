/**
 * Stack config of the libvirt lab: the document's defaults, overrides, validation messages, and
 * Pulumi.yaml / infra/Pulumi.dev.yaml kept in step with the code (read back with js-yaml).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import test from 'ava';
import { CONFIG_DEFAULTS, type ConfigSource, macFor, readLabConfig } from '../../infra/config.ts';
import { DEFAULT_IMAGES } from '../../infra/images.ts';
import { ConfigError } from '../../src/errors.ts';
import { stackConfigFor } from '../../src/providers/libvirt/stack-config.ts';
import { documentSpec } from '../../src/testbed/testbed.ts';

const yaml = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi'))('js-yaml') as { load(text: string): unknown };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ user@lab';

/** A config source over plain values, as `pulumi config` would hold them (objects as JSON). */
function source(values: Record<string, unknown>): ConfigSource {
  return {
    get: (key) => (values[key] === undefined ? undefined : typeof values[key] === 'string' ? (values[key] as string) : JSON.stringify(values[key])),
    getObject: <T>(key: string) => (values[key] === undefined ? undefined : (JSON.parse(JSON.stringify(values[key])) as T)),
  };
}

test('defaults give the document lab: Rocky 8.10 at .12 and Ubuntu 24.04 at .13 on 192.168.100.0/24', (t) => {
  const c = readLabConfig(source({ sshPublicKey: KEY }), 'dev', '/home/u');
  t.like(c, {
    labName: 'dev',
    hypervisorUri: 'qemu:///system',
    domainType: 'kvm',
    lanCidr: '192.168.100.0/24',
    networkMode: 'nat',
    storagePool: 'dev',
    storagePoolPath: '/var/lib/libvirt/images/dev',
  });
  t.is(c.sshPrivateKeyPath, '/home/u/.ssh/id_ed25519');
  t.is(c.imageCacheDir, '/home/u/.cache/labbench/images');
  t.deepEqual(
    c.hosts.map((h) => [h.name, h.address, h.os, h.family, h.user, h.domainName, h.mac, h.roles.join('+'), h.vcpus, h.memoryMiB, h.diskGiB]),
    [
      ['hostA', '192.168.100.12', 'rocky-8.10', 'rhel', 'rocky', 'dev-hosta', '52:54:00:a8:64:0c', 'etcd+flannel', 2, 2048, 20],
      ['hostB', '192.168.100.13', 'ubuntu-24.04', 'debian', 'ubuntu', 'dev-hostb', '52:54:00:a8:64:0d', 'flannel', 2, 2048, 20],
    ],
  );
  t.is(c.hosts[0]!.image.sha256, 'e56066c58606191e96184de9a9183a3af33c59bcbd8740d8b10ca054a7a89c14');
  t.is(c.hosts[0]!.image.source, DEFAULT_IMAGES['rocky-8.10']!.source);
  t.is(c.hosts[1]!.image.checksumUrl, 'https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS');
});

test('another LAN moves both hosts, keeping host numbers .12/.13', (t) => {
  const c = readLabConfig(source({ sshPublicKey: KEY, lanCidr: '10.213.77.0/24' }), 'dev', '/root');
  t.deepEqual(
    c.hosts.map((h) => h.address),
    ['10.213.77.12', '10.213.77.13'],
  );
  t.deepEqual(
    c.hosts.map((h) => h.mac),
    ['52:54:00:d5:4d:0c', '52:54:00:d5:4d:0d'],
  );
});

test('overrides: hosts, sizes, domain type, URI, images, pool', (t) => {
  const c = readLabConfig(
    source({
      sshPublicKey: KEY,
      labName: 'course',
      hypervisorUri: 'qemu+ssh://root@hv1/system',
      domainType: 'qemu',
      lanCidr: '10.50.0.0/16',
      memoryMiB: '4096',
      vcpus: '4',
      hosts: [
        { name: 'etcd1', address: '10.50.1.10', os: 'rocky-8.10', roles: ['etcd', 'flannel'], diskGiB: 40 },
        { name: 'node1', address: '10.50.1.11', os: 'ubuntu-24.04', roles: ['flannel'], memoryMiB: 1024 },
      ],
      images: { 'ubuntu-24.04': { source: '/srv/images/noble.img', sha256: 'b'.repeat(64) } },
      storagePool: 'default',
      storagePoolPath: '',
    }),
    'ignored',
    '/root',
  );
  t.like(c, { labName: 'course', hypervisorUri: 'qemu+ssh://root@hv1/system', domainType: 'qemu', storagePool: 'default', storagePoolPath: '' });
  t.deepEqual(
    c.hosts.map((h) => [h.domainName, h.address, h.vcpus, h.memoryMiB, h.diskGiB]),
    [
      ['course-etcd1', '10.50.1.10', 4, 4096, 40],
      ['course-node1', '10.50.1.11', 4, 1024, 20],
    ],
  );
  // A new source never inherits the default image's checksum file.
  t.deepEqual(c.hosts[1]!.image, { source: '/srv/images/noble.img', sha256: 'b'.repeat(64), format: 'qcow2', user: 'ubuntu' });
});

const invalid: [string, Record<string, unknown>, RegExp][] = [
  ['missing SSH key', {}, /labbench:sshPublicKey is not set/],
  ['not an SSH key', { sshPublicKey: 'hello' }, /not an OpenSSH public key/],
  ['bad domain type', { sshPublicKey: KEY, domainType: 'xen' }, /domainType "xen" must be kvm or qemu/],
  ['bad URI', { sshPublicKey: KEY, hypervisorUri: '/var/run/libvirt' }, /hypervisorUri .* is not a libvirt URI/],
  ['CIDR with host bits', { sshPublicKey: KEY, lanCidr: '192.168.100.12/24' }, /is not an IPv4 network in CIDR form/],
  ['host outside the LAN', { sshPublicKey: KEY, hosts: [{ name: 'a', address: '10.0.0.5', os: 'rocky-8.10', roles: [] }] }, /outside the lab subnet/],
  ['OS without an image', { sshPublicKey: KEY, hosts: [{ name: 'a', address: '192.168.100.20', os: 'debian-12', roles: [] }] }, /no VM image for debian-12/],
  ['image without checksum', { sshPublicKey: KEY, images: { 'rocky-8.10': { source: '/x.qcow2' } } }, /needs a sha256 or checksumUrl/],
  ['memory not a number', { sshPublicKey: KEY, memoryMiB: 'lots' }, /memoryMiB = "lots" must be a whole number/],
];
for (const [name, values, message] of invalid) {
  test(`invalid config is one ConfigError naming the key: ${name}`, (t) => {
    const err = t.throws(() => readLabConfig(source(values), 'dev', '/root'), { instanceOf: ConfigError, message });
    t.regex(err!.hint ?? '', /pulumi config set/);
  });
}

test('every problem is reported at once', (t) => {
  const err = t.throws(() => readLabConfig(source({ domainType: 'xen', vcpus: '0' }), 'dev', '/root'), { instanceOf: ConfigError });
  t.is(err!.message.split('\n  - ').length - 1, 3);
});

test('MACs carry the address: 52:54:00 plus its last three bytes', (t) => {
  t.is(macFor('192.168.100.12'), '52:54:00:a8:64:0c');
  t.is(macFor('10.0.0.255'), '52:54:00:00:00:ff');
  t.throws(() => macFor('300.1.1.1'), { instanceOf: ConfigError });
});

interface ProjectFile {
  name: string;
  main: string;
  stackConfigDir: string;
  runtime: { name: string; options: Record<string, unknown> };
  config: Record<string, { type?: string; description: string; default?: unknown; secret?: boolean }>;
}
const project = yaml.load(readFileSync(new URL('../../Pulumi.yaml', import.meta.url), 'utf8')) as ProjectFile;

test('Pulumi.yaml: project labbench, nodejs with pnpm and tsx, main infra/', (t) => {
  t.is(project.name, 'labbench');
  t.is(project.main, 'infra/');
  t.is(project.stackConfigDir, 'infra');
  t.deepEqual(project.runtime, { name: 'nodejs', options: { packagemanager: 'pnpm', typescript: false, nodeargs: '--import=tsx' } });
});

test('Pulumi.yaml: scalar keys typed (string/integer/boolean), structured keys untyped, all described', (t) => {
  const jsType: Record<string, 'string' | 'number' | 'boolean'> = { string: 'string', integer: 'number', boolean: 'boolean' };
  const untyped = Object.entries(project.config)
    .filter(([, d]) => d.type === undefined)
    .map(([k]) => k);
  t.deepEqual(untyped, ['hosts', 'images', 'hostKeys']);
  t.true(project.config['hostKeys']!.secret);
  for (const [key, decl] of Object.entries(project.config)) {
    t.true(decl.description.length > 10, `${key} has no description`);
    if (decl.type === undefined) continue;
    t.true(['string', 'integer', 'boolean'].includes(decl.type), `${key} has type ${decl.type}`);
    if (decl.default !== undefined) t.is(typeof decl.default, jsType[decl.type]!, `${key} default does not match its type`);
  }
});

test('Pulumi.yaml defaults are the defaults the program applies', (t) => {
  for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) t.is(project.config[key]?.default, value, key);
  const documented = Object.entries(project.config)
    .filter(([, d]) => d.default !== undefined)
    .map(([k]) => k);
  t.deepEqual(documented.sort(), Object.keys(CONFIG_DEFAULTS).sort());
});

test('the example stack infra/Pulumi.dev.yaml is a valid config for the document lab', (t) => {
  const stack = yaml.load(readFileSync(new URL('../../infra/Pulumi.dev.yaml', import.meta.url), 'utf8')) as { config: Record<string, unknown> };
  const values: Record<string, unknown> = { sshPublicKey: KEY };
  for (const [k, v] of Object.entries(stack.config)) {
    t.true(k.startsWith('labbench:'), `${k} is not in the project namespace`);
    values[k.slice('labbench:'.length)] = v;
  }
  const c = readLabConfig(source(values), 'dev', '/root');
  t.deepEqual(
    c.hosts.map((h) => `${h.name} ${h.address} ${h.os} ${h.roles.join(',')}`),
    ['hostA 192.168.100.12 rocky-8.10 etcd,flannel', 'hostB 192.168.100.13 ubuntu-24.04 flannel'],
  );
  for (const key of Object.keys(values)) t.truthy(project.config[key], `${key} is not declared in Pulumi.yaml`);
  // Integer keys hold numbers in the stack file, as their declared type says.
  for (const [key, decl] of Object.entries(project.config)) if (decl.type === 'integer' && key in values) t.is(typeof values[key], 'number', key);
});

test('every key labbench writes for `lab up` is declared in Pulumi.yaml (the CLI rejects undeclared project keys)', (t) => {
  const keys = { privateKeyPath: '/k', publicKey: KEY, knownHostsPath: '/kh', hostKeys: {} };
  const everyOption = {
    hypervisorUri: 'qemu:///system',
    domainType: 'qemu',
    networkMode: 'nat',
    vcpus: 1,
    memoryMiB: 512,
    diskGiB: 5,
    storagePool: 'p',
    storagePoolPath: '/p',
    imageCacheDir: '/c',
    images: {},
  } as const;
  const written = Object.keys(stackConfigFor(documentSpec(), everyOption, keys));
  for (const key of written) {
    t.true(key.startsWith('labbench:'), key);
    t.truthy(project.config[key.slice('labbench:'.length)], `${key} is not declared`);
  }
  t.is(written.length, 17);
});

test('debian-12: no default image (pnpm vm-image builds one); direct boot needs all of its keys', (t) => {
  const hosts = [{ name: 'a', address: '192.168.100.20', os: 'debian-12', roles: [] }];
  t.throws(() => readLabConfig(source({ sshPublicKey: KEY, hosts }), 'd', '/h'), { message: /no VM image for debian-12.*pnpm vm-image/ });
  const partial = { source: '/v/d.qcow2', sha256: 'a'.repeat(64), kernel: '/v/vmlinuz', initrd: '/v/initrd.img' };
  t.throws(() => readLabConfig(source({ sshPublicKey: KEY, hosts, images: { 'debian-12': partial } }), 'd', '/h'), {
    message: /boots its kernel directly but labbench:images.debian-12 lacks kernelSha256, initrdSha256, cmdline/,
  });
});
