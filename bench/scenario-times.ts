/**
 * `pnpm bench:scenario [name…] [--runs N]`: wall time of `pnpm scenario <name>` as a user runs
 * it, on a warm host image cache — the lab comes up, the scenario runs, the lab goes down.
 * Prints the figures (target for flannel-two-host: ≤ 60 s; for `all`: ≤ 5 min); a
 * measurement, not a test.
 */
import { argv } from 'zx';
import { runLabbench } from '../src/machine/labbench-cli.ts';

const names = argv._.length > 0 ? argv._.map(String) : ['flannel-two-host'];
const runs = Number(argv.runs ?? 1);
const TARGETS: Record<string, number> = { 'flannel-two-host': 60, all: 300 };

const LAB = ['--name', 'benchscenario', '--subnet', '10.213.91.0/24'];
/** Runs a CLI command that must succeed. */
async function must(args: string[]): Promise<void> {
  const r = await runLabbench(args);
  if (r.exitCode !== 0) throw new Error(`labbench ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr}`);
}
// Warm the image cache first (a no-op when the image is there), so only warm runs are timed.
await must(['lab', 'up', ...LAB]);
await must(['lab', 'down', ...LAB]);

for (const name of names) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const r = await runLabbench(['scenario', name, ...LAB]);
    times.push((performance.now() - started) / 1000);
    if (r.exitCode !== 0) {
      process.stdout.write(`${name}: FAILED (exit ${r.exitCode}) after ${times.at(-1)!.toFixed(1)}s\n${r.stdout.slice(-2000)}\n`);
      process.exitCode = 1;
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const target = TARGETS[name] ? `   target ≤ ${TARGETS[name]}s` : '';
  process.stdout.write(
    `pnpm scenario ${name} (warm image, lab up → scenario → lab down): ${median.toFixed(1)}s median of ${runs} [${times.map((t) => t.toFixed(1)).join(' ')}]${target}\n`,
  );
}
