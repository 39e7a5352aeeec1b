import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { documentSpec, validateSpec } from '../../src/testbed/testbed.ts';

const good = () => ({
  name: 'lab1',
  subnet: '192.168.100.0/24',
  hosts: [
    { name: 'hostA', address: '192.168.100.12', os: 'rocky-8.10', roles: ['etcd', 'flannel'] },
    { name: 'hostB', address: '192.168.100.13', os: 'ubuntu-24.04', roles: ['flannel'] },
  ],
});

test("the document's spec: host A 192.168.100.12 rocky-8.10 etcd+flannel, host B 192.168.100.13 ubuntu-24.04 flannel", (t) => {
  const spec = documentSpec();
  t.is(spec.subnet, '192.168.100.0/24');
  t.deepEqual(
    spec.hosts.map((h) => [h.name, h.address, h.os, h.roles.join('+')]),
    [
      ['hostA', '192.168.100.12', 'rocky-8.10', 'etcd+flannel'],
      ['hostB', '192.168.100.13', 'ubuntu-24.04', 'flannel'],
    ],
  );
});

test('another subnet keeps the host numbers .12 and .13', (t) => {
  const spec = documentSpec({ name: 'lab2', subnet: '10.77.3.0/24' });
  t.deepEqual(
    spec.hosts.map((h) => h.address),
    ['10.77.3.12', '10.77.3.13'],
  );
});

test('a valid spec comes back normalised', (t) => {
  t.deepEqual(validateSpec(good()), good() as never);
});

/** Puts the lab on `<prefix>.0/24`, its hosts from .12 on. */
function moveLan(s: ReturnType<typeof good>, prefix: string): void {
  s.subnet = `${prefix}.0/24`;
  for (const [i, h] of s.hosts.entries()) h.address = `${prefix}.${12 + i}`;
}

const invalid: [string, (s: ReturnType<typeof good>) => void, RegExp][] = [
  ['bad CIDR', (s) => (s.subnet = '192.168.100.0/33'), /not an IPv4 network/],
  ['host bits set in CIDR', (s) => (s.subnet = '192.168.100.12/24'), /did you mean 192\.168\.100\.0\/24/],
  ['overlaps docker0', (s) => moveLan(s, '172.17.5'), /overlaps 172\.17\.0\.0\/16/],
  ['overlaps flannel network', (s) => moveLan(s, '172.20.0'), /overlaps 172\.20\.0\.0\/16/],
  ['address outside subnet', (s) => (s.hosts[1]!.address = '192.168.101.13'), /outside the lab subnet/],
  ['broadcast address', (s) => (s.hosts[1]!.address = '192.168.100.255'), /network or broadcast/],
  ['gateway address', (s) => (s.hosts[1]!.address = '192.168.100.1'), /LAN gateway/],
  ['duplicate name', (s) => (s.hosts[1]!.name = 'hosta'), /duplicate host name/],
  ['duplicate address', (s) => (s.hosts[1]!.address = '192.168.100.12'), /duplicate address/],
  ['unknown os', (s) => (s.hosts[0]!.os = 'centos-7.9'), /is not one of/],
  ['unknown role', (s) => (s.hosts[0]!.roles = ['etcd', 'dns']), /unknown role "dns"/],
  ['two etcd hosts', (s) => (s.hosts[1]!.roles = ['etcd']), /only one host may have the etcd role/],
  ['bad lab name', (s) => (s.name = 'Lab One'), /lab name/],
  ['no hosts', (s) => (s.hosts = []), /at least one host/],
];

for (const [name, mutate, message] of invalid) {
  test(`rejected: ${name}`, (t) => {
    const s = good();
    mutate(s);
    const err = t.throws(() => validateSpec(s), { instanceOf: ConfigError });
    t.regex(err!.message, message);
    t.truthy(err!.hint, 'every spec error says how to fix it');
  });
}

test('every problem is reported at once', (t) => {
  const s = good();
  s.hosts[0]!.address = '10.0.0.1';
  s.hosts[1]!.os = 'windows';
  const err = t.throws(() => validateSpec(s), { instanceOf: ConfigError });
  t.regex(err!.message, /outside the lab subnet[\s\S]*is not one of/);
});

test("a LAN overlapping another lab's is rejected", (t) => {
  const err = t.throws(() => validateSpec(good(), [{ cidr: '192.168.0.0/16', why: 'the LAN of lab "other"' }]), { instanceOf: ConfigError });
  t.regex(err!.message, /overlaps 192\.168\.0\.0\/16, the LAN of lab "other"/);
});
