/**
 * IPv4 addresses and CIDR blocks as plain numbers. Pure; shared by the testbed spec,
 * the flannel agent and the scenarios.
 */
import { ConfigError } from '../errors.ts';

export interface Cidr {
  /** Network address as an unsigned 32-bit integer (host bits zero). */
  network: number;
  prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses dotted-quad IPv4; undefined when it is not one. */
export function tryParseIp(text: string): number | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function parseIp(text: string): number {
  const ip = tryParseIp(text);
  if (ip === undefined) throw new ConfigError(`"${text}" is not an IPv4 address`, { hint: 'write it as a.b.c.d, e.g. 192.168.100.12' });
  return ip;
}

export function formatIp(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * Parses "a.b.c.d/len". With `strict` (the default) host bits must be zero, which catches
 * typos like 192.168.100.12/24 where a network was meant.
 */
export function tryParseCidr(text: string, strict = true): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = tryParseIp(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const network = (ip & maskOf(prefix)) >>> 0;
  if (strict && network !== ip) return undefined;
  return { network, prefix };
}

export function parseCidr(text: string, what = 'subnet'): Cidr {
  const c = tryParseCidr(text);
  if (!c) {
    const loose = tryParseCidr(text, false);
    const hint = loose ? `did you mean ${formatCidr(loose)}?` : 'write it as a.b.c.d/len, e.g. 192.168.100.0/24';
    throw new ConfigError(`${what} "${text}" is not a valid IPv4 CIDR block`, { hint });
  }
  return c;
}

/** Whether two blocks are the same network and length. */
export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.network === b.network && a.prefix === b.prefix;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function broadcast(c: Cidr): number {
  return (c.network + size(c) - 1) >>> 0;
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & maskOf(c.prefix)) >>> 0 === c.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & maskOf(p)) >>> 0 === (b.network & maskOf(p)) >>> 0;
}

/**
 * True when `address` (a.b.c.d, or an interface address a.b.c.d/len) lies in `cidr` (a block,
 * or an interface address such as a bip 10.0.0.1/24 or a FLANNEL_SUBNET 172.20.9.1/24).
 */
export function addressIn(address: string | undefined, cidr: string | undefined): boolean {
  const ip = address === undefined ? undefined : tryParseIp(address.split('/')[0]!);
  const block = cidr === undefined ? undefined : tryParseCidr(cidr, false);
  return ip !== undefined && block !== undefined && contains(block, ip);
}

/** True when ip is a usable host address of c (not the network or broadcast address). */
export function isHostAddress(c: Cidr, ip: number): boolean {
  if (!contains(c, ip)) return false;
  if (c.prefix >= 31) return true;
  return ip !== c.network && ip !== broadcast(c);
}
