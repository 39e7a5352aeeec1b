/**
 * A/A check of the regression gate: record a fresh baseline, then run `pnpm bench` against it
 * N times with nothing changed. Every comparison must give no FAIL (exit 0). Prints each
 * comparison's outcome and the run-to-run spread per path × metric over all runs (baseline
 * included), next to the metric's fail tolerance. It is a measurement: it exits 1 only when
 * a comparison FAILed or the bench could not run.
 *
 *   pnpm exec tsx bench/aa.ts [--repeats 5] [--runs 10] [--name benchaa] [--subnet 10.213.72.0/24]
 *                             [--keep-lab] [--out FILE]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ResultsDocument } from '../src/bench/report/results.ts';
import { renderSpread, runToRunSpread } from '../src/bench/report/run-to-run.ts';
import { findingLines, labbench, suiteTimeLine } from './lib/cli.ts';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '5' },
    runs: { type: 'string', default: '10' },
    name: { type: 'string', default: 'benchaa' },
    subnet: { type: 'string', default: '10.213.72.0/24' },
    'keep-lab': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const repeats = Number(values.repeats);
const lab = ['--name', values.name as string, '--subnet', values.subnet as string];
const dir = mkdtempSync(join(tmpdir(), 'labbench-aa-'));
const baseline = join(dir, 'baseline.json');
const common = ['--runs', values.runs as string, '--keep', '--json', ...lab];

const out = (line = '') => process.stdout.write(`${line}\n`);
const runs: ResultsDocument[] = [];
const comparisons: { code: number; counts: string; findings: string[]; time: string }[] = [];
try {
  out(
    `A/A on lab ${values.name} (${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, kernel ${release()}): a fresh baseline, then ${repeats} comparisons with nothing changed`,
  );
  const first = await labbench(['bench', '--no-history', '--update-baseline', '--baseline', baseline, ...common]);
  if (first.code !== 0 || !first.results) throw new Error(`recording the baseline failed (exit ${first.code})`);
  runs.push(first.results);
  out(`baseline recorded: ${suiteTimeLine(first.stderr)}`);
  for (let i = 1; i <= repeats; i++) {
    const r = await labbench(['bench', '--no-history', '--baseline', baseline, ...common]);
    if (!r.results) throw new Error(`comparison ${i} produced no results (exit ${r.code})`);
    runs.push(r.results);
    const c = r.results.summary.counts;
    const counts = Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ');
    comparisons.push({ code: r.code, counts, findings: findingLines(r.stderr), time: suiteTimeLine(r.stderr) });
    out(`comparison ${i}: exit ${r.code} · ${counts} · ${suiteTimeLine(r.stderr)}`);
    for (const f of findingLines(r.stderr)) out(`    ${f}`);
  }
} finally {
  if (!values['keep-lab']) await labbench(['lab', 'down', '--name', values.name as string], { quiet: true });
  rmSync(dir, { recursive: true, force: true });
}

const fails = comparisons.filter((c) => c.code !== 0).length;
out();
out(`A/A result: ${comparisons.length} comparisons, ${fails} with a FAIL (exit codes ${comparisons.map((c) => c.code).join(' ')})`);
out();
out(`run-to-run spread over ${runs.length} runs (the baseline's and each comparison's medians):`);
const rows = runToRunSpread(runs);
out(renderSpread(rows));
if (values.out) writeFileSync(values.out, `${JSON.stringify({ comparisons, spread: rows }, null, 2)}\n`);
process.exitCode = fails === 0 ? 0 : 1;
