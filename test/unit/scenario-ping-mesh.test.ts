import test from 'ava';
import { allPairs, describeMesh, meshCell, meshPingScript, renderMeshMatrix, splitMeshOutput } from '../../src/scenario/lib/ping-mesh.ts';

const reply = (ip: string) => `PING ${ip} (${ip}): 56 data bytes
64 bytes from ${ip}: seq=0 ttl=62 time=0.412 ms
64 bytes from ${ip}: seq=1 ttl=62 time=0.300 ms
64 bytes from ${ip}: seq=2 ttl=62 time=0.288 ms

--- ${ip} ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.288/0.333/0.412 ms
`;
const silent = (ip: string) => `PING ${ip} (${ip}): 56 data bytes

--- ${ip} ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
`;

test('one exec per source: every target pinged in the background, outputs under headers', (t) => {
  const script = meshPingScript(['172.20.5.2', '172.20.9.2']);
  t.true(
    script.startsWith(
      'for ip in 172.20.5.2 172.20.9.2; do (ping -c 3 -W 2 "$ip" > /tmp/labbench-mesh.$ip 2>&1; echo "exit $?" >> /tmp/labbench-mesh.$ip) & done; wait; ',
    ),
  );
  const printed = `### ping 172.20.5.2\n${reply('172.20.5.2')}exit 0\n### ping 172.20.9.2\n${silent('172.20.9.2')}exit 1\n`;
  const parts = splitMeshOutput(printed);
  t.deepEqual([...parts.keys()], ['172.20.5.2', '172.20.9.2']);
  t.is(parts.get('172.20.5.2'), reply('172.20.5.2'));
  const ok = meshCell('hostA', 'hostB', '172.20.5.2', parts.get('172.20.5.2'));
  t.deepEqual(ok, {
    from: 'hostA',
    to: 'hostB',
    ok: true,
    rttMs: 0.333,
    outcome: { target: '172.20.5.2', address: '172.20.5.2', transmitted: 3, received: 3 },
  });
  const lost = meshCell('hostA', 'hostC', '172.20.9.2', parts.get('172.20.9.2'));
  t.false(lost.ok);
  t.is(lost.rttMs, undefined);
  const missing = meshCell('hostA', 'hostD', '172.20.7.2', undefined);
  t.false(missing.ok);
  t.regex(missing.outcome.error!, /no output/);
});

test('matrix: ✓ with RTT, ✗, · on the diagonal; a description naming the failed pairs', (t) => {
  const names = ['hostA', 'hostB', 'hostC'];
  const pairs = allPairs(names);
  t.is(pairs.length, 6);
  const cells = pairs.map(([from, to]) => meshCell(from, to, '172.20.1.2', from === 'hostC' && to === 'hostA' ? silent('172.20.1.2') : reply('172.20.1.2')));
  t.is(
    renderMeshMatrix(names, cells),
    [
      'from \\ to  hostA     hostB     hostC',
      'hostA      ·         ✓ 0.33ms  ✓ 0.33ms',
      'hostB      ✓ 0.33ms  ·         ✓ 0.33ms',
      'hostC      ✗         ✓ 0.33ms  ·',
    ].join('\n'),
  );
  t.is(describeMesh(cells), '5/6 pairs answer; no reply: hostC → hostA (0/3 replies)');
  t.is(describeMesh(cells.filter((c) => c.ok)), '5/5 pairs answer');
});
