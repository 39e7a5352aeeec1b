/**
 * `pnpm bench:history`: the history of nights that `pnpm bench` keeps, analysed — per path ×
 * metric the nights, their change points and what changed at each — as a page (`--out DIR`:
 * history.html and history.json), as JSON for programs (`--json`), or as a short text summary;
 * and `accept NIGHT`, which marks a known change as the new normal of its series.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { appendAcceptMark, readHistory } from '../bench/history/store.ts';
import { type BaselineDocument, baselinePath, loadBaseline } from '../bench/judge/baseline.ts';
import { analyseHistory, type HistoryAnalysis } from '../bench/judge/history-analysis.ts';
import { CANARY_PATH } from '../bench/plan/suite.ts';
import { renderHistoryPage } from '../bench/report/history-page.ts';
import { withBaselineNight } from '../bench/session.ts';
import { ConfigError } from '../errors.ts';
import { parseFlags } from './args.ts';
import { DEFAULT_TESTBED, defaultHistoryDir } from './bench.ts';

const USAGE = `usage: pnpm bench:history [--history DIR] [--testbed NAME] [--baseline FILE | --no-baseline] [--out DIR] [--json] [--report FILE]
       pnpm bench:history accept NIGHT [--history DIR] [--testbed NAME] [--note TEXT]

  The history of nights kept by pnpm bench (default: $LABBENCH_HOME/bench-history), with the committed
  baseline as the first night of its machine's series (--no-baseline leaves it out).

  --out DIR      write DIR/history.html (the page: every path × metric over the nights, change points and
                 what changed at each, the machines' stretches shaded) and DIR/history.json
  --json         print the analysis (nights per path × metric, change points) as JSON
  --report FILE  link the page to the latest night's bench report (e.g. ../report/report.html)
  accept NIGHT   the change at NIGHT is known: its series is judged from NIGHT on (NIGHT as the page names it)`;

const FLAGS = {
  history: { type: 'string' },
  testbed: { type: 'string' },
  baseline: { type: 'string' },
  'no-baseline': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  note: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dir = values.history ?? defaultHistoryDir();
  const testbed = values.testbed ?? DEFAULT_TESTBED;
  const [verb, ...rest] = positionals;
  if (verb === 'accept') {
    if (rest.length !== 1) throw new ConfigError('accept takes one night', { hint: USAGE.split('\n')[1]?.trim() });
    return accept(dir, testbed, rest[0] as string, values.note ?? null, await baselineOf(values, testbed));
  }
  if (verb !== undefined) throw new ConfigError(`unknown argument "${verb}"`, { hint: USAGE.split('\n')[0] });
  const analysis = await analyse(dir, testbed, await baselineOf(values, testbed));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(analysis, null, 2)}\n`);
  } else {
    process.stdout.write(summary(analysis));
  }
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    const page = join(values.out, 'history.html');
    writeFileSync(page, renderHistoryPage(analysis, values.report ? { latestReport: values.report } : {}));
    writeFileSync(join(values.out, 'history.json'), `${JSON.stringify(analysis, null, 2)}\n`);
    (values.json ? process.stderr : process.stdout).write(`page: ${page} (and history.json beside it)\n`);
  }
  return 0;
}

async function baselineOf(values: { baseline?: string; 'no-baseline'?: boolean }, testbed: string): Promise<BaselineDocument | null> {
  if (values['no-baseline']) return null;
  const file = values.baseline ?? baselinePath(testbed);
  try {
    return await loadBaseline(file);
  } catch (err) {
    if (values.baseline === undefined && err instanceof ConfigError && err.message.startsWith('no baseline at')) return null;
    throw err;
  }
}

async function analyse(dir: string, testbed: string, baseline: BaselineDocument | null): Promise<HistoryAnalysis> {
  const history = readHistory(dir, testbed);
  const nights = withBaselineNight(history.nights, baseline);
  if (nights.length === 0) {
    throw new ConfigError(`the bench history at ${dir} has no nights of testbed "${testbed}"`, {
      hint: 'run `pnpm bench` (it appends every run to the history), or name another --history or --testbed',
    });
  }
  return analyseHistory({ testbed, source: dir, nights, marks: history.marks, canary: CANARY_PATH });
}

function accept(dir: string, testbed: string, night: string, note: string | null, baseline: BaselineDocument | null): number {
  const history = readHistory(dir, testbed);
  const nights = withBaselineNight(history.nights, baseline);
  const found = nights.find((n) => n.id === night);
  if (!found) {
    const latest = nights
      .slice(-3)
      .map((n) => n.id)
      .join(', ');
    throw new ConfigError(`no night "${night}" in the bench history at ${dir} (testbed ${testbed})`, {
      hint: latest ? `the latest nights: ${latest}` : 'the history is empty',
    });
  }
  const file = appendAcceptMark(dir, found, note);
  process.stdout.write(`accepted ${found.id}: its series is judged from this night on (${relative(process.cwd(), file) || file})\n`);
  return 0;
}

/** A few lines per gated cell that moved, and the latest night. */
function summary(a: HistoryAnalysis): string {
  const out: string[] = [];
  const last = a.nights.at(-1);
  out.push(
    `bench history ${a.source}: testbed ${a.testbed}, ${a.nights.length} nights on ${a.machines.length} machine stretch(es); latest ${last?.id ?? '–'} ${last?.verdict ?? ''}`,
  );
  for (const m of a.machines) out.push(`  ${m.first} … ${m.last}: ${m.machine} (${m.nights} night${m.nights === 1 ? '' : 's'})`);
  for (const c of a.cells.filter((x) => x.gated)) {
    const moves = [
      ...c.changePoints.map((p) => `change point ${p.night} ${pct(p.shift)} (${p.description})`),
      ...c.transitions.map((t) => `new series ${t.night} ${pct(t.shift)} (${t.description})`),
    ];
    out.push(
      `${c.key.padEnd(24)} ${String(c.points.length).padStart(3)} nights  latest ${c.latest?.verdict ?? '–'}${moves.length > 0 ? `\n    ${moves.join('\n    ')}` : ''}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} %`;
}
