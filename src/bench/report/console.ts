/** Console report: a fixed-width table of every path × metric, then the findings and the outcome. */
import type { ResultsDocument } from './results.ts';
import { COLUMNS, contextLine, countsLine, environmentLine, findings, judgedLine, type ReportRow, reportRows } from './rows.ts';

/** Renders the console report (plain text, no colour codes, ends with a newline). */
export function renderConsole(doc: ResultsDocument): string {
  const rows = reportRows(doc);
  const header = Object.fromEntries(COLUMNS.map((c) => [c.key, c.title.toUpperCase()])) as unknown as ReportRow;
  const widths = COLUMNS.map((c) => Math.max(...[header, ...rows].map((r) => String(r[c.key]).length)));
  const line = (r: ReportRow) =>
    COLUMNS.map((c, i) => {
      const text = String(r[c.key]);
      const width = widths[i] as number;
      return c.align === 'right' ? text.padStart(width) : text.padEnd(width);
    })
      .join('  ')
      .trimEnd();

  const out: string[] = [];
  out.push(`labbench bench: ${contextLine(doc)}`);
  out.push(environmentLine(doc));
  for (const note of doc.summary.notes) out.push(`note: ${note}`);
  out.push('');
  out.push(line(header));
  let previousPath: string | null = null;
  for (const r of rows) {
    if (previousPath !== null && r.path !== previousPath) out.push('');
    out.push(line(r));
    previousPath = r.path;
  }
  const notable = findings(doc);
  if (notable.length > 0) {
    out.push('');
    for (const c of notable) out.push(`${c.verdict.padEnd(12)} ${c.key}: ${c.reason}`);
  }
  out.push('');
  out.push(`overall: ${doc.summary.overall} (${judgedLine(doc)}: ${countsLine(doc)}) · exit ${doc.summary.exitCode}`);
  return `${out.join('\n')}\n`;
}
