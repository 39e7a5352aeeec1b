/**
 * Sizing the rule-chain injections and checking their size (pure). Both metrics are measured in
 * alternating blocks (off, on, off, on …) and judged on the median of the paired differences,
 * so a slow spell of the shared machine lands on both sides of a pair instead of on the size.
 */
import { median } from '../../../src/bench/judge/stats.ts';

/** One off/on pair of block figures (µs of ping RTT p50, or bit/s of throughput). */
export interface BlockPair {
  off: number;
  on: number;
}

/** Median of on − off over the pairs: the injected shift in the figures' unit. */
export function pairedShift(pairs: readonly BlockPair[]): number {
  if (pairs.length === 0) throw new RangeError('no off/on pairs measured');
  return median(pairs.map((p) => p.on - p.off));
}

/** Median of on / off − 1 over the pairs: the injected relative change (−0.1 = 10 % lower). */
export function pairedChange(pairs: readonly BlockPair[]): number {
  if (pairs.length === 0) throw new RangeError('no off/on pairs measured');
  return median(pairs.map((p) => p.on / p.off - 1));
}

/** Upper bound of the rule chain: beyond it the calibration is wrong, not the machine slow. */
export const MAX_RULES = 200_000;

/**
 * Rules in the chain for a target latency increase: the calibration chain of `probeRules`
 * rules added `probeShiftUs` per round trip, so each rule costs probeShiftUs / probeRules.
 * Throws when the calibration showed no increase (the chain is not on the path).
 */
export function rulesForTarget(targetUs: number, probeShiftUs: number, probeRules: number): number {
  if (!(targetUs > 0)) throw new RangeError(`target latency increase must be positive, got ${targetUs} µs`);
  if (!(probeShiftUs > 0)) {
    throw new RangeError(
      `the calibration chain of ${probeRules} rules added ${probeShiftUs.toFixed(1)} µs per round trip: it is not on the path or too short to see`,
    );
  }
  const rules = Math.max(1, Math.round((targetUs * probeRules) / probeShiftUs));
  if (rules > MAX_RULES)
    throw new RangeError(`${rules} rules needed for +${targetUs.toFixed(1)} µs (more than ${MAX_RULES}): the per-rule cost measured is implausibly small`);
  return rules;
}

/** Latency target in µs per round trip: size % of the path's request-response p50. */
export function latencyTargetUs(rrP50Us: number, sizePct: number): number {
  return (rrP50Us * sizePct) / 100;
}

/**
 * Rules in the chain for a throughput drop of size %. Throughput here is CPU-bound, so a chain
 * of N rules adds a per-packet cost: throughput(N) = throughput(0) / (1 + c·N). The calibration
 * chain of `probeRules` rules changed it by `probeChange` (−0.34 = 34 % lower), which gives c.
 */
export function rulesForSlowdown(sizePct: number, probeChange: number, probeRules: number): number {
  if (!(sizePct > 0 && sizePct < 100)) throw new RangeError(`size must be between 0 and 100 %, got ${sizePct}`);
  if (!(probeChange < 0 && probeChange > -1)) {
    throw new RangeError(
      `the calibration chain of ${probeRules} rules changed the throughput by ${(probeChange * 100).toFixed(1)} %: it is not on the path or too short to see`,
    );
  }
  const perRule = (1 / (1 + probeChange) - 1) / probeRules;
  const rules = Math.max(1, Math.round((1 / (1 - sizePct / 100) - 1) / perRule));
  if (rules > MAX_RULES) throw new RangeError(`${rules} rules needed for −${sizePct} % (more than ${MAX_RULES}): the calibration is implausible`);
  return rules;
}

/** Whether a measured size reaches the stated fraction of the target, in the right direction. */
export function reachesTarget(measuredPct: number, targetPct: number, fraction: number): boolean {
  return Math.sign(measuredPct) === Math.sign(targetPct) && Math.abs(measuredPct) >= Math.abs(targetPct) * fraction;
}
