/**
 * `pnpm bench:scale [--sizes 2,4,8,16] [--results FILE]`: how a lab's cost grows with its host
 * count. For each N, from the CLI as a user runs it on a warm host image cache:
 *   `lab up --hosts N`, `scenario flannel-two-host` (on that lab, kept), the host containers'
 *   memory after the scenario, `lab down`;
 * then a least-squares line per metric (seconds or MB per extra host). Targets on a 2-core
 * machine: N = 16: up ≤ 30 s, scenario ≤ 60 s, down ≤ 15 s, ≤ 100 MB per host. A measurement,
 * not a test. With --results, each N's figures are added to FILE (one N per run works, e.g.
 * to keep each run short) and the table covers every N in it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { argv } from 'zx';
import { linearFit, mean } from '../src/bench/judge/stats.ts';
import type { ScenarioReport } from '../src/scenario/report.ts';
import { labbench } from './lib/cli.ts';
import { hostMemory } from './lib/host-memory.ts';

interface SizeResult {
  hosts: number;
  upS: number;
  scenarioS: number;
  downS: number;
  /** Mean cgroup memory per host container after the scenario, MB. */
  memoryMbPerHost: number;
  verdict: string;
  /** The lab up found the host image in the cache (a cold build would swamp the figure). */
  warm: boolean;
  measuredAt: string;
}

const LAB = 'benchscale';
const SUBNET = '10.213.120.0/24';
const sizes = String(argv.sizes ?? '2,4,8,16')
  .split(',')
  .map(Number);
const file = argv.results ? String(argv.results) : undefined;
const TARGETS_AT_16 = { upS: 30, scenarioS: 60, downS: 15, memoryMbPerHost: 100 } as const;

async function must(args: string[]): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const r = await labbench(args, { quiet: true });
  if (r.code !== 0) throw new Error(`labbench ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-3000)}`);
  return r;
}

async function measure(hosts: number): Promise<SizeResult> {
  await must(['lab', 'down', '--name', LAB]);
  const up = await must(['lab', 'up', '--name', LAB, '--subnet', SUBNET, '--hosts', String(hosts)]);
  try {
    const run = await labbench(['scenario', 'flannel-two-host', '--name', LAB, '--keep', '--json'], { quiet: true });
    const report = JSON.parse(run.stdout || '{}') as Partial<ScenarioReport>;
    const memory = [...(await hostMemory(LAB)).values()];
    const down = await must(['lab', 'down', '--name', LAB]);
    return {
      hosts,
      upS: up.seconds,
      scenarioS: run.seconds,
      downS: down.seconds,
      memoryMbPerHost: mean(memory) / 1e6,
      verdict: report.verdict ?? `no report (exit ${run.code})`,
      warm: /found in the engine's cache/.test(up.stderr),
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await labbench(['lab', 'down', '--name', LAB], { quiet: true });
  }
}

const results: SizeResult[] = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SizeResult[]) : [];
for (const n of sizes) {
  process.stderr.write(`N = ${n} …\n`);
  const r = await measure(n);
  results.splice(0, results.length, ...results.filter((x) => x.hosts !== n), r);
  results.sort((a, b) => a.hosts - b.hosts);
  if (file) writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (r.verdict !== 'PASS') process.exitCode = 1;
}

const f = (x: number, digits = 1) => x.toFixed(digits);
const rows = [
  ['N', 'lab up', 'scenario', 'lab down', 'MB/host', 'verdict'],
  ...results.map((r) => [
    String(r.hosts),
    `${f(r.upS)}s`,
    `${f(r.scenarioS)}s`,
    `${f(r.downS)}s`,
    f(r.memoryMbPerHost, 0),
    `${r.verdict}${r.warm ? '' : ' (cold image)'}`,
  ]),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
const lines = rows.map((row) => row.map((c, i) => c.padStart(widths[i]!)).join('  '));
if (results.length >= 2) {
  const ns = results.map((r) => r.hosts);
  const fitted = (key: keyof typeof TARGETS_AT_16, unit: string) => {
    const { slope, intercept } = linearFit(
      ns,
      results.map((r) => r[key]),
    );
    const signed = (x: number) => `${x < 0 ? '−' : '+'} ${f(Math.abs(x), 2)}`;
    return `${key.padEnd(15)} ${f(intercept, 2)} ${signed(slope)} ${unit} × N`;
  };
  lines.push(
    '',
    'fitted growth (least squares over N):',
    `  ${fitted('upS', 's')}`,
    `  ${fitted('scenarioS', 's')}`,
    `  ${fitted('downS', 's')}`,
    `  ${fitted('memoryMbPerHost', 'MB')}`,
  );
}
const at16 = results.find((r) => r.hosts === 16);
if (at16) {
  const verdicts = (Object.keys(TARGETS_AT_16) as (keyof typeof TARGETS_AT_16)[]).map(
    (k) => `${k} ${f(at16[k])} ${at16[k] <= TARGETS_AT_16[k] ? '≤' : '>'} ${TARGETS_AT_16[k]}`,
  );
  lines.push('', `targets at N = 16: ${verdicts.join(', ')}`);
}
process.stdout.write(`labbench scale on ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}\n${lines.join('\n')}\n`);
