/**
 * Strip plots drawn as inline SVG: one column of dots per sample set (baseline, current,
 * re-run), each dot one run, with a tick at each set's median. No scripts, no fonts, no network.
 */
import { formatNumber } from '../judge/format.ts';
import { median } from '../judge/stats.ts';

/** One column of the plot. */
export interface StripSet {
  label: string;
  /** CSS class of the dots, used for colour (e.g. "set-baseline"). */
  className: string;
  values: readonly number[];
}

/** Geometry of a strip plot. */
export interface StripPlotOptions {
  width?: number;
  height?: number;
  unit: string;
  /** Accessible name of the chart. */
  title: string;
}

const MARGIN = { left: 52, right: 10, top: 20, bottom: 26 };

/** Escapes text for HTML/SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A strip plot of the sets, as an <svg> element string. */
export function stripPlot(sets: readonly StripSet[], options: StripPlotOptions): string {
  const width = options.width ?? 320;
  const height = options.height ?? 170;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const all = sets.flatMap((s) => s.values);
  const [lo, hi] = paddedRange(all);
  const y = (v: number) => MARGIN.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const columnW = plotW / Math.max(1, sets.length);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="strip-plot" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.title)}">`,
  );
  parts.push(`<title>${escapeXml(options.title)}</title>`);
  for (const tick of [lo, (lo + hi) / 2, hi]) {
    const ty = y(tick).toFixed(1);
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick" x="${MARGIN.left - 4}" y="${ty}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatNumber(tick))}</text>`);
  }
  parts.push(`<text class="unit" x="4" y="2" dominant-baseline="hanging">${escapeXml(options.unit)}</text>`);
  sets.forEach((set, column) => {
    const cx = MARGIN.left + columnW * (column + 0.5);
    parts.push(`<g class="set ${escapeXml(set.className)}" data-set="${escapeXml(set.className)}">`);
    if (set.values.length > 0) {
      const m = median(set.values);
      const half = columnW * 0.32;
      parts.push(
        `<line class="median" x1="${(cx - half).toFixed(1)}" x2="${(cx + half).toFixed(1)}" y1="${y(m).toFixed(1)}" y2="${y(m).toFixed(1)}"><title>median ${escapeXml(formatNumber(m))} ${escapeXml(options.unit)}</title></line>`,
      );
    }
    set.values.forEach((v, i) => {
      // Deterministic horizontal spread so equal values stay visible.
      const dx = (((i * 7) % 11) - 5) * (columnW * 0.045);
      parts.push(
        `<circle class="run" cx="${(cx + dx).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5"><title>${escapeXml(set.label)} run ${i + 1}: ${escapeXml(formatNumber(v))} ${escapeXml(options.unit)}</title></circle>`,
      );
    });
    parts.push(`<text class="label" x="${cx.toFixed(1)}" y="${height - 8}" text-anchor="middle">${escapeXml(set.label)} (${set.values.length})</text>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Value range with 8 % padding; a flat or empty sample gets a visible band around it. */
function paddedRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}
