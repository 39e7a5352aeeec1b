/** Number formatting shared by verdict reasons and every report, so they quote the same figures. */
import type { MetricSpec } from '../plan/metrics.ts';

/** A value with about 3 significant digits, without exponents for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  return Number(value.toPrecision(3)).toString();
}

/** A signed percentage from a fraction, one decimal at most: 0.123 → "+12.3%", −0.1 → "-10%", 0.0001 → "0%". */
export function formatPercent(fraction: number): string {
  const pct = Math.abs(fraction * 100);
  const body = pct >= 100 ? pct.toFixed(0) : Number(pct.toFixed(1)).toString();
  if (body === '0') return '0%';
  return `${fraction < 0 ? '-' : '+'}${body}%`;
}

/** A p-value: 3 decimals, or scientific below 0.001 ("2.0e-5"). */
export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** Unit of an absolute change ("pp" for percentages). */
function changeUnit(spec: MetricSpec): string {
  return spec.unit === '%' ? 'pp' : spec.unit;
}

/** A metric's change in its own terms: relative → "+12.3%", absolute → "+0.8 pp". */
export function formatChange(spec: MetricSpec, change: number): string {
  if (spec.change === 'relative') return formatPercent(change);
  const body = formatNumber(Math.abs(change));
  return body === '0' ? `0 ${changeUnit(spec)}` : `${change < 0 ? '-' : '+'}${body} ${changeUnit(spec)}`;
}

/** A tolerance written in the worse direction: "-10%" for throughput, "+15%" for latency, "+1 pp" for loss. */
export function formatTolerance(spec: MetricSpec, amount: number): string {
  const signed = spec.better === 'higher' ? -amount : amount;
  return formatChange(spec, signed);
}
