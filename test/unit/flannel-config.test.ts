import test from 'ava';
import { ConfigError } from '../../src/errors.ts';
import { backendDeviceName, backendMtu } from '../../src/flannel/backend.ts';
import { parseNetworkConfig } from '../../src/flannel/config.ts';
import { formatCidr, formatIp } from '../../src/net/ipv4.ts';

const summary = (text: string) => {
  const c = parseNetworkConfig(text);
  return { network: formatCidr(c.network), subnetLen: c.subnetLen, min: formatIp(c.subnetMin), max: formatIp(c.subnetMax), backend: c.backend };
};

const defaults: [string, string, number, string, string][] = [
  // flannel's TestConfigDefaults: 10.3.0.0/16 → /24, 10.3.1.0 … 10.3.255.0
  ['{"Network":"10.3.0.0/16"}', '10.3.0.0/16', 24, '10.3.1.0', '10.3.255.0'],
  ['{"Network":"172.20.0.0/16"}', '172.20.0.0/16', 24, '172.20.1.0', '172.20.255.0'],
  ['{"Network":"10.0.0.0/22"}', '10.0.0.0/22', 24, '10.0.1.0', '10.0.3.0'],
  ['{"Network":"10.0.0.0/23"}', '10.0.0.0/23', 25, '10.0.0.128', '10.0.1.128'],
  ['{"Network":"10.0.0.0/28"}', '10.0.0.0/28', 30, '10.0.0.4', '10.0.0.12'],
  ['{"Network":"10.0.0.0/8"}', '10.0.0.0/8', 24, '10.0.1.0', '10.255.255.0'],
  // Go matches keys case-insensitively; ParseCIDR drops host bits
  ['{"network":"10.5.1.7/16"}', '10.5.0.0/16', 24, '10.5.1.0', '10.5.255.0'],
  ['{"Network":"10.5.0.0/16","SubnetLen":20}', '10.5.0.0/16', 20, '10.5.16.0', '10.5.240.0'],
  ['{"Network":"10.5.0.0/16","SubnetMin":"10.5.10.0","SubnetMax":"10.5.20.0"}', '10.5.0.0/16', 24, '10.5.10.0', '10.5.20.0'],
];
for (const [text, network, len, min, max] of defaults) {
  test(`config defaults: ${text}`, (t) => {
    const s = summary(text);
    t.deepEqual([s.network, s.subnetLen, s.min, s.max], [network, len, min, max]);
  });
}

test('Backend omitted means udp on port 8285 (flannel code, not its docs)', (t) => {
  t.deepEqual(summary('{"Network":"172.20.0.0/16"}').backend, { type: 'udp', port: 8285 });
});

test('vxlan defaults: VNI 1, kernel port 8472, no learning', (t) => {
  t.deepEqual(summary('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}').backend, {
    type: 'vxlan',
    vni: 1,
    port: 8472,
    learning: false,
    gbp: false,
    directRouting: false,
    mtu: 0,
  });
});

test('vxlan options are read case-insensitively', (t) => {
  t.deepEqual(summary('{"Network":"10.5.0.0/16","backend":{"type":"vxlan","vni":4,"port":4789,"directrouting":true,"MTU":9000}}').backend, {
    type: 'vxlan',
    vni: 4,
    port: 4789,
    learning: false,
    gbp: false,
    directRouting: true,
    mtu: 9000,
  });
});

test('host-gw and udp with a port', (t) => {
  t.deepEqual(summary('{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}').backend, { type: 'host-gw' });
  t.deepEqual(summary('{"Network":"10.5.0.0/16","Backend":{"Type":"udp","Port":9000}}').backend, { type: 'udp', port: 9000 });
});

const invalid: [string, RegExp][] = [
  ['not json', /not valid JSON/],
  ['[]', /must be a JSON object/],
  ['{}', /please define a correct Network parameter/],
  ['{"Network":""}', /please define a correct Network parameter/],
  ['{"Network":"10.5.0.0"}', /not an IPv4 CIDR block/],
  ['{"Network":"10.0.0.0/29"}', /network is too small\. Minimum useful network prefix is \/28/],
  ['{"Network":"10.5.0.0/16","SubnetLen":31}', /SubnetLen must be less than \/31/],
  ['{"Network":"10.5.0.0/16","SubnetLen":17}', /at least four subnets/],
  ['{"Network":"10.5.0.0/16","SubnetMin":"10.6.0.0"}', /SubnetMin is not in the range of the Network/],
  ['{"Network":"10.5.0.0/16","SubnetMax":"10.6.0.0"}', /SubnetMax is not in the range of the Network/],
  ['{"Network":"10.5.0.0/16","SubnetMin":"10.5.1.8"}', /SubnetMin is not on a SubnetLen boundary: 10\.5\.1\.8/],
  ['{"Network":"10.5.0.0/16","SubnetMax":"10.5.1.1"}', /SubnetMax is not on a SubnetLen boundary/],
  ['{"Network":"10.5.0.0/16","Backend":{"Type":"wireguard"}}', /backend type "wireguard" is not supported/],
  ['{"Network":"10.5.0.0/16","Backend":{}}', /backend type "" is not supported/],
  ['{"Network":"10.5.0.0/16","Backend":"vxlan"}', /Backend property/],
  ['{"Network":"10.5.0.0/16","EnableIPv6":true}', /IPv6/],
  ['{"Network":"10.5.0.0/16","SubnetLen":"24"}', /SubnetLen must be a non-negative integer/],
];
for (const [text, message] of invalid) {
  test(`invalid config is rejected: ${text}`, (t) => {
    const err = t.throws(() => parseNetworkConfig(text), { instanceOf: ConfigError });
    t.regex(err.message, message);
  });
}

test('FLANNEL_MTU per backend on a 1500-byte interface: udp 1472, vxlan 1450 (or Backend.MTU − 50), host-gw 1500', (t) => {
  const mtu = (json: string) => backendMtu(parseNetworkConfig(json).backend, 1500);
  t.is(mtu('{"Network":"10.5.0.0/16"}'), 1472);
  t.is(mtu('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'), 1450);
  t.is(mtu('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","MTU":9000}}'), 8950);
  t.is(mtu('{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}'), 1500);
  const names = [
    '{"Network":"10.5.0.0/16"}',
    '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan","VNI":7}}',
    '{"Network":"10.5.0.0/16","Backend":{"Type":"host-gw"}}',
  ].map((j) => backendDeviceName(parseNetworkConfig(j).backend));
  t.deepEqual(names, ['flannel0', 'flannel.7', undefined]);
});
