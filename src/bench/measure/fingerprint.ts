/**
 * The environment fingerprint stored with every baseline and every result. Its fields are of two
 * kinds: the machine (kernel build, CPU model, core count), whose difference the canary-normalised
 * comparison absorbs, and the software and configuration (Docker, etcd, flannel, iperf3, MTU,
 * backend, probe settings …), whose difference makes the comparison INCONCLUSIVE, never FAIL.
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

/** Fields that describe the machine rather than the software on it. */
export const MACHINE_FIELDS: readonly string[] = ['kernel', 'cpuModel', 'cpuCores', 'machineId'];

/** Differences split into the machine's and the software's or configuration's. */
export function splitDifferences(differences: readonly FingerprintDifference[]): { machine: FingerprintDifference[]; software: FingerprintDifference[] } {
  return {
    machine: differences.filter((d) => MACHINE_FIELDS.includes(d.field)),
    software: differences.filter((d) => !MACHINE_FIELDS.includes(d.field)),
  };
}
