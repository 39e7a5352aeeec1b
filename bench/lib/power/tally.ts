/**
 * From gate reports to detection power (pure): each trial's per-cell verdicts are read from the
 * gate's report.json (path, metric, verdict, the medians and the gate's own shift estimate, so
 * the sweep does not depend on how the gate reaches its verdicts), tallied per injection and per A/A group, and rendered
 * as the power table and, when an injection was run at several sizes, the detection curve.
 */
import { median } from '../../../src/bench/judge/stats.ts';
import { formatPct, type Injection, injectionLabel, type PowerProbe, PROBE_OF, type Trial } from './plan.ts';

/** One cell of a gate report, as far as the sweep needs it. */
export interface GateCell {
  path: string;
  metric: string;
  verdict: string;
  baselineMedian: number | null;
  currentMedian: number | null;
  /** The shift the gate estimated on what it judged (canary ratios or raw values; 0.12 = +12 %), null when it estimated none. */
  judgedChange: number | null;
}

/** What one gate run of the sweep gave. */
export interface TrialOutcome {
  trial: Trial;
  exitCode: number;
  cells: GateCell[];
  /** The injection's size as verified by the plain measurement just before the run (%), null for A/A. */
  verifiedPct: number | null;
  seconds: number;
}

type Json = Record<string, unknown>;

/** The cells of a gate report.json; throws when the document has no cells list. */
export function readGateCells(report: unknown): GateCell[] {
  const cells = (report as Json | null)?.['cells'];
  if (!Array.isArray(cells)) throw new TypeError('the gate report has no "cells" list');
  return cells.map((raw, i) => {
    const c = raw as Json;
    const key = typeof c['key'] === 'string' ? c['key'] : '';
    const at = key.lastIndexOf('/');
    const path = typeof c['path'] === 'string' ? c['path'] : key.slice(0, at);
    const metric = typeof c['metric'] === 'string' ? c['metric'] : key.slice(at + 1);
    const verdict = c['verdict'];
    if (!path || !metric || typeof verdict !== 'string') throw new TypeError(`cell ${i} of the gate report has no path, metric or verdict`);
    const change = (c['stats'] as Json | null | undefined)?.['change'];
    return {
      path,
      metric,
      verdict,
      baselineMedian: blockMedian(c['baseline']),
      currentMedian: blockMedian(c['current']),
      judgedChange: typeof change === 'number' ? change : null,
    };
  });
}

function blockMedian(block: unknown): number | null {
  const b = block as Json | null | undefined;
  const summary = b?.['summary'] as Json | null | undefined;
  if (typeof summary?.['median'] === 'number') return summary['median'];
  const samples = b?.['samples'];
  if (Array.isArray(samples) && samples.length > 0 && samples.every((x) => typeof x === 'number')) return median(samples as number[]);
  return null;
}

/** The verdict of a path × metric in one trial, or "missing". */
export function verdictOf(cells: readonly GateCell[], path: string, metric: string): string {
  return cells.find((c) => c.path === path && c.metric === metric)?.verdict ?? 'missing';
}

/** One row of the power table: an injection (or, with `injection` null, a group's A/A trials). */
export interface PowerRow {
  cell: string;
  injection: Injection | null;
  trials: number;
  fails: number;
  warns: number;
  /** Other verdicts (PASS, INCONCLUSIVE, IMPROVED, missing) by name. */
  others: Record<string, number>;
  /**
   * Median over the trials of the gate's own shift estimate of the cell (%): on the canary ratios
   * when it judged those (the raw medians' change when the report has no estimate).
   */
  observedPct: number | null;
  /** Median verified size over the trials (%), null for A/A. */
  verifiedPct: number | null;
  /** A/A trials of the same suite and how many FAILed this cell. */
  aa: { trials: number; fails: number };
  /** FAILs of cells other than the injected one, over the trials (false FAILs beside a real one). */
  otherCellFails: number;
}

/** Tallies the outcomes into one row per injection. */
export function tallyPower(injections: readonly Injection[], outcomes: readonly TrialOutcome[]): PowerRow[] {
  return injections.map((injection) => {
    const own = outcomes.filter((o) => o.trial.injection !== null && sameInjection(o.trial.injection, injection));
    const aa = outcomes.filter((o) => o.trial.injection === null && o.trial.group === PROBE_OF[injection.metric]);
    const verdicts = own.map((o) => verdictOf(o.cells, injection.path, injection.metric));
    const others: Record<string, number> = {};
    for (const v of verdicts) if (v !== 'FAIL' && v !== 'WARN') others[v] = (others[v] ?? 0) + 1;
    const changes = own.flatMap((o) => {
      const c = o.cells.find((x) => x.path === injection.path && x.metric === injection.metric);
      if (c?.judgedChange != null) return [c.judgedChange * 100];
      return c?.baselineMedian && c.currentMedian !== null ? [(c.currentMedian / c.baselineMedian - 1) * 100] : [];
    });
    const verified = own.flatMap((o) => (o.verifiedPct === null ? [] : [o.verifiedPct]));
    return {
      cell: `${injection.path}/${injection.metric}`,
      injection,
      trials: own.length,
      fails: verdicts.filter((v) => v === 'FAIL').length,
      warns: verdicts.filter((v) => v === 'WARN').length,
      others,
      observedPct: changes.length > 0 ? median(changes) : null,
      verifiedPct: verified.length > 0 ? median(verified) : null,
      aa: { trials: aa.length, fails: aa.filter((o) => verdictOf(o.cells, injection.path, injection.metric) === 'FAIL').length },
      otherCellFails: own.reduce(
        (n, o) => n + o.cells.filter((c) => c.verdict === 'FAIL' && !(c.path === injection.path && c.metric === injection.metric)).length,
        0,
      ),
    };
  });
}

/** A/A trials of a group: how many had any FAIL cell (a false alarm of the whole gate). */
export function aaSummary(
  group: PowerProbe,
  outcomes: readonly TrialOutcome[],
): { trials: number; anyFail: number; failedCells: string[]; exitCodes: number[] } {
  const aa = outcomes.filter((o) => o.trial.injection === null && o.trial.group === group);
  const failedCells = aa.flatMap((o) => o.cells.filter((c) => c.verdict === 'FAIL').map((c) => `${c.path}/${c.metric}`));
  return { trials: aa.length, anyFail: aa.filter((o) => o.cells.some((c) => c.verdict === 'FAIL')).length, failedCells, exitCodes: aa.map((o) => o.exitCode) };
}

function sameInjection(a: Injection, b: Injection): boolean {
  return a.path === b.path && a.metric === b.metric && a.sizePct === b.sizePct;
}

const signed = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} %`);

/** The power table: one line per injection, columns padded; a Markdown table when `markdown`. */
export function renderPowerTable(rows: readonly PowerRow[], options: { markdown?: boolean } = {}): string {
  const header = ['injected', 'verified (plain)', 'gate estimated (median)', 'detected (FAIL)', 'WARN', 'other verdicts', 'A/A false FAIL', 'other cells FAIL'];
  const body = rows.map((r) => [
    r.injection ? injectionLabel(r.injection) : r.cell,
    signed(r.verifiedPct),
    signed(r.observedPct),
    `${r.fails}/${r.trials}`,
    String(r.warns),
    Object.entries(r.others)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ') || '–',
    `${r.aa.fails}/${r.aa.trials}`,
    String(r.otherCellFails),
  ]);
  if (options.markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return lines([line(header), line(header.map(() => '---')), ...body.map(line)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return lines([line(header), ...body.map(line)]);
}

/** Text lines, each ending in a newline. */
function lines(rows: readonly string[]): string {
  return rows.map((r) => `${r}\n`).join('');
}

/**
 * The detection curve of every cell injected at more than one size: detection rate against
 * injected size, smallest first, e.g. "overlay/rr.p50  +5 % 1/10 · +10 % 6/10 · +15 % 9/10".
 * Empty when no cell has two sizes.
 */
export function renderCurves(rows: readonly PowerRow[]): string {
  const byCell = new Map<string, PowerRow[]>();
  for (const r of rows) if (r.injection) byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), r]);
  const lines: string[] = [];
  for (const [cell, own] of byCell) {
    if (own.length < 2) continue;
    const points = [...own].sort((a, b) => (a.injection?.sizePct ?? 0) - (b.injection?.sizePct ?? 0));
    const sign = cell.endsWith('tcp.throughput') ? '−' : '+';
    lines.push(`${cell}  ${points.map((p) => `${sign}${formatPct(p.injection?.sizePct ?? 0)} % ${p.fails}/${p.trials}`).join(' · ')}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
