import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { relayRoutesMessage } from '../../src/flannel/agent/udp-relay.ts';
import { describeFetchFailure, EtcdError, EtcdHttp } from '../../src/flannel/etcd/http.ts';
import { decideEtcdApi } from '../../src/flannel/etcd/select.ts';
import { classifyV2Response, leasesFromV2Dir, V2_DISABLED } from '../../src/flannel/etcd/v2.ts';
import { b64, leasesFromV3Kvs, prefixRangeEnd, watchMessageEndsWait } from '../../src/flannel/etcd/v3.ts';
import { backoffDelayMs } from '../../src/flannel/retry.ts';
import { formatCidr } from '../../src/net/ipv4.ts';

// ---- API selection ----

const present = (value: string) => ({ state: 'present' as const, value });
const absent = { state: 'absent' as const };
const v2off = { state: 'unavailable' as const, detail: V2_DISABLED };

test('auto: the API whose keyspace holds <prefix>/config', (t) => {
  t.like(decideEtcdApi('auto', '/atomic.io/network', present('{"a":2}'), absent), { api: 'v2', config: '{"a":2}' });
  t.like(decideEtcdApi('auto', '/atomic.io/network', v2off, present('{"a":3}')), { api: 'v3', config: '{"a":3}' });
});

test('auto: both keyspaces hold a config → v3, with a note naming the override', (t) => {
  const d = decideEtcdApi('auto', '/atomic.io/network', present('{"a":2}'), present('{"a":3}'));
  t.like(d, { api: 'v3', config: '{"a":3}' });
  t.regex((d as { note?: string }).note ?? '', /both the v2 and the v3 keyspace; using v3 \(pass -etcd-api=v2/);
});

test('forced API ignores the other keyspace', (t) => {
  t.like(decideEtcdApi('v2', '/p', present('{"a":2}'), undefined), { api: 'v2' });
  t.like(decideEtcdApi('v3', '/p', undefined, present('{"a":3}')), { api: 'v3' });
  t.like(decideEtcdApi('v2', '/p', absent, undefined), { api: undefined });
});

test('neither: a diagnosis of what each API said, and how to create the config', (t) => {
  const d = decideEtcdApi('auto', '/atomic.io/network', v2off, absent);
  t.is(d.api, undefined);
  if (d.api === undefined) {
    t.is(d.diagnosis, `flannel config /atomic.io/network/config not found in etcd (v2: ${V2_DISABLED}; v3: key not found)`);
    t.regex(d.hint, /ETCDCTL_API=2 etcdctl mk \/atomic\.io\/network\/config '\{"Network":"172\.20\.0\.0\/16"\}' \(etcd started with --enable-v2\)/);
  }
});

// ---- v2 and v3 answers (captured from etcd 3.4.23) ----

test('v2 answers: node, etcd error, and the plain 404 of a disabled v2 API', (t) => {
  t.deepEqual(classifyV2Response(404, '{"errorCode":100,"message":"Key not found","cause":"/atomic.io/network/subnets","index":4}\n', '4'), {
    kind: 'error',
    code: 100,
    message: 'Key not found',
    index: '4',
  });
  t.deepEqual(classifyV2Response(412, '{"errorCode":105,"message":"Key already exists","cause":"/k","index":9}', '9'), {
    kind: 'error',
    code: 105,
    message: 'Key already exists',
    index: '9',
  });
  t.deepEqual(classifyV2Response(404, '404 page not found\n', null), { kind: 'not-v2', status: 404, body: '404 page not found\n' });
  t.like(classifyV2Response(200, '{"action":"get","node":{"key":"/k","value":"v"}}', '12'), { kind: 'node', index: '12' });
});

test('v2 directory listing → leases; no TTL means reservation; non-lease keys skipped', (t) => {
  const leases = leasesFromV2Dir({
    key: '/atomic.io/network/subnets',
    dir: true,
    nodes: [
      { key: '/atomic.io/network/subnets/172.20.24.0-24', value: '{"PublicIP":"192.168.100.12"}', expiration: '2026-11-29T02:00:00Z', ttl: 86399 },
      { key: '/atomic.io/network/subnets/172.20.30.0-24', value: '{"PublicIP":"192.168.100.13"}' },
      { key: '/atomic.io/network/subnets/junk', value: 'x' },
      { key: '/atomic.io/network/subnets/dir', dir: true },
    ],
  });
  t.deepEqual(
    leases.map((l) => [formatCidr(l.subnet), l.reservation]),
    [
      ['172.20.24.0/24', false],
      ['172.20.30.0/24', true],
    ],
  );
});

test('v3 range kvs → leases; no lease ID means reservation', (t) => {
  const leases = leasesFromV3Kvs([
    { key: b64('/coreos.com/network/subnets/10.5.52.0-24'), value: b64('{"PublicIP":"10.0.0.1"}'), lease: '7587899205455979017' },
    { key: b64('/coreos.com/network/subnets/10.5.53.0-24'), value: b64('{"PublicIP":"10.0.0.2"}') },
    { key: b64('/coreos.com/network/subnets/'), value: b64('x') },
  ]);
  t.deepEqual(
    leases.map((l) => [formatCidr(l.subnet), l.value, l.reservation]),
    [
      ['10.5.52.0/24', '{"PublicIP":"10.0.0.1"}', false],
      ['10.5.53.0/24', '{"PublicIP":"10.0.0.2"}', true],
    ],
  );
});

test('v3 prefix range end and base64', (t) => {
  t.is(b64('/a'), 'L2E=');
  t.is(Buffer.from(prefixRangeEnd('/atomic.io/network/subnets/'), 'base64').toString(), '/atomic.io/network/subnets0');
  t.deepEqual([...Buffer.from(prefixRangeEnd('a\u00ff'), 'base64')], [0x61, 0xc3, 0xc0]);
});

test('v3 watch messages: the "created" message does not end the wait, events and cancels do', (t) => {
  t.false(watchMessageEndsWait('{"result":{"header":{"revision":"2"},"created":true}}'));
  t.true(watchMessageEndsWait('{"result":{"header":{"revision":"3"},"events":[{"kv":{"key":"L2E="}}]}}'));
  t.true(watchMessageEndsWait('{"result":{"canceled":true,"compact_revision":"5"}}'));
  t.false(watchMessageEndsWait(''));
  t.false(watchMessageEndsWait('{"result":'));
});

// ---- HTTP: fail-over, bounded requests, diagnoses ----

function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function closedPortUrl(): Promise<string> {
  const { server, url } = await serve(() => undefined);
  await new Promise((r) => server.close(r));
  return url;
}

test('requests fail over to the next endpoint and stick to the one that answered', async (t) => {
  const dead = await closedPortUrl();
  let hits = 0;
  const { server, url } = await serve((_req, res) => {
    hits++;
    res.writeHead(200, { 'x-etcd-index': '7' }).end('{"ok":true}');
  });
  t.teardown(() => server.close());
  const http = new EtcdHttp([dead, url]);
  const first = await http.request({ method: 'GET', path: '/v2/keys/x' });
  t.deepEqual([first.status, first.text, first.endpoint, first.headers.get('x-etcd-index')], [200, '{"ok":true}', url, '7']);
  await http.request({ method: 'GET', path: '/v2/keys/x' });
  t.is(hits, 2);
});

test('an unreachable etcd gives one EtcdError naming every endpoint and why', async (t) => {
  const dead = await closedPortUrl();
  const http = new EtcdHttp([dead]);
  const err = await t.throwsAsync(http.request({ method: 'GET', path: '/v2/keys/x' }), { instanceOf: EtcdError });
  t.is(err.message, `etcd is unreachable (${dead}: connection refused — nothing listens there (ECONNREFUSED))`);
  t.regex(err.hint ?? '', /FLANNEL_ETCD_ENDPOINTS/);
});

test('a request etcd never answers is bounded', async (t) => {
  const { server, url } = await serve(() => undefined);
  t.teardown(() => server.closeAllConnections());
  t.teardown(() => server.close());
  const http = new EtcdHttp([url], 300);
  const started = Date.now();
  const err = await t.throwsAsync(http.request({ method: 'GET', path: '/v2/keys/x' }), { instanceOf: EtcdError });
  t.regex(err.message, /no answer within 0\.3s/);
  t.true(Date.now() - started < 3000);
});

test('a quiet watch ends quietly at its bound; a watch answer ends it early', async (t) => {
  const { server, url } = await serve((req, res) => {
    res.writeHead(200);
    res.write('{"result":{"created":true}}\n');
    if (req.url === '/soon') setTimeout(() => res.end('{"result":{"events":[{}]}}\n'), 50);
  });
  t.teardown(() => server.closeAllConnections());
  t.teardown(() => server.close());
  const http = new EtcdHttp([url]);
  let started = Date.now();
  await http.stream({ method: 'POST', path: '/quiet', body: '{}' }, 300, (chunk) => chunk.includes('events'));
  t.true(Date.now() - started >= 280);
  started = Date.now();
  await http.stream({ method: 'POST', path: '/soon', body: '{}' }, 5000, (chunk) => chunk.includes('events'));
  t.true(Date.now() - started < 2000);
});

test('fetch failures are described from their errno', (t) => {
  const failure = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: { code, message: `connect ${code}` } });
  t.is(describeFetchFailure(failure('EHOSTUNREACH'), 5000), 'no route to host (EHOSTUNREACH)');
  t.is(describeFetchFailure(failure('EWEIRD'), 5000), 'connect EWEIRD (EWEIRD)');
  t.is(describeFetchFailure(new TypeError('fetch failed'), 5000), 'fetch failed');
});

// ---- small agent pieces ----

test('retry backoff: 1 s doubling, capped at 10 s', (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 4, 5, 50].map((a) => backoffDelayMs(a)),
    [1000, 2000, 4000, 8000, 10000, 10000, 10000],
  );
});

test('udp relay table message', (t) => {
  t.is(relayRoutesMessage([{ subnet: '10.5.2.0/24', publicIp: '192.168.100.13' }]), '{"routes":[["10.5.2.0/24","192.168.100.13"]]}\n');
  t.is(relayRoutesMessage([]), '{"routes":[]}\n');
});
