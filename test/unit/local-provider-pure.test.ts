import test from 'ava';
import { capBndOf, hostContainerFlags, missingCapabilities } from '../../src/providers/local/capabilities.ts';
import { canonicalJson, hostImageManifest, hostImageTag, manifestHash, parsePackageVersions } from '../../src/providers/local/host-image/manifest.ts';
import { formatKnownHosts, parseKnownHosts, parsePublicKeyLine, pinnedFor } from '../../src/transports/known-hosts.ts';

test('the manifest hash is stable, ignores key order and the mirror, and changes with the packages', (t) => {
  const m = hostImageManifest();
  t.regex(manifestHash(m), /^[0-9a-f]{12}$/);
  t.is(manifestHash(m), manifestHash(hostImageManifest()));
  t.is(manifestHash(m), manifestHash(hostImageManifest({ mirror: 'http://mirror.example/debian' })));
  t.not(manifestHash(m), manifestHash(hostImageManifest({ extraPackages: ['strace'] })));
  t.is(manifestHash(hostImageManifest({ extraPackages: ['strace'] })), manifestHash(hostImageManifest({ extraPackages: ['strace', 'strace'] })));
  t.is(hostImageTag(m), `labbench/host:${manifestHash(m)}`);
  t.not(manifestHash({ ...m, files: { ...m.files, '/etc/x': 'abc' } }), manifestHash(m), 'an injected file is part of the hash');
  t.not(manifestHash({ ...m, recipe: m.recipe + 1 }), manifestHash(m), 'the recipe version is part of the hash');
});

test('the manifest lists the packages a host needs, sorted', (t) => {
  const m = hostImageManifest();
  for (const p of [
    'systemd',
    'docker.io',
    'etcd-server',
    'etcd-client',
    'iperf3',
    'iproute2',
    'iptables',
    'bridge-utils',
    'net-tools',
    'iputils-ping',
    'openssh-server',
    'nodejs',
    'python3',
  ]) {
    t.true(m.packages.includes(p), p);
  }
  t.deepEqual(m.packages, [...m.packages].sort());
});

test('canonical JSON sorts keys at every level', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
});

test('package versions from dpkg-query', (t) => {
  t.deepEqual(parsePackageVersions('docker.io 20.10.24+dfsg1-1+deb12u1+b6\netcd-server 3.4.23-4+b4\n\n'), {
    'docker.io': '20.10.24+dfsg1-1+deb12u1+b6',
    'etcd-server': '3.4.23-4+b4',
  });
});

test('missing capabilities from CapBnd', (t) => {
  t.deepEqual(missingCapabilities('000001ffffffffff'), []);
  t.deepEqual(missingCapabilities('000001fffeffffff'), ['SYS_RESOURCE']);
  t.deepEqual(missingCapabilities('000001fffedfffff'), ['SYS_ADMIN', 'SYS_RESOURCE']);
  t.is(capBndOf('Name:\tnode\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n'), '000001fffeffffff');
});

test('host container flags: --privileged when nothing is missing, an explicit set otherwise', (t) => {
  const all = hostContainerFlags([]);
  t.true(all.flags.includes('--privileged'));
  const some = hostContainerFlags(['SYS_RESOURCE']);
  t.false(some.flags.includes('--privileged'));
  t.deepEqual(some.flags.slice(0, 4), ['--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE']);
  t.true(some.flags.join(' ').includes('--device-cgroup-rule a *:* rwm'));
  t.true(some.flags.join(' ').includes('--cgroupns private'));
  t.regex(some.reason, /missing SYS_RESOURCE/);
  t.throws(() => hostContainerFlags(['NET_ADMIN']), { message: /lacks capabilities a lab host needs: NET_ADMIN/ });
});

test('known_hosts: format, parse, and lookup by address and port', (t) => {
  const key = parsePublicKeyLine('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey root@hostA');
  const text = formatKnownHosts([
    { hosts: ['192.168.100.12'], ...key },
    { hosts: ['[10.0.0.5]:2222'], type: 'ssh-ed25519', key: 'OTHER' },
  ]);
  t.is(text, '192.168.100.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey\n[10.0.0.5]:2222 ssh-ed25519 OTHER\n');
  const parsed = parseKnownHosts(`# comment\n${text}`);
  t.deepEqual(pinnedFor(parsed, '192.168.100.12'), ['AAAAC3NzaC1lZDI1NTE5AAAAIKey']);
  t.deepEqual(pinnedFor(parsed, '10.0.0.5', 2222), ['OTHER']);
  t.deepEqual(pinnedFor(parsed, '192.168.100.13'), []);
});
