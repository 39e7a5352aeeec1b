/**
 * Is the harness's overlay throughput what iperf3 itself measures? Alternates `pnpm bench
 * --paths overlay --probes tcp` (its short, pinned runs in the containers' namespaces) with
 * plain iperf3 runs between the same two containers (the box image's own iperf3 through
 * `docker exec`, default 10 s, no pinning, no omitted seconds), and prints both medians and
 * how far apart they are (target: within 5 %).
 *
 *   pnpm exec tsx bench/overlay-vs-iperf3.ts [--repeats 3] [--plain-runs 3] [--seconds 10]
 *                                            [--name benchcmp] [--subnet 10.213.74.0/24] [--keep-lab]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatNumber } from '../src/bench/judge/format.ts';
import { median } from '../src/bench/judge/stats.ts';
import { parseIperf3Tcp } from '../src/bench/measure/parsers/iperf3.ts';
import { containerName } from '../src/bench/measure/paths.ts';
import { BENCH_PROBE_SETTINGS } from '../src/bench/plan/suite.ts';
import { benchHosts } from '../src/bench/session.ts';
import { openLab } from '../src/lab.ts';
import { createProvider } from '../src/providers/registry.ts';
import { labbench } from './lib/cli.ts';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    'plain-runs': { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    name: { type: 'string', default: 'benchcmp' },
    subnet: { type: 'string', default: '10.213.74.0/24' },
    'keep-lab': { type: 'boolean', default: false },
  },
});
const name = values.name as string;
const dir = mkdtempSync(join(tmpdir(), 'labbench-overlay-check-'));
const out = (line = '') => process.stdout.write(`${line}\n`);
/** Read only (inventory): the lab's lock is held by the `labbench` commands this script runs. */
const provider = await createProvider('local');
/** A port of its own, so the plain server never meets the harness's iperf3 server (5201). */
const PLAIN_PORT = 5301;
const overlay = { key: 'overlay', path: 'overlay', kind: 'overlay' as const, backend: null, mtu: null };
const src = containerName(overlay, 'src');
const dst = containerName(overlay, 'dst');

const harness: number[] = [];
const plain: number[] = [];
try {
  for (let i = 1; i <= Number(values.repeats); i++) {
    const r = await labbench(
      [
        'bench',
        '--no-history',
        '--paths',
        'overlay',
        '--probes',
        'tcp',
        '--update-baseline',
        '--baseline',
        join(dir, 'scratch.json'),
        '--keep',
        '--json',
        '--name',
        name,
        '--subnet',
        values.subnet as string,
      ],
      { quiet: true },
    );
    const samples = r.results?.cells.find((c) => c.key === 'overlay/tcp.throughput')?.current.samples;
    if (!samples) throw new Error(`pnpm bench gave no overlay throughput (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
    harness.push(...samples);
    out(
      `round ${i}: harness (pnpm bench, ${samples.length} runs of -t ${BENCH_PROBE_SETTINGS.tcp.durationS} -O ${BENCH_PROBE_SETTINGS.tcp.omitS}, pinned): median ${formatNumber(median(samples))} Gbit/s`,
    );

    const inventory = await provider.inventory(name);
    if (!inventory) throw new Error(`lab ${name} is not up`);
    const lab = await openLab(inventory);
    try {
      const { a, b } = benchHosts(lab);
      const address = (await b.$`docker inspect -f ${'{{.NetworkSettings.IPAddress}}'} ${dst}`).text();
      const round: number[] = [];
      for (let k = 0; k < Number(values['plain-runs']); k++) {
        await b.$`docker exec -d ${dst} iperf3 -s -1 -p ${PLAIN_PORT}`;
        await b.$`for i in $(seq 50); do docker exec ${dst} netstat -ltn | grep -q :${PLAIN_PORT} && break; sleep 0.1; done`;
        const run = await a.$({
          timeoutMs: (Number(values.seconds) + 30) * 1000,
        })`docker exec ${src} iperf3 -c ${address} -p ${PLAIN_PORT} -t ${values.seconds as string} -J`;
        round.push(parseIperf3Tcp(run.stdout).receivedBitsPerSecond / 1e9);
      }
      plain.push(...round);
      out(
        `round ${i}: plain iperf3 (docker exec ${src} iperf3 -c ${address} -t ${values.seconds}, ${round.length} runs): ${round.map(formatNumber).join(' ')} Gbit/s`,
      );
    } finally {
      await lab.close();
    }
  }
} finally {
  if (!values['keep-lab']) await labbench(['lab', 'down', '--name', name], { quiet: true });
  rmSync(dir, { recursive: true, force: true });
}

const h = median(harness);
const p = median(plain);
const gap = (h - p) / p;
out();
out(`overlay TCP throughput, harness: ${formatNumber(h)} Gbit/s (median of ${harness.length} runs)`);
out(`overlay TCP throughput, plain iperf3 between the same containers: ${formatNumber(p)} Gbit/s (median of ${plain.length} runs)`);
out(`harness vs plain: ${(gap * 100).toFixed(1)}% → ${Math.abs(gap) <= 0.05 ? 'within' : 'NOT within'} 5%`);
