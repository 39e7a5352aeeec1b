/**
 * The history page (`pnpm bench:history --out DIR`): one self-contained HTML file, its charts
 * drawn by Apache ECharts on the server as SVG (no scripts, fonts or links in the page). Per path
 * × metric: every night's median with the spread of its rounds (a box from the lower to the
 * upper quartile), the machines' stretches shaded, change points marked with what changed, the
 * accepted nights, and the latest night's verdict. The numbers behind each chart are in a table
 * under it.
 */
import * as echarts from 'echarts';
import { formatNumber } from '../judge/format.ts';
import type { CellHistory, HistoryAnalysis, NightSummary } from '../judge/history-analysis.ts';
import { escapeXml as esc } from './svg.ts';

/** Where a run's reports keep the history page, relative to report.html. */
export const HISTORY_PAGE = 'history/history.html';

const COLOURS: Record<string, string> = { PASS: '#1a7f37', WARN: '#9a6700', FAIL: '#cf222e', IMPROVED: '#0969da', INCONCLUSIVE: '#6e7781' };
const SHADES = ['rgba(9,105,218,0.10)', 'rgba(191,135,0,0.13)'];

const STYLE = `
:root { --ink:#1f2328; --muted:#59636e; --line:#d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 18px; margin: 26px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; }
${Object.entries(COLOURS)
  .map(([v, c]) => `.v-${v} { background: ${c}; }`)
  .join(' ')}
.v-none { background: #afb8c1; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; font-size: 12px; }
th, td { padding: 2px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; } td.num { text-align: right; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; width: 600px; }
.card h3 { font-size: 14px; margin: 0 0 2px; display: flex; justify-content: space-between; gap: 8px; }
.card ul { margin: 4px 0 0; padding-left: 18px; font-size: 12px; } .card li { margin: 2px 0; }
.card details { font-size: 12px; margin-top: 4px; }
.legend span { display: inline-block; margin-right: 14px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; border: 1px solid var(--line); }
`;

const short = (iso: string) => iso.slice(5, 16).replace('T', ' ');
const percent = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} %`;
const badge = (verdict: string | null) => `<span class="badge v-${verdict ?? 'none'}">${esc(verdict ?? 'not judged')}</span>`;

/** Renders the page. `latestReport`: a relative link to the latest night's bench report, when there is one. */
export function renderHistoryPage(history: HistoryAnalysis, options: { latestReport?: string } = {}): string {
  const body: string[] = [];
  const last = history.nights.at(-1);
  body.push(`<h1>labbench bench — history of nights ${last ? badge(last.verdict) : ''}</h1>`);
  body.push(
    `<p class="muted">testbed ${esc(history.testbed)} · ${history.nights.length} nights · ${esc(history.source)} · change points: E-divisive means, ${history.settings.changePoints.test} at p ≤ ${history.settings.changePoints.pValue}, ≥ ${history.settings.changePoints.minSegment} nights a segment${options.latestReport ? ` · <a href="${esc(options.latestReport)}">the latest night's report</a>` : ''}</p>`,
  );
  body.push(
    `<p class="muted">Each dot is a night's median of its rounds (coloured by that night's verdict), the box around it the middle half of its rounds; a red line marks a change point for the worse, a blue one for the better, a dashed line where a new series begins (another machine, or the probe measured another way) or a night was accepted. Paths are shown as their ratio to the loopback canary measured beside them; loopback itself in its unit.</p>`,
  );
  body.push('<p class="legend">');
  for (const [i, m] of history.machines.entries())
    body.push(`<span><span class="swatch" style="background:${SHADES[i % 2]}"></span>${esc(m.machine)} (${m.nights} night${m.nights === 1 ? '' : 's'})</span>`);
  body.push('</p>');
  const gated = history.cells.filter((c) => c.gated);
  const moved = gated.filter((c) => c.changePoints.length > 0 || c.latest?.verdict === 'FAIL');
  body.push(`<p>${gated.length} gated cells; ${moved.length} with change points or a FAIL.</p>`);
  const paths = [...new Set(history.cells.map((c) => c.path))];
  const columns = history.nights.map((n) => n.id);
  for (const path of paths) {
    body.push(`<section data-path="${esc(path)}"><h2>${esc(path)}</h2><div class="charts">`);
    const cells = history.cells.filter((c) => c.path === path && c.charted);
    for (const cell of cells) body.push(card(cell, history, columns));
    body.push('</div></section>');
  }
  body.push('<h2>Nights</h2>');
  body.push(nightsTable(history.nights));
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>labbench bench history ${esc(history.testbed)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function card(cell: CellHistory, history: HistoryAnalysis, columns: readonly string[]): string {
  const out: string[] = [];
  out.push(`<div class="card" data-cell="${esc(cell.key)}" data-nights="${cell.points.length}">`);
  out.push(`<h3><span>${esc(cell.label)} <span class="muted">(${esc(cell.scale)})</span></span>${badge(cell.latest?.verdict ?? null)}</h3>`);
  out.push(chart(cell, history, columns));
  const notes: string[] = [];
  for (const c of cell.changePoints)
    notes.push(`change point at ${esc(short(c.startedAt))} (${esc(c.night)}): ${percent(c.shift)}, p ${c.p.toPrecision(2)} — ${esc(c.description)}`);
  for (const t of cell.transitions) notes.push(`new series at ${esc(short(t.startedAt))}: ${percent(t.shift)} across it — ${esc(t.description)}`);
  if (notes.length > 0) out.push(`<ul>${notes.map((n) => `<li>${n}</li>`).join('')}</ul>`);
  out.push(
    '<details><summary>the nights\' figures</summary><table><tr><th>night</th><th class="num">median</th><th class="num">quartiles</th><th class="num">rounds</th><th class="num">raw median</th><th>verdict</th></tr>',
  );
  for (const p of cell.points) {
    out.push(
      `<tr><td>${esc(short(p.startedAt))}</td><td class="num">${formatNumber(p.value)}</td><td class="num">${formatNumber(p.low)} … ${formatNumber(p.high)}</td><td class="num">${p.rounds}</td><td class="num">${Number.isFinite(p.median) ? `${formatNumber(p.median)} ${esc(cell.unit)}` : '–'}</td><td>${esc(p.verdict ?? '–')}</td></tr>`,
    );
  }
  out.push('</table></details></div>');
  return out.join('\n');
}

/** One chart: ECharts rendered to an SVG string on the server. The x axis is the nights' index, so every chart lines up. */
function chart(cell: CellHistory, history: HistoryAnalysis, columns: readonly string[]): string {
  const index = new Map(columns.map((id, i) => [id, i]));
  const at = (id: string) => index.get(id) ?? -1;
  const labels = history.nights.map((n) => short(n.startedAt));
  // At most about eight labelled nights, the last one always among them.
  const step = Math.max(1, Math.ceil(columns.length / 8));
  const ticks = columns.map((_, i) => i).filter((i) => (columns.length - 1 - i) % step === 0);
  const spans = history.machines.map((m, i) => [
    { xAxis: at(m.first) - 0.5, itemStyle: { color: SHADES[i % 2] }, label: { show: false } },
    { xAxis: at(m.last) + 0.5 },
  ]);
  const line = (x: number, text: string, colour: string, dashed = false) => ({
    xAxis: x,
    label: { formatter: text, color: colour, position: 'insideEndTop' as const, fontSize: 10 },
    lineStyle: { color: colour, width: dashed ? 1 : 2, type: dashed ? ('dashed' as const) : ('solid' as const) },
  });
  const marks = [
    ...cell.changePoints.map((c) => line(at(c.night) - 0.5, percent(c.shift), (c.worsening > 0 ? COLOURS.FAIL : COLOURS.IMPROVED) as string)),
    ...cell.transitions.map((t) => line(at(t.night) - 0.5, `new series ${percent(t.shift)}`, '#57606a', true)),
    ...history.nights.filter((n) => n.accepted).map((n) => line(at(n.id) - 0.5, 'accepted', COLOURS.PASS as string, true)),
  ];
  const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 576, height: 230 });
  instance.setOption({
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif' },
    grid: { left: 52, right: 14, top: 24, bottom: 36 },
    xAxis: {
      type: 'value',
      min: -0.5,
      max: columns.length - 0.5,
      splitLine: { show: false },
      axisTick: { customValues: ticks },
      axisLabel: { fontSize: 9, customValues: ticks, formatter: (v: number) => labels[v] ?? '' },
    },
    yAxis: {
      type: 'value',
      scale: true,
      boundaryGap: ['15%', '15%'],
      axisLine: { onZero: false },
      axisLabel: { fontSize: 10 },
      splitLine: { lineStyle: { color: '#eaeef2' } },
    },
    series: [
      {
        // The spread of the night's rounds: a box from the lower to the upper quartile.
        type: 'custom',
        name: 'rounds (quartiles)',
        data: cell.points.map((p) => [at(p.night), p.low, p.high]),
        // Both ends of the box count for the y axis' extent.
        encode: { x: 0, y: [1, 2] },
        renderItem: (_params: unknown, api: { value(i: number): number; coord(p: number[]): number[] }) => {
          const [x, low, high] = [api.value(0), api.value(1), api.value(2)];
          const top = api.coord([x, high]);
          const bottom = api.coord([x, low]);
          return {
            type: 'rect',
            shape: { x: (top[0] as number) - 5, y: top[1], width: 10, height: Math.max(1, (bottom[1] as number) - (top[1] as number)) },
            style: { fill: 'rgba(9,105,218,0.14)', stroke: '#8c959f' },
          };
        },
        markArea: { silent: true, data: spans },
        z: 1,
      },
      {
        type: 'line',
        name: 'median',
        symbolSize: 7,
        lineStyle: { color: '#57606a', width: 1 },
        data: cell.points.map((p) => ({ value: [at(p.night), p.value], itemStyle: { color: COLOURS[p.verdict ?? ''] ?? '#57606a' } })),
        markLine: { silent: true, symbol: 'none', data: marks },
        z: 2,
      },
    ],
  });
  const svg = instance.renderToSVGString();
  instance.dispose();
  return svg;
}

function nightsTable(nights: readonly NightSummary[]): string {
  const rows = [...nights]
    .reverse()
    .map(
      (n) =>
        `<tr><td>${esc(n.startedAt)}</td><td>${esc(n.id)}</td><td>${esc(n.origin)}</td><td>${esc(n.machine)}</td><td>${esc(n.commit?.slice(0, 12) ?? '(unknown)')}</td><td>${badge(n.verdict)}${n.exitCode === null ? '' : ` exit ${n.exitCode}`}${n.accepted ? ' · accepted' : ''}</td></tr>`,
    );
  return `<table><tr><th>started</th><th>night</th><th>origin</th><th>machine</th><th>labbench</th><th>verdict</th></tr>${rows.join('')}</table>`;
}
