/**
 * Addresses the scenarios choose for themselves: spare addresses on the lab's LAN for
 * containers that join it directly (macvlan, ipvlan), and a docker0 address (`bip`) clear of
 * the networks already in use. Pure.
 */

import { ConfigError } from '../../errors.ts';
import { broadcast, contains, formatIp, overlaps, parseCidr, parseIp, tryParseCidr } from '../../net/ipv4.ts';

/**
 * The `count` highest usable addresses of `lan` not in `taken`, highest first: the top of the
 * subnet stays clear of the low addresses the provider and Docker's IPAM hand out.
 */
export function spareLanAddresses(lan: string, taken: readonly string[], count: number): string[] {
  const cidr = parseCidr(lan, 'LAN subnet');
  const used = new Set(taken.map((a) => parseIp(a)));
  const out: string[] = [];
  for (let ip = broadcast(cidr) - 1; ip > cidr.network && out.length < count; ip--) {
    if (!used.has(ip) && contains(cidr, ip)) out.push(formatIp(ip));
  }
  if (out.length < count) {
    throw new ConfigError(`the LAN ${lan} has no ${count} spare address(es) for containers`, { hint: 'use a larger --subnet for the lab' });
  }
  return out;
}

/** The first of `networks` (CIDR blocks or interface addresses like 172.17.0.1/16) that `address`'s network overlaps. */
export function overlapping(address: string, networks: readonly string[]): string | undefined {
  const mine = tryParseCidr(address, false);
  if (!mine) return undefined;
  return networks.find((n) => {
    const other = tryParseCidr(n, false);
    return other !== undefined && overlaps(mine, other);
  });
}

/** The first of `candidates` whose network overlaps none of `avoid`. */
export function firstClearAddress(candidates: readonly string[], avoid: readonly string[]): string {
  const found = candidates.find((c) => overlapping(c, avoid) === undefined);
  if (!found) throw new ConfigError(`each of ${candidates.join(', ')} overlaps a network in use (${avoid.join(', ')})`, { hint: 'choose one with --set' });
  return found;
}

/** True when `address` is written as an interface address (a.b.c.d/len with host bits set), as `bip` must be. */
export function isInterfaceAddress(address: string): boolean {
  const loose = tryParseCidr(address, false);
  return loose !== undefined && loose.prefix <= 30 && tryParseCidr(address) === undefined;
}
