/**
 * Choosing the external interface and public IP like flanneld (`-iface`, `-iface-regex`, else the
 * default-route interface), with one addition for lab hosts that have no default route: the
 * only non-loopback interface with a global IPv4 address. Pure: it works on `ip -j` output.
 */
import { ConfigError } from '../errors.ts';
import { formatIp, tryParseIp } from '../net/ipv4.ts';

/** One interface with its IPv4 addresses, from `ip -j -d -4 addr show`. */
export interface HostInterface {
  name: string;
  mtu: number;
  loopback: boolean;
  /** Link kind from `-d` (veth, bridge, vxlan, tun…); '' for a physical NIC. */
  kind: string;
  addresses: { ip: number; prefix: number; global: boolean }[];
}

/** The interface flannel will use, its address, the public IP, and why it was chosen. */
export interface ExternalInterface {
  name: string;
  mtu: number;
  /** The interface's IPv4 address (flannel's IfaceAddr). */
  address: number;
  /** Prefix length of that address (for DirectRouting's same-subnet test). */
  prefix: number;
  /** -public-ip, or the interface address (flannel's ExtAddr). */
  publicIp: number;
  reason: string;
}

/** Parses `ip -j -d -4 addr show`. */
export function parseIpAddrJson(text: string): HostInterface[] {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return [];
  return data.map((link) => {
    const l = link as {
      ifname?: string;
      mtu?: number;
      flags?: string[];
      linkinfo?: { info_kind?: string };
      addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
    };
    const addresses = (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.local !== undefined)
      .flatMap((a) => {
        const ip = tryParseIp(a.local!);
        return ip === undefined ? [] : [{ ip, prefix: a.prefixlen ?? 32, global: a.scope === 'global' }];
      });
    return { name: l.ifname ?? '', mtu: l.mtu ?? 1500, loopback: (l.flags ?? []).includes('LOOPBACK'), kind: l.linkinfo?.info_kind ?? '', addresses };
  });
}

/** The device of the first IPv4 default route in `ip -j -4 route show default`, if any. */
export function parseDefaultRouteDevice(text: string): string | undefined {
  const data = JSON.parse(text) as unknown;
  if (!Array.isArray(data)) return undefined;
  const route = data.find((r) => (r as { dst?: string }).dst === 'default' && typeof (r as { dev?: string }).dev === 'string') as { dev: string } | undefined;
  return route?.dev;
}

/** What the user asked for and what the host has. */
export interface InterfaceQuery {
  interfaces: readonly HostInterface[];
  defaultRouteDevice: string | undefined;
  ifaces: readonly string[];
  ifaceRegexes: readonly string[];
  publicIp: number | undefined;
}

/** Picks the external interface; throws ConfigError naming the fix when none fits. */
export function chooseExternalInterface(q: InterfaceQuery): ExternalInterface {
  const usable = q.interfaces.filter((i) => i.addresses.length > 0);

  if (q.ifaces.length > 0) {
    for (const spec of q.ifaces) {
      const ip = tryParseIp(spec);
      const found = ip !== undefined ? usable.find((i) => i.addresses.some((a) => a.ip === ip)) : q.interfaces.find((i) => i.name === spec);
      if (found) return finish(found, ip, q.publicIp, `-iface ${spec}`);
    }
    throw new ConfigError(`none of the interfaces given with -iface (${q.ifaces.join(', ')}) exists with an IPv4 address`, {
      hint: `choose one of: ${describeInterfaces(q.interfaces)}`,
    });
  }

  if (q.ifaceRegexes.length > 0) {
    for (const pattern of q.ifaceRegexes) {
      const re = new RegExp(pattern);
      for (const iface of usable) {
        const byIp = iface.addresses.find((a) => re.test(formatIp(a.ip)));
        if (byIp) return finish(iface, byIp.ip, q.publicIp, `-iface-regex ${pattern} matched address ${formatIp(byIp.ip)}`);
      }
      const byName = usable.find((i) => re.test(i.name));
      if (byName) return finish(byName, undefined, q.publicIp, `-iface-regex ${pattern} matched interface name`);
    }
    throw new ConfigError(`no interface matches -iface-regex ${q.ifaceRegexes.join(', ')}`, { hint: `interfaces here: ${describeInterfaces(q.interfaces)}` });
  }

  if (q.defaultRouteDevice !== undefined) {
    const found = q.interfaces.find((i) => i.name === q.defaultRouteDevice);
    if (found) return finish(found, undefined, q.publicIp, 'interface of the default route');
  }

  const candidates = q.interfaces.filter((i) => isLanCandidate(i) && i.addresses.some((a) => a.global));
  if (candidates.length === 1) {
    return finish(candidates[0]!, undefined, q.publicIp, 'no default route; the only non-loopback interface with a global IPv4 address');
  }
  throw new ConfigError(
    candidates.length === 0
      ? 'no default route and no non-loopback interface with a global IPv4 address'
      : `no default route and several interfaces with global IPv4 addresses (${candidates.map((c) => c.name).join(', ')})`,
    { hint: 'name the interface that reaches the other hosts, e.g. FLANNEL_OPTIONS="-iface=eth1" in /etc/sysconfig/flanneld' },
  );
}

/** Link kinds that are the host's own virtual plumbing, never the LAN: Docker's and flannel's devices. */
const LOCAL_LINK_KINDS = new Set(['bridge', 'vxlan', 'tun', 'dummy']);

/** For the no-default-route fallback: a LAN interface, not loopback, a bridge (docker0) or flannel's device. */
function isLanCandidate(iface: HostInterface): boolean {
  return !iface.loopback && !LOCAL_LINK_KINDS.has(iface.kind) && !iface.name.startsWith('flannel');
}

function finish(iface: HostInterface, preferredIp: number | undefined, publicIp: number | undefined, reason: string): ExternalInterface {
  const chosen = iface.addresses.find((a) => a.ip === preferredIp) ?? iface.addresses.find((a) => a.global) ?? iface.addresses[0];
  if (!chosen) {
    throw new ConfigError(`failed to find IPv4 address for interface ${iface.name}`, {
      hint: `give ${iface.name} an address or pick another interface with -iface`,
    });
  }
  return { name: iface.name, mtu: iface.mtu, address: chosen.ip, prefix: chosen.prefix, publicIp: publicIp ?? chosen.ip, reason };
}

function describeInterfaces(interfaces: readonly HostInterface[]): string {
  const shown = interfaces.filter((i) => !i.loopback).map((i) => `${i.name}${i.addresses[0] ? ` (${formatIp(i.addresses[0].ip)})` : ''}`);
  return shown.length > 0 ? shown.join(', ') : '(no interfaces with IPv4)';
}
