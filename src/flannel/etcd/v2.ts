/**
 * The subnet registry over etcd's v2 keys API (`/v2/keys`), as flannel ≤ v0.17 uses it:
 * quorum reads, create with prevExist=false and a TTL, renew by setting the key with a TTL,
 * and recursive watches on `<prefix>/subnets`.
 */
import type { Cidr } from '../../net/ipv4.ts';
import { configKey, parseSubnetKey, subnetKey, subnetsDir } from '../lease.ts';
import { EtcdError, type EtcdHttp, type EtcdResponse } from './http.ts';
import type { ConfigLookup, LeaseListing, StoredLease, SubnetRegistry } from './registry.ts';

/** etcd v2 error codes flannel relies on. */
const KEY_NOT_FOUND = 100;
const NODE_EXISTS = 105;
const EVENT_INDEX_CLEARED = 401;

interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  ttl?: number;
  expiration?: string;
  nodes?: V2Node[];
}

/** What a v2 answer means, decided from status and body. Pure. */
export type V2Outcome =
  | { kind: 'node'; node: V2Node; index: string }
  | { kind: 'error'; code: number; message: string; index: string }
  | { kind: 'not-v2'; status: number; body: string };

/** Classifies a v2 keys API answer; a 404 without etcd's JSON error means the v2 API is off. */
export function classifyV2Response(status: number, body: string, indexHeader: string | null): V2Outcome {
  let json: { node?: V2Node; errorCode?: number; message?: string; index?: number } | undefined;
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    json = undefined;
  }
  if (json && typeof json.errorCode === 'number') {
    return { kind: 'error', code: json.errorCode, message: json.message ?? '', index: String(json.index ?? indexHeader ?? '0') };
  }
  if (json?.node && status >= 200 && status < 300) return { kind: 'node', node: json.node, index: indexHeader ?? '0' };
  return { kind: 'not-v2', status, body };
}

/** Leases from the `<prefix>/subnets` directory node; keys that are not lease keys are skipped. */
export function leasesFromV2Dir(dir: V2Node): StoredLease[] {
  return (dir.nodes ?? []).flatMap((n) => {
    if (n.dir || n.key === undefined || n.value === undefined) return [];
    const subnet = parseSubnetKey(n.key);
    return subnet ? [{ subnet, value: n.value, reservation: n.ttl === undefined && n.expiration === undefined }] : [];
  });
}

/** Message for a v2 endpoint that does not serve the keys API. */
export const V2_DISABLED = 'the etcd v2 API is not enabled (etcd 3.4/3.5 serve it only with --enable-v2=true, ETCD_ENABLE_V2=true; etcd 3.6 has none)';

/** SubnetRegistry over `/v2/keys`. */
export class EtcdV2Registry implements SubnetRegistry {
  readonly api = 'v2' as const;

  constructor(
    private readonly http: EtcdHttp,
    readonly prefix: string,
  ) {}

  async getConfig(): Promise<ConfigLookup> {
    const res = await this.call('GET', `${configKey(this.prefix)}?quorum=true`);
    const outcome = classify(res);
    if (outcome.kind === 'node' && typeof outcome.node.value === 'string') return { state: 'present', value: outcome.node.value };
    if (outcome.kind === 'error' && outcome.code === KEY_NOT_FOUND) return { state: 'absent' };
    if (outcome.kind === 'not-v2' && outcome.status === 404) return { state: 'unavailable', detail: V2_DISABLED };
    throw unexpected(res, 'reading the flannel config');
  }

  async listLeases(): Promise<LeaseListing> {
    const res = await this.call('GET', `${subnetsDir(this.prefix)}?recursive=true&quorum=true`);
    const outcome = classify(res);
    if (outcome.kind === 'node') return { leases: leasesFromV2Dir(outcome.node), revision: outcome.index };
    if (outcome.kind === 'error' && outcome.code === KEY_NOT_FOUND) return { leases: [], revision: outcome.index };
    throw unexpected(res, 'listing subnet leases');
  }

  async createLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<boolean> {
    const res = await this.call('PUT', `${subnetKey(this.prefix, subnet)}?prevExist=false`, form(value, ttlSeconds));
    const outcome = classify(res);
    if (outcome.kind === 'node') return true;
    if (outcome.kind === 'error' && outcome.code === NODE_EXISTS) return false;
    throw unexpected(res, 'creating a subnet lease');
  }

  async updateLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<void> {
    const res = await this.call('PUT', subnetKey(this.prefix, subnet), form(value, ttlSeconds));
    if (classify(res).kind !== 'node') throw unexpected(res, 'renewing a subnet lease');
  }

  async deleteLease(subnet: Cidr): Promise<void> {
    const res = await this.call('DELETE', subnetKey(this.prefix, subnet));
    const outcome = classify(res);
    if (outcome.kind === 'node' || (outcome.kind === 'error' && outcome.code === KEY_NOT_FOUND)) return;
    throw unexpected(res, 'deleting a subnet lease');
  }

  async waitForChange(revision: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const next = BigInt(revision) + 1n;
    const path = `/v2/keys${encodeKey(subnetsDir(this.prefix))}?wait=true&recursive=true&waitIndex=${next}`;
    // Any body means an event arrived; "event index cleared" (history compacted) means relist.
    const cleared = (status: number, body: string): boolean => {
      const outcome = classifyV2Response(status, body, null);
      return outcome.kind === 'error' && outcome.code === EVENT_INDEX_CLEARED;
    };
    await this.http.stream({ method: 'GET', path }, maxWaitMs, (chunk) => chunk.trim() !== '', cleared, signal);
  }

  private call(method: 'GET' | 'PUT' | 'DELETE', keyAndQuery: string, body?: string): Promise<EtcdResponse> {
    const q = keyAndQuery.indexOf('?');
    const key = q === -1 ? keyAndQuery : keyAndQuery.slice(0, q);
    const query = q === -1 ? '' : keyAndQuery.slice(q);
    return this.http.request({
      method,
      path: `/v2/keys${encodeKey(key)}${query}`,
      ...(body !== undefined ? { body, contentType: 'application/x-www-form-urlencoded' } : {}),
    });
  }
}

function classify(res: EtcdResponse): V2Outcome {
  return classifyV2Response(res.status, res.text, res.headers.get('x-etcd-index'));
}

function form(value: string, ttlSeconds: number): string {
  const params = new URLSearchParams({ value });
  if (ttlSeconds > 0) params.set('ttl', String(ttlSeconds));
  return params.toString();
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function unexpected(res: EtcdResponse, doing: string): EtcdError {
  return new EtcdError(`etcd v2 at ${res.endpoint} answered HTTP ${res.status} while ${doing}: ${res.text.trim().slice(0, 300)}`);
}
