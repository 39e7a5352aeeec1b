/**
 * `pnpm bench:snapshot`: the size of a lab snapshot and the wall times of saving, restoring,
 * exporting and importing it, as a user sees them from the CLI. The lab is the document's two
 * hosts after flannel-two-host steps 1–5 (course mode solves them: etcd and flanneld running,
 * each host with its lease). Each round saves a snapshot, restores it, exports it to a file,
 * imports the file into a second lab on another LAN and restores it there (addresses moved).
 * A measurement, not a test: it fails only when a command fails. Run it alone on the machine.
 *
 *   pnpm bench:snapshot [--runs N] [--name LAB] [--subnet CIDR] [--name2 LAB] [--subnet2 CIDR]
 */

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argv } from 'zx';
import { labbench } from './lib/cli.ts';

const runs = Number(argv.runs ?? 3);
const LAB = String(argv.name ?? 'snapbench');
const SUBNET = String(argv.subnet ?? '10.213.91.0/24');
const LAB2 = String(argv.name2 ?? `${LAB}2`);
const SUBNET2 = String(argv.subnet2 ?? '10.213.92.0/24');

/** One labbench command through the bench's CLI helper; its wall time in ms. */
async function timed(args: string[]): Promise<{ ms: number; stdout: string }> {
  const r = await labbench(args, { quiet: true });
  if (r.code !== 0) throw new Error(`labbench ${args.join(' ')} failed:\n${r.stderr}`);
  return { ms: r.seconds * 1000, stdout: r.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const files = mkdtempSync(join(tmpdir(), 'labbench-snapshot-bench-'));

const times = {
  save: [] as number[],
  restore: [] as number[],
  export: [] as number[],
  'import (into the other lab)': [] as number[],
  'restore (other lab, other LAN)': [] as number[],
};
const sizes: { layers: number; volumes: number; file: number }[] = [];
try {
  await timed(['lab', 'down', '--name', LAB]);
  await timed(['lab', 'down', '--name', LAB2]);
  await timed(['course', 'start', 'flannel-two-host', '--at', '6', '--name', LAB, '--subnet', SUBNET]);
  await timed(['lab', 'up', '--name', LAB2, '--subnet', SUBNET2]);
  for (let i = 1; i <= runs; i++) {
    const name = `round${i}`;
    const file = join(files, `${name}.lbsnap`);
    times.save.push((await timed(['lab', 'snapshot', 'save', name, '--name', LAB])).ms);
    times.restore.push((await timed(['lab', 'snapshot', 'restore', name, '--name', LAB])).ms);
    times.export.push((await timed(['lab', 'snapshot', 'export', name, file, '--name', LAB])).ms);
    times['import (into the other lab)'].push((await timed(['lab', 'snapshot', 'import', file, '--name', LAB2])).ms);
    times['restore (other lab, other LAN)'].push((await timed(['lab', 'snapshot', 'restore', name, '--name', LAB2])).ms);
    const listed = JSON.parse((await timed(['lab', 'snapshot', 'list', '--name', LAB, '--json'])).stdout) as {
      name: string;
      bytes: { layers: number; volumes: number };
    }[];
    const own = listed.find((x) => x.name === name)!;
    sizes.push({ ...own.bytes, file: statSync(file).size });
    await timed(['lab', 'snapshot', 'rm', name, '--name', LAB]);
    await timed(['lab', 'snapshot', 'rm', name, '--name', LAB2]);
  }
} finally {
  await timed(['lab', 'down', '--name', LAB]).catch(() => undefined);
  await timed(['lab', 'down', '--name', LAB2]).catch(() => undefined);
  rmSync(files, { recursive: true, force: true });
}

// The first round's snapshot is of the lab as set up; later rounds save a lab restored from the one before (their own layer only).
const first = sizes[0]!;
const lines = [
  `snapshot of 2 hosts after flannel-two-host steps 1–5: ${mb(first.layers + first.volumes)} in the engine and the lab's state directory (image layers ${mb(first.layers)} + Docker volumes ${mb(first.volumes)}); exported file ${mb(first.file)} (gzip)`,
  `later rounds (a save of the lab restored from the round before): ${sizes
    .slice(1)
    .map((x) => mb(x.layers + x.volumes))
    .join(', ')}`,
  ...Object.entries(times).map(([what, ms]) => `${`lab snapshot ${what}`.padEnd(44)} median ${s(median(ms)).padStart(6)}   (${ms.map(s).join(' ')})`),
];
process.stdout.write(
  `labbench lab snapshots, ${runs} round(s), on ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, kernel ${release()}, ${new Date().toISOString()}\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
);
