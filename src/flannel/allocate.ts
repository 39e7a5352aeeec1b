/**
 * Which subnet this host leases, as flannel's `tryAcquireLease`/`allocateSubnet` decide it
 * (pkg/subnet/etcd/local_manager.go): reuse the lease carrying this host's PublicIP; else the
 * subnet of the previous subnet.env if no lease holds it; else a random free subnet among the
 * first 100 from SubnetMin. Pure: randomness is passed in.
 */
import { LabbenchError } from '../errors.ts';
import { type Cidr, formatCidr, formatIp, overlaps, sameCidr } from '../net/ipv4.ts';
import type { NetworkConfig } from './config.ts';
import type { LeaseAttrs } from './lease.ts';

/** A lease already in etcd, as the allocator sees it. */
export interface ExistingLease {
  subnet: Cidr;
  /** Undefined when the value could not be decoded (the subnet still counts as taken). */
  attrs: LeaseAttrs | undefined;
  /** True for a reservation: a v2 key without TTL or a v3 key without lease. */
  reservation: boolean;
}

/** What to do in etcd to hold a subnet. */
export type SubnetChoice =
  | {
      /** Rewrite the existing key with fresh attrs (TTL 24 h, or none for a reservation). */
      action: 'reuse';
      subnet: Cidr;
      reservation: boolean;
      /** Lease of this PublicIP that no longer fits the config; delete it first. */
      discard?: Cidr;
    }
  | {
      /** Create the key if absent, with TTL 24 h. */
      action: 'create';
      subnet: Cidr;
      source: 'previous-subnet-file' | 'random-free';
      discard?: Cidr;
    };

/** How many free subnets flannel collects before picking one at random. */
export const FREE_SUBNET_SAMPLE = 100;

/** Raised when every subnet in SubnetMin..SubnetMax overlaps a lease. */
export class OutOfSubnetsError extends LabbenchError {}

/** True when a subnet is inside SubnetMin..SubnetMax with the configured length (`isSubnetConfigCompat`). */
export function subnetFitsConfig(config: NetworkConfig, subnet: Cidr): boolean {
  return subnet.network >= config.subnetMin && subnet.network <= config.subnetMax && subnet.prefix === config.subnetLen;
}

/** The first ≤ `limit` subnets from SubnetMin that overlap no lease, in address order. */
export function freeSubnets(config: NetworkConfig, leases: readonly ExistingLease[], limit = FREE_SUBNET_SAMPLE): Cidr[] {
  const step = 2 ** (32 - config.subnetLen);
  const free: Cidr[] = [];
  for (let ip = config.subnetMin; ip <= config.subnetMax && free.length < limit; ip += step) {
    const candidate = { network: ip, prefix: config.subnetLen };
    if (!leases.some((l) => overlaps(candidate, l.subnet))) free.push(candidate);
  }
  return free;
}

/**
 * Decides the subnet for `publicIp`. `random()` returns a number in [0, 1) like Math.random.
 * Throws OutOfSubnetsError when a new subnet is needed and none is free.
 */
export function chooseSubnet(
  config: NetworkConfig,
  leases: readonly ExistingLease[],
  host: { publicIp: number; previousSubnet?: Cidr | undefined },
  random: () => number,
): SubnetChoice {
  let discard: Cidr | undefined;
  const mine = leases.find((l) => l.attrs?.publicIp === host.publicIp);
  if (mine) {
    if (subnetFitsConfig(config, mine.subnet)) return { action: 'reuse', subnet: mine.subnet, reservation: mine.reservation };
    discard = mine.subnet;
  }
  const previous = host.previousSubnet;
  if (previous && !leases.some((l) => sameCidr(l.subnet, previous)) && subnetFitsConfig(config, previous)) {
    return { action: 'create', subnet: previous, source: 'previous-subnet-file', ...(discard ? { discard } : {}) };
  }
  // flannel computes the free list from the listing taken before the discard, so the
  // discarded subnet is not offered again in this round.
  const free = freeSubnets(config, leases);
  if (free.length === 0) {
    throw new OutOfSubnetsError(`out of subnets: every /${config.subnetLen} in ${formatIp(config.subnetMin)}…${formatIp(config.subnetMax)} is leased`, {
      hint: 'delete stale leases under <prefix>/subnets or widen Network/SubnetMin/SubnetMax in the flannel config',
    });
  }
  const pick = free[Math.min(free.length - 1, Math.floor(random() * free.length))]!;
  return { action: 'create', subnet: pick, source: 'random-free', ...(discard ? { discard } : {}) };
}

/** One line for the log saying what was chosen and why. */
export function describeChoice(choice: SubnetChoice, publicIp: number): string {
  const subnet = formatCidr(choice.subnet);
  if (choice.action === 'reuse') return `Found lease (${subnet}) for current IP (${formatIp(publicIp)}), reusing`;
  if (choice.source === 'previous-subnet-file') return `Found previously leased subnet (${subnet}), reusing`;
  return `Picked subnet ${subnet} at random among the first free ones`;
}
