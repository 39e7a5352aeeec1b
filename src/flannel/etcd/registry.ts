/**
 * The subnet registry: the few etcd operations flannel's etcd subnet manager performs, behind
 * one interface with a v2 (keys API, TTL) and a v3 (JSON gateway, leases) implementation.
 */
import type { Cidr } from '../../net/ipv4.ts';

export type EtcdApi = 'v2' | 'v3';

/** A lease key as stored, value not yet decoded. */
export interface StoredLease {
  subnet: Cidr;
  value: string;
  /** No TTL (v2) or no etcd lease (v3): a reservation that never expires. */
  reservation: boolean;
}

/** A listing plus the store revision it reflects, to watch for changes after it. */
export interface LeaseListing {
  leases: StoredLease[];
  revision: string;
}

/** What a look-up of `<prefix>/config` found. */
export type ConfigLookup =
  | { state: 'present'; value: string }
  | { state: 'absent' }
  /** This API is not served (v2 without --enable-v2, v3 gateway off). */
  | { state: 'unavailable'; detail: string };

/** The etcd operations of flannel's subnet manager. */
export interface SubnetRegistry {
  readonly api: EtcdApi;
  readonly prefix: string;
  getConfig(): Promise<ConfigLookup>;
  listLeases(): Promise<LeaseListing>;
  /** Creates the lease key only if absent (TTL in seconds); false when it already exists. */
  createLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<boolean>;
  /** Writes the lease key unconditionally; ttlSeconds 0 stores it without expiry (a reservation). */
  updateLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<void>;
  deleteLease(subnet: Cidr): Promise<void>;
  /** Resolves when something under `<prefix>/subnets` changed after `revision`, after maxWaitMs, or when `signal` aborts. */
  waitForChange(revision: string, maxWaitMs: number, signal?: AbortSignal): Promise<void>;
}

/** flannel's lease TTL: 24 hours, in every version. */
export const SUBNET_TTL_SECONDS = 24 * 60 * 60;
