/**
 * Subnet lease keys and values in flannel's exact etcd format (pkg/subnet/subnet.go,
 * pkg/lease/lease.go): key `<prefix>/subnets/a.b.c.d-len`, value the JSON of LeaseAttrs with
 * PublicIP, PublicIPv6 (always null here), then BackendType/BackendData when the backend sets
 * them. Pure.
 */
import { type Cidr, formatIp, tryParseIp } from '../net/ipv4.ts';
import type { BackendType } from './config.ts';
import { goField, isJsonObject } from './go-json.ts';

/** flannel's key name for a subnet: "10.5.52.0-24". */
export function subnetKeyName(subnet: Cidr): string {
  return `${formatIp(subnet.network)}-${subnet.prefix}`;
}

/** `<prefix>/subnets` */
export function subnetsDir(prefix: string): string {
  return `${trimSlash(prefix)}/subnets`;
}

/** `<prefix>/config` */
export function configKey(prefix: string): string {
  return `${trimSlash(prefix)}/config`;
}

/** `<prefix>/subnets/a.b.c.d-len` */
export function subnetKey(prefix: string, subnet: Cidr): string {
  return `${subnetsDir(prefix)}/${subnetKeyName(subnet)}`;
}

function trimSlash(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}

// flannel's regex, including its unescaped dots; the optional `&v6addr-len` part of a
// dual-stack key is accepted and ignored (this agent is IPv4-only).
const SUBNET_KEY = /(\d+\.\d+.\d+.\d+)-(\d+)(?:&([a-f\d:]+)-(\d+))?$/;

/** The subnet a lease key names, or undefined when the key is not a lease key. */
export function parseSubnetKey(key: string): Cidr | undefined {
  const m = SUBNET_KEY.exec(key);
  if (!m) return undefined;
  const ip = tryParseIp(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  return { network: ip, prefix };
}

/** What this host publishes in its lease, per backend. */
export type OwnLeaseAttrs =
  | { backend: 'udp'; publicIp: number }
  | { backend: 'host-gw'; publicIp: number }
  | { backend: 'vxlan'; publicIp: number; vni: number; vtepMac: string };

/**
 * The lease value, byte for byte as flanneld v0.15+ marshals it: vxlan
 * `{"PublicIP":…,"PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":…}}`,
 * host-gw without BackendData, udp with neither BackendType nor BackendData.
 */
export function encodeLeaseAttrs(attrs: OwnLeaseAttrs): string {
  const head = `{"PublicIP":${JSON.stringify(formatIp(attrs.publicIp))},"PublicIPv6":null`;
  switch (attrs.backend) {
    case 'udp':
      return `${head}}`;
    case 'host-gw':
      return `${head},"BackendType":"host-gw"}`;
    case 'vxlan':
      return `${head},"BackendType":"vxlan","BackendData":{"VNI":${attrs.vni},"VtepMAC":${JSON.stringify(attrs.vtepMac)}}}`;
  }
}

/** A lease value as read from etcd, whoever wrote it. */
export interface LeaseAttrs {
  publicIp: number;
  /** "" when the writer set none (the udp backend). */
  backendType: string;
  /** vxlan BackendData, when present and well-formed. */
  vxlan?: { vni?: number; vtepMac: string };
}

/** Decodes a lease value (case-insensitive like Go); undefined when it is not a usable lease. */
export function decodeLeaseAttrs(text: string): LeaseAttrs | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  const publicIpText = goField(parsed, 'PublicIP');
  const publicIp = typeof publicIpText === 'string' ? tryParseIp(publicIpText) : undefined;
  if (publicIp === undefined) return undefined;
  const backendType = goField(parsed, 'BackendType');
  const attrs: LeaseAttrs = { publicIp, backendType: typeof backendType === 'string' ? backendType : '' };
  const data = goField(parsed, 'BackendData');
  if (attrs.backendType === 'vxlan' && isJsonObject(data)) {
    const mac = goField(data, 'VtepMAC');
    const vni = goField(data, 'VNI');
    if (typeof mac === 'string' && MAC.test(mac)) {
      attrs.vxlan = { vtepMac: mac.toLowerCase(), ...(typeof vni === 'number' ? { vni } : {}) };
    }
  }
  return attrs;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** True when a remote lease is one this host's backend programs (flannel's per-backend filter). */
export function leaseServedBy(backend: BackendType, attrs: LeaseAttrs): boolean {
  // vxlan and host-gw ignore leases of other backend types; udp does not look at BackendType.
  if (backend === 'udp') return true;
  return attrs.backendType === backend;
}
