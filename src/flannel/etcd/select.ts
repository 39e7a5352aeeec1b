/**
 * Which etcd API the agent speaks. flannel ≤ v0.17 uses only v2, flannel ≥ v0.18 only v3, and
 * the two keyspaces are separate (a key written with `ETCDCTL_API=2 etcdctl mk` is invisible to
 * v3). The rule:
 *   - `-etcd-api=v2|v3` forces that API;
 *   - otherwise the API under which `<prefix>/config` exists is used;
 *   - if both hold a config, v3 (flannel's current contract, what a real v0.18+ flanneld on
 *     another host reads) — logged, since that case is ambiguous;
 *   - if neither does, the agent waits and retries, saying what it found under each API.
 */
import { configKey } from '../lease.ts';
import type { EtcdApiChoice } from '../options.ts';
import type { ConfigLookup, EtcdApi } from './registry.ts';

/** The outcome of looking for the config: an API to use, or a diagnosis to log before retrying. */
export type ApiDecision = { api: EtcdApi; config: string; note?: string } | { api: undefined; diagnosis: string; hint: string };

/** Decides the API from what each look-up found (undefined = that API was not asked). Pure. */
export function decideEtcdApi(choice: EtcdApiChoice, prefix: string, v2: ConfigLookup | undefined, v3: ConfigLookup | undefined): ApiDecision {
  const key = configKey(prefix);
  if (choice === 'v2' && v2?.state === 'present') return { api: 'v2', config: v2.value };
  if (choice === 'v3' && v3?.state === 'present') return { api: 'v3', config: v3.value };
  if (choice === 'auto') {
    if (v2?.state === 'present' && v3?.state === 'present') {
      return { api: 'v3', config: v3.value, note: `${key} exists in both the v2 and the v3 keyspace; using v3 (pass -etcd-api=v2 to use v2)` };
    }
    if (v3?.state === 'present') return { api: 'v3', config: v3.value };
    if (v2?.state === 'present') return { api: 'v2', config: v2.value };
  }
  const parts: string[] = [];
  if (v2) parts.push(`v2: ${describe(v2)}`);
  if (v3) parts.push(`v3: ${describe(v3)}`);
  const hint =
    choice === 'v3'
      ? `create it: ETCDCTL_API=3 etcdctl put ${key} '{"Network":"172.20.0.0/16"}'`
      : `create it: ETCDCTL_API=2 etcdctl mk ${key} '{"Network":"172.20.0.0/16"}' (etcd started with --enable-v2) or ETCDCTL_API=3 etcdctl put ${key} '…'`;
  return { api: undefined, diagnosis: `flannel config ${key} not found in etcd (${parts.join('; ')})`, hint };
}

function describe(lookup: ConfigLookup): string {
  switch (lookup.state) {
    case 'present':
      return 'present';
    case 'absent':
      return 'key not found';
    case 'unavailable':
      return lookup.detail;
  }
}
