import test from 'ava';
import { defaultRoute, parseRouteN, prefixOfMask, routeTo } from '../../src/scenario/lib/parse-route.ts';

const HOST_3_5 = `Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         192.168.100.2   0.0.0.0         UG    0      0        0 ens33
10.0.0.0        0.0.0.0         255.255.255.0   U     0      0        0 docker0
172.10.0.0      0.0.0.0         255.255.255.0   U     0      0        0 br-2c0661a197a8
192.168.100.0   0.0.0.0         255.255.255.0   U     0      0        0 ens33
`;

const SERVER03_3_6 = `Kernel IP routing table
Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
0.0.0.0         172.10.0.1      0.0.0.0         UG    0      0        0 eth1
172.10.0.0      0.0.0.0         255.255.255.0   U     0      0        0 eth1
172.20.0.0      0.0.0.0         255.255.255.0   U     0      0        0 eth0
`;

test('route -n from the document (3.5): rows with their CIDR', (t) => {
  t.deepEqual(
    parseRouteN(HOST_3_5).map((r) => [r.cidr, r.gateway, r.flags, r.iface]),
    [
      ['0.0.0.0/0', '192.168.100.2', 'UG', 'ens33'],
      ['10.0.0.0/24', '0.0.0.0', 'U', 'docker0'],
      ['172.10.0.0/24', '0.0.0.0', 'U', 'br-2c0661a197a8'],
      ['192.168.100.0/24', '0.0.0.0', 'U', 'ens33'],
    ],
  );
});

test('default route and a route to a subnet (server03 in 3.6)', (t) => {
  const rows = parseRouteN(SERVER03_3_6);
  t.is(defaultRoute(rows)?.gateway, '172.10.0.1');
  t.is(defaultRoute(rows)?.iface, 'eth1');
  t.is(routeTo(rows, '172.20.0.0/24')?.iface, 'eth0');
  t.is(routeTo(rows, '172.30.0.0/24'), undefined);
  t.is(defaultRoute(parseRouteN('Kernel IP routing table\n')), undefined);
});

test('prefixOfMask', (t) => {
  for (const [mask, prefix] of [
    ['0.0.0.0', 0],
    ['255.0.0.0', 8],
    ['255.255.0.0', 16],
    ['255.255.255.0', 24],
    ['255.255.255.252', 30],
    ['255.255.255.255', 32],
  ] as const) {
    t.is(prefixOfMask(mask), prefix, mask);
  }
});
