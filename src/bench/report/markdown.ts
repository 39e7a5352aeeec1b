/** Markdown report for a CI job summary: outcome, table, findings, environment. */

import { HISTORY_PAGE } from './history-page.ts';
import type { ResultsDocument } from './results.ts';
import { COLUMNS, contextLine, countsLine, environmentLine, findings, judgedLine, reportRows } from './rows.ts';

const ICON: Record<string, string> = { PASS: '✅', WARN: '⚠️', FAIL: '❌', IMPROVED: '🚀', INCONCLUSIVE: '❔' };

/** Renders the Markdown report (GitHub-flavoured tables); its first line says how many cells were judged. */
export function renderMarkdown(doc: ResultsDocument): string {
  const out: string[] = [];
  out.push(`## labbench bench: ${ICON[doc.summary.overall]} ${doc.summary.overall} — ${judgedLine(doc)} · exit ${doc.summary.exitCode}`);
  out.push('');
  out.push(`${countsLine(doc)} · ${escapeCell(contextLine(doc))}`);
  out.push('');
  out.push(`_${escapeCell(environmentLine(doc))}_`);
  for (const note of doc.summary.notes) out.push(`- ${escapeCell(note)}`);
  if (doc.history) out.push(`- the history of nights: \`${HISTORY_PAGE}\` beside this report (\`pnpm bench:history\` draws it anew)`);
  out.push('');
  out.push(`| ${COLUMNS.map((c) => c.title).join(' | ')} |`);
  out.push(`|${COLUMNS.map((c) => (c.align === 'right' ? '---:' : ':---')).join('|')}|`);
  for (const r of reportRows(doc)) {
    const cells = COLUMNS.map((c) => (c.key === 'verdict' ? `${ICON[r.verdict]} ${r.verdict}` : escapeCell(String(r[c.key]))));
    out.push(`| ${cells.join(' | ')} |`);
  }
  const notable = findings(doc);
  if (notable.length > 0) {
    out.push('');
    out.push('### Findings');
    out.push('');
    for (const c of notable) out.push(`- ${ICON[c.verdict]} **${c.verdict}** \`${c.key}\`: ${escapeCell(c.reason)}`);
  }
  out.push('');
  out.push('<details><summary>Environment fingerprint</summary>');
  out.push('');
  out.push('| field | value |');
  out.push('|:---|:---|');
  for (const [field, value] of Object.entries(doc.fingerprint).sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`| ${escapeCell(field)} | ${escapeCell(value === null ? '(unknown)' : String(value))} |`);
  }
  out.push('');
  out.push('</details>');
  return `${out.join('\n')}\n`;
}

/** Keeps table cells intact: pipes escaped, newlines flattened. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
