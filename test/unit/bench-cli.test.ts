import test from 'ava';
import type { RunRecord } from '../../src/bench/measure/run-record.ts';
import { labSubnet } from '../../src/bench/session.ts';
import { parseBenchArgs, runLine } from '../../src/cli/bench.ts';
import { ConfigError } from '../../src/errors.ts';

const fixedSeed = () => 12345;

test('defaults: all four paths and probes over vxlan, 10 rounds + 1 warm-up, baseline of the local testbed, lab "bench"', (t) => {
  const { options, json, help } = parseBenchArgs([], fixedSeed);
  t.false(json);
  t.false(help);
  t.deepEqual(options.suite.paths, ['loopback', 'host', 'bridge', 'overlay']);
  t.is(options.runs, 10);
  t.is(options.warmups, 1);
  t.is(options.seed, 12345);
  t.is(options.baselineFile, 'bench/baselines/local.json');
  t.deepEqual(options.lab, { name: 'bench' });
  t.false(options.updateBaseline);
  t.false(options.keep);
  t.is(options.reportDir, null);
});

test('every flag reaches the options', (t) => {
  const { options, json } = parseBenchArgs(
    [
      '--json',
      '--report',
      'out',
      '--runs',
      '6',
      '--warmups',
      '0',
      '--seed',
      '7',
      '--paths',
      'host,overlay',
      '--probes',
      'tcp',
      '--backend',
      'udp',
      '--backend',
      'vxlan',
      '--name',
      'bench2',
      '--subnet',
      '10.213.71.0/24',
      '--testbed',
      'ci-runner',
      '--keep',
      '--update-baseline',
    ],
    fixedSeed,
  );
  t.true(json);
  t.is(options.reportDir, 'out');
  t.is(options.runs, 6);
  t.is(options.warmups, 0);
  t.is(options.seed, 7);
  t.deepEqual(options.suite.paths, ['host', 'overlay-udp', 'overlay-vxlan']);
  t.deepEqual(options.suite.probes, ['tcp']);
  t.deepEqual(options.lab, { name: 'bench2', subnet: '10.213.71.0/24' });
  t.is(options.baselineFile, 'bench/baselines/ci-runner.json');
  t.true(options.keep);
  t.true(options.updateBaseline);
});

test('--ab gives an A/B suite', (t) => {
  const { options } = parseBenchArgs(['--ab', 'mtu=1450,mtu=600', '--paths', 'host,overlay'], fixedSeed);
  t.deepEqual(options.suite.variants, { A: { label: 'mtu=1450', backend: null, mtu: 1450 }, B: { label: 'mtu=600', backend: null, mtu: 600 } });
});

const bad: [string[], RegExp][] = [
  [['--runs', '0'], /--runs must be an integer from 1 to 1000, got "0"/],
  [['--runs', 'ten'], /--runs must be an integer/],
  [['--seed=-3'], /--seed must be an integer/],
  [['--testbed', 'My Bed'], /--testbed "My Bed" must be lower-case/],
  [['--ab', 'vxlan,udp', '--update-baseline'], /--update-baseline records a stored baseline/],
  [['--ab', 'vxlan,udp', '--baseline', 'x.json'], /--baseline and --ab exclude each other/],
  [['--paths', 'wan'], /unknown path "wan"/],
  [['--frobnicate'], /Unknown option '--frobnicate'/],
  [['extra'], /unexpected arguments: extra/],
];
for (const [argv, message] of bad) {
  test(`bad flags ${argv.join(' ')}: one ConfigError saying what is wrong`, (t) => {
    const err = t.throws(() => parseBenchArgs(argv, fixedSeed), { instanceOf: ConfigError });
    t.regex(err.message, message);
    t.truthy(err.hint);
  });
}

test('several problems are listed together', (t) => {
  const err = t.throws(() => parseBenchArgs(['--runs', '0', '--paths', 'wan', '--testbed', 'A'], fixedSeed), { instanceOf: ConfigError });
  t.regex(err.message, /bad bench options:\n {2}- --runs.*\n {2}- --testbed.*\n {2}- unknown path "wan"/s);
});

const record = (over: Partial<RunRecord>): RunRecord => ({
  order: 0,
  round: 1,
  path: 'overlay',
  probe: 'tcp',
  arm: null,
  canaryOf: null,
  warmup: false,
  confirmation: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 2104,
  values: {},
  error: null,
  ...over,
});

test('progress lines: figures of the run, tags, errors', (t) => {
  t.is(
    runLine(record({ values: { 'tcp.throughput': 9.412, 'tcp.retransmits': 3 } }), 37, 176),
    ' [ 37/176] overlay             tcp  9.41 Gbit/s, 3 retr  2.1s',
  );
  t.is(
    runLine(record({ path: 'loopback', canaryOf: 'overlay', values: { 'tcp.throughput': 30.1, 'tcp.retransmits': 0 } }), 38, 176),
    ' [ 38/176] loopback ↔ overlay  tcp  30.1 Gbit/s, 0 retr  2.1s',
  );
  t.is(
    runLine(record({ probe: 'rr', arm: 'B', warmup: true, durationMs: 540, values: { 'rr.p50': 101.4, 'rr.p99': 402, 'rr.mean': 110 } }), 3, 40),
    ' [ 3/40] overlay/B           rr   p50 101 µs, p99 402 µs  (warm-up)  540ms',
  );
  t.is(
    runLine(record({ probe: 'udp', confirmation: true, error: 'iperf3 failed: the server is busy' }), 1, 11),
    ' [ 1/11] overlay             udp  ✗ iperf3 failed: the server is busy  (re-run)  2.1s',
  );
});

test('the lab that is up is reused whatever its subnet when --subnet is not given', (t) => {
  t.deepEqual(labSubnet({ name: 'x' }, { subnet: '10.9.8.0/24' }), { subnet: '10.9.8.0/24' });
  t.deepEqual(labSubnet({ name: 'x' }, undefined), {}, 'no lab of that name: the document default');
  t.deepEqual(
    labSubnet({ name: 'x', subnet: '10.1.1.0/24' }, { subnet: '10.9.8.0/24' }),
    { subnet: '10.1.1.0/24' },
    'a given subnet is checked against the lab as before',
  );
});

test("history: kept beside labbench's state by default, --history names it, --no-history and A/B runs keep none, --no-baseline leaves the baseline file out", (t) => {
  const env = { LABBENCH_HOME: '/var/lib/lb' };
  t.is(parseBenchArgs([], fixedSeed, env).options.history, '/var/lib/lb/bench-history');
  t.is(parseBenchArgs(['--history', 'h'], fixedSeed, env).options.history, 'h');
  t.is(parseBenchArgs(['--no-history'], fixedSeed, env).options.history, null);
  t.is(parseBenchArgs(['--ab', 'vxlan,udp'], fixedSeed, env).options.history, null);
  const only = parseBenchArgs(['--no-baseline'], fixedSeed, env).options;
  t.is(only.baselineFile, null);
  t.false(parseBenchArgs([], fixedSeed, env).options.baselineNamed);
  t.true(parseBenchArgs(['--baseline', 'b.json'], fixedSeed, env).options.baselineNamed);
  const err = t.throws(() => parseBenchArgs(['--history', 'h', '--no-history', '--no-baseline', '--baseline', 'b.json'], fixedSeed, env), {
    instanceOf: ConfigError,
  });
  t.regex(err?.message ?? '', /--history and --no-history exclude each other/);
  t.regex(err?.message ?? '', /--no-baseline goes with the history alone/);
});
