/**
 * Holm–Bonferroni step-down correction: controls the family-wise error rate over all the
 * checks of one bench run, without assuming they are independent.
 */

/** One p-value after correction. */
export interface HolmResult {
  /** The raw p-value given. */
  p: number;
  /** Holm-adjusted p-value (monotone, capped at 1); compare it with the family α. */
  adjusted: number;
  /** Whether the hypothesis is rejected at the family α. */
  rejected: boolean;
}

/** Adjusts p-values (in input order) and says which are rejected at family level alpha. */
export function holm(pValues: readonly number[], alpha: number): HolmResult[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[index] = running;
  });
  // Step-down: the first sorted p-value that fails its threshold stops all rejections; the
  // monotone adjusted values encode exactly that.
  return pValues.map((p, i) => ({ p, adjusted: adjusted[i] as number, rejected: (adjusted[i] as number) <= alpha }));
}
