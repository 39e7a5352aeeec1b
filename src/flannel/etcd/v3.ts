/**
 * The subnet registry over etcd's v3 API through its JSON gRPC gateway (`/v3/kv/*`,
 * `/v3/lease/*`, `/v3/watch`; keys and values base64), as flannel ≥ v0.18 uses it: create =
 * grant a 24 h lease + a transaction "put if version is 0"; renew = a new grant + a put.
 */
import type { Cidr } from '../../net/ipv4.ts';
import { configKey, parseSubnetKey, subnetKey, subnetsDir } from '../lease.ts';
import { EtcdError, type EtcdHttp, type EtcdResponse } from './http.ts';
import type { ConfigLookup, LeaseListing, StoredLease, SubnetRegistry } from './registry.ts';

/** A key-value as the gateway returns it (int64 fields are JSON strings). */
export interface V3KeyValue {
  key: string;
  value?: string;
  lease?: string;
}

/** Base64 of a UTF-8 string, the gateway's encoding for keys and values. */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string | undefined): string {
  return Buffer.from(text ?? '', 'base64').toString('utf8');
}

/** The range end that selects every key starting with `prefix` (etcd's prefix-end rule). */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

/** Leases from a range answer's kvs; keys that are not lease keys are skipped. */
export function leasesFromV3Kvs(kvs: readonly V3KeyValue[]): StoredLease[] {
  return kvs.flatMap((kv) => {
    const subnet = parseSubnetKey(unb64(kv.key));
    if (!subnet) return [];
    return [{ subnet, value: unb64(kv.value), reservation: kv.lease === undefined || kv.lease === '0' }];
  });
}

/** SubnetRegistry over the v3 JSON gateway. */
export class EtcdV3Registry implements SubnetRegistry {
  readonly api = 'v3' as const;

  constructor(
    private readonly http: EtcdHttp,
    readonly prefix: string,
  ) {}

  async getConfig(): Promise<ConfigLookup> {
    const res = await this.http.request({ method: 'POST', path: '/v3/kv/range', body: JSON.stringify({ key: b64(configKey(this.prefix)) }) });
    if (res.status === 404) return { state: 'unavailable', detail: 'the etcd v3 JSON gateway is not served (etcd --enable-grpc-gateway)' };
    const body = expectOk<{ kvs?: V3KeyValue[] }>(res, 'reading the flannel config');
    const kv = body.kvs?.[0];
    return kv ? { state: 'present', value: unb64(kv.value) } : { state: 'absent' };
  }

  async listLeases(): Promise<LeaseListing> {
    const dir = `${subnetsDir(this.prefix)}/`;
    const res = await this.http.request({ method: 'POST', path: '/v3/kv/range', body: JSON.stringify({ key: b64(dir), range_end: prefixRangeEnd(dir) }) });
    const body = expectOk<{ header?: { revision?: string }; kvs?: V3KeyValue[] }>(res, 'listing subnet leases');
    return { leases: leasesFromV3Kvs(body.kvs ?? []), revision: body.header?.revision ?? '0' };
  }

  async createLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<boolean> {
    const leaseId = await this.grant(ttlSeconds);
    const key = b64(subnetKey(this.prefix, subnet));
    const txn = {
      compare: [{ key, target: 'VERSION', result: 'EQUAL', version: '0' }],
      success: [{ request_put: { key, value: b64(value), lease: leaseId } }],
    };
    const res = await this.http.request({ method: 'POST', path: '/v3/kv/txn', body: JSON.stringify(txn) });
    // The gateway omits false booleans: no "succeeded" means the key already existed.
    return expectOk<{ succeeded?: boolean }>(res, 'creating a subnet lease').succeeded === true;
  }

  async updateLease(subnet: Cidr, value: string, ttlSeconds: number): Promise<void> {
    const put: Record<string, string> = { key: b64(subnetKey(this.prefix, subnet)), value: b64(value) };
    if (ttlSeconds > 0) put.lease = await this.grant(ttlSeconds);
    const res = await this.http.request({ method: 'POST', path: '/v3/kv/put', body: JSON.stringify(put) });
    expectOk(res, 'renewing a subnet lease');
  }

  async deleteLease(subnet: Cidr): Promise<void> {
    const res = await this.http.request({ method: 'POST', path: '/v3/kv/deleterange', body: JSON.stringify({ key: b64(subnetKey(this.prefix, subnet)) }) });
    expectOk(res, 'deleting a subnet lease');
  }

  async waitForChange(revision: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const dir = `${subnetsDir(this.prefix)}/`;
    const request = { create_request: { key: b64(dir), range_end: prefixRangeEnd(dir), start_revision: String(BigInt(revision) + 1n) } };
    let buffered = '';
    await this.http.stream(
      { method: 'POST', path: '/v3/watch', body: JSON.stringify(request) },
      maxWaitMs,
      (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        return lines.some((line) => watchMessageEndsWait(line));
      },
      undefined,
      signal,
    );
  }

  private async grant(ttlSeconds: number): Promise<string> {
    const res = await this.http.request({ method: 'POST', path: '/v3/lease/grant', body: JSON.stringify({ TTL: String(ttlSeconds) }) });
    const body = expectOk<{ ID?: string }>(res, 'granting an etcd lease');
    if (!body.ID) throw new EtcdError(`etcd v3 at ${res.endpoint} granted no lease ID: ${res.text.slice(0, 200)}`);
    return body.ID;
  }
}

/** True for a watch stream message carrying events, or one that cancels the watch (compaction). */
export function watchMessageEndsWait(line: string): boolean {
  if (line.trim() === '') return false;
  try {
    const msg = JSON.parse(line) as { result?: { events?: unknown[]; canceled?: boolean; compact_revision?: string }; error?: unknown };
    if (msg.error !== undefined) return true;
    return (msg.result?.events?.length ?? 0) > 0 || msg.result?.canceled === true;
  } catch {
    return false;
  }
}

function expectOk<T>(res: EtcdResponse, doing: string): T {
  if (res.status !== 200) throw new EtcdError(`etcd v3 at ${res.endpoint} answered HTTP ${res.status} while ${doing}: ${res.text.trim().slice(0, 300)}`);
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new EtcdError(`etcd v3 at ${res.endpoint} answered with non-JSON while ${doing}: ${res.text.slice(0, 200)}`);
  }
}
