/**
 * Moving a snapshot to a lab on another LAN: each host keeps its name and gets the target lab's
 * address for it, so every place that names a host's old address (flanneld's etcd endpoint,
 * flannel's leases in etcd) is rewritten to its new one. Pure.
 */
import type { TestbedSpec } from '../testbed/testbed.ts';

export interface AddressChange {
  host: string;
  from: string;
  to: string;
}

/** The hosts whose address differs between the saved lab and the target lab (matched by name). */
export function addressChanges(saved: TestbedSpec, target: TestbedSpec): AddressChange[] {
  return saved.hosts.flatMap((h) => {
    const to = target.hosts.find((t) => t.name === h.name)?.address;
    return to && to !== h.address ? [{ host: h.name, from: h.address, to }] : [];
  });
}

const escapeDots = (s: string) => s.replace(/[.]/g, '\\.');

/**
 * Replaces every old address in `text` by its new one, all at once (so two hosts can swap
 * addresses), and only where it stands as a whole address: 10.0.0.12 is not touched inside
 * 10.0.0.123 or 110.0.0.12.
 */
export function rewriteAddresses(text: string, changes: readonly AddressChange[]): string {
  if (changes.length === 0) return text;
  const byAddress = new Map(changes.map((c) => [c.from, c.to]));
  const alternatives = [...byAddress.keys()]
    .sort((a, b) => b.length - a.length)
    .map(escapeDots)
    .join('|');
  const pattern = new RegExp(`(?<![0-9A-Za-z_.])(?:${alternatives})(?![0-9A-Za-z_]|\\.[0-9])`, 'g');
  return text.replace(pattern, (found) => byAddress.get(found) ?? found);
}
