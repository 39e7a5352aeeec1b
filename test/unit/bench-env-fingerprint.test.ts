import test from 'ava';
import { fieldsNotMeasured, hostFactsScript, mergeHostFacts, overlayFields, parseHostFacts, probeFields } from '../../src/bench/measure/env-fingerprint.ts';
import { diffFingerprints } from '../../src/bench/measure/fingerprint.ts';
import { BENCH_PROBE_SETTINGS } from '../../src/bench/plan/suite.ts';

/** What the facts script printed on a Debian 12 lab host. */
const HOST_A = `kernel=6.18.44-fc-v595
cpuModel=AMD EPYC
cpuCores=2
os=Debian GNU/Linux 12 (bookworm)
docker=20.10.24+dfsg1
etcd=3.4.23
flannel=labbench-flanneld v0.1.0 (labbench's flannel-compatible agent, not upstream flannel; etcd v2/v3 lease contract of flannel; backends udp, vxlan, host-gw)
iperf3=iperf 3.12 (cJSON 1.7.15)
ping=ping from iputils 20221126
node=v18.20.4
mtu=1500
`;

test('host facts: tool banners cut to name and version, numbers as numbers', (t) => {
  t.deepEqual(parseHostFacts(HOST_A), {
    kernel: '6.18.44-fc-v595',
    cpuModel: 'AMD EPYC',
    cpuCores: 2,
    os: 'Debian GNU/Linux 12 (bookworm)',
    docker: '20.10.24+dfsg1',
    etcd: '3.4.23',
    flannel: 'labbench-flanneld v0.1.0',
    iperf3: 'iperf 3.12',
    ping: 'iputils 20221126',
    node: 'v18.20.4',
    mtu: 1500,
  });
});

test('a fact the host could not give is null (unknown), not an empty string', (t) => {
  const facts = parseHostFacts('flannel=\netcd=\nmtu=\nkernel=6.1.0\n');
  t.deepEqual(facts, { flannel: null, etcd: null, mtu: null, kernel: '6.1.0' });
});

test("the facts script reads the MTU of the interface carrying the host's LAN address", (t) => {
  const script = hostFactsScript('10.213.70.12');
  t.true(script.includes(`awk -v a='10.213.70.12'`));
  t.true(script.includes('/sys/class/net/$lan/mtu'));
});

test("hosts that agree give one value; hosts that differ give each host's", (t) => {
  const a = parseHostFacts(HOST_A);
  const b = { ...a, iperf3: 'iperf 3.16', mtu: 9000 };
  const merged = mergeHostFacts([
    { host: 'hostA', facts: a },
    { host: 'hostB', facts: b },
  ]);
  t.is(merged.kernel, '6.18.44-fc-v595');
  t.is(merged.iperf3, 'hostA: iperf 3.12; hostB: iperf 3.16');
  t.is(merged.mtu, 'hostA: 1500; hostB: 9000');
});

test('overlay fields: backend and FLANNEL_MTU, per backend when several', (t) => {
  t.deepEqual(overlayFields(new Map()), {});
  t.deepEqual(overlayFields(new Map([['vxlan', 1450]])), { backend: 'vxlan', 'mtu.overlay': 1450 });
  t.deepEqual(
    overlayFields(
      new Map([
        ['vxlan', 1450],
        ['udp', 1472],
      ]),
    ),
    { backend: 'vxlan+udp', 'mtu.overlay-vxlan': 1450, 'mtu.overlay-udp': 1472 },
  );
});

test('probe settings are fingerprint fields, so a baseline measured differently is not comparable', (t) => {
  const fields = probeFields(BENCH_PROBE_SETTINGS, ['tcp', 'ping']);
  t.deepEqual(fields, { 'probe.tcp': 'iperf3 -t 1 -O 0 -P 1 pinned', 'probe.ping': 'ping -c 55 -i 0.005 skip 5' });
  const longer = probeFields({ ...BENCH_PROBE_SETTINGS, tcp: { ...BENCH_PROBE_SETTINGS.tcp, durationS: 10, omitS: 2 } }, ['tcp', 'ping']);
  t.deepEqual(
    diffFingerprints(fields, longer).map((d) => d.field),
    ['probe.tcp'],
  );
});

test('a narrower run leaves out what it does not measure, and nothing else', (t) => {
  const baseline = { kernel: 'k', backend: 'vxlan', 'mtu.overlay': 1450, flannel: 'v1', etcd: '3.4', 'probe.tcp': 'x', 'probe.rr': 'y' };
  const hostOnlyTcp = { kernel: 'k', etcd: '3.4', 'probe.tcp': 'x' };
  t.deepEqual(fieldsNotMeasured(baseline, hostOnlyTcp).sort(), ['backend', 'flannel', 'mtu.overlay', 'probe.rr']);
  // Measuring the overlay but not reporting its MTU is a difference, not an omission.
  const overlayWithoutMtu = { kernel: 'k', backend: 'vxlan', flannel: 'v1', etcd: '3.4', 'probe.tcp': 'x', 'probe.rr': 'y' };
  t.deepEqual(fieldsNotMeasured(baseline, overlayWithoutMtu), []);
  t.deepEqual(
    diffFingerprints(baseline, overlayWithoutMtu, fieldsNotMeasured(baseline, overlayWithoutMtu)).map((d) => d.field),
    ['mtu.overlay'],
  );
});
