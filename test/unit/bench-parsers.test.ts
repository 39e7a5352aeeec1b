import test from 'ava';
import { pingRunValues, rrRunValues, tcpRunValues, udpRunValues } from '../../src/bench/measure/extract.ts';
import { parseIperf3Tcp, parseIperf3Udp } from '../../src/bench/measure/parsers/iperf3.ts';
import { parseRrOutput } from '../../src/bench/measure/parsers/rr.ts';
import { parsePing } from '../../src/parsers/ping.ts';
import { ProbeOutputError } from '../../src/parsers/probe-output-error.ts';

/** An interval as iperf 3.12 prints it (one stream, sum only carries what the parser needs plus real neighbours). */
function interval(start: number, bps: number, omitted: boolean, udp = false) {
  const sum = {
    start,
    end: start + 1,
    seconds: 1,
    bytes: Math.round(bps / 8),
    bits_per_second: bps,
    omitted,
    sender: true,
    ...(udp ? { packets: 89000 } : { retransmits: 0 }),
  };
  return { streams: [{ socket: 5, ...sum }], sum };
}

/** `iperf3 -J -c 192.168.100.13 -t 10 -O 2` from iperf 3.12, trimmed to the fields iperf prints around the ones we read. */
function tcpDoc() {
  return {
    start: {
      connected: [{ socket: 5, local_host: '192.168.100.12', local_port: 50372, remote_host: '192.168.100.13', remote_port: 5201 }],
      version: 'iperf 3.12',
      system_info: 'Linux hostA 6.18.0 #1 SMP x86_64',
      timestamp: { time: 'Mon, 02 Mar 2026 01:00:00 GMT', timesecs: 1772413200 },
      connecting_to: { host: '192.168.100.13', port: 5201 },
      cookie: 'ynbuxjwxdbecn3rzeuqjzyhgsfgc7eop2aqh',
      tcp_mss_default: 1448,
      sock_bufsize: 0,
      sndbuf_actual: 16384,
      rcvbuf_actual: 131072,
      test_start: {
        protocol: 'TCP',
        num_streams: 1,
        blksize: 131072,
        omit: 2,
        duration: 10,
        bytes: 0,
        blocks: 0,
        reverse: 0,
        tos: 0,
        target_bitrate: 0,
        bidir: 0,
        fqrate: 0,
        interval: 1,
      },
    },
    intervals: [interval(0, 9.1e9, true), interval(1, 12.1e9, true), ...Array.from({ length: 10 }, (_, i) => interval(i, 12.8e9 + i * 1e7, false))],
    end: {
      streams: [
        {
          sender: {
            socket: 5,
            start: 0,
            end: 10.000046,
            seconds: 10.000046,
            bytes: 16047349760,
            bits_per_second: 12837820683.2,
            retransmits: 12,
            max_snd_cwnd: 3140544,
            max_snd_wnd: 3137536,
            max_rtt: 312,
            min_rtt: 21,
            mean_rtt: 96,
            sender: true,
          },
          receiver: { socket: 5, start: 0, end: 10.000101, seconds: 10.000046, bytes: 16045252608, bits_per_second: 12836072010.5, sender: true },
        },
      ],
      sum_sent: { start: 0, end: 10.000046, seconds: 10.000046, bytes: 16047349760, bits_per_second: 12837820683.2, retransmits: 12, sender: true },
      sum_received: { start: 0, end: 10.000101, seconds: 10.000101, bytes: 16045252608, bits_per_second: 12836072010.5, sender: true },
      cpu_utilization_percent: { host_total: 71.3, host_user: 1.2, host_system: 70.1, remote_total: 48.9, remote_user: 0.8, remote_system: 48.1 },
      sender_tcp_congestion: 'cubic',
      receiver_tcp_congestion: 'cubic',
    },
  };
}

test('iperf3 TCP: receiver goodput, sender rate, retransmits, omitted intervals left out', (t) => {
  const run = parseIperf3Tcp(JSON.stringify(tcpDoc()));
  t.is(run.protocol, 'TCP');
  t.is(run.version, 'iperf 3.12');
  t.is(run.receivedBitsPerSecond, 12836072010.5);
  t.is(run.sentBitsPerSecond, 12837820683.2);
  t.is(run.retransmits, 12);
  t.is(run.seconds, 10.000101);
  t.is(run.omittedIntervals, 2);
  t.is(run.intervals.length, 10);
  t.true(run.intervals.every((i) => i.bitsPerSecond >= 12.8e9));
  t.deepEqual(run.cpu, { hostTotal: 71.3, remoteTotal: 48.9 });
  t.deepEqual(tcpRunValues(run), { 'tcp.throughput': 12.8360720105, 'tcp.retransmits': 12 });
});

test('iperf3 TCP without sender retransmits (non-Linux sender) gives null and no retransmit value', (t) => {
  const doc = tcpDoc();
  delete (doc.end.sum_sent as { retransmits?: number }).retransmits;
  const run = parseIperf3Tcp(JSON.stringify(doc));
  t.is(run.retransmits, null);
  t.false('tcp.retransmits' in tcpRunValues(run));
});

test('iperf3 error field becomes a clear ProbeOutputError with a hint', (t) => {
  const doc = {
    start: { connected: [], version: 'iperf 3.12', system_info: 'Linux', test_start: { protocol: 'TCP' } },
    intervals: [],
    end: {},
    error: 'unable to connect to server: Connection refused',
  };
  const err = t.throws(() => parseIperf3Tcp(JSON.stringify(doc)), { instanceOf: ProbeOutputError });
  t.is(err?.message, 'iperf3 failed: unable to connect to server: Connection refused');
  t.regex(err?.hint ?? '', /iperf3 -s/);
});

test('iperf3 output that is not JSON, or lacks fields, or is the other protocol, is refused', (t) => {
  t.throws(() => parseIperf3Tcp('iperf3: error - unable to connect to server'), { instanceOf: ProbeOutputError, message: /not JSON: iperf3: error/ });
  const noReceived = tcpDoc() as { end: Record<string, unknown> };
  delete noReceived.end['sum_received'];
  t.throws(() => parseIperf3Tcp(JSON.stringify(noReceived)), { instanceOf: ProbeOutputError, message: /end\.sum_received/ });
  t.throws(() => parseIperf3Udp(JSON.stringify(tcpDoc())), { instanceOf: ProbeOutputError, message: /TCP test where a UDP test/ });
});

/** `iperf3 -J -u -b 1G -l 1400 -c … -t 10 -O 2`, iperf 3.12. */
function udpDoc(legacyOnly = false) {
  const sum = {
    start: 0,
    end: 10.000206,
    seconds: 10.000206,
    bytes: 1249948800,
    bits_per_second: 999938633.1,
    jitter_ms: 0.011,
    lost_packets: 1893,
    packets: 892821,
    lost_percent: 0.212024,
    sender: true,
  };
  const end: Record<string, unknown> = {
    streams: [
      {
        udp: {
          socket: 5,
          start: 0,
          end: 10.000206,
          seconds: 10.000206,
          bytes: 1249948800,
          bits_per_second: 999938633.1,
          jitter_ms: 0.011,
          lost_packets: 1893,
          packets: 892821,
          lost_percent: 0.212024,
          out_of_order: 0,
          sender: true,
        },
      },
    ],
    sum,
    cpu_utilization_percent: { host_total: 38.5, host_user: 3.1, host_system: 35.4, remote_total: 22.7, remote_user: 2.2, remote_system: 20.5 },
  };
  if (!legacyOnly) {
    end['sum_sent'] = {
      start: 0,
      end: 10.000206,
      seconds: 10.000206,
      bytes: 1249949400,
      bits_per_second: 999939113.1,
      jitter_ms: 0,
      lost_packets: 0,
      packets: 892821,
      lost_percent: 0,
      sender: true,
    };
    end['sum_received'] = {
      start: 0,
      end: 10.000383,
      seconds: 10.000383,
      bytes: 1247298000,
      bits_per_second: 997803003.6,
      jitter_ms: 0.0112,
      lost_packets: 1893,
      packets: 892821,
      lost_percent: 0.212024,
      sender: false,
    };
  }
  return {
    start: {
      version: 'iperf 3.12',
      system_info: 'Linux hostA',
      test_start: {
        protocol: 'UDP',
        num_streams: 1,
        blksize: 1400,
        omit: 2,
        duration: 10,
        bytes: 0,
        blocks: 0,
        reverse: 0,
        tos: 0,
        target_bitrate: 1000000000,
        bidir: 0,
        fqrate: 0,
        interval: 1,
      },
    },
    intervals: [interval(0, 1e9, true, true), interval(1, 1e9, true, true), ...Array.from({ length: 10 }, (_, i) => interval(i, 0.9999e9, false, true))],
    end,
  };
}

test('iperf3 UDP: loss and jitter from the receiver (sum_received)', (t) => {
  const run = parseIperf3Udp(JSON.stringify(udpDoc()));
  t.is(run.source, 'sum_received');
  t.is(run.bitsPerSecond, 997803003.6);
  t.is(run.jitterMs, 0.0112);
  t.is(run.lostPercent, 0.212024);
  t.is(run.lostPackets, 1893);
  t.is(run.packets, 892821);
  t.is(run.omittedIntervals, 2);
  t.deepEqual(udpRunValues(run), { 'udp.goodput': 997.8030036, 'udp.loss': 0.212024, 'udp.jitter': 0.0112 });
});

test('iperf3 UDP from a version without sum_received falls back to end.sum', (t) => {
  const run = parseIperf3Udp(JSON.stringify(udpDoc(true)));
  t.is(run.source, 'sum');
  t.is(run.bitsPerSecond, 999938633.1);
  t.is(run.jitterMs, 0.011);
  t.is(run.lostPercent, 0.212024);
});

const IPUTILS = `PING 172.20.58.2 (172.20.58.2) 56(84) bytes of data.
64 bytes from 172.20.58.2: icmp_seq=1 ttl=62 time=0.412 ms
64 bytes from 172.20.58.2: icmp_seq=2 ttl=62 time=0.203 ms
64 bytes from 172.20.58.2: icmp_seq=2 ttl=62 time=0.219 ms (DUP!)
64 bytes from 172.20.58.2: icmp_seq=3 ttl=62 time=0.198 ms
64 bytes from 172.20.58.2: icmp_seq=5 ttl=62 time=1.02 ms

--- 172.20.58.2 ping statistics ---
5 packets transmitted, 4 received, +1 duplicates, 20% packet loss, time 41ms
rtt min/avg/max/mdev = 0.198/0.458/1.020/0.332 ms, pipe 2, ipg/ewma 10.251/0.389 ms
`;

test('iputils ping: per-reply times (duplicates left out), totals, loss, rtt line with pipe/ewma', (t) => {
  const run = parsePing(IPUTILS);
  t.is(run.flavor, 'iputils');
  t.deepEqual(run.replies, [
    { seq: 1, timeMs: 0.412 },
    { seq: 2, timeMs: 0.203 },
    { seq: 3, timeMs: 0.198 },
    { seq: 5, timeMs: 1.02 },
  ]);
  t.is(run.transmitted, 5);
  t.is(run.received, 4);
  t.is(run.duplicates, 1);
  t.is(run.lossPercent, 20);
  t.deepEqual(run.summary, { minMs: 0.198, avgMs: 0.458, maxMs: 1.02, mdevMs: 0.332 });
  // 4 replies, skipping the first 2: median of 198 µs and 1020 µs.
  t.deepEqual(pingRunValues(run, 2), { 'ping.loss': 20, 'ping.rtt': 609 });
});

test('iputils ping with errors and no reply: %g loss, no rtt line, no RTT value', (t) => {
  const out = `PING 172.20.58.9 (172.20.58.9) 56(84) bytes of data.
From 172.20.24.1 icmp_seq=1 Destination Host Unreachable
From 172.20.24.1 icmp_seq=2 Destination Host Unreachable
From 172.20.24.1 icmp_seq=3 Destination Host Unreachable

--- 172.20.58.9 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2030ms
pipe 3
`;
  const run = parsePing(out);
  t.is(run.errors, 3);
  t.is(run.lossPercent, 100);
  t.is(run.summary, null);
  t.deepEqual(run.replies, []);
  t.deepEqual(pingRunValues(run), { 'ping.loss': 100 });
});

test('iputils fractional loss is read as printed (%g)', (t) => {
  const run = parsePing(
    '--- h ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 2003ms\nrtt min/avg/max/mdev = 0.045/0.050/0.055/0.005 ms\n',
  );
  t.is(run.lossPercent, 33.3333);
});

// Captured from BusyBox 1.35.0 (Debian busybox-static) on this machine: `busybox ping -c 3 -i 0.2 127.0.0.1`.
const BUSYBOX = `PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.299 ms
64 bytes from 127.0.0.1: seq=1 ttl=64 time=0.088 ms
64 bytes from 127.0.0.1: seq=2 ttl=64 time=0.081 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.081/0.156/0.299 ms
`;

test('BusyBox ping: seq= replies, integer loss, round-trip line without mdev', (t) => {
  const run = parsePing(BUSYBOX);
  t.is(run.flavor, 'busybox');
  t.deepEqual(
    run.replies.map((r) => r.timeMs),
    [0.299, 0.088, 0.081],
  );
  t.is(run.transmitted, 3);
  t.is(run.received, 3);
  t.is(run.lossPercent, 0);
  t.deepEqual(run.summary, { minMs: 0.081, avgMs: 0.156, maxMs: 0.299, mdevMs: null });
  t.deepEqual(pingRunValues(run, 5), { 'ping.loss': 0, 'ping.rtt': 88 }); // too few replies to skip: all kept
});

test('BusyBox ping with duplicates and no reply', (t) => {
  const run = parsePing('--- 10.0.0.9 ping statistics ---\n4 packets transmitted, 0 packets received, 100% packet loss\n');
  t.is(run.flavor, 'busybox');
  t.is(run.summary, null);
  const dup = parsePing(
    '--- h ping statistics ---\n2 packets transmitted, 2 packets received, 1 duplicates, 0% packet loss\nround-trip min/avg/max = 0.1/0.2/0.3 ms\n',
  );
  t.is(dup.duplicates, 1);
});

test('ping output without statistics (unknown host, translated output) is refused with a hint', (t) => {
  const err = t.throws(() => parsePing('ping: nohost: Name or service not known\n'), { instanceOf: ProbeOutputError });
  t.regex(err?.message ?? '', /no statistics: ping: nohost/);
  t.regex(err?.hint ?? '', /LC_ALL=C/);
  t.throws(() => parsePing('--- h Ping-Statistik ---\n3 Pakete übertragen, 3 empfangen, 0% Paketverlust\n'), { instanceOf: ProbeOutputError });
});

test('request-response client line', (t) => {
  const run = parseRrOutput(
    'warming up\n{"probe":"rr","unit":"us","p50":29.854,"p99":95.05,"mean":35.27,"samples":56700,"payloadBytes":64,"node":"v18.20.4"}\n',
  );
  t.deepEqual(run, { p50: 29.854, p99: 95.05, mean: 35.27, samples: 56700, payloadBytes: 64, node: 'v18.20.4' });
  t.deepEqual(rrRunValues(run), { 'rr.p50': 29.854, 'rr.p99': 95.05, 'rr.mean': 35.27 });
  t.throws(() => parseRrOutput(''), { instanceOf: ProbeOutputError, message: /no result line/ });
  t.throws(() => parseRrOutput('{"probe":"rr","unit":"ms","p50":1}'), { instanceOf: ProbeOutputError, message: /unit ms/ });
});
