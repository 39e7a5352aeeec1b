/**
 * etcd's keys across a snapshot. etcd keeps its data on the host's disk, so a restore gets it
 * back as it was, except two things: keys with a TTL (flannel's leases) expire by the clock,
 * which went on while the snapshot waited, and values that name a host's LAN address (a
 * lease's PublicIP) must follow the lab to its new addresses. So a save records the expiring
 * keys with the seconds they had left, and a restore puts them back with that much time, and
 * rewrites the values that name an old address, before flanneld starts. Pure, apart from the
 * two small programs that run on the etcd host (python3 is in every host image; etcd's v2 API).
 */
import { type AddressChange, rewriteAddresses } from './address-map.ts';
import type { ExpiringKey } from './manifest.ts';

export interface EtcdKey {
  key: string;
  value: string;
  /** Seconds left, for a key that expires. */
  ttl?: number;
}

export interface EtcdPut {
  key: string;
  value: string;
  /** Omitted: the key does not expire (a put without a TTL clears one). */
  ttl?: number;
}

interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  ttl?: number;
  nodes?: V2Node[];
}

/** The keys (not directories) of a `GET /v2/keys/?recursive=true` answer, in order. */
export function flattenV2(answer: unknown): EtcdKey[] {
  const out: EtcdKey[] = [];
  const walk = (n: V2Node | undefined) => {
    if (!n) return;
    if (!n.dir && typeof n.key === 'string' && typeof n.value === 'string')
      out.push({ key: n.key, value: n.value, ...(typeof n.ttl === 'number' ? { ttl: n.ttl } : {}) });
    for (const c of n.nodes ?? []) walk(c);
  };
  walk((answer as { node?: V2Node } | undefined)?.node);
  return out;
}

/** The keys worth recording at a save: those that expire. */
export function expiringKeys(keys: readonly EtcdKey[]): ExpiringKey[] {
  return keys.filter((k): k is ExpiringKey => k.ttl !== undefined && k.ttl > 0);
}

/**
 * What to put after a restore, given the expiring keys saved and the keys etcd holds now:
 * every saved expiring key with its saved time left (its value moved to the new addresses),
 * and every other key whose value names an old address, moved.
 */
export function planEtcdRestore(saved: readonly ExpiringKey[], now: readonly EtcdKey[], changes: readonly AddressChange[]): EtcdPut[] {
  const puts: EtcdPut[] = saved.map((k) => ({ key: k.key, value: rewriteAddresses(k.value, changes), ttl: k.ttl }));
  const savedKeys = new Set(saved.map((k) => k.key));
  for (const k of now) {
    if (savedKeys.has(k.key)) continue;
    const value = rewriteAddresses(k.value, changes);
    if (value !== k.value) puts.push({ key: k.key, value, ...(k.ttl !== undefined ? { ttl: k.ttl } : {}) });
  }
  return puts;
}

/**
 * Prints `{"endpoint": URL, "tree": …}`, etcd's whole v2 tree and the client URL that gave it
 * (`{"error": …}` when none answers). argv: the client URLs to try, in order. Tries for up to 30 s: etcd may still be starting after a boot.
 */
export const READ_V2_TREE = `
import json, sys, time, urllib.request, urllib.error
deadline = time.time() + 30
last = ''
while True:
    for base in sys.argv[1:]:
        try:
            with urllib.request.urlopen(base + '/v2/keys/?recursive=true&sorted=true', timeout=3) as r:
                print(json.dumps({'endpoint': base, 'tree': json.loads(r.read().decode())}))
                sys.exit(0)
        except urllib.error.HTTPError as e:
            last = '%s: HTTP %s %s' % (base, e.code, e.read().decode()[:200])
        except Exception as e:
            last = '%s: %s' % (base, e)
    if time.time() > deadline:
        print(json.dumps({'error': last}))
        sys.exit(0)
    time.sleep(0.5)
`;

/** Puts the keys of a JSON list on stdin (EtcdPut[]) through etcd's v2 API at argv[1]; exits non-zero naming the first that failed. */
export const PUT_V2_KEYS = `
import json, sys, urllib.parse, urllib.request
base = sys.argv[1]
for p in json.load(sys.stdin):
    body = {'value': p['value']}
    if 'ttl' in p:
        body['ttl'] = str(p['ttl'])
    req = urllib.request.Request(base + '/v2/keys' + urllib.parse.quote(p['key']), data=urllib.parse.urlencode(body).encode(), method='PUT')
    req.add_header('Content-Type', 'application/x-www-form-urlencoded')
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except Exception as e:
        sys.stderr.write('etcd put %s failed: %s\\n' % (p['key'], e))
        sys.exit(1)
`;
