import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { parseInventoryFile } from '../../src/providers/ssh/inventory-file.ts';

const yaml = `
lab: course
subnet: 192.168.100.0/24
knownHosts: ./known_hosts
hosts:
  - name: hostA
    address: 192.168.100.12
    os: rocky-8.10
    roles: [etcd, flannel]
    user: rocky
    key: keys/id_ed25519
  - name: hostB
    address: 192.168.100.13
    os: ubuntu-24.04
    roles: [flannel]
    user: root
    key: /abs/key
    port: 2222
`;

test('an inventory file becomes a spec and an inventory with resolved paths', (t) => {
  const { spec, inventory } = parseInventoryFile(yaml, '/labs/course/inventory.yaml');
  t.is(spec.name, 'course');
  t.deepEqual(
    spec.hosts.map((h) => [h.name, h.address, h.os, h.roles]),
    [
      ['hostA', '192.168.100.12', 'rocky-8.10', ['etcd', 'flannel']],
      ['hostB', '192.168.100.13', 'ubuntu-24.04', ['flannel']],
    ],
  );
  t.is(inventory.provider, 'ssh');
  t.deepEqual(
    inventory.hosts.map((h) => [h.platform, h.ssh]),
    [
      [
        'existing machine',
        { host: '192.168.100.12', port: 22, user: 'rocky', keyPath: '/labs/course/keys/id_ed25519', knownHostsPath: '/labs/course/known_hosts' },
      ],
      ['existing machine', { host: '192.168.100.13', port: 2222, user: 'root', keyPath: '/abs/key', knownHostsPath: '/labs/course/known_hosts' }],
    ],
  );
});

test('JSON works as well (it is YAML)', (t) => {
  const json = JSON.stringify({
    lab: 'j',
    subnet: '10.1.0.0/24',
    knownHosts: '/k',
    hosts: [{ name: 'h1', address: '10.1.0.5', os: 'debian-12', user: 'root', key: '/id' }],
  });
  t.is(parseInventoryFile(json, '/x/inv.json').inventory.hosts[0]!.ssh!.keyPath, '/id');
});

test('missing known_hosts, user and key are all reported, with a hint', (t) => {
  const bad = `subnet: 192.168.100.0/24\nhosts:\n  - name: hostA\n    address: 192.168.100.12\n    os: debian-12\n    port: 70000\n`;
  const err = t.throws(() => parseInventoryFile(bad, 'inv.yaml'), { instanceOf: ConfigError });
  t.regex(err!.message, /knownHosts: a known_hosts file/);
  t.regex(err!.message, /host "hostA": user is required/);
  t.regex(err!.message, /host "hostA": key \(path of the SSH private key\) is required/);
  t.regex(err!.message, /port must be 1–65535/);
  t.truthy(err!.hint);
});

test('the spec rules apply (address outside the subnet)', (t) => {
  const err = t.throws(() => parseInventoryFile(yaml.replace('192.168.100.13', '10.0.0.13'), 'inv.yaml'), { instanceOf: ConfigError });
  t.regex(err!.message, /outside the lab subnet/);
});

test('not YAML at all', (t) => {
  t.throws(() => parseInventoryFile('hosts: [unclosed', 'inv.yaml'), { instanceOf: ConfigError, message: /is not valid YAML\/JSON/ });
});
