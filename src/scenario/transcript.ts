/**
 * Rendering a scenario run the way the course document shows a session: the prompt and
 * command, then what it printed; then the checks and the step's verdict. Pure: each function
 * returns text; the runner decides where it goes.
 */
import { describeLabel } from '../os/host-os.ts';
import { formatDuration } from '../progress.ts';
import { renderTable } from '../text-table.ts';
import type { CheckRecord, CommandRecord } from './records.ts';
import type { ScenarioReport, StepReport } from './report.ts';

const MAX_OUTPUT_LINES = 60;

export function renderScenarioHeader(r: Pick<ScenarioReport, 'scenario' | 'section' | 'title' | 'lab' | 'provider' | 'hosts'>): string {
  const hosts = (r.hosts ?? [])
    .map((h) => `\n   ${h.name}: ${h.standIn ? describeLabel(h.os, true, { name: h.machine }) : `${h.os} (${h.machine})`}, ${h.family} family`)
    .join('');
  return `\n══ ${r.scenario} — §${r.section} ${r.title}\n   lab "${r.lab}" (${r.provider})${hosts}\n`;
}

export function renderStepHeader(index: number, total: number, title: string): string {
  return `\n── [${index}/${total}] ${title}\n`;
}

export function renderCommandStart(host: string, command: string): string {
  return `${host} # ${command}\n`;
}

/** The command's output, trimmed to a readable length, plus its exit code when non-zero. */
export function renderCommandOutput(c: Pick<CommandRecord, 'stdout' | 'stderr' | 'exitCode'>): string {
  const text = [c.stdout, c.stderr].filter((t) => t.trim() !== '').join(c.stdout.endsWith('\n') ? '' : '\n');
  const lines = text.replace(/\n$/, '').split('\n');
  const shown = lines.length > MAX_OUTPUT_LINES ? [...lines.slice(0, MAX_OUTPUT_LINES), `… (${lines.length - MAX_OUTPUT_LINES} more lines)`] : lines;
  const body = text.trim() === '' ? '' : `${shown.join('\n')}\n`;
  const status = c.exitCode === 0 ? '' : `(exit ${c.exitCode ?? 'killed'})\n`;
  return body + status;
}

/** A line of commentary; a multi-line note (a table) keeps its lines aligned under the first. */
export function renderNote(text: string): string {
  return `   · ${text.replace(/\n/g, '\n     ')}\n`;
}

export function renderCheck(c: CheckRecord): string {
  const mark = c.ok ? '✓' : '✗';
  const detail = c.ok || (c.expected === undefined && c.actual === undefined) ? '' : ` (expected ${c.expected ?? '?'}, got ${c.actual ?? '?'})`;
  return `   ${mark} ${c.label}${detail}\n`;
}

export function renderStepEnd(s: StepReport): string {
  const why = s.reason ? ` — ${s.reason}` : '';
  return `   ⇒ ${s.verdict} (${formatDuration(s.durationMs)})${why}\n`;
}

/** The whole run as text (what `--json` leaves out of the terminal, for logs and tests). */
export function renderTranscript(r: ScenarioReport): string {
  let out = renderScenarioHeader(r);
  for (const s of r.steps) {
    out += renderStepHeader(s.index, r.steps.length, s.title);
    for (const c of s.commands) if (!c.summarised) out += renderCommandStart(c.host, c.command) + renderCommandOutput(c);
    for (const n of s.notes) out += renderNote(n);
    for (const c of s.checks) out += renderCheck(c);
    out += renderStepEnd(s);
  }
  out += renderSummary(r);
  return out;
}

export function renderSummary(r: ScenarioReport): string {
  const counts = { PASS: 0, FAIL: 0, SKIPPED: 0 };
  for (const s of r.steps) counts[s.verdict]++;
  const cleanup = r.cleanup && !r.cleanup.ok ? `\n   cleanup failed: ${r.cleanup.error}` : '';
  return `\n${r.verdict === 'PASS' ? '✓' : r.verdict === 'FAIL' ? '✗' : '○'} ${r.scenario}: ${r.verdict} — ${counts.PASS} passed, ${counts.FAIL} failed, ${counts.SKIPPED} skipped in ${formatDuration(r.durationMs)}${cleanup}\n`;
}

/** `scenario all`: one row per scenario. */
export function renderSummaryTable(reports: readonly ScenarioReport[]): string {
  const rows = [
    ['SCENARIO', 'SECTION', 'STEPS', 'VERDICT', 'TIME'],
    ...reports.map((r) => [r.scenario, `§${r.section}`, stepCounts(r), r.verdict, formatDuration(r.durationMs)]),
  ];
  return renderTable(rows);
}

function stepCounts(r: ScenarioReport): string {
  const passed = r.steps.filter((s) => s.verdict === 'PASS').length;
  return `${passed}/${r.steps.length}`;
}
