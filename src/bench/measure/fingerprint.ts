/**
 * The environment fingerprint stored with every baseline and every result: what must be the
 * same for two nights' numbers to be comparable. A difference makes the comparison
 * INCONCLUSIVE (re-baseline), never FAIL.
 */

/** One fingerprint value; null when the runner could not determine it. */
export type FingerprintValue = string | number | boolean | null;

/**
 * Flat field → value map (kernel, cpuModel, cpuCores, os, docker, etcd, flannel, iperf3, ping,
 * node, mtu, backend, probe settings …); per-path values use a dotted suffix (e.g. `mtu.overlay`).
 */
export type Fingerprint = Record<string, FingerprintValue>;

/** A field whose value differs between the baseline and tonight (null: absent or unknown). */
export interface FingerprintDifference {
  field: string;
  baseline: FingerprintValue;
  current: FingerprintValue;
}

/**
 * Fields that differ, over the union of both fingerprints' fields, sorted by field name. An
 * absent field counts as null (unknown), so a value known on one side only is a difference: an
 * unknown value cannot vouch for comparability.
 */
export function diffFingerprints(baseline: Fingerprint, current: Fingerprint, ignore: readonly string[] = []): FingerprintDifference[] {
  const fields = new Set([...Object.keys(baseline), ...Object.keys(current)]);
  const differences: FingerprintDifference[] = [];
  for (const field of [...fields].sort()) {
    if (ignore.includes(field)) continue;
    const b = baseline[field] ?? null;
    const c = current[field] ?? null;
    if (b !== c) differences.push({ field, baseline: b, current: c });
  }
  return differences;
}

/** "kernel 6.1.0 → 6.18.0, iperf3 3.12 → (unknown)" */
export function describeDifferences(differences: readonly FingerprintDifference[]): string {
  const show = (v: FingerprintValue) => (v === null ? '(unknown)' : String(v));
  return differences.map((d) => `${d.field} ${show(d.baseline)} → ${show(d.current)}`).join(', ');
}
