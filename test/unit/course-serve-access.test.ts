/**
 * The course page server's door: every HTTP request and WebSocket upgrade without this start's
 * token is refused, a foreign Host header or Origin too, and no shell is offered for a host
 * outside the lab. Runs the real server on loopback with a lab inventory that has no reachable
 * hosts (nothing here needs one).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { WebSocket } from 'ws';
import { admit, hostHeaders, isLoopback, newToken } from '../../src/course/serve/access.ts';
import { createDesk } from '../../src/course/serve/desk.ts';
import { labConnection } from '../../src/course/serve/lab-connection.ts';
import { renderPage } from '../../src/course/serve/page.ts';
import { type Seat, startServer } from '../../src/course/serve/server.ts';
import { parseTerminalMessage } from '../../src/course/serve/terminal.ts';
import type { Inventory } from '../../src/inventory.ts';
import { LOCAL_HOST_OFFERS } from '../../src/providers/local/provider.ts';
import { singleFlight } from '../../src/topology/view.ts';

const INVENTORY: Inventory = {
  lab: 'unit',
  provider: 'local',
  subnet: '192.0.2.0/24',
  hosts: [{ name: 'hostA', address: '192.0.2.12', os: 'rocky-8.10', platform: 'test', roles: [] }],
  offers: LOCAL_HOST_OFFERS,
};

/** Desks keep recordings under LABBENCH_HOME: a directory of this test's own. */
const ENV = { LABBENCH_HOME: mkdtempSync(join(tmpdir(), 'labbench-serve-unit-')) };
test.after.always(() => rmSync(ENV.LABBENCH_HOME, { recursive: true, force: true }));

function deskFor(student: string, lab = 'unit') {
  return createDesk({ student, labName: lab, lab: labConnection(async () => ({ ...INVENTORY, lab })), env: ENV });
}

function oneSeat(token: string): { token: string; seat: Seat }[] {
  return [{ token, seat: { role: 'student', desk: deskFor('unit') } }];
}

test('admit: token, Host header and WebSocket Origin', (t) => {
  const token = newToken();
  t.true(token.length >= 40);
  t.not(token, newToken());
  const hosts = hostHeaders('127.0.0.1', 8000);
  t.deepEqual(hosts, ['127.0.0.1:8000', 'localhost:8000', '[::1]:8000']);
  const ok = admit({ url: `/?token=${token}`, host: '127.0.0.1:8000', upgrade: false }, token, hosts);
  t.true(ok.ok);
  t.deepEqual(admit({ url: '/', host: '127.0.0.1:8000', upgrade: false }, token, hosts), { ok: false, status: 401, reason: 'no token' });
  t.deepEqual(admit({ url: `/?token=${token}x`, host: '127.0.0.1:8000', upgrade: false }, token, hosts), { ok: false, status: 401, reason: 'wrong token' });
  t.deepEqual(admit({ url: `/?token=${token}`, host: 'evil.example:8000', upgrade: false }, token, hosts), {
    ok: false,
    status: 403,
    reason: 'unexpected Host header',
  });
  t.deepEqual(admit({ url: `/ws?token=${token}`, host: 'localhost:8000', upgrade: true }, token, hosts), {
    ok: false,
    status: 403,
    reason: 'WebSocket without Origin',
  });
  t.deepEqual(admit({ url: `/ws?token=${token}`, host: 'localhost:8000', origin: 'http://evil.example', upgrade: true }, token, hosts), {
    ok: false,
    status: 403,
    reason: 'WebSocket from another origin',
  });
  t.true(admit({ url: `/ws?token=${token}`, host: 'localhost:8000', origin: 'http://localhost:8000', upgrade: true }, token, hosts).ok);
  t.true(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0') && !isLoopback('192.168.1.5'));
});

test('terminal messages: keystrokes and sane sizes only', (t) => {
  t.deepEqual(parseTerminalMessage('{"t":"in","d":"ip a\\r"}'), { t: 'in', d: 'ip a\r' });
  t.deepEqual(parseTerminalMessage('{"t":"resize","cols":120,"rows":40}'), { t: 'resize', cols: 120, rows: 40 });
  t.is(parseTerminalMessage('{"t":"resize","cols":-1,"rows":40}'), undefined);
  t.is(parseTerminalMessage('{"t":"exec","d":"x"}'), undefined);
  t.is(parseTerminalMessage('not json'), undefined);
});

test('the page carries its script under a nonce and the boot data cannot end its script element', (t) => {
  const html = renderPage({ script: 'console.log("</script>")', css: '' }, { token: 'tok', lab: '</script><b>', hosts: [] }, 'NONCE');
  t.regex(html, /script-src 'nonce-NONCE'/);
  t.regex(html, /<script nonce="NONCE">console\.log\("<\\\/script>"\)<\/script>/);
  t.false(html.includes('</script><b>'));
  t.false(/https?:\/\/(?!www\.w3\.org)/.test(html), 'no external URL in the page');
});

test('singleFlight: a request during a refresh gets the next refresh, not the running one', async (t) => {
  let runs = 0;
  const gates: (() => void)[] = [];
  const refresh = singleFlight(() => new Promise<number>((resolve) => gates.push(() => resolve(++runs))));
  const first = refresh();
  const second = refresh();
  const third = refresh();
  t.is(second, third, 'one queued refresh serves every request that came during the running one');
  gates.shift()!();
  t.is(await first, 1);
  await new Promise((r) => setImmediate(r));
  gates.shift()!();
  t.is(await second, 2);
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(url: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => undefined);
  });
}

test('the real server refuses every request and socket without the token, and shells outside the lab', async (t) => {
  const token = newToken();
  const server = await startServer({ bind: '127.0.0.1', port: 0, seats: oneSeat(token), page: (boot) => `page for ${boot.lab}` });
  try {
    const p = server.port;
    t.deepEqual(await get(p, `/?token=${token}`), { status: 200, body: 'page for unit' });
    for (const path of ['/', '/?token=wrong', '/api/topology', '/api/course', `/api/course?token=${token.slice(1)}`]) {
      const r = await get(p, path);
      t.is(r.status, 401, path);
      t.false(r.body.includes(token), 'the refusal does not echo the token');
    }
    t.is((await get(p, `/?token=${token}`, { host: 'attacker.example' })).status, 403, 'a rebinding Host header is refused');
    const origin = `http://127.0.0.1:${p}`;
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hostA`, origin), 401);
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hostA&token=nope`, origin), 401);
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hostA&token=${token}`, 'http://evil.example'), 403);
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hostA&token=${token}`), 403, 'no Origin');
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=gateway&token=${token}`, origin), 404, 'no shell for a host outside the lab');
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hosta&token=${token}`, origin), 404, 'only exact inventory names');
  } finally {
    await server.close();
  }
});

test('a port in use is one clear error', async (t) => {
  const token = newToken();
  const first = await startServer({ bind: '127.0.0.1', port: 0, seats: oneSeat(token), page: () => '' });
  try {
    const err = await t.throwsAsync(startServer({ bind: '127.0.0.1', port: first.port, seats: oneSeat(token), page: () => '' }));
    t.regex(err!.message, new RegExp(`port ${first.port} on 127.0.0.1 is already in use`));
  } finally {
    await first.close();
  }
});

test("a class: a student token opens only that student's lab; the teacher's watches and opens no shell", async (t) => {
  const [alice, bob, teacher] = [newToken(), newToken(), newToken()];
  const desks = { alice: deskFor('alice', 'unit-alice'), bob: deskFor('bob', 'unit-bob') };
  const feed = {
    snapshot: () => ({ students: Object.keys(desks) }),
    subscribe: () => () => undefined,
    desk: (name: string) => desks[name as keyof typeof desks],
    checks: () => [],
  };
  const server = await startServer({
    bind: '127.0.0.1',
    port: 0,
    seats: [
      { token: alice, seat: { role: 'student', desk: desks.alice } },
      { token: bob, seat: { role: 'student', desk: desks.bob } },
      { token: teacher, seat: { role: 'teacher' } },
    ],
    page: (boot) => `page of ${boot.student} on ${boot.lab}`,
    dashboard: { page: () => 'dashboard', feed },
  });
  try {
    const p = server.port;
    const origin = `http://127.0.0.1:${p}`;
    t.deepEqual(await get(p, `/?token=${alice}`), { status: 200, body: 'page of alice on unit-alice' });
    t.deepEqual(await get(p, `/?token=${bob}`), { status: 200, body: 'page of bob on unit-bob' });
    t.deepEqual(await get(p, `/?token=${teacher}`), { status: 200, body: 'dashboard' });
    // Bob's token on anything of Alice's: refused, whichever way it is asked.
    for (const path of [
      `/?student=alice&token=${bob}`,
      `/api/topology?student=alice&token=${bob}`,
      `/api/course?student=alice&token=${bob}`,
      `/api/recordings?student=alice&token=${bob}`,
      `/api/student/alice/topology?token=${bob}`,
      `/api/student/alice/recordings?token=${bob}`,
      `/api/class?token=${bob}`,
    ]) {
      const r = await get(p, path);
      t.is(r.status, 403, path);
      t.false(r.body.includes('unit-alice'), `${path}: nothing of alice's lab in the refusal`);
    }
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?student=alice&host=hostA&token=${bob}`, origin), 403, "bob's token gets no shell on alice's lab");
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/watch?student=alice&host=hostA&token=${bob}`, origin), 403, "bob's token cannot watch alice's terminal");
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/class?token=${bob}`, origin), 403, "bob's token gets no class feed");
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/terminal?host=hostA&token=${teacher}`, origin), 403, "the teacher's token opens no shell");
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/watch?student=alice&host=hostA&token=${teacher}`, origin), 101, 'the teacher watches');
    t.is(await upgrade(`ws://127.0.0.1:${p}/ws/class?token=${teacher}`, origin), 101);
    t.deepEqual(await get(p, `/api/student/alice/recordings?token=${teacher}`), { status: 200, body: '[]' });
    t.is((await get(p, `/api/student/nobody/recordings?token=${teacher}`)).status, 404);
    t.is((await get(p, `/api/student/alice/recordings/..%2F..%2Flab.json?token=${teacher}`)).status, 404, 'only recording ids are served');
    t.is((await get(p, `/api/course?token=${teacher}`)).status, 403, "the teacher's token grades nothing");
  } finally {
    await server.close();
  }
});
