/**
 * `pnpm bench:many-labs [--labs 10] [--parallel 5]`: one 2-host lab per student, all up at once
 * on this machine, each passing flannel-two-host. From the CLI as a user runs it: the labs come
 * up one after the other without --subnet (each new one gets the next free LAN), `lab list`
 * shows them, the scenario runs on every lab (`--parallel` at a time, labs kept), the host
 * containers' memory is read with every lab up and configured, and the labs go down. Prints the
 * figures; a measurement, not a test.
 */
import { cpus, release } from 'node:os';
import { argv } from 'zx';
import { mapBounded } from '../src/pool.ts';
import type { ScenarioReport } from '../src/scenario/report.ts';
import { labbench } from './lib/cli.ts';
import { hostMemory } from './lib/host-memory.ts';

const count = Number(argv.labs ?? 10);
const parallel = Number(argv.parallel ?? 5);
const names = Array.from({ length: count }, (_, i) => `class${String(i + 1).padStart(2, '0')}`);
const s = (seconds: number) => `${seconds.toFixed(1)}s`;
const out: string[] = [];

async function downAll(): Promise<number> {
  const started = performance.now();
  for (const n of names) await labbench(['lab', 'down', '--name', n], { quiet: true });
  return (performance.now() - started) / 1000;
}

await downAll();
try {
  const ups: number[] = [];
  for (const n of names) {
    const r = await labbench(['lab', 'up', '--name', n], { quiet: true });
    if (r.code !== 0) throw new Error(`lab up --name ${n} failed:\n${r.stderr.slice(-2000)}`);
    ups.push(r.seconds);
    const picked = /lab "[^"]+" gets (\S+)/.exec(r.stderr)?.[1];
    if (picked) process.stderr.write(`${n}: ${picked} (picked automatically)\n`);
  }
  out.push(
    `lab up ×${count} (one after the other, subnet picked automatically): ${s(ups.reduce((a, b) => a + b, 0))} total, ${s(Math.min(...ups))}–${s(Math.max(...ups))} each`,
  );
  out.push(
    ...(await labbench(['lab', 'list'], { quiet: true })).stdout
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );

  const started = performance.now();
  const runs = await mapBounded(
    names,
    async (n) => {
      const r = await labbench(['scenario', 'flannel-two-host', '--name', n, '--keep', '--json'], { quiet: true });
      let verdict = `exit ${r.code}`;
      try {
        verdict = (JSON.parse(r.stdout) as ScenarioReport).verdict;
      } catch {
        /* no report: keep the exit code */
      }
      return { name: n, seconds: r.seconds, verdict };
    },
    parallel,
  );
  const wall = (performance.now() - started) / 1000;
  const passed = runs.filter((r) => r.verdict === 'PASS').length;
  out.push(
    `flannel-two-host on ${count} labs, ${parallel} at a time: ${passed}/${count} PASS in ${s(wall)} wall (${runs.map((r) => `${r.name} ${r.verdict} ${s(r.seconds)}`).join(', ')})`,
  );
  if (passed < count) process.exitCode = 1;

  const memory = (await Promise.all(names.map((n) => hostMemory(n)))).flatMap((m) => [...m.values()]);
  const total = memory.reduce((a, b) => a + b, 0) / 1e6;
  out.push(
    `memory with all ${count} labs up and configured: ${memory.length} host containers, ${total.toFixed(0)} MB total, ${(total / memory.length).toFixed(0)} MB per host`,
  );
} finally {
  out.push(`lab down ×${count}: ${s(await downAll())}`);
}
process.stdout.write(`labbench: ${count} labs side by side on ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}\n${out.join('\n')}\n`);
