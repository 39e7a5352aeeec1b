/**
 * Acquiring this host's subnet lease in etcd like flannel's `AcquireLease`: list, choose
 * (allocate.ts), then update the reused key or create a new one if absent, retrying races
 * up to 10 times.
 */
import { LabbenchError } from '../../errors.ts';
import { type Cidr, formatCidr } from '../../net/ipv4.ts';
import { chooseSubnet, describeChoice, type ExistingLease } from '../allocate.ts';
import type { NetworkConfig } from '../config.ts';
import { type StoredLease, SUBNET_TTL_SECONDS, type SubnetRegistry } from '../etcd/registry.ts';
import { decodeLeaseAttrs, encodeLeaseAttrs, type OwnLeaseAttrs } from '../lease.ts';
import type { AgentLog } from './log.ts';

/** flannel's `raceRetries`. */
export const RACE_RETRIES = 10;

/** The lease this host holds. */
export interface HeldLease {
  subnet: Cidr;
  /** A reservation is kept without TTL and never renewed. */
  reservation: boolean;
  /** Epoch ms of expiry; undefined for a reservation. */
  expiresAt: number | undefined;
}

/** Turns stored leases into what the allocator reads. */
export function toExistingLeases(stored: readonly StoredLease[]): ExistingLease[] {
  return stored.map((l) => ({ subnet: l.subnet, attrs: decodeLeaseAttrs(l.value), reservation: l.reservation }));
}

/** Obtains a lease for `attrs`, reusing this host's or creating one. */
export async function acquireLease(
  registry: SubnetRegistry,
  config: NetworkConfig,
  attrs: OwnLeaseAttrs,
  previousSubnet: Cidr | undefined,
  log: AgentLog,
  random: () => number = Math.random,
  now: () => number = Date.now,
): Promise<HeldLease> {
  const value = encodeLeaseAttrs(attrs);
  for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
    const listing = await registry.listLeases();
    const choice = chooseSubnet(config, toExistingLeases(listing.leases), { publicIp: attrs.publicIp, previousSubnet }, random);
    if (choice.discard) {
      log.info(`Found lease (${formatCidr(choice.discard)}) for current IP but not compatible with current config, deleting`);
      await registry.deleteLease(choice.discard);
    }
    log.info(describeChoice(choice, attrs.publicIp));
    if (choice.action === 'reuse') {
      await registry.updateLease(choice.subnet, value, choice.reservation ? 0 : SUBNET_TTL_SECONDS);
      return { subnet: choice.subnet, reservation: choice.reservation, expiresAt: choice.reservation ? undefined : now() + SUBNET_TTL_SECONDS * 1000 };
    }
    if (await registry.createLease(choice.subnet, value, SUBNET_TTL_SECONDS)) {
      log.info(`Allocated lease (${formatCidr(choice.subnet)}) to current node`);
      return { subnet: choice.subnet, reservation: false, expiresAt: now() + SUBNET_TTL_SECONDS * 1000 };
    }
    log.info(`subnet ${formatCidr(choice.subnet)} was taken meanwhile; trying again`);
  }
  throw new LabbenchError('Max retries reached trying to acquire a subnet', { hint: 'several hosts are racing for the same subnets; restart the agent' });
}
