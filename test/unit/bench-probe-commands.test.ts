import test from 'ava';
import { enterNetns, placed } from '../../src/bench/measure/probes/invocation.ts';
import { iperf3Server, iperf3TcpRun, iperf3UdpRun } from '../../src/bench/measure/probes/run-iperf3.ts';
import { pingRun } from '../../src/bench/measure/probes/run-ping.ts';
import { echoServer, rrRun } from '../../src/bench/measure/probes/run-rr.ts';
import { BENCH_PROBE_SETTINGS as S } from '../../src/bench/plan/suite.ts';
import { ProbeOutputError } from '../../src/parsers/probe-output-error.ts';

const container = { enter: enterNetns(4242), core: 0 };
const hostNs = { enter: [], core: 1 };

test('TCP client: pinned, inside the container namespace, JSON, 1 s without an omitted second (slow start is over in milliseconds), fixed streams', (t) => {
  const run = iperf3TcpRun(container, '172.20.50.2', S.tcp);
  t.deepEqual(run.argv, [
    'taskset',
    '-c',
    '0',
    'nsenter',
    '-t',
    '4242',
    '-n',
    'iperf3',
    '-c',
    '172.20.50.2',
    '-p',
    '5201',
    '-J',
    '-t',
    '1',
    '-O',
    '0',
    '-P',
    '1',
  ]);
  t.is(run.timeoutMs, 21_000);
  t.deepEqual(iperf3TcpRun(container, '10.0.0.2', { ...S.tcp, pinCpus: false }).argv.slice(0, 4), ['nsenter', '-t', '4242', '-n']);
});

test('UDP client: fixed offered load and datagram size', (t) => {
  const run = iperf3UdpRun(hostNs, '10.213.70.13', S.udp, true);
  t.deepEqual(run.argv, ['taskset', '-c', '1', 'iperf3', '-c', '10.213.70.13', '-p', '5201', '-J', '-u', '-b', '100M', '-l', '1200', '-t', '1', '-O', '0']);
});

test('ping: fixed locale, numeric, count and interval, never pinned', (t) => {
  const run = pingRun(container, '172.20.63.3', S.ping);
  t.deepEqual(run.argv, ['nsenter', '-t', '4242', '-n', 'env', 'LC_ALL=C', 'ping', '-n', '-c', '55', '-i', '0.005', '-W', '1', '172.20.63.3']);
});

test('request-response client and echo server: the bundles run by the host node', (t) => {
  const run = rrRun(container, '172.20.50.2', S.rr);
  t.deepEqual(run.argv.slice(0, 10), ['taskset', '-c', '0', 'nsenter', '-t', '4242', '-n', 'node', '/opt/labbench/bench/rr-client.mjs', '--host']);
  t.true(run.argv.join(' ').includes('--port 7007 --payload 64 --time 250 --iterations 1000 --warmup-time 100 --warmup-iterations 300'));
  t.deepEqual(echoServer(hostNs, '10.213.70.13').argv, [
    'taskset',
    '-c',
    '1',
    'node',
    '/opt/labbench/bench/echo-server.mjs',
    '--host',
    '10.213.70.13',
    '--port',
    '7007',
  ]);
  t.deepEqual(iperf3Server({ enter: enterNetns(7), core: null }, '172.20.50.2').argv, [
    'nsenter',
    '-t',
    '7',
    '-n',
    'iperf3',
    '-s',
    '-p',
    '5201',
    '-B',
    '172.20.50.2',
  ]);
});

test('placed() without a core does not pin', (t) => {
  t.deepEqual(placed({ enter: [], core: null }, ['iperf3', '-s']), ['iperf3', '-s']);
});

const PING_OUTPUT = `PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.
${Array.from({ length: 8 }, (_, i) => `64 bytes from 10.0.0.2: icmp_seq=${i + 1} ttl=64 time=${i < 5 ? '0.500' : '0.040'} ms`).join('\n')}

--- 10.0.0.2 ping statistics ---
8 packets transmitted, 8 received, 0% packet loss, time 40ms
rtt min/avg/max/mdev = 0.040/0.337/0.500/0.225 ms
`;

test("each invocation parses its own tool's output into the run's metric values", (t) => {
  const ping = pingRun(hostNs, '10.0.0.2', { count: 8, intervalS: 0.005, skipFirst: 5 });
  // The five slow first replies are dropped: the RTT is the median of the last three.
  t.deepEqual(ping.parse(PING_OUTPUT), { 'ping.loss': 0, 'ping.rtt': 40 });
  const rr = rrRun(hostNs, '10.0.0.2', S.rr);
  t.deepEqual(rr.parse('{"probe":"rr","unit":"us","p50":80,"p99":200,"mean":90,"samples":1500,"payloadBytes":64,"node":"v18.20.4"}\n'), {
    'rr.p50': 80,
    'rr.p99': 200,
    'rr.mean': 90,
  });
  const tcp = iperf3TcpRun(hostNs, '10.0.0.2', S.tcp);
  t.throws(() => tcp.parse('{"start":{},"intervals":[],"end":{},"error":"unable to connect to server: Connection refused"}'), {
    instanceOf: ProbeOutputError,
    message: /iperf3 failed: unable to connect/,
  });
});

/** iperf3 3.12 -J -u where no datagram arrived (container MTU 600, 1200-byte datagrams over the overlay). */
const UDP_BLACKHOLE = JSON.stringify({
  start: { version: 'iperf 3.12', test_start: { protocol: 'UDP', num_streams: 1, omit: 0, duration: 1 } },
  intervals: [
    {
      streams: [],
      sum: { start: 0, end: 1.000083, seconds: 1.000083, bytes: 12490800, bits_per_second: 99918106.8, packets: 10409, omitted: false, sender: true },
    },
  ],
  end: {
    sum_sent: {
      start: 0,
      end: 1.000083,
      seconds: 1.000083,
      bytes: 12490800,
      bits_per_second: 99918106.79713583,
      jitter_ms: 0,
      lost_packets: 0,
      packets: 10409,
      lost_percent: 0,
      sender: true,
    },
    sum_received: {
      start: 0,
      end: 1.000263,
      seconds: 1.000263,
      bytes: 0,
      bits_per_second: 0,
      jitter_ms: 0,
      lost_packets: 0,
      packets: 0,
      lost_percent: 0,
      sender: false,
    },
  },
});

test('a UDP run where nothing arrived is 100 % loss, not the 0 % iperf3 prints', (t) => {
  t.deepEqual(iperf3UdpRun(hostNs, '10.0.0.2', S.udp, true).parse(UDP_BLACKHOLE), { 'udp.goodput': 0, 'udp.loss': 100 });
});
