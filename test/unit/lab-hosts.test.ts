/** `--hosts N`: the document's lab extended with flannel hosts, its bad inputs, and the subnet picked for a new lab. */
import test from 'ava';
import { hostCount, specFromFlags } from '../../src/cli/lab-spec.ts';
import { renderList } from '../../src/cli/lab-status.ts';
import { ConfigError } from '../../src/errors.ts';
import { inotifyLimitNeeded } from '../../src/providers/local/inotify.ts';
import type { Provider } from '../../src/providers/provider.ts';
import { documentSpec, pickFreeSubnet } from '../../src/testbed/testbed.ts';

const local = { kind: 'local' } as Provider;

test('--hosts 6: host A and host B as in the document, then hostC…hostF on the next addresses, flannel only', (t) => {
  const spec = documentSpec({ name: 'six', hosts: 6 });
  t.deepEqual(
    spec.hosts.map((h) => [h.name, h.address, h.os, h.roles.join('+')]),
    [
      ['hostA', '192.168.100.12', 'rocky-8.10', 'etcd+flannel'],
      ['hostB', '192.168.100.13', 'ubuntu-24.04', 'flannel'],
      ['hostC', '192.168.100.14', 'debian-12', 'flannel'],
      ['hostD', '192.168.100.15', 'debian-12', 'flannel'],
      ['hostE', '192.168.100.16', 'debian-12', 'flannel'],
      ['hostF', '192.168.100.17', 'debian-12', 'flannel'],
    ],
  );
  const max = documentSpec({ hosts: 64 });
  t.is(max.hosts.length, 64);
  t.deepEqual([max.hosts[25]!.name, max.hosts[26]!.name, max.hosts[63]!.name, max.hosts[63]!.address], ['hostZ', 'hostAA', 'hostBL', '192.168.100.75']);
  t.deepEqual(documentSpec(), documentSpec({ hosts: 2 }));
});

test('bad --hosts: out of range, not a number, with --spec, or too many for the subnet — one ConfigError each', (t) => {
  for (const n of ['1', '65', '0']) {
    const err = t.throws(() => specFromFlags({ hosts: n }, local), { instanceOf: ConfigError });
    t.is(err.message, `--hosts ${n}: a lab has 2 to 64 hosts`);
    t.regex(err.hint!, /from 2 \(the document's host A and host B\) to 64/);
  }
  t.throws(() => specFromFlags({ hosts: 'six' }, local), { instanceOf: ConfigError, message: '--hosts "six" is not a number of hosts' });
  t.throws(() => specFromFlags({ hosts: '4', spec: 'eight.json' }, local), {
    instanceOf: ConfigError,
    message: '--hosts and --spec both say which hosts the lab has',
  });
  t.throws(() => hostCount({ hosts: '4' }, { ...local, kind: 'ssh', fixedSpec: documentSpec() }), { message: /does not apply to the ssh provider/ });
  const small = t.throws(() => specFromFlags({ hosts: '6', subnet: '10.9.0.0/28' }, local), { instanceOf: ConfigError });
  t.is(small.message, "subnet 10.9.0.0/28 is too small for 6 hosts: from .12 (the document's host A) on it has room for 3");
  t.regex(small.hint!, /use a \/27 or larger subnet/);
  t.is(specFromFlags({ hosts: '3', subnet: '10.9.0.0/28' }, local).hosts.at(-1)!.address, '10.9.0.14');
});

test('a new lab gets the next free /24 when the default is taken; reserved networks are never picked', (t) => {
  t.is(pickFreeSubnet('192.168.100.0/24', []), '192.168.100.0/24');
  t.is(pickFreeSubnet('192.168.100.0/24', [{ cidr: '192.168.100.0/24' }, { cidr: '192.168.101.0/24' }]), '192.168.102.0/24');
  t.is(pickFreeSubnet('192.168.100.0/24', [{ cidr: '192.168.96.0/20' }]), '192.168.112.0/24');
  const all = Array.from({ length: 256 }, (_, i) => ({ cidr: `192.168.${i}.0/24` }));
  t.is(
    pickFreeSubnet(
      '192.168.100.0/24',
      all.filter((c) => c.cidr !== '192.168.7.0/24'),
    ),
    '192.168.7.0/24',
    'wraps round within the /16',
  );
  t.is(pickFreeSubnet('192.168.100.0/24', all), undefined);
  t.is(pickFreeSubnet('192.168.100.0/24', [{ cidr: '192.168.100.0/22' }]), '192.168.104.0/24');
  t.is(pickFreeSubnet('172.20.5.0/24', []), undefined, "inside the document's flannel network: nothing to pick");
});

test('lab list: one row per lab', (t) => {
  const lab = (name: string, subnet: string, hosts: number, state: 'up' | 'partial') => ({
    name,
    provider: 'local' as const,
    subnet,
    state,
    hosts: Array.from({ length: hosts }, () => ({ name: 'h', address: '', os: '', platform: '', state: 'running' })),
    details: {},
  });
  t.is(
    renderList([lab('class-01', '192.168.100.0/24', 2, 'up'), lab('big', '192.168.101.0/24', 16, 'partial')]),
    'LAB       PROVIDER  SUBNET            HOSTS  STATE\nclass-01  local     192.168.100.0/24  2      up\nbig       local     192.168.101.0/24  16     partial\n',
  );
  t.is(renderList([]), 'no labs (pnpm lab up creates one)\n');
});

test('inotify room: the limit a machine needs for more hosts, in steps of 128', (t) => {
  t.is(inotifyLimitNeeded(0, 2), 128);
  t.is(inotifyLimitNeeded(100, 2), 128);
  t.is(inotifyLimitNeeded(120, 2), 256);
  t.is(inotifyLimitNeeded(150, 10), 256);
  t.is(inotifyLimitNeeded(0, 64), 640);
});
