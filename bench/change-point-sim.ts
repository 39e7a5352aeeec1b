/**
 * How large a step the series gate's change-point search finds within 1, 2 and 3 nights, in
 * units of the night-to-night spread σ of a cell's nightly summary: simulated series of P normal
 * nights (Gaussian, σ = 1) followed by nights shifted by k·σ, searched with the gate's own
 * E-divisive settings. It turns a measured nightly σ into the smallest step nightly CI can
 * promise to find (bench:power-nights measures the σ and the power on real nights).
 *
 *   pnpm bench:change-point-sim [--prefix 8] [--trials 2000] [--sizes 1,2,3,4,5,6] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CHANGE_POINT_SETTINGS, eDivisive } from '../src/bench/judge/change-points.ts';
import { mulberry32 } from '../src/bench/plan/schedule.ts';

const { values } = parseArgs({
  options: {
    prefix: { type: 'string', default: '8' },
    trials: { type: 'string', default: '2000' },
    sizes: { type: 'string', default: '1,2,3,4,5,6' },
    seed: { type: 'string', default: '1' },
  },
});
const prefix = Number(values.prefix);
const trials = Number(values.trials);
const sizes = String(values.sizes).split(',').map(Number);
if (!(Number.isInteger(prefix) && prefix >= 2 && Number.isInteger(trials) && trials >= 1 && sizes.every((s) => Number.isFinite(s) && s >= 0))) {
  process.stderr.write('bench:change-point-sim: --prefix N (≥ 2), --trials N (≥ 1) and --sizes a,b,… (≥ 0, in σ) are numbers\n');
  process.exit(2);
}

const random = mulberry32(Number(values.seed));
/** One standard normal draw (Box–Muller). */
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

/** Whether a change point is found at the step (one night of slack either side) in the first `nights` after it. */
function foundWithin(series: readonly number[], nights: number): boolean {
  return eDivisive(series.slice(0, prefix + nights)).some((c) => Math.abs(c.index - prefix) <= 1);
}

const s = DEFAULT_CHANGE_POINT_SETTINGS;
process.stdout.write(
  `change points on simulated nights: ${prefix} normal nights, then a step of k·σ; ${trials} series per size; ${s.test} p ≤ ${s.pValue}, at least ${s.minSegment} nights a segment; seed ${values.seed}\n\n`,
);
process.stdout.write('| step (σ of the nightly summary) | found within 1 night | within 2 nights | within 3 nights |\n| --- | --- | --- | --- |\n');
for (const size of sizes) {
  const found = [0, 0, 0];
  for (let t = 0; t < trials; t++) {
    const series = Array.from({ length: prefix + 3 }, (_, i) => normal() + (i >= prefix ? size : 0));
    for (let n = 1; n <= 3; n++) if (foundWithin(series, n)) found[n - 1]!++;
  }
  const pct = (k: number) => `${((100 * k) / trials).toFixed(0)} %`;
  process.stdout.write(`| ${size} σ | ${pct(found[0]!)} | ${pct(found[1]!)} | ${pct(found[2]!)} |\n`);
}
