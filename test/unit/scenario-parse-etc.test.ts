import test from 'ava';
import { hostsEntryAt, hostsEntryFor, parseHostsFile, parseNameservers } from '../../src/scenario/lib/parse-etc.ts';

/** centos02's /etc/hosts in the document (2.2): the alias, ID and name of the linked centos01. */
const CENTOS02 = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::	ip6-localnet
ff00::	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
172.17.0.2	server1 7865d7af7a5a centos01
172.17.0.3	bb94173545d9
`;

test('/etc/hosts: entries with their names in order', (t) => {
  const entries = parseHostsFile(CENTOS02);
  t.is(entries.length, 8);
  t.deepEqual(hostsEntryFor(entries, 'centos01'), { address: '172.17.0.2', names: ['server1', '7865d7af7a5a', 'centos01'] });
  t.deepEqual(hostsEntryFor(entries, '7865d7af7a5a')?.address, '172.17.0.2');
  t.deepEqual(hostsEntryAt(entries, '172.17.0.3'), { address: '172.17.0.3', names: ['bb94173545d9'] });
  t.is(hostsEntryFor(entries, 'centos02'), undefined);
  t.deepEqual(hostsEntryAt(entries, '::1')?.names, ['localhost', 'ip6-localhost', 'ip6-loopback']);
});

test('/etc/hosts: comments, blank lines and an address without names are skipped', (t) => {
  t.deepEqual(parseHostsFile('# a comment\n\n10.0.0.5\n10.0.0.6  web  # trailing\n'), [{ address: '10.0.0.6', names: ['web'] }]);
});

test('nameservers from resolv.conf and from grep -w nameserver (3.2)', (t) => {
  t.deepEqual(parseNameservers('nameserver 1.1.1.1\nnameserver 8.8.8.8\n'), ['1.1.1.1', '8.8.8.8']);
  t.deepEqual(parseNameservers('search lab\noptions ndots:0\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n'), ['8.8.8.8', '8.8.4.4']);
  t.deepEqual(parseNameservers('options ndots:0\n'), []);
});
