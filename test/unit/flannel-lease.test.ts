import test from 'ava';
import { chooseSubnet, type ExistingLease, freeSubnets, OutOfSubnetsError } from '../../src/flannel/allocate.ts';
import { parseNetworkConfig } from '../../src/flannel/config.ts';
import { configKey, decodeLeaseAttrs, encodeLeaseAttrs, leaseServedBy, parseSubnetKey, subnetKey } from '../../src/flannel/lease.ts';
import { parseSubnetEnv, renderSubnetEnv } from '../../src/flannel/subnet-env.ts';
import { formatCidr, parseCidr, parseIp } from '../../src/net/ipv4.ts';

const A = parseIp('192.168.100.12');
const B = parseIp('192.168.100.13');

// ---- keys and values ----

test('lease keys use flannel’s a.b.c.d-len names', (t) => {
  t.is(subnetKey('/atomic.io/network', parseCidr('172.20.24.0/24')), '/atomic.io/network/subnets/172.20.24.0-24');
  t.is(subnetKey('/coreos.com/network/', parseCidr('10.5.52.0/24')), '/coreos.com/network/subnets/10.5.52.0-24');
  t.is(configKey('/atomic.io/network'), '/atomic.io/network/config');
  t.is(formatCidr(parseSubnetKey('/coreos.com/network/subnets/10.5.52.0-24')!), '10.5.52.0/24');
  t.is(formatCidr(parseSubnetKey('/x/subnets/10.12.13.0-24&fd00:12:13::-56')!), '10.12.13.0/24');
  t.is(parseSubnetKey('/x/subnets/garbage'), undefined);
  t.is(parseSubnetKey('/x/subnets/10.0.0.0-33'), undefined);
});

test('lease values are byte-exact per backend', (t) => {
  t.is(
    encodeLeaseAttrs({ backend: 'vxlan', publicIp: parseIp('192.168.64.3'), vni: 1, vtepMac: 'c6:d2:32:6f:8f:44' }),
    '{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}',
  );
  t.is(encodeLeaseAttrs({ backend: 'host-gw', publicIp: A }), '{"PublicIP":"192.168.100.12","PublicIPv6":null,"BackendType":"host-gw"}');
  t.is(encodeLeaseAttrs({ backend: 'udp', publicIp: A }), '{"PublicIP":"192.168.100.12","PublicIPv6":null}');
});

test('lease values from any flannel version decode', (t) => {
  t.deepEqual(decodeLeaseAttrs('{"PublicIP":"10.37.7.195","BackendType":"vxlan","BackendData":{"VtepMAC":"82:4B:b6:2f:54:4e"}}'), {
    publicIp: parseIp('10.37.7.195'),
    backendType: 'vxlan',
    vxlan: { vtepMac: '82:4b:b6:2f:54:4e' },
  });
  t.deepEqual(decodeLeaseAttrs('{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}'), {
    publicIp: parseIp('192.168.64.3'),
    backendType: 'vxlan',
    vxlan: { vni: 1, vtepMac: 'c6:d2:32:6f:8f:44' },
  });
  t.deepEqual(decodeLeaseAttrs('{"publicip":"10.0.0.1"}'), { publicIp: parseIp('10.0.0.1'), backendType: '' });
  t.is(decodeLeaseAttrs('v'), undefined);
  t.is(decodeLeaseAttrs('{"PublicIP":"nope"}'), undefined);
  t.is(decodeLeaseAttrs('{"PublicIP":"10.0.0.1","BackendType":"vxlan","BackendData":{"VtepMAC":"zz"}}')!.vxlan, undefined);
});

test('vxlan and host-gw program only their own backend’s leases; udp programs all', (t) => {
  const vx = { publicIp: A, backendType: 'vxlan' };
  const hg = { publicIp: A, backendType: 'host-gw' };
  const udp = { publicIp: A, backendType: '' };
  t.deepEqual([leaseServedBy('vxlan', vx), leaseServedBy('vxlan', hg), leaseServedBy('vxlan', udp)], [true, false, false]);
  t.deepEqual([leaseServedBy('host-gw', hg), leaseServedBy('host-gw', vx)], [true, false]);
  t.deepEqual([leaseServedBy('udp', udp), leaseServedBy('udp', vx)], [true, true]);
});

// ---- allocation ----

const config = parseNetworkConfig('{"Network":"172.20.0.0/16"}');
const lease = (cidr: string, publicIp: number | undefined, reservation = false): ExistingLease => ({
  subnet: parseCidr(cidr),
  attrs: publicIp === undefined ? undefined : { publicIp, backendType: '' },
  reservation,
});

test('a lease carrying this host’s PublicIP is reused', (t) => {
  const choice = chooseSubnet(
    config,
    [lease('172.20.7.0/24', B), lease('172.20.24.0/24', A)],
    { publicIp: A, previousSubnet: parseCidr('172.20.9.0/24') },
    () => 0,
  );
  t.deepEqual(choice, { action: 'reuse', subnet: parseCidr('172.20.24.0/24'), reservation: false });
});

test('a reservation with this host’s PublicIP is reused as a reservation', (t) => {
  const choice = chooseSubnet(config, [lease('172.20.30.0/24', A, true)], { publicIp: A }, () => 0);
  t.deepEqual(choice, { action: 'reuse', subnet: parseCidr('172.20.30.0/24'), reservation: true });
});

test('this host’s lease that no longer fits the config is discarded and a new subnet chosen', (t) => {
  const narrow = parseNetworkConfig('{"Network":"172.20.0.0/16","SubnetMin":"172.20.10.0","SubnetMax":"172.20.20.0"}');
  const choice = chooseSubnet(narrow, [lease('172.20.2.0/24', A)], { publicIp: A }, () => 0);
  t.deepEqual(choice, { action: 'create', subnet: parseCidr('172.20.10.0/24'), source: 'random-free', discard: parseCidr('172.20.2.0/24') });
});

test('the subnet of an existing subnet.env is taken when no lease holds it', (t) => {
  const choice = chooseSubnet(config, [lease('172.20.7.0/24', B)], { publicIp: A, previousSubnet: parseCidr('172.20.24.0/24') }, () => 0.99);
  t.deepEqual(choice, { action: 'create', subnet: parseCidr('172.20.24.0/24'), source: 'previous-subnet-file' });
});

test('the previous subnet is ignored when another host holds it or it does not fit', (t) => {
  const held = chooseSubnet(config, [lease('172.20.24.0/24', B)], { publicIp: A, previousSubnet: parseCidr('172.20.24.0/24') }, () => 0);
  t.deepEqual(held, { action: 'create', subnet: parseCidr('172.20.1.0/24'), source: 'random-free' });
  const wrongLen = chooseSubnet(config, [], { publicIp: A, previousSubnet: parseCidr('172.20.24.0/25') }, () => 0);
  t.is(wrongLen.action === 'create' && wrongLen.source, 'random-free');
  const first = chooseSubnet(config, [], { publicIp: A, previousSubnet: parseCidr('172.20.0.0/24') }, () => 0);
  t.is(formatCidr(first.subnet), '172.20.1.0/24');
});

test('a new subnet is a random pick among the first 100 free ones from SubnetMin', (t) => {
  const taken = [lease('172.20.1.0/24', B), lease('172.20.3.0/24', undefined), lease('172.20.4.0/23', B)];
  const free = freeSubnets(config, taken);
  t.is(free.length, 100);
  t.deepEqual(free.slice(0, 3).map(formatCidr), ['172.20.2.0/24', '172.20.6.0/24', '172.20.7.0/24']);
  t.is(formatCidr(free[99]!), '172.20.104.0/24');
  const pick = (r: number) => formatCidr(chooseSubnet(config, taken, { publicIp: A }, () => r).subnet);
  t.is(pick(0), '172.20.2.0/24');
  t.is(pick(0.5), '172.20.55.0/24');
  t.is(pick(0.999999), '172.20.104.0/24');
});

test('fewer than 100 free subnets: the pick is among what is left', (t) => {
  const small = parseNetworkConfig('{"Network":"10.0.0.0/22"}'); // subnets .1 .2 .3 (the first is skipped)
  t.deepEqual(freeSubnets(small, [lease('10.0.2.0/24', B)]).map(formatCidr), ['10.0.1.0/24', '10.0.3.0/24']);
  t.is(formatCidr(chooseSubnet(small, [lease('10.0.2.0/24', B)], { publicIp: A }, () => 0.9).subnet), '10.0.3.0/24');
});

test('exhaustion: every subnet leased gives "out of subnets"', (t) => {
  const small = parseNetworkConfig('{"Network":"10.0.0.0/22"}');
  const all = ['10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24'].map((c) => lease(c, B));
  const err = t.throws(() => chooseSubnet(small, all, { publicIp: A }, () => 0), { instanceOf: OutOfSubnetsError });
  t.regex(err.message, /out of subnets: every \/24 in 10\.0\.1\.0…10\.0\.3\.0 is leased/);
});

// ---- subnet.env ----

test('subnet.env is rendered in flannel’s order with the first usable address', (t) => {
  t.is(
    renderSubnetEnv({ network: parseCidr('172.20.0.0/16'), subnet: parseCidr('172.20.24.0/24'), mtu: 1472, ipMasq: false }),
    'FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_SUBNET=172.20.24.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n',
  );
  t.is(
    renderSubnetEnv({ network: parseCidr('10.5.0.0/16'), subnet: parseCidr('10.5.72.0/24'), mtu: 1450, ipMasq: true }),
    'FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.72.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
  );
});

test('subnet.env read back gives masked network and subnet', (t) => {
  const prev = parseSubnetEnv('FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET="10.5.72.1/24"\nFLANNEL_MTU=1450\n# comment\nexport FLANNEL_IPMASQ=false\n');
  t.deepEqual([formatCidr(prev.network!), formatCidr(prev.subnet!)], ['10.5.0.0/16', '10.5.72.0/24']);
  t.deepEqual(parseSubnetEnv('FLANNEL_SUBNET=garbage\n'), {});
  t.deepEqual(parseSubnetEnv(''), {});
});
