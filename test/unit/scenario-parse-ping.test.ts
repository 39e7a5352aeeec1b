import test from 'ava';
import { describePing, pingOutcome } from '../../src/scenario/lib/ping-outcome.ts';

test('BusyBox ping by name: resolved address and replies', (t) => {
  const stdout = `PING server01 (172.10.0.2): 56 data bytes
64 bytes from 172.10.0.2: seq=0 ttl=64 time=0.279 ms
64 bytes from 172.10.0.2: seq=1 ttl=64 time=0.119 ms

--- server01 ping statistics ---
2 packets transmitted, 2 packets received, 0% packet loss
round-trip min/avg/max = 0.119/0.199/0.279 ms
`;
  const p = pingOutcome('server01', stdout, '');
  t.deepEqual(p, { target: 'server01', address: '172.10.0.2', transmitted: 2, received: 2 });
  t.is(describePing(p), '2/2 replies');
});

test('iputils ping from the document (3.5) and a run without replies', (t) => {
  const doc = `PING 773f2514acf3 (172.10.0.2) 56(84) bytes of data.
64 bytes from server01.network01 (172.10.0.2): icmp_seq=1 ttl=64 time=0.113 ms
64 bytes from server01.network01 (172.10.0.2): icmp_seq=2 ttl=64 time=0.078 ms
64 bytes from server01.network01 (172.10.0.2): icmp_seq=3 ttl=64 time=0.077 ms

--- 773f2514acf3 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2086ms
rtt min/avg/max/mdev = 0.077/0.089/0.113/0.018 ms
`;
  t.deepEqual(pingOutcome('773f2514acf3', doc, ''), { target: '773f2514acf3', address: '172.10.0.2', transmitted: 3, received: 3 });
  const lost =
    'PING 172.10.0.2 (172.10.0.2): 56 data bytes\n\n--- 172.10.0.2 ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss\n';
  t.is(describePing(pingOutcome('172.10.0.2', lost, '')), '0/2 replies');
});

test("a name that does not resolve: no packets, ping's own message", (t) => {
  const p = pingOutcome('server01', '', "ping: bad address 'server01'\n");
  t.deepEqual(p, { target: 'server01', transmitted: 0, received: 0, error: "ping: bad address 'server01'" });
  t.is(describePing(p), "ping: bad address 'server01'");
  t.is(pingOutcome('x', '', '').error, 'ping printed nothing');
});
