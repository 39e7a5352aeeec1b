/**
 * The course server: one student page per desk (a lab), and in class mode the teacher's
 * dashboard. Each token is a seat: a student's opens only that student's lab (its page,
 * terminals, topology, checks and recordings; a request naming another student is refused
 * with 403), the teacher's opens the dashboard, which watches every lab read-only. Every
 * request passes access.ts first; requests are never logged (their URLs carry a token).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ConfigError, formatError, LabbenchError } from '../../errors.ts';
import type { TopologyView } from '../../topology/view.ts';
import { admitAny, hostHeaders } from './access.ts';
import type { Desk } from './desk.ts';
import { isRecordingId } from './recording.ts';

/** Who a token belongs to. */
export type Seat = { role: 'student'; desk: Desk } | { role: 'teacher' };

/** What the teacher's dashboard reads: the class as rows, and a feed of changed rows. */
export interface ClassFeed {
  snapshot(): unknown;
  /** Calls `fn` with each changed row; returns the unsubscribe. */
  subscribe(fn: (row: unknown) => void): () => void;
  desk(student: string): Desk | undefined;
  checks(student: string): unknown[];
}

export interface ServeOptions {
  bind: string;
  port: number;
  seats: readonly { token: string; seat: Seat }[];
  /** A student's page, already holding the bundled client. */
  page: (boot: PageBoot) => string;
  /** The teacher's dashboard (class mode). */
  dashboard?: { page: (boot: DashboardBoot) => string; feed: ClassFeed };
}

export interface PageBoot {
  token: string;
  lab: string;
  hosts: { name: string; address: string }[];
  /** The student whose page this is (class mode). */
  student?: string;
  /** Why there is no lab to work on (it could not be prepared). */
  problem?: string;
}

export interface DashboardBoot {
  token: string;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/** A request that its seat may not make: 403 with the reason. */
class Refused extends Error {
  constructor(
    readonly status: 403 | 404,
    reason: string,
  ) {
    super(reason);
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const tokens = options.seats.map((s) => s.token);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  let allowedHosts: string[] = [];

  const server = createServer((req, res) => {
    const verdict = admitAny({ url: req.url ?? '/', upgrade: false, ...facts(req) }, tokens, allowedHosts);
    if (!verdict.ok) return refuse(res, verdict.status, verdict.reason);
    const seat = options.seats[verdict.seat]!.seat;
    const route = `${req.method} ${verdict.path}`;
    const handled = seat.role === 'teacher' ? teacher(route, verdict.params, res) : student(seat.desk, route, verdict.params, req, res);
    handled.catch((err: unknown) => {
      if (err instanceof Refused) return json(res, err.status, { error: err.message });
      json(res, err instanceof LabbenchError ? 409 : 500, { error: formatError(err, false) });
    });
  });

  /** A student's own desk; `student=` naming anyone else is refused. */
  function ownDesk(desk: Desk, params: URLSearchParams): Desk {
    const named = params.get('student');
    if (named !== null && named !== desk.student) throw new Refused(403, `this token is ${desk.student}'s: it opens only ${desk.student}'s lab`);
    return desk;
  }

  async function student(mine: Desk, route: string, params: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const desk = ownDesk(mine, params);
    if (route === 'GET /') {
      desk.visited();
      const boot: PageBoot = { token: params.get('token')!, lab: desk.labName, hosts: [], ...(options.dashboard ? { student: desk.student } : {}) };
      if (desk.phase === 'failed') boot.problem = `your lab could not be prepared: ${desk.detail ?? 'unknown error'} (tell your teacher)`;
      else {
        const inventory = await desk.lab.inventory();
        boot.hosts = inventory.hosts.map((h) => ({ name: h.name, address: h.address }));
      }
      return html(res, options.page(boot));
    }
    if (route === 'GET /api/topology') return json(res, 200, await desk.topology());
    if (route === 'GET /api/recordings') return json(res, 200, desk.recordings.list());
    if (route.startsWith('GET /api/recordings/')) return recording(desk, route.slice('GET /api/recordings/'.length), res);
    if (route.startsWith('GET /api/student/') || route === 'GET /api/class')
      throw new Refused(403, "this page is the teacher's: a student's token opens only the student's own lab");
    if (route.includes(' /api/course')) return courseAction(desk, route, req, res);
    return json(res, 404, { error: `no such page: ${route.split(' ')[1]}` });
  }

  async function teacher(route: string, params: URLSearchParams, res: ServerResponse): Promise<void> {
    const dashboard = options.dashboard;
    if (!dashboard) throw new Refused(404, 'no dashboard here');
    if (route === 'GET /') return html(res, dashboard.page({ token: params.get('token')! }));
    if (route === 'GET /api/class') return json(res, 200, dashboard.feed.snapshot());
    const m = /^GET \/api\/student\/([^/]+)\/(topology|recordings|checks)(?:\/(.+))?$/.exec(route);
    if (!m) {
      if (route.includes(' /api/course') || route.startsWith('GET /api/topology'))
        throw new Refused(403, "the teacher's token watches the labs: it checks and types in none (use a student's page)");
      return json(res, 404, { error: `no such page: ${route.split(' ')[1]}` });
    }
    const name = decodeURIComponent(m[1]!);
    const desk = dashboard.feed.desk(name);
    if (!desk) return json(res, 404, { error: `no student "${name}" in this class` });
    if (m[2] === 'topology') return json(res, 200, (await desk.topology()) satisfies TopologyView);
    if (m[2] === 'checks') return json(res, 200, dashboard.feed.checks(name));
    if (m[3] === undefined) return json(res, 200, desk.recordings.list());
    return recording(desk, m[3], res);
  }

  function recording(desk: Desk, file: string, res: ServerResponse): void {
    const id = file.endsWith('.cast') ? file.slice(0, -5) : file;
    const text = isRecordingId(id) ? desk.recordings.read(id) : undefined;
    if (text === undefined) {
      json(res, 404, { error: `no recording "${file}"` });
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'application/x-asciicast; charset=utf-8',
      'content-disposition': `attachment; filename="${desk.labName}-${id}.cast"`,
    });
    res.end(text);
  }

  async function courseAction(desk: Desk, route: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const course = desk.course;
    if (!course) return json(res, 200, { steps: [], passed: [], message: 'course mode is not available in this build' });
    if (desk.phase === 'failed') throw new LabbenchError(`this lab could not be prepared: ${desk.detail ?? 'unknown error'}`);
    if (route === 'GET /api/course') return json(res, 200, await course.state());
    if (!route.startsWith('POST ')) return json(res, 405, { error: 'use POST' });
    const body = (await readJson(req)) as { step?: unknown };
    const step = typeof body.step === 'number' && Number.isInteger(body.step) ? body.step : undefined;
    switch (route) {
      case 'POST /api/course/check':
        return json(res, 200, await course.check(step));
      case 'POST /api/course/hint':
        return json(res, 200, await course.hint(step));
      case 'POST /api/course/solve':
        return json(res, 200, await course.solve(step));
      case 'POST /api/course/reset':
        return json(res, 200, await course.reset());
    }
    return json(res, 404, { error: `no such action: ${route}` });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = admitAny({ url: req.url ?? '/', upgrade: true, ...facts(req) }, tokens, allowedHosts);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    const seat = options.seats[verdict.seat]!.seat;
    const params = verdict.params;
    const accept = (then: (ws: WebSocket) => void) => sockets.handleUpgrade(req, socket, head, then);
    try {
      if (seat.role === 'student') {
        const desk = ownDesk(seat.desk, params);
        if (verdict.path !== '/ws/terminal')
          throw new Refused(
            verdict.path === '/ws/class' || verdict.path === '/ws/watch' ? 403 : 404,
            verdict.path === '/ws/class' || verdict.path === '/ws/watch'
              ? "the teacher's socket: a student's token opens only the student's own terminals"
              : 'no such socket',
          );
        return terminal(desk, params, accept, socket);
      }
      const dashboard = options.dashboard;
      if (!dashboard) throw new Refused(404, 'no such socket');
      if (verdict.path === '/ws/class') {
        return accept((ws) => {
          ws.send(JSON.stringify({ t: 'class', class: dashboard.feed.snapshot() }));
          const off = dashboard.feed.subscribe((row) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ t: 'student', row })));
          ws.on('close', off);
        });
      }
      if (verdict.path === '/ws/watch') {
        const desk = dashboard.feed.desk(params.get('student') ?? '');
        if (!desk) throw new Refused(404, 'no such student in this class');
        const host = params.get('host') ?? '';
        return accept((ws) => desk.terminals.watch(ws, host));
      }
      if (verdict.path === '/ws/terminal') throw new Refused(403, "the teacher's token watches terminals read-only (the dashboard): it opens no shell");
      throw new Refused(404, 'no such socket');
    } catch (err) {
      if (err instanceof Refused) return refuseUpgrade(socket, err.status, err.message);
      throw err;
    }
  });

  function terminal(desk: Desk, params: URLSearchParams, accept: (then: (ws: WebSocket) => void) => void, socket: Duplex): void {
    if (desk.phase === 'failed') {
      refuseUpgrade(socket, 503, `the lab could not be prepared: ${desk.detail ?? ''}`);
      return;
    }
    const name = params.get('host') ?? '';
    const size = { cols: clampSize(params.get('cols'), 80), rows: clampSize(params.get('rows'), 24) };
    desk.lab.inventory().then(
      (inventory) => {
        // Only the lab's own hosts, by their exact inventory name: nothing else gets a shell.
        const host = inventory.hosts.find((h) => h.name === name);
        if (!host) return refuseUpgrade(socket, 404, 'no such host in this lab');
        accept((ws) => void desk.terminals.attach(ws, host, size, params.get('session') ?? undefined));
      },
      (err: unknown) => refuseUpgrade(socket, 503, formatError(err, false).split('\n')[0]!),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new ConfigError(`port ${options.port} on ${options.bind} is already in use`, { hint: 'pass another --port, or --port 0 for any free one' }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
        reject(new ConfigError(`cannot listen on ${options.bind}: no such local address`, { hint: 'give --host an address of this machine' }));
      else if (err.code === 'EACCES') reject(new ConfigError(`not allowed to listen on port ${options.port}`, { hint: 'use a port above 1023' }));
      else reject(err);
    });
    server.listen(options.port, options.bind, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  allowedHosts = hostHeaders(options.bind, port);

  return {
    port,
    async close() {
      for (const ws of sockets.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const desks = [...new Set(options.seats.flatMap((s) => (s.seat.role === 'student' ? [s.seat.desk] : [])))];
      await Promise.all(desks.map((d) => d.terminals.close()));
      await Promise.all(desks.map((d) => d.lab.close()));
    },
  };
}

function html(res: ServerResponse, body: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
}

function facts(req: IncomingMessage): { host?: string; origin?: string } {
  return { ...(req.headers.host ? { host: req.headers.host } : {}), ...(req.headers.origin ? { origin: req.headers.origin } : {}) };
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${status === 401 ? 'Unauthorized' : 'Forbidden'}: ${reason}. Open the URL \`pnpm course serve\` printed.\n`);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\n${reason}\n`);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 65_536) throw new ConfigError('request too large');
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigError('the request body is not JSON');
  }
}

function clampSize(text: string | null, fallback: number): number {
  const v = Number(text);
  return Number.isInteger(v) && v > 0 && v <= 1000 ? v : fallback;
}
