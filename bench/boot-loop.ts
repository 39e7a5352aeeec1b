/**
 * `pnpm bench:boot-loop`: how often a lab host fails to boot when the machine is busy. Runs N
 * `lab up` / `lab down` cycles of one 2-host lab through labbench's executable while busy loops
 * keep every core loaded, and counts:
 *   boot failures  — a host whose systemd did not reach "running" at first (`lab up` retries it
 *                    once and says so; the journal of that boot is kept under $LABBENCH_HOME/logs);
 *   failed `lab up` — a command that failed all the same (its output is kept);
 * then prints the figure. It does not fail on a figure: it is a measurement, not a test.
 *
 *   pnpm bench:boot-loop [--cycles 100] [--load <cores>] [--name bootloop] [--subnet 10.213.91.0/24]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { statePaths } from '../src/providers/local/paths.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '100' },
    load: { type: 'string', default: String(availableParallelism()) },
    name: { type: 'string', default: 'bootloop' },
    subnet: { type: 'string', default: '10.213.91.0/24' },
  },
});
const cycles = Number(values.cycles);
const load = Number(values.load);
const lab = ['--name', values.name!, '--subnet', values.subnet!];
const repo = new URL('..', import.meta.url).pathname;
const outDir = join(statePaths().root, 'logs', `boot-loop-${new Date().toISOString().replace(/[:.]/g, '-')}`);

function labbench(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/labbench.mjs', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => resolve({ code, out, ms: performance.now() - started }));
  });
}

/** One busy loop per core: the CPU load a nightly job or a class of students puts on the machine. */
function startLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

const busy = startLoad(load);
const stopLoad = () => busy.forEach((p) => p.kill('SIGKILL'));
process.on('SIGINT', () => {
  stopLoad();
  process.exit(130);
});

let bootFailures = 0;
let failedUps = 0;
const journals: string[] = [];
const upTimes: number[] = [];
const started = performance.now();
try {
  await labbench(['lab', 'down', '--name', values.name!]);
  for (let i = 1; i <= cycles; i++) {
    const up = await labbench(['lab', 'up', ...lab]);
    upTimes.push(up.ms);
    const retried = [...up.out.matchAll(/(\S+) did not finish booting \(([^)]*)\)(?:; its journal is kept in (\S+))?: restarting it once/g)];
    bootFailures += retried.length;
    for (const m of retried) if (m[3]) journals.push(m[3].replace(/:$/, ''));
    if (up.code !== 0) {
      failedUps++;
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, `cycle-${i}-lab-up.log`), up.out);
      const journal = await labbench(['lab', 'exec', 'hostA', ...lab.slice(0, 2), '--', 'journalctl -b --no-pager']);
      writeFileSync(join(outDir, `cycle-${i}-hostA-journal.log`), journal.out);
    }
    const down = await labbench(['lab', 'down', '--name', values.name!]);
    if (down.code !== 0) throw new Error(`lab down failed in cycle ${i}:\n${down.out}`);
    const mark = retried.length > 0 ? ` boot failure: ${retried.map((m) => `${m[1]} (${m[2]})`).join(', ')}` : '';
    process.stderr.write(`cycle ${i}/${cycles}: lab up ${(up.ms / 1000).toFixed(1)}s exit ${up.code}${mark}  (load average ${loadavg()[0]!.toFixed(1)})\n`);
  }
} finally {
  stopLoad();
}

const sorted = [...upTimes].sort((a, b) => a - b);
const q = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000).toFixed(1);
process.stdout.write(
  `${cycles} lab up / lab down cycles with ${load} busy loop(s) on ${availableParallelism()} cores, ${((performance.now() - started) / 60_000).toFixed(1)} min\n` +
    `boot failures (a host not running at first, retried once): ${bootFailures}\n` +
    `failed lab up: ${failedUps}${failedUps ? ` (output in ${outDir})` : ''}\n` +
    `lab up: median ${q(0.5)}s, p90 ${q(0.9)}s, max ${q(1)}s\n` +
    (journals.length ? `journals of the failed boots:\n${journals.map((j) => `  ${j}`).join('\n')}\n` : ''),
);
