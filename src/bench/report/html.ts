/**
 * Self-contained HTML report: inline CSS and inline SVG strip plots of every path's runs beside
 * the baseline's (and the confirmation re-run's). Opens offline: no scripts, fonts or links out.
 */
import { DEFAULT_METRICS } from '../plan/metrics.ts';
import { HISTORY_PAGE } from './history-page.ts';
import type { ResultCell, ResultsDocument } from './results.ts';
import { COLUMNS, contextLine, countsLine, environmentLine, findings, judgedLine, reportRows } from './rows.ts';
import { escapeXml as esc, type StripSet, stripPlot } from './svg.ts';

const STYLE = `
:root { --pass:#1a7f37; --warn:#9a6700; --fail:#cf222e; --improved:#0969da; --inconclusive:#6e7781; --ink:#1f2328; --muted:#59636e; --line:#d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
p.note { margin: 4px 0; padding: 4px 8px; border-left: 3px solid var(--improved); background: #f6f8fa; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; letter-spacing: .02em; }
.v-PASS { background: var(--pass); } .v-WARN { background: var(--warn); } .v-FAIL { background: var(--fail); } .v-IMPROVED { background: var(--improved); } .v-INCONCLUSIVE { background: var(--inconclusive); }
table { border-collapse: collapse; margin: 12px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { font-weight: 600; background: #f6f8fa; } td.num, th.num { text-align: right; }
ul.findings li { margin: 4px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; width: 346px; }
.card h3 { font-size: 14px; margin: 0 0 4px; display: flex; justify-content: space-between; align-items: flex-start; gap: 8px; }
.card h3 .badge { flex-shrink: 0; white-space: nowrap; }
.card p.reason { font-size: 12px; color: var(--muted); margin: 0 0 6px; min-height: 3em; }
.strip-plot .grid { stroke: #eaeef2; } .strip-plot .tick, .strip-plot .unit, .strip-plot .label { font-size: 10px; fill: var(--muted); }
.strip-plot .run { fill-opacity: .75; stroke: #fff; stroke-width: .8; }
.strip-plot .median { stroke: var(--ink); stroke-width: 2; }
.set-baseline .run { fill: #8c959f; } .set-current .run { fill: #0969da; } .set-rerun .run { fill: #8250df; } .set-rerun-baseline .run { fill: #afb8c1; }
`;

/** Renders the HTML report as one self-contained document. */
export function renderHtml(doc: ResultsDocument): string {
  const paths = [...new Set(doc.cells.map((c) => c.path))];
  const body: string[] = [];
  body.push(`<h1>labbench bench <span class="badge v-${doc.summary.overall}">${doc.summary.overall}</span></h1>`);
  body.push(`<p>${esc(judgedLine(doc))}: ${esc(countsLine(doc))} · exit ${doc.summary.exitCode}</p>`);
  for (const note of doc.summary.notes) body.push(`<p class="note">${esc(note)}</p>`);
  if (doc.history)
    body.push(`<p><a href="${HISTORY_PAGE}">The history of nights</a>: every path × metric over the nights, the change points and what changed at each.</p>`);
  body.push(`<p class="muted">${esc(contextLine(doc))}<br>${esc(environmentLine(doc))}<br>${esc(doc.startedAt)} – ${esc(doc.finishedAt)}</p>`);
  body.push(summaryTable(doc));
  const notable = findings(doc);
  if (notable.length > 0) {
    body.push('<h2>Findings</h2><ul class="findings">');
    for (const c of notable) body.push(`<li><span class="badge v-${c.verdict}">${c.verdict}</span> <code>${esc(c.key)}</code>: ${esc(c.reason)}</li>`);
    body.push('</ul>');
  }
  for (const path of paths) {
    body.push(`<section class="path" data-path="${esc(path)}"><h2>${esc(path)}</h2><div class="charts">`);
    for (const cell of doc.cells.filter((c) => c.path === path)) body.push(chartCard(cell, doc.mode));
    body.push('</div></section>');
  }
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>labbench bench ${esc(doc.testbed)}: ${doc.summary.overall}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function summaryTable(doc: ResultsDocument): string {
  const head = COLUMNS.map((c) => `<th${c.align === 'right' ? ' class="num"' : ''}>${esc(c.title)}</th>`).join('');
  const rows = reportRows(doc).map((r) => {
    const tds = COLUMNS.map((c) => {
      if (c.key === 'verdict') return `<td><span class="badge v-${r.verdict}">${r.verdict}</span></td>`;
      return `<td${c.align === 'right' ? ' class="num"' : ''}>${esc(String(r[c.key]))}</td>`;
    });
    return `<tr>${tds.join('')}</tr>`;
  });
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function chartCard(cell: ResultCell, mode: ResultsDocument['mode']): string {
  const spec = DEFAULT_METRICS[cell.metric];
  const ab = mode === 'ab';
  const sets: StripSet[] = [
    { label: ab ? 'A' : 'baseline', className: 'set-baseline', values: cell.baseline.samples },
    { label: ab ? 'B' : 'current', className: 'set-current', values: cell.current.samples },
  ];
  if (cell.confirmation) {
    if (ab) sets.push({ label: 're-run A', className: 'set-rerun-baseline', values: cell.confirmation.baseline.samples });
    sets.push({ label: ab ? 're-run B' : 're-run', className: 'set-rerun', values: cell.confirmation.current.samples });
  }
  const direction = spec.better === 'higher' ? 'higher is better' : 'lower is better';
  const svg = stripPlot(sets, { unit: cell.unit, title: `${cell.path} ${spec.label} per run, ${direction}` });
  return [
    `<div class="card" data-cell="${esc(cell.key)}" data-verdict="${cell.verdict}">`,
    `<h3><span>${esc(spec.label)} <span class="muted">(${direction})</span></span><span class="badge v-${cell.verdict}">${cell.verdict}</span></h3>`,
    `<p class="reason">${esc(cell.reason)}</p>`,
    svg,
    '</div>',
  ].join('');
}
