/**
 * `pnpm bench:lab`: wall times of the lab lifecycle, as a user sees them from the CLI.
 *   cold `lab up`  — no host image in the engine (it is built from Debian packages first);
 *   warm `lab up`  — the image is cached;
 *   `lab stop`     — both hosts shut down by systemd, everything kept;
 *   `lab start`    — the same hosts started again until systemd reports them running;
 *   `lab down`.
 * Prints the figures next to the targets (warm ≤ 20 s, cold ≤ 150 s, stop ≤ 5 s, start ≤ 10 s,
 * down ≤ 10 s). It does
 * not fail on a missed target: it is a measurement, not a test.
 *
 *   pnpm bench:lab [--runs N] [--cold-debs] [--skip-cold]
 *
 * --cold-debs also empties the .deb download cache, so the cold figure includes downloads.
 */

import { rmSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { argv } from 'zx';
import { runLabbench } from '../src/machine/labbench-cli.ts';
import { createProgress } from '../src/progress.ts';
import { docker } from '../src/providers/local/docker-cli.ts';
import { acquireEngine } from '../src/providers/local/engine.ts';
import { currentManifest } from '../src/providers/local/host-image/build.ts';
import { hostImageTag } from '../src/providers/local/host-image/manifest.ts';
import { statePaths } from '../src/providers/local/paths.ts';

const LAB = 'benchlab';
const SUBNET = '10.213.90.0/24';
const runs = Number(argv.runs ?? 3);

/** Wall time of one CLI command, from starting the process to its exit (ms). */
async function timed(args: string[]): Promise<number> {
  const r = await runLabbench(args);
  if (r.exitCode !== 0) throw new Error(`labbench ${args.join(' ')} failed:\n${r.stderr}`);
  return r.durationMs;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const up = ['lab', 'up', '--name', LAB, '--subnet', SUBNET];
const down = ['lab', 'down', '--name', LAB];
const stop = ['lab', 'stop', '--name', LAB];
const start = ['lab', 'start', '--name', LAB];

await timed(down);
const lines: string[] = [];
if (!argv['skip-cold']) {
  // Take the host image out of the engine's cache (starting labbench's engine if none runs;
  // the last `lab down` stops it again).
  const paths = statePaths();
  const engine = await acquireEngine(paths, createProgress());
  const tag = hostImageTag(currentManifest());
  await docker(engine, ['rmi', '-f', tag], { nothrow: true });
  if (argv['cold-debs']) rmSync(paths.debs, { recursive: true, force: true });
  const cold = await timed(up);
  lines.push(`cold lab up (host image not cached; .deb cache ${argv['cold-debs'] ? 'empty' : 'kept'}): ${s(cold).padStart(7)}   target ≤ 150s`);
  await timed(down);
}
const warm: number[] = [];
const stops: number[] = [];
const starts: number[] = [];
const downs: number[] = [];
for (let i = 0; i < runs; i++) {
  warm.push(await timed(up));
  stops.push(await timed(stop));
  starts.push(await timed(start));
  downs.push(await timed(down));
}
lines.push(`warm lab up (median of ${runs}: ${warm.map(s).join(' ')}): ${s(median(warm)).padStart(7)}   target ≤ 20s`);
lines.push(`lab stop    (median of ${runs}: ${stops.map(s).join(' ')}): ${s(median(stops)).padStart(7)}   target ≤ 5s`);
lines.push(`lab start   (median of ${runs}: ${starts.map(s).join(' ')}): ${s(median(starts)).padStart(7)}   target ≤ 10s`);
lines.push(`lab down    (median of ${runs}: ${downs.map(s).join(' ')}): ${s(median(downs)).padStart(7)}   target ≤ 10s`);

process.stdout.write(
  `labbench lab lifecycle on ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, kernel ${release()}\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
);
