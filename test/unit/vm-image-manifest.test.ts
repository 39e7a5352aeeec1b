/**
 * The Debian 12 VM image manifest: the host image's package recipe plus what a VM needs to boot,
 * a stable hash that changes with the recipe, and the stack config entry a built image yields.
 */
import test from 'ava';
import { readLabConfig } from '../../infra/config.ts';
import { KERNEL_CMDLINE } from '../../src/providers/libvirt/vm-image/files.ts';
import { type BuiltVmImage, stackImageEntry, VM_EXTRA_PACKAGES, vmImageHash, vmImageManifest } from '../../src/providers/libvirt/vm-image/manifest.ts';
import { HOST_PACKAGES, hostImageManifest, manifestHash } from '../../src/providers/local/host-image/manifest.ts';

test('the VM image has every host image package plus kernel, initramfs, udev and cloud-init', (t) => {
  const m = vmImageManifest();
  for (const p of HOST_PACKAGES) t.true(m.packages.includes(p), p);
  for (const p of ['linux-image-amd64', 'initramfs-tools', 'udev', 'cloud-init']) t.true(m.packages.includes(p), p);
  t.deepEqual(m.packages, [...m.packages].sort());
  t.is(m.distribution.suite, 'bookworm');
  t.is(m.cmdline, KERNEL_CMDLINE);
  t.regex(m.cmdline, /^root=\/dev\/vda rw .*console=ttyS0/);
  t.true(m.units.masked.includes('systemd-networkd-wait-online.service'), 'nothing waits for a network that never comes');
  t.true(Object.keys(m.files).includes('/etc/cloud/cloud.cfg.d/90-labbench.cfg'));
});

test('the hash names the recipe: stable, mirror-independent, different from the host image', (t) => {
  t.is(vmImageHash(vmImageManifest()), vmImageHash(vmImageManifest()));
  t.is(vmImageHash(vmImageManifest({ mirror: 'http://mirror.example/debian' })), vmImageHash(vmImageManifest()));
  t.regex(vmImageHash(vmImageManifest()), /^[0-9a-f]{12}$/);
  t.not(vmImageHash(vmImageManifest()), manifestHash(hostImageManifest({ extraPackages: VM_EXTRA_PACKAGES })));
  t.not(vmImageHash({ ...vmImageManifest(), cmdline: 'root=/dev/vda ro' }), vmImageHash(vmImageManifest()));
});

test('a built image yields a labbench:images entry the stack config accepts for debian-12', (t) => {
  const artifact = (path: string, digit: string) => ({ path, sha256: digit.repeat(64), bytes: 1 });
  const built: BuiltVmImage = {
    ...vmImageManifest(),
    hash: 'h',
    builtAt: '',
    kernelRelease: '6.1.0-x-amd64',
    packageVersions: {},
    disk: artifact('/v/debian-12.qcow2', 'a'),
    kernel: artifact('/v/vmlinuz', 'b'),
    initrd: artifact('/v/initrd.img', 'c'),
  };
  const entry = stackImageEntry(built);
  const config = readLabConfig(
    {
      get: (key) => (({ sshPublicKey: 'ssh-ed25519 AAAAC3Nz x' }) as Record<string, string>)[key],
      getObject: <T>(key: string) =>
        (({ hosts: [{ name: 'hostA', address: '192.168.100.12', os: 'debian-12', roles: [] }], images: { 'debian-12': entry } }) as Record<string, unknown>)[
          key
        ] as T,
    },
    'v',
    '/root',
  );
  t.like(config.hosts[0]!.image, {
    source: '/v/debian-12.qcow2',
    sha256: 'a'.repeat(64),
    user: 'debian',
    kernel: '/v/vmlinuz',
    initrd: '/v/initrd.img',
    cmdline: KERNEL_CMDLINE,
  });
  t.is(config.hosts[0]!.user, 'debian');
});
