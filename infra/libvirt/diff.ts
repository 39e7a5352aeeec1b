/**
 * The diff decision shared by the libvirt dynamic providers: which inputs changed, and whether
 * any of them forces a replacement. libvirt objects have fixed names (and VMs fixed MACs and
 * addresses), so a replacement always deletes the old object before creating the new one.
 */
import type * as pulumi from '@pulumi/pulumi';

/** The inputs a provider compares, and those of them it can change in place. */
export interface DiffPolicy {
  /** Every input of the resource (state also holds outputs such as ids and paths, which are not compared). */
  inputs: readonly string[];
  /** Inputs the provider's `update` changes in place; a change to any other input replaces the object. */
  updatable: readonly string[];
}

/** JSON with object keys sorted, so values that differ only in key order (gRPC does not keep it) compare equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** The DiffResult for a change from `olds` (state) to `news` (inputs) under a policy. */
export function decideDiff(olds: Record<string, unknown>, news: Record<string, unknown>, policy: DiffPolicy): pulumi.dynamic.DiffResult {
  const changed = policy.inputs.filter((k) => canonicalJson(olds[k]) !== canonicalJson(news[k]));
  const replaces = changed.filter((k) => !policy.updatable.includes(k));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: true };
}
