import test from 'ava';
import { addedInterfaces, interfaceNamed, parseIpInterfaces } from '../../src/scenario/lib/parse-ip.ts';

/** `ip a` on the document's host B (1.1) plus the veth its first container added. */
const DOCUMENT_HOST = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host noprefixroute 
       valid_lft forever preferred_lft forever
2: ens33: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000
    link/ether 00:0c:29:e6:1d:ab brd ff:ff:ff:ff:ff:ff
    altname enp2s1
    inet 192.168.100.13/24 brd 192.168.100.255 scope global ens33
       valid_lft forever preferred_lft forever
3: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default 
    link/ether 22:a0:95:7d:dc:c0 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
       valid_lft forever preferred_lft forever
30: veth66852fa@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP group default 
    link/ether aa:06:0c:bc:a8:49 brd ff:ff:ff:ff:ff:ff link-netnsid 0
    inet6 fe80::a806:cff:febc:a849/64 scope link 
       valid_lft forever preferred_lft forever
`;

/** BusyBox `ip a` inside a container (labbench/box), as the lab printed it. */
const BUSYBOX_CONTAINER = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
29: eth0@if30: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue 
    link/ether 02:42:AC:11:00:03 brd ff:ff:ff:ff:ff:ff
    inet 172.17.0.3/16 brd 172.17.255.255 scope global eth0
       valid_lft forever preferred_lft forever
`;

/** `ip -o link` on a lab host: one line per interface, a backslash for each line break. */
const ONE_LINE = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: docker0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:a7:10:f9:90 brd ff:ff:ff:ff:ff:ff
4: veth2beaeae@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master docker0 state UP mode DEFAULT group default \\    link/ether a6:45:71:72:0f:30 brd ff:ff:ff:ff:ff:ff link-netnsid 1
63: eth0@if64: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default \\    link/ether 02:42:0a:d5:3c:0c brd ff:ff:ff:ff:ff:ff link-netnsid 0
`;

const brief = (text: string) =>
  parseIpInterfaces(text).map((i) => [i.index, i.name, i.peerIndex ?? null, i.master ?? null, i.mtu ?? null, i.mac ?? null, i.inet.join(' ')]);

test('ip a: names, veth peers, master, MTU, MAC and IPv4 addresses (IPv6 and altname ignored)', (t) => {
  t.deepEqual(brief(DOCUMENT_HOST), [
    [1, 'lo', null, null, 65536, null, '127.0.0.1/8'],
    [2, 'ens33', null, null, 1500, '00:0c:29:e6:1d:ab', '192.168.100.13/24'],
    [3, 'docker0', null, null, 1500, '22:a0:95:7d:dc:c0', '172.17.0.1/16'],
    [30, 'veth66852fa', 2, 'docker0', 1500, 'aa:06:0c:bc:a8:49', ''],
  ]);
  t.deepEqual(parseIpInterfaces(DOCUMENT_HOST)[0]!.flags, ['LOOPBACK', 'UP', 'LOWER_UP']);
  t.is(parseIpInterfaces(DOCUMENT_HOST)[1]!.state, 'UP');
});

test('BusyBox ip a in a container: eth0@ifN names the host-side peer, MAC lower-cased', (t) => {
  t.deepEqual(brief(BUSYBOX_CONTAINER), [
    [1, 'lo', null, null, 65536, null, '127.0.0.1/8'],
    [29, 'eth0', 30, null, 1500, '02:42:ac:11:00:03', '172.17.0.3/16'],
  ]);
  t.is(interfaceNamed(parseIpInterfaces(BUSYBOX_CONTAINER), 'eth0')?.link, 'if30');
});

test('ip -o link: backslash-joined lines parse like the multi-line form', (t) => {
  t.deepEqual(brief(ONE_LINE), [
    [1, 'lo', null, null, 65536, null, ''],
    [2, 'docker0', null, null, 1500, '02:42:a7:10:f9:90', ''],
    [4, 'veth2beaeae', 3, 'docker0', 1500, 'a6:45:71:72:0f:30', ''],
    [63, 'eth0', 64, null, 1500, '02:42:0a:d5:3c:0c', ''],
  ]);
});

test('link names that are not ifN: NONE and a parent name give no peer index', (t) => {
  const ifaces = parseIpInterfaces(
    '5: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN\n6: eth0.10@eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN\n',
  );
  t.deepEqual(
    ifaces.map((i) => [i.name, i.link, i.peerIndex]),
    [
      ['tunl0', 'NONE', undefined],
      ['eth0.10', 'eth0', undefined],
    ],
  );
  t.deepEqual(parseIpInterfaces(''), []);
});

test('addedInterfaces: what a docker run added to the host', (t) => {
  const before = parseIpInterfaces(
    ONE_LINE.split('\n')
      .filter((l) => !l.startsWith('4:'))
      .join('\n'),
  );
  t.deepEqual(
    addedInterfaces(before, parseIpInterfaces(ONE_LINE)).map((i) => i.name),
    ['veth2beaeae'],
  );
  t.deepEqual(addedInterfaces(parseIpInterfaces(ONE_LINE), parseIpInterfaces(ONE_LINE)), []);
  // A re-created interface with a new index counts as added.
  t.deepEqual(
    addedInterfaces(parseIpInterfaces(ONE_LINE), parseIpInterfaces(ONE_LINE.replace('2: docker0', '25: docker0'))).map((i) => i.index),
    [25],
  );
});
