/**
 * `pnpm bench:boot-loop`: how often a lab host fails to boot when the machine is busy. Runs N
 * `lab up` / `lab down` cycles of one 2-host lab (labbench's provider in this process, as the CLI
 * runs it, so that a cycle costs the lab and not a Node start under load) while busy loops keep
 * every core loaded, and counts:
 *   boot failures  — a host whose systemd did not reach "running" at first (`lab up` retries it
 *                    once and says so; the journal of that boot is kept under $LABBENCH_HOME/logs);
 *   failed `lab up` — a command that failed all the same (its output is kept);
 * then prints the figure. It does not fail on a figure: it is a measurement, not a test.
 *
 *   pnpm bench:boot-loop [--cycles 100] [--load <cores>] [--name bootloop] [--subnet 10.213.91.0/24]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatError } from '../src/errors.ts';
import { runLocal } from '../src/machine/run.ts';
import { createProgress } from '../src/progress.ts';
import { statePaths } from '../src/providers/local/paths.ts';
import { createProvider } from '../src/providers/registry.ts';
import { documentSpec } from '../src/testbed/testbed.ts';

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
const outDir = join(statePaths().logs, `boot-loop-${new Date().toISOString().replace(/[:.]/g, '-')}`);

/** One `lab up` or `lab down` as the CLI runs it, with what it printed (notes and steps) collected. */
async function labCommand(what: 'up' | 'down'): Promise<{ ok: boolean; out: string; ms: number }> {
  const provider = await createProvider('local');
  let out = '';
  const progress = createProgress({
    start: () => {},
    end: (r) => (out += `${r.ok ? '✓' : '✗'} ${r.title} ${(r.durationMs / 1000).toFixed(1)}s\n`),
    note: (text) => (out += ` · ${text}\n`),
  });
  const started = performance.now();
  try {
    if (what === 'up') await provider.up(documentSpec({ name: values.name!, subnet: values.subnet! }), progress);
    else await provider.down(values.name!, progress);
    return { ok: true, out, ms: performance.now() - started };
  } catch (err) {
    return { ok: false, out: `${out}${formatError(err)}\n`, ms: performance.now() - started };
  }
}

/** One busy loop per core: the CPU load a nightly job or a class of students puts on the machine. */
function startLoad(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

const busy = startLoad(load);
const stopLoad = () => {
  for (const p of busy) p.kill('SIGKILL');
};
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
  await labCommand('down');
  for (let i = 1; i <= cycles; i++) {
    const up = await labCommand('up');
    upTimes.push(up.ms);
    const retried = [...up.out.matchAll(/(\S+) did not finish booting \(([^)]*)\)(?:; its journal is kept in (\S+))?: restarting it once/g)];
    bootFailures += retried.length;
    for (const m of retried) if (m[3]) journals.push(m[3].replace(/:$/, ''));
    if (!up.ok) {
      failedUps++;
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, `cycle-${i}-lab-up.log`), up.out);
      for (const host of ['hostA', 'hostB']) {
        const journal = await runLocal(
          ['docker', '-H', `unix://${statePaths().engine.socket}`, 'exec', `labbench-${values.name}-${host}`, 'journalctl', '-b', '--no-pager'],
          { nothrow: true },
        );
        writeFileSync(join(outDir, `cycle-${i}-${host}-journal.log`), journal.stdout + journal.stderr);
      }
    }
    const down = await labCommand('down');
    if (!down.ok) throw new Error(`lab down failed in cycle ${i}:\n${down.out}`);
    const mark = retried.length > 0 ? ` boot failure: ${retried.map((m) => `${m[1]} (${m[2]})`).join(', ')}` : '';
    process.stderr.write(
      `cycle ${i}/${cycles}: lab up ${(up.ms / 1000).toFixed(1)}s ${up.ok ? 'ok' : 'FAILED'}, lab down ${(down.ms / 1000).toFixed(1)}s${mark}  (load average ${loadavg()[0]!.toFixed(1)})\n`,
    );
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
process.exit(0);
