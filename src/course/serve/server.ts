/**
 * The course page's server: one lab, one token. Serves the page, the topology, the course
 * actions, and a WebSocket terminal per host. Every request passes access.ts first; requests are
 * never logged (their URLs carry the token).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ConfigError, formatError, LabbenchError } from '../../errors.ts';
import { readTopology, singleFlight, type TopologyView } from '../../topology/view.ts';
import { admit, hostHeaders } from './access.ts';
import type { CourseBackend } from './course-backend.ts';
import type { LabConnection } from './lab-connection.ts';
import { attachTerminal } from './terminal.ts';

export interface ServeOptions {
  bind: string;
  port: number;
  token: string;
  /** The lab (its inventory is read afresh for each terminal: after a restart keys and addresses may differ). */
  lab: LabConnection;
  /** The page, already holding the bundled client; given the token and the lab's facts. */
  page: (boot: PageBoot) => string;
  course?: CourseBackend;
}

export interface PageBoot {
  token: string;
  lab: string;
  hosts: { name: string; address: string }[];
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

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const lab = options.lab;
  const topology = singleFlight(() => lab.use(readTopology));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  let allowedHosts: string[] = [];

  const server = createServer((req, res) => {
    const verdict = admit({ url: req.url ?? '/', upgrade: false, ...facts(req) }, options.token, allowedHosts);
    if (!verdict.ok) return refuse(res, verdict.status, verdict.reason);
    handle(verdict.path, req, res).catch((err: unknown) => json(res, err instanceof LabbenchError ? 409 : 500, { error: formatError(err, false) }));
  });

  async function handle(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${req.method} ${path}`;
    if (route === 'GET /') {
      const inventory = await lab.inventory();
      const body = options.page({ token: options.token, lab: inventory.lab, hosts: inventory.hosts.map((h) => ({ name: h.name, address: h.address })) });
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
      return;
    }
    if (route === 'GET /api/topology') {
      const view: TopologyView = await topology();
      return json(res, 200, view);
    }
    if (path.startsWith('/api/course')) return handleCourse(route, req, res);
    return json(res, 404, { error: `no such page: ${path}` });
  }

  async function handleCourse(route: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const course = options.course;
    if (!course) return json(res, 200, { steps: [], passed: [], message: 'course mode is not available in this build' });
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
    const verdict = admit({ url: req.url ?? '/', upgrade: true, ...facts(req) }, options.token, allowedHosts);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    if (verdict.path !== '/ws/terminal') return refuseUpgrade(socket, 404, 'no such socket');
    const name = verdict.params.get('host') ?? '';
    const size = { cols: clampSize(verdict.params.get('cols'), 80), rows: clampSize(verdict.params.get('rows'), 24) };
    lab.inventory().then(
      (inventory) => {
        // Only the lab's own hosts, by their exact inventory name: nothing else gets a shell.
        const host = inventory.hosts.find((h) => h.name === name);
        if (!host) return refuseUpgrade(socket, 404, 'no such host in this lab');
        sockets.handleUpgrade(req, socket, head, (ws) => void attachTerminal(ws, host, size));
      },
      (err: unknown) => refuseUpgrade(socket, 503, formatError(err, false).split('\n')[0]!),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new ConfigError(`port ${options.port} on ${options.bind} is already in use`, { hint: 'pass another --port, or --port 0 for any free one' }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new ConfigError(`cannot listen on ${options.bind}: no such local address`, { hint: 'give --host an address of this machine' }));
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
      await lab.close();
    },
  };
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
