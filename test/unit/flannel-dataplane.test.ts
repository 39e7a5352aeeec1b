import test from 'ava';
import { parseNetworkConfig } from '../../src/flannel/config.ts';
import { diffDataplane, diffDevice, type KernelOp, opCommand } from '../../src/flannel/dataplane/diff.ts';
import { type DataplaneContext, deviceSpec, isManagedAddress, isManagedRoute, type PlannedLease, planDataplane } from '../../src/flannel/dataplane/plan.ts';
import { type CurrentDataplane, parseAddrJson, parseFdbJson, parseLinkJson, parseNeighJson, parseRouteJson } from '../../src/flannel/dataplane/state.ts';
import { parseCidr, parseIp } from '../../src/net/ipv4.ts';

const ctxFor = (configJson: string, own = '10.5.1.0/24'): DataplaneContext => ({
  backend: parseNetworkConfig(configJson).backend,
  network: parseCidr('10.5.0.0/16'),
  ownSubnet: parseCidr(own),
  ext: { name: 'eth0', mtu: 1500, address: parseIp('192.168.100.12'), prefix: 24, publicIp: parseIp('192.168.100.12') },
});
const VXLAN = ctxFor('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
const HOSTGW = ctxFor('{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}');
const UDP = ctxFor('{"Network":"10.5.0.0/16"}');

const vx = (subnet: string, ip: string, mac: string): PlannedLease => ({
  subnet: parseCidr(subnet),
  attrs: { publicIp: parseIp(ip), backendType: 'vxlan', vxlan: { vni: 1, vtepMac: mac } },
});
const hg = (subnet: string, ip: string): PlannedLease => ({ subnet: parseCidr(subnet), attrs: { publicIp: parseIp(ip), backendType: 'host-gw' } });
const udp = (subnet: string, ip: string): PlannedLease => ({ subnet: parseCidr(subnet), attrs: { publicIp: parseIp(ip), backendType: '' } });

const commands = (ops: KernelOp[]) => ops.map((op) => opCommand(op).join(' '));

test('vxlan plan: flannel.1 with <subnet>/32; per remote lease neigh, fdb and onlink route; own lease skipped', (t) => {
  const plan = planDataplane(VXLAN, [
    vx('10.5.1.0/24', '192.168.100.12', '0a:00:00:00:00:01'),
    vx('10.5.3.0/24', '192.168.100.14', '0a:00:00:00:00:03'),
    vx('10.5.2.0/24', '192.168.100.13', '0a:00:00:00:00:02'),
    hg('10.5.9.0/24', '192.168.100.19'),
    vx('10.9.0.0/24', '192.168.100.20', '0a:00:00:00:00:09'),
  ]);
  t.deepEqual(plan.device, {
    kind: 'vxlan',
    name: 'flannel.1',
    vni: 1,
    local: '192.168.100.12',
    link: 'eth0',
    port: 8472,
    learning: false,
    gbp: false,
    mtu: 1450,
  });
  t.deepEqual(plan.addresses, ['10.5.1.0/32']);
  t.deepEqual(plan.neighbours, [
    { dev: 'flannel.1', ip: '10.5.2.0', mac: '0a:00:00:00:00:02' },
    { dev: 'flannel.1', ip: '10.5.3.0', mac: '0a:00:00:00:00:03' },
  ]);
  t.deepEqual(plan.fdb, [
    { dev: 'flannel.1', mac: '0a:00:00:00:00:02', dst: '192.168.100.13' },
    { dev: 'flannel.1', mac: '0a:00:00:00:00:03', dst: '192.168.100.14' },
  ]);
  t.deepEqual(plan.routes, [
    { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'flannel.1', onlink: true },
    { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'flannel.1', onlink: true },
  ]);
  t.deepEqual(plan.ignored, [
    { subnet: '10.5.9.0/24', reason: 'backend type "host-gw" is not vxlan' },
    { subnet: '10.9.0.0/24', reason: 'outside the flannel network 10.5.0.0/16' },
  ]);
});

test('vxlan DirectRouting routes same-LAN peers via their PublicIP, others through flannel.1', (t) => {
  const ctx = ctxFor('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","DirectRouting":true}}');
  const plan = planDataplane(ctx, [vx('10.5.2.0/24', '192.168.100.13', '0a:00:00:00:00:02'), vx('10.5.3.0/24', '172.31.0.9', '0a:00:00:00:00:03')]);
  t.deepEqual(plan.routes, [
    { dst: '10.5.2.0/24', gateway: '192.168.100.13', dev: 'eth0', onlink: false },
    { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'flannel.1', onlink: true },
  ]);
  t.is(plan.fdb.length, 1);
});

test('host-gw plan: a route to each remote subnet via its PublicIP on the external interface, no device', (t) => {
  const plan = planDataplane(HOSTGW, [
    hg('10.5.2.0/24', '192.168.100.13'),
    hg('10.5.1.0/24', '192.168.100.12'),
    vx('10.5.4.0/24', '192.168.100.15', '0a:00:00:00:00:04'),
  ]);
  t.is(plan.device, undefined);
  t.deepEqual(plan.addresses, []);
  t.deepEqual(plan.routes, [{ dst: '10.5.2.0/24', gateway: '192.168.100.13', dev: 'eth0', onlink: false }]);
  t.deepEqual(plan.neighbours, []);
});

test('udp plan: flannel0 (MTU 1472) with <subnet>/32, one network route, and the relay table', (t) => {
  const plan = planDataplane(UDP, [udp('10.5.2.0/24', '192.168.100.13'), vx('10.5.3.0/24', '192.168.100.14', '0a:00:00:00:00:03')]);
  t.deepEqual(plan.device, { kind: 'tun', name: 'flannel0', mtu: 1472 });
  t.deepEqual(plan.addresses, ['10.5.1.0/32']);
  t.deepEqual(plan.routes, [{ dst: '10.5.0.0/16', dev: 'flannel0', onlink: false }]);
  t.deepEqual(plan.relayRoutes, [
    { subnet: '10.5.2.0/24', publicIp: '192.168.100.13' },
    { subnet: '10.5.3.0/24', publicIp: '192.168.100.14' },
  ]);
});

test('managed routes: inside the network and on the backend device or via a gateway on the external interface', (t) => {
  t.true(isManagedRoute(VXLAN, { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'flannel.1', onlink: true }));
  t.false(isManagedRoute(VXLAN, { dst: '10.5.1.0/24', dev: 'docker0', onlink: false }), 'docker0 route');
  t.false(isManagedRoute(VXLAN, { dst: '192.168.100.0/24', dev: 'eth0', onlink: false }));
  t.true(isManagedRoute(HOSTGW, { dst: '10.5.7.0/24', gateway: '192.168.100.99', dev: 'eth0', onlink: false }));
  t.false(isManagedRoute(HOSTGW, { dst: '10.6.7.0/24', gateway: '192.168.100.99', dev: 'eth0', onlink: false }));
  t.false(isManagedRoute(HOSTGW, { dst: '10.5.9.9/32', gateway: '192.168.100.99', dev: 'eth0', onlink: false }), 'host route of an administrator');
  t.true(isManagedRoute(UDP, { dst: '10.5.0.0/16', dev: 'flannel0', onlink: false }));
  t.true(isManagedAddress(VXLAN, '10.5.9.0/32'));
  t.false(isManagedAddress(VXLAN, 'fe80::1/64'));
  t.false(isManagedAddress(VXLAN, '192.168.1.1/24'));
});

// `ip -j` / `bridge -j` output captured from iproute2 6.1 on Debian 12.
const LINK =
  '[{"ifindex":4,"ifname":"flannel.1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,"address":"02:A9:b2:57:0f:c6","linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"192.168.100.12","link":"eth0","port_range":{"low":0,"high":0},"port":8472,"learning":false,"ttl":0}}}]';
const ROUTES =
  '[{"dst":"10.5.2.0/24","gateway":"10.5.2.0","dev":"flannel.1","flags":["onlink"]},{"dst":"10.5.9.9","gateway":"192.0.2.9","dev":"eth0","flags":["linkdown"]},{"dst":"192.168.100.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"192.168.100.12","flags":[]},{"dst":"default","gateway":"192.168.100.1","dev":"eth0","flags":[]},{"type":"blackhole","dst":"10.5.8.0/24","flags":[]}]';
const NEIGH = '[{"dst":"10.5.3.5","lladdr":"0a:00:00:00:00:03","state":["STALE"]},{"dst":"10.5.2.0","lladdr":"0a:00:00:00:00:02","state":["PERMANENT"]}]';
const FDB =
  '[{"mac":"0a:00:00:00:00:02","dst":"192.168.100.13","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"192.168.100.99","flags":["self"],"state":""}]';
const ADDR = '[{"ifindex":4,"ifname":"flannel.1","addr_info":[{"family":"inet","local":"10.5.1.0","prefixlen":32,"scope":"global"}]}]';

test('state parsers read ip/bridge JSON', (t) => {
  t.deepEqual(parseLinkJson(LINK), {
    name: 'flannel.1',
    kind: 'vxlan',
    mtu: 1450,
    up: true,
    mac: '02:a9:b2:57:0f:c6',
    vxlan: { vni: 1, local: '192.168.100.12', link: 'eth0', port: 8472, learning: false, gbp: false },
  });
  t.is(parseLinkJson('[]'), undefined);
  t.deepEqual(parseRouteJson(ROUTES), [
    { dst: '10.5.2.0/24', gateway: '10.5.2.0', dev: 'flannel.1', onlink: true },
    { dst: '10.5.9.9/32', gateway: '192.0.2.9', dev: 'eth0', onlink: false },
    { dst: '192.168.100.0/24', dev: 'eth0', onlink: false },
  ]);
  t.deepEqual(parseNeighJson(NEIGH, 'flannel.1'), [{ dev: 'flannel.1', ip: '10.5.2.0', mac: '0a:00:00:00:00:02' }]);
  t.deepEqual(parseFdbJson(FDB, 'flannel.1'), [{ dev: 'flannel.1', mac: '0a:00:00:00:00:02', dst: '192.168.100.13' }]);
  t.deepEqual(parseAddrJson(ADDR), ['10.5.1.0/32']);
});

const scopeOf = (ctx: DataplaneContext) => ({
  isManagedRoute: (r: Parameters<typeof isManagedRoute>[1]) => isManagedRoute(ctx, r),
  isManagedAddress: (c: string) => isManagedAddress(ctx, c),
});

test('vxlan diff against the current state: add the new peer, drop the vanished one, keep what is right', (t) => {
  const current: CurrentDataplane = {
    device: parseLinkJson(LINK)!,
    addresses: ['10.5.1.0/32', '10.5.77.0/32'],
    routes: [
      ...parseRouteJson(ROUTES),
      { dst: '10.5.4.0/24', gateway: '10.5.4.0', dev: 'flannel.1', onlink: true },
      { dst: '10.5.1.0/24', dev: 'docker0', onlink: false },
    ],
    neighbours: [...parseNeighJson(NEIGH, 'flannel.1'), { dev: 'flannel.1', ip: '10.5.4.0', mac: '0a:00:00:00:00:04' }],
    fdb: [...parseFdbJson(FDB, 'flannel.1'), { dev: 'flannel.1', mac: '0a:00:00:00:00:04', dst: '192.168.100.15' }],
  };
  const desired = planDataplane(VXLAN, [vx('10.5.2.0/24', '192.168.100.13', '0a:00:00:00:00:02'), vx('10.5.3.0/24', '192.168.100.14', '0a:00:00:00:00:03')]);
  t.deepEqual(commands(diffDataplane(desired, current, scopeOf(VXLAN))), [
    'ip addr del 10.5.77.0/32 dev flannel.1',
    'ip neigh del 10.5.4.0 dev flannel.1',
    'bridge fdb del 0a:00:00:00:00:04 dev flannel.1 dst 192.168.100.15 self',
    'ip route del 10.5.4.0/24 via 10.5.4.0 dev flannel.1',
    'ip neigh replace 10.5.3.0 dev flannel.1 lladdr 0a:00:00:00:00:03 nud permanent',
    'bridge fdb replace 0a:00:00:00:00:03 dev flannel.1 dst 192.168.100.14 self permanent',
    'ip route replace 10.5.3.0/24 via 10.5.3.0 dev flannel.1 onlink',
  ]);
});

test('in sync means no operations', (t) => {
  const desired = planDataplane(VXLAN, [vx('10.5.2.0/24', '192.168.100.13', '0a:00:00:00:00:02')]);
  const current: CurrentDataplane = {
    device: parseLinkJson(LINK)!,
    addresses: ['10.5.1.0/32'],
    routes: parseRouteJson(ROUTES),
    neighbours: parseNeighJson(NEIGH, 'flannel.1'),
    fdb: parseFdbJson(FDB, 'flannel.1'),
  };
  t.deepEqual(diffDataplane(desired, current, scopeOf(VXLAN)), []);
});

test('a changed VtepMAC or PublicIP is replaced in place', (t) => {
  const desired = planDataplane(VXLAN, [vx('10.5.2.0/24', '192.168.100.23', '0a:00:00:00:00:22')]);
  const current: CurrentDataplane = {
    device: parseLinkJson(LINK)!,
    addresses: ['10.5.1.0/32'],
    routes: parseRouteJson(ROUTES),
    neighbours: parseNeighJson(NEIGH, 'flannel.1'),
    fdb: parseFdbJson(FDB, 'flannel.1'),
  };
  t.deepEqual(commands(diffDataplane(desired, current, scopeOf(VXLAN))), [
    'bridge fdb del 0a:00:00:00:00:02 dev flannel.1 dst 192.168.100.13 self',
    'ip neigh replace 10.5.2.0 dev flannel.1 lladdr 0a:00:00:00:00:22 nud permanent',
    'bridge fdb replace 0a:00:00:00:00:22 dev flannel.1 dst 192.168.100.23 self permanent',
  ]);
});

test('vxlan device: created when missing, recreated when incompatible, MTU fixed, brought up', (t) => {
  const spec = deviceSpec(VXLAN)!;
  t.deepEqual(commands(diffDevice(spec, undefined)), [
    'ip link add flannel.1 mtu 1450 type vxlan id 1 local 192.168.100.12 dev eth0 dstport 8472 nolearning',
    'ip link set dev flannel.1 up',
  ]);
  const existing = parseLinkJson(LINK)!;
  t.deepEqual(diffDevice(spec, existing), []);
  t.deepEqual(commands(diffDevice(spec, { ...existing, vxlan: { ...existing.vxlan!, vni: 2 } })), [
    'ip link del flannel.1',
    'ip link add flannel.1 mtu 1450 type vxlan id 1 local 192.168.100.12 dev eth0 dstport 8472 nolearning',
    'ip link set dev flannel.1 up',
  ]);
  t.deepEqual(commands(diffDevice(spec, { ...existing, mtu: 1500, up: false })), ['ip link set dev flannel.1 mtu 1450', 'ip link set dev flannel.1 up']);
});

test('a recreated device starts empty: everything on it is added again', (t) => {
  const desired = planDataplane(VXLAN, [vx('10.5.2.0/24', '192.168.100.13', '0a:00:00:00:00:02')]);
  const stale = parseLinkJson(LINK)!;
  const current: CurrentDataplane = {
    device: { ...stale, vxlan: { ...stale.vxlan!, local: '192.168.100.99' } },
    addresses: ['10.5.1.0/32'],
    routes: parseRouteJson(ROUTES),
    neighbours: parseNeighJson(NEIGH, 'flannel.1'),
    fdb: parseFdbJson(FDB, 'flannel.1'),
  };
  t.deepEqual(commands(diffDataplane(desired, current, scopeOf(VXLAN))), [
    'ip link del flannel.1',
    'ip link add flannel.1 mtu 1450 type vxlan id 1 local 192.168.100.12 dev eth0 dstport 8472 nolearning',
    'ip link set dev flannel.1 up',
    'ip addr add 10.5.1.0/32 dev flannel.1',
    'ip neigh replace 10.5.2.0 dev flannel.1 lladdr 0a:00:00:00:00:02 nud permanent',
    'bridge fdb replace 0a:00:00:00:00:02 dev flannel.1 dst 192.168.100.13 self permanent',
    'ip route replace 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink',
  ]);
});

test('host-gw diff: add and remove gateway routes, never touch docker0 or the LAN route', (t) => {
  const desired = planDataplane(HOSTGW, [hg('10.5.2.0/24', '192.168.100.13'), hg('10.5.3.0/24', '192.168.100.14')]);
  const current: CurrentDataplane = {
    addresses: [],
    neighbours: [],
    fdb: [],
    routes: [
      { dst: '10.5.1.0/24', dev: 'docker0', onlink: false },
      { dst: '192.168.100.0/24', dev: 'eth0', onlink: false },
      { dst: '10.5.2.0/24', gateway: '192.168.100.13', dev: 'eth0', onlink: false },
      { dst: '10.5.5.0/24', gateway: '192.168.100.16', dev: 'eth0', onlink: false },
      { dst: '10.5.3.0/24', gateway: '10.5.3.0', dev: 'flannel.1', onlink: true },
    ],
  };
  t.deepEqual(commands(diffDataplane(desired, current, scopeOf(HOSTGW))), [
    'ip route del 10.5.5.0/24 via 192.168.100.16 dev eth0',
    'ip route replace 10.5.3.0/24 via 192.168.100.14 dev eth0',
  ]);
});

test('udp diff: nothing before the relay made flannel0; then address, MTU and the network route', (t) => {
  const desired = planDataplane(UDP, [udp('10.5.2.0/24', '192.168.100.13')]);
  t.deepEqual(diffDataplane(desired, { addresses: [], routes: [], neighbours: [], fdb: [] }, scopeOf(UDP)), []);
  const tun = { name: 'flannel0', kind: 'tun', mtu: 1500, up: false, mac: '' };
  t.deepEqual(commands(diffDataplane(desired, { device: tun, addresses: [], routes: [], neighbours: [], fdb: [] }, scopeOf(UDP))), [
    'ip link set dev flannel0 mtu 1472',
    'ip link set dev flannel0 up',
    'ip addr add 10.5.1.0/32 dev flannel0',
    'ip route replace 10.5.0.0/16 dev flannel0',
  ]);
});
