import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { chooseExternalInterface, type InterfaceQuery, parseDefaultRouteDevice, parseIpAddrJson } from '../../src/flannel/iface.ts';
import { formatIp, parseIp } from '../../src/net/ipv4.ts';

// `ip -j -d -4 addr show` of a lab host: loopback, the LAN (a veth in a system container),
// docker0 and flannel.1 — and no default route.
const ADDRS = JSON.stringify([
  { ifname: 'lo', mtu: 65536, flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
  {
    ifname: 'eth0',
    mtu: 1500,
    flags: ['UP'],
    linkinfo: { info_kind: 'veth' },
    addr_info: [
      { family: 'inet', local: '192.168.100.12', prefixlen: 24, scope: 'global' },
      { family: 'inet', local: '192.168.100.200', prefixlen: 24, scope: 'global' },
    ],
  },
  {
    ifname: 'docker0',
    mtu: 1500,
    flags: ['UP'],
    linkinfo: { info_kind: 'bridge' },
    addr_info: [{ family: 'inet', local: '172.20.24.1', prefixlen: 24, scope: 'global' }],
  },
  {
    ifname: 'flannel.1',
    mtu: 1450,
    flags: ['UP'],
    linkinfo: { info_kind: 'vxlan' },
    addr_info: [{ family: 'inet', local: '172.20.24.0', prefixlen: 32, scope: 'global' }],
  },
  { ifname: 'eth1', mtu: 9000, flags: ['UP'], addr_info: [] },
]);
const interfaces = parseIpAddrJson(ADDRS);
const query = (q: Partial<InterfaceQuery> = {}): InterfaceQuery => ({
  interfaces,
  defaultRouteDevice: undefined,
  ifaces: [],
  ifaceRegexes: [],
  publicIp: undefined,
  ...q,
});
const pick = (q: Partial<InterfaceQuery>) => {
  const e = chooseExternalInterface(query(q));
  return { name: e.name, address: formatIp(e.address), publicIp: formatIp(e.publicIp), mtu: e.mtu };
};

test('parses ip -j -d addr output', (t) => {
  t.deepEqual(
    interfaces.map((i) => [i.name, i.kind, i.loopback, i.addresses.length]),
    [
      ['lo', '', true, 1],
      ['eth0', 'veth', false, 2],
      ['docker0', 'bridge', false, 1],
      ['flannel.1', 'vxlan', false, 1],
      ['eth1', '', false, 0],
    ],
  );
  t.is(parseDefaultRouteDevice('[{"dst":"default","gateway":"192.168.100.1","dev":"eth0","flags":[]}]'), 'eth0');
  t.is(parseDefaultRouteDevice('[]'), undefined);
});

test('without a default route: the only LAN interface with a global address (not docker0, not flannel.1)', (t) => {
  const e = chooseExternalInterface(query());
  t.deepEqual([e.name, formatIp(e.address), e.prefix, formatIp(e.publicIp)], ['eth0', '192.168.100.12', 24, '192.168.100.12']);
  t.regex(e.reason, /no default route/);
});

test('the default-route interface wins when there is one', (t) => {
  t.deepEqual(pick({ defaultRouteDevice: 'docker0' }), { name: 'docker0', address: '172.20.24.1', publicIp: '172.20.24.1', mtu: 1500 });
});

test('-iface by name or by address; the first that exists wins; -public-ip overrides the address published', (t) => {
  t.deepEqual(pick({ ifaces: ['eth7', 'eth0'] }), { name: 'eth0', address: '192.168.100.12', publicIp: '192.168.100.12', mtu: 1500 });
  t.deepEqual(pick({ ifaces: ['192.168.100.200'] }), { name: 'eth0', address: '192.168.100.200', publicIp: '192.168.100.200', mtu: 1500 });
  t.deepEqual(pick({ ifaces: ['eth0'], publicIp: parseIp('203.0.113.5') }), { name: 'eth0', address: '192.168.100.12', publicIp: '203.0.113.5', mtu: 1500 });
});

test('-iface-regex matches addresses, then names', (t) => {
  t.deepEqual(pick({ ifaceRegexes: ['^192\\.168\\.100\\.2'] }).address, '192.168.100.200');
  t.deepEqual(pick({ ifaceRegexes: ['^dock'] }).name, 'docker0');
});

test('errors name the fix', (t) => {
  const missing = t.throws(() => chooseExternalInterface(query({ ifaces: ['eth7'] })), { instanceOf: ConfigError });
  t.regex(missing.message, /none of the interfaces given with -iface \(eth7\)/);
  t.regex(missing.hint ?? '', /eth0 \(192\.168\.100\.12\)/);
  const noAddr = t.throws(() => chooseExternalInterface(query({ ifaces: ['eth1'] })), { instanceOf: ConfigError });
  t.regex(noAddr.message, /failed to find IPv4 address for interface eth1/);
  const two = parseIpAddrJson(
    JSON.stringify([
      { ifname: 'eth0', mtu: 1500, addr_info: [{ family: 'inet', local: '10.0.0.1', prefixlen: 24, scope: 'global' }] },
      { ifname: 'eth1', mtu: 1500, addr_info: [{ family: 'inet', local: '10.0.1.1', prefixlen: 24, scope: 'global' }] },
    ]),
  );
  const ambiguous = t.throws(() => chooseExternalInterface(query({ interfaces: two })), { instanceOf: ConfigError });
  t.regex(ambiguous.message, /several interfaces with global IPv4 addresses \(eth0, eth1\)/);
  t.regex(ambiguous.hint ?? '', /-iface=/);
  const none = t.throws(() => chooseExternalInterface(query({ interfaces: [] })), { instanceOf: ConfigError });
  t.regex(none.message, /no non-loopback interface/);
});
