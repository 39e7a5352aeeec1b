import test from 'ava';
import { containerName, corePlan, slotOf } from '../../src/bench/measure/paths.ts';
import {
  BENCH_PROBE_SETTINGS,
  backendsNeeded,
  overlayNeeds,
  parseVariant,
  parseVariants,
  pathKind,
  planSuite,
  probeSettingsProblems,
} from '../../src/bench/plan/suite.ts';
import { ConfigError } from '../../src/errors.ts';

test('default suite: the four paths, the four probes, the overlay over vxlan', (t) => {
  const plan = planSuite({});
  t.deepEqual(plan.paths, ['loopback', 'host', 'bridge', 'overlay']);
  t.deepEqual(plan.probes, ['tcp', 'udp', 'ping', 'rr']);
  t.deepEqual(plan.backends, ['vxlan']);
  t.is(plan.variants, null);
  t.deepEqual(backendsNeeded(plan), ['vxlan']);
});

test('paths and probes keep report order whatever order they are given in', (t) => {
  const plan = planSuite({ paths: 'overlay, host', probes: 'rr,tcp' });
  t.deepEqual(plan.paths, ['host', 'overlay']);
  t.deepEqual(plan.probes, ['tcp', 'rr']);
  t.deepEqual(backendsNeeded(planSuite({ paths: 'host,bridge' })), []);
});

test('several --backend values give one overlay path per backend, each needing its own backend', (t) => {
  const plan = planSuite({ backends: ['vxlan', 'udp', 'vxlan'] });
  t.deepEqual(plan.paths, ['loopback', 'host', 'bridge', 'overlay-vxlan', 'overlay-udp']);
  t.deepEqual(overlayNeeds(plan, 'overlay-udp', null), { backend: 'udp', mtu: null });
  t.deepEqual(overlayNeeds(plan, 'overlay-vxlan', null), { backend: 'vxlan', mtu: null });
  t.is(overlayNeeds(plan, 'bridge', null), null);
  t.is(pathKind('overlay-host-gw'), 'overlay');
});

const variantCases: [string, { backend: string | null; mtu: number | null }][] = [
  ['vxlan', { backend: 'vxlan', mtu: null }],
  ['mtu=600', { backend: null, mtu: 600 }],
  ['udp+mtu=1400', { backend: 'udp', mtu: 1400 }],
  ['mtu=1400+host-gw', { backend: 'host-gw', mtu: 1400 }],
];
for (const [text, expected] of variantCases) {
  test(`variant "${text}"`, (t) => {
    const v = parseVariant(text);
    t.is(v.label, text);
    t.is(v.backend as string | null, expected.backend);
    t.is(v.mtu, expected.mtu);
  });
}

const badVariants: [string, RegExp][] = [
  ['', /empty/],
  ['geneve', /"geneve" is neither a backend/],
  ['mtu=100', /between 576 and 9000/],
  ['vxlan+udp', /backend twice/],
  ['mtu=1400+mtu=1500', /MTU twice/],
];
for (const [text, message] of badVariants) {
  test(`bad variant "${text}" is a ConfigError`, (t) => {
    const err = t.throws(() => parseVariant(text), { instanceOf: ConfigError });
    t.regex(err.message, message);
  });
}

test('--ab needs two different variants', (t) => {
  t.throws(() => parseVariants('vxlan'), { message: /two variants separated by a comma/ });
  t.throws(() => parseVariants('vxlan,vxlan'), { message: /the same testbed/ });
  t.deepEqual(parseVariants('mtu=1450,mtu=600').B, { label: 'mtu=600', backend: null, mtu: 600 });
});

test('A/B over MTUs: one overlay slot per arm on the run backend, shared slots for the controls', (t) => {
  const plan = planSuite({ ab: 'mtu=1450,mtu=600' });
  t.deepEqual(plan.paths, ['loopback', 'host', 'bridge', 'overlay']);
  t.deepEqual(overlayNeeds(plan, 'overlay', 'A'), { backend: 'vxlan', mtu: 1450 });
  t.deepEqual(overlayNeeds(plan, 'overlay', 'B'), { backend: 'vxlan', mtu: 600 });
  t.deepEqual(backendsNeeded(plan), ['vxlan']);
  t.is(slotOf(plan, 'overlay', 'A').key, 'overlay-a');
  t.is(slotOf(plan, 'overlay', 'B').key, 'overlay-b');
  t.is(slotOf(plan, 'bridge', 'A').key, 'bridge');
  t.is(slotOf(plan, 'bridge', 'B').key, 'bridge');
  t.is(containerName(slotOf(plan, 'overlay', 'B'), 'dst'), 'bench-overlay-b-dst');
});

test('A/B over backends needs both backends', (t) => {
  const plan = planSuite({ ab: 'vxlan,udp', paths: 'host,overlay' });
  t.deepEqual(backendsNeeded(plan), ['vxlan', 'udp']);
  t.deepEqual(slotOf(plan, 'overlay', 'B'), { key: 'overlay-b', path: 'overlay', kind: 'overlay', backend: 'udp', mtu: null });
});

test('every problem of the suite options is reported at once', (t) => {
  const err = t.throws(() => planSuite({ paths: 'host,wan', probes: 'tcp,http', backends: ['geneve'] }), { instanceOf: ConfigError });
  t.regex(err.message, /unknown path "wan"/);
  t.regex(err.message, /unknown probe "http"/);
  t.regex(err.message, /unknown flannel backend "geneve"/);
  t.throws(() => planSuite({ ab: 'vxlan,udp', paths: 'host' }), { message: /--paths must include overlay/ });
  t.throws(() => planSuite({ ab: 'vxlan,udp', backends: ['vxlan', 'udp'] }), { message: /at most one --backend/ });
});

test('the default probe settings are valid; iperf3 and ping limits are enforced', (t) => {
  t.deepEqual(probeSettingsProblems(BENCH_PROBE_SETTINGS), []);
  const bad = {
    ...BENCH_PROBE_SETTINGS,
    tcp: { ...BENCH_PROBE_SETTINGS.tcp, durationS: 0.5 },
    udp: { ...BENCH_PROBE_SETTINGS.udp, bitrate: 'fast', omitS: 1.5 },
    ping: { ...BENCH_PROBE_SETTINGS.ping, count: 5 },
    rr: { ...BENCH_PROBE_SETTINGS.rr, iterations: 500 },
  };
  const problems = probeSettingsProblems(bad);
  t.is(problems.length, 5);
  t.regex(problems.join('\n'), /tcp\.durationS must be a whole number of seconds ≥ 1/);
  t.regex(problems.join('\n'), /udp\.omitS/);
  t.regex(problems.join('\n'), /udp\.bitrate/);
  t.regex(problems.join('\n'), /ping\.count \(5\) must exceed ping\.skipFirst/);
  t.regex(problems.join('\n'), /rr\.iterations must be ≥ 1000/);
});

test('the default suite fits the 4-minute budget on paper: 176 runs of at most ~2 s of probe time', (t) => {
  const s = BENCH_PROBE_SETTINGS;
  const perRound = s.tcp.durationS + s.tcp.omitS + s.udp.durationS + s.udp.omitS + s.ping.count * s.ping.intervalS + (s.rr.timeMs + s.rr.warmupTimeMs) / 1000;
  const probeSeconds = perRound * 4 * 11;
  t.true(probeSeconds < 200, `${probeSeconds.toFixed(0)} s of probe time`);
});

test('client and server are pinned to different cores when there are two or more', (t) => {
  t.deepEqual(corePlan(2), { client: 0, server: 1 });
  t.deepEqual(corePlan(8), { client: 0, server: 7 });
  t.deepEqual(corePlan(1), { client: null, server: null });
});
