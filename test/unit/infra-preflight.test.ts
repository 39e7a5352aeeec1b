/**
 * The program's preflight (infra/preflight.ts) over stand-in probes: every problem — a missing
 * image file, a wrong digest, a hypervisor that does not answer, KVM asked for without /dev/kvm —
 * in one ConfigError, and only for what applies (URLs are not hashed here, remote hypervisors'
 * KVM is not judged from this machine).
 */
import test from 'ava';
import { readLabConfig } from '../../infra/config.ts';
import { isLocalHypervisor, type PreflightProbes, preflightLab, preflightProblems } from '../../infra/preflight.ts';
import { ConfigError } from '../../src/errors.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBQ user@lab';
const DISK = { path: '/img/debian-12.qcow2', sha256: 'a'.repeat(64) };
const KERNEL = { path: '/img/vmlinuz', sha256: 'b'.repeat(64) };
const INITRD = { path: '/img/initrd.img', sha256: 'c'.repeat(64) };
const debianImage = {
  source: DISK.path,
  sha256: DISK.sha256,
  user: 'debian',
  kernel: KERNEL.path,
  kernelSha256: KERNEL.sha256,
  initrd: INITRD.path,
  initrdSha256: INITRD.sha256,
  cmdline: 'root=/dev/vda rw',
};

function config(values: Record<string, unknown>) {
  return readLabConfig(
    {
      get: (key) => (values[key] === undefined ? undefined : String(values[key])),
      getObject: <T>(key: string) => values[key] as T | undefined,
    },
    'pf',
    '/home/u',
  );
}

const debianLab = (extra: Record<string, unknown> = {}) =>
  config({
    sshPublicKey: KEY,
    hosts: [
      { name: 'hostA', address: '192.168.100.12', os: 'debian-12', roles: ['etcd', 'flannel'] },
      { name: 'hostB', address: '192.168.100.13', os: 'debian-12', roles: ['flannel'] },
    ],
    images: { 'debian-12': debianImage },
    ...extra,
  });

function probes(files: Record<string, string>, options: { hypervisor?: string; kvm?: boolean } = {}): PreflightProbes & { hashed: string[] } {
  const hashed: string[] = [];
  return {
    hashed,
    sha256Of: async (path) => {
      hashed.push(path);
      return files[path];
    },
    hypervisorProblem: async () => options.hypervisor,
    kvmUsable: () => options.kvm ?? true,
  };
}

const allGood = { [DISK.path]: DISK.sha256, [KERNEL.path]: KERNEL.sha256, [INITRD.path]: INITRD.sha256 };

test('a lab that can be built here has no problems; each file is hashed once for both hosts', async (t) => {
  const p = probes(allGood);
  t.deepEqual(await preflightProblems(debianLab(), p), []);
  t.deepEqual(p.hashed.sort(), [DISK.path, INITRD.path, KERNEL.path].sort());
});

test('missing file, wrong digest, unreachable hypervisor and no /dev/kvm: one ConfigError listing all four', async (t) => {
  const p = probes({ [KERNEL.path]: KERNEL.sha256, [INITRD.path]: 'd'.repeat(64) }, { hypervisor: 'Failed to connect socket', kvm: false });
  const err = await t.throwsAsync(preflightLab(debianLab({ domainType: 'kvm' }), p), { instanceOf: ConfigError });
  const lines = err!.message.split('\n  - ');
  t.is(lines[0], 'the libvirt lab "pf" cannot be built here:');
  t.deepEqual(lines.slice(1), [
    `the debian-12 disk image ${DISK.path} does not exist (or cannot be read): fix its path in labbench:images, or build the image with \`pnpm vm-image\``,
    `sha256 mismatch for the debian-12 initramfs ${INITRD.path}: expected ${INITRD.sha256}, got ${'d'.repeat(64)}; set the right digest in labbench:images (or use the file the digest belongs to)`,
    'cannot reach the hypervisor qemu:///system: Failed to connect socket; start libvirtd (as root without systemd: virtlogd -d && libvirtd -d) or fix labbench:hypervisorUri',
    'domainType kvm needs /dev/kvm, which this machine does not have (or cannot open); set labbench:domainType to qemu (emulation: slower, but needs no KVM)',
  ]);
  t.regex(err!.hint ?? '', /nothing was created/);
});

test('KVM is judged only for a hypervisor on this machine, and only for domainType kvm', async (t) => {
  const noKvm = probes(allGood, { kvm: false });
  t.deepEqual(await preflightProblems(debianLab({ domainType: 'qemu' }), noKvm), []);
  t.deepEqual(await preflightProblems(debianLab({ domainType: 'kvm', hypervisorUri: 'qemu+ssh://root@hv/system' }), noKvm), []);
  t.is((await preflightProblems(debianLab({ domainType: 'kvm', hypervisorUri: 'qemu:///session' }), noKvm)).length, 1);
  t.true(isLocalHypervisor('qemu:///system?socket=/run/x.sock'));
  t.false(isLocalHypervisor('qemu+ssh://root@hv/system'));
});

test('downloaded images are verified when fetched, not hashed by the preflight', async (t) => {
  const p = probes({});
  t.deepEqual(await preflightProblems(config({ sshPublicKey: KEY }), p), []);
  t.deepEqual(p.hashed, []);
});
