/**
 * `pnpm bench:class --students N [--browsers B] [--prefix P] [--subnets CIDR] [--parallel K]`: how
 * many students one machine holds. Runs `pnpm course serve --class` as a teacher would (a
 * roster of N students, §3.5 custom-network), then every student at once: a terminal on the
 * step's host (B of them in headless Chromium pages, the rest as WebSocket clients), the
 * step's commands typed at a person's pace, Check; then step 2 the same way, while the others
 * still type and check. Prints the time to bring the class up, memory per lab (the host
 * containers' cgroups) and of the server, and check latency p50/p95 under that load. A
 * measurement, not a test: run it alone on the machine (it loads every core).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { argv } from 'zx';
import { quantile } from '../src/bench/judge/stats.ts';
import { runLabbench } from '../src/machine/labbench-cli.ts';
import { labbench } from './lib/cli.ts';
import { hostMemory } from './lib/host-memory.ts';

const students = Number(argv.students ?? 20);
const browsers = Math.min(students, Number(argv.browsers ?? 3));
const prefix = String(argv.prefix ?? 'bclass');
const subnets = argv.subnets ? String(argv.subnets) : undefined;
const parallel = argv.parallel ? String(argv.parallel) : undefined;
const CHROMIUM = '/usr/bin/chromium';
/** A person's typing pace: about five keystrokes a second, in bursts. */
const KEY_DELAY_MS = 180;
const HOST = 'hostB'; // §3.5 is on the document's Ubuntu host B
const STEPS = [
  ['docker network create --subnet 172.10.0.0/24 --gateway 172.10.0.1 network01'],
  ['docker run -itd --name server01 --network network01 centos:7.9', 'docker run -itd --name server02 --network network01 centos:7.9'],
];

if (!Number.isInteger(students) || students < 1) throw new Error('--students N: a whole number ≥ 1');
const names = Array.from({ length: students }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-class-'));
const roster = join(dir, 'roster.txt');
writeFileSync(roster, `${names.join('\n')}\n`);
const s = (seconds: number) => `${seconds.toFixed(1)} s`;
const out: string[] = [];

const serveArgs = [
  'course',
  'serve',
  '--class',
  roster,
  '--exercise',
  'custom-network',
  '--prefix',
  prefix,
  '--port',
  '0',
  ...(subnets ? ['--subnets', subnets] : []),
  ...(parallel ? ['--parallel', parallel] : []),
];

/** Starts `labbench <args>` through the one CLI runner; hands back the running child. */
function startLabbench(args: string[]): ChildProcess {
  let child: ChildProcess | undefined;
  void runLabbench(args, { onSpawn: (c) => (child = c) });
  return child!;
}

async function down(): Promise<number> {
  return (await labbench(['course', 'serve', '--class', roster, '--prefix', prefix, '--down'])).seconds;
}

/** One student's terminal on the step's host: type a line, wait for its end mark. */
interface Session {
  type(line: string): Promise<void>;
  close(): Promise<void>;
}

let marks = 0;
const endMark = () => `bench${++marks}`;
// The quotes keep the typed line from matching: only the echo's output is the mark alone.
const marked = (line: string, mark: string) => `${line}; echo "${mark.slice(0, 3)}""${mark.slice(3)}"`;

async function wsSession(url: string): Promise<Session> {
  const u = new URL(url);
  const ws = new WebSocket(`ws://${u.host}/ws/terminal?token=${u.searchParams.get('token')}&host=${HOST}&cols=120&rows=30`, { origin: u.origin });
  let screen = '';
  ws.on('message', (data, binary) => {
    if (binary) screen = (screen + data.toString()).slice(-20_000);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data, binary) => !binary && /connected/.test(data.toString()) && resolve());
  });
  return {
    async type(line) {
      const mark = endMark();
      for (const ch of `${marked(line, mark)}\r`) {
        ws.send(JSON.stringify({ t: 'in', d: ch }));
        await sleep(KEY_DELAY_MS * (0.5 + Math.random()));
      }
      const deadline = Date.now() + 120_000;
      while (!new RegExp(`(^|\\n)${mark}\\r?\\n`).test(screen)) {
        if (Date.now() > deadline) throw new Error(`no end mark ${mark} from ${url}`);
        await sleep(100);
      }
    },
    async close() {
      ws.close();
    },
  };
}

async function pageSession(browser: Browser, url: string): Promise<{ session: Session; page: Page }> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(url);
  await page.waitForFunction((h) => /^connected/.test(document.querySelector(`#term-${h} .status`)?.textContent ?? ''), HOST, { timeout: 60_000 });
  return {
    page,
    session: {
      async type(line) {
        const mark = endMark();
        await page.click(`#term-${HOST} .xterm-screen`);
        await page.keyboard.type(marked(line, mark), { delay: KEY_DELAY_MS });
        await page.keyboard.press('Enter');
        await page.waitForFunction(
          ([sel, m]) => [...document.querySelector(sel)!.children].some((r) => r.textContent?.trim() === m),
          [`#term-${HOST} .xterm-rows`, mark] as const,
          { timeout: 120_000 },
        );
      },
      close: () => page.context().close(),
    },
  };
}

/** POST /api/course/check as the page's Check button does; the latency and whether it passed. */
async function check(url: string, step: number): Promise<{ ms: number; passed: boolean; error?: string }> {
  const u = new URL(url);
  const started = performance.now();
  const res = await fetch(`${u.origin}/api/course/check?token=${u.searchParams.get('token')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ step }),
  });
  const body = (await res.json()) as { passed?: boolean; error?: string };
  return { ms: performance.now() - started, passed: body.passed === true, ...(body.error ? { error: body.error } : {}) };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

let server: ChildProcess | undefined;
let browser: Browser | undefined;
await down();
try {
  process.stderr.write(`bench:class: ${students} students (${browsers} in Chromium), prefix ${prefix}${subnets ? `, LANs from ${subnets}` : ''}\n`);
  const started = performance.now();
  server = startLabbench(serveArgs);
  let printed = '';
  server.stderr!.pipe(process.stderr);
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    server!.stdout!.setEncoding('utf8').on('data', (c: string) => {
      printed += c;
      process.stderr.write(c.replace(/token=\S+/g, 'token=…'));
      const found = Object.fromEntries([...printed.matchAll(/^(\S+)\s+(http:\/\/\S+)/gm)].map((m) => [m[1]!, m[2]!]));
      if (names.every((n) => found[n]) && found.teacher) resolve(found);
    });
    server!.on('close', (code) => reject(new Error(`course serve --class exited (${code})`)));
  });
  const upSeconds = (performance.now() - started) / 1000;
  const ready = /(\d+) of (\d+) lab\(s\) ready in ([\d.]+)s/.exec(printed);
  out.push(
    `class up: ${s(upSeconds)} from \`pnpm course serve --class\` to every URL printed (${ready ? `${ready[1]}/${ready[2]} labs ready after ${ready[3]} s` : 'labs: ?'}, then the server)`,
  );

  // Every student at once: a terminal on the step's host (the first ones in Chromium).
  browser =
    browsers > 0
      ? await chromium.launch({
          executablePath: CHROMIUM,
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        })
      : undefined;
  const sessions: Session[] = [];
  for (const [i, n] of names.entries()) sessions.push(i < browsers ? (await pageSession(browser!, urls[n]!)).session : await wsSession(urls[n]!));
  process.stderr.write(`${sessions.length} terminals open; typing …\n`);

  const latencies: number[] = [];
  const failures: string[] = [];
  const phaseStarted = performance.now();
  await Promise.all(
    names.map(async (n, i) => {
      await sleep(Math.random() * 3000); // students do not start in the same second
      for (const [k, lines] of STEPS.entries()) {
        for (const line of lines) await sessions[i]!.type(line);
        const r = await check(urls[n]!, k + 1);
        latencies.push(r.ms);
        if (!r.passed) failures.push(`${n} step ${k + 1}: ${r.error ?? 'did not pass'}`);
      }
    }),
  );
  const phase = (performance.now() - phaseStarted) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  out.push(
    `checks: ${latencies.length} (${students} students × ${STEPS.length} steps, typed at ~${Math.round(1000 / KEY_DELAY_MS)} keys/s), ${latencies.length - failures.length} passed, in ${s(phase)}`,
  );
  out.push(
    `check latency under load: p50 ${(quantile(sorted, 0.5) / 1000).toFixed(2)} s, p95 ${(quantile(sorted, 0.95) / 1000).toFixed(2)} s, max ${(sorted[sorted.length - 1]! / 1000).toFixed(2)} s`,
  );
  if (failures.length > 0) out.push(`  not passed: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? ' …' : ''}`);

  const perLab = await Promise.all(names.map(async (n) => [...(await hostMemory(`${prefix}-${n}`)).values()].reduce((a, b) => a + b, 0)));
  const mb = (b: number) => (b / 1e6).toFixed(0);
  const total = perLab.reduce((a, b) => a + b, 0);
  out.push(
    `memory: ${mb(total / perLab.length)} MB per lab (2 host containers, after step 2: ${mb(Math.min(...perLab))}–${mb(Math.max(...perLab))}), ${mb(total)} MB for ${students} labs; the server ${mb(rssOf(server.pid!))} MB RSS; machine ${mb(totalmem())} MB`,
  );
  out.push(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const session of sessions) await session.close();
  if (failures.length > 0) process.exitCode = 1;
} finally {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await new Promise((resolve) => server!.on('close', resolve));
  }
  out.push(`class down (${students} labs): ${s(await down())}`);
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  `labbench bench:class: ${students} students on ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}, ${new Date().toISOString()}\n${out.join('\n')}\n`,
);
